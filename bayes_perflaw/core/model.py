"""The one model API every Bayesian model of the package implements, and its fitted state.

In the spirit of CausalPy's ``PyMCModel`` and pymc-marketing's model builder, slimmer. A subclass declares
its ``kind``, its variants (parsed once into a value by :meth:`BayesModel.parse_variant`), its default priors
as JSON-able prior dicts (presets, user overrides, a number fixes a parameter), and implements

* ``prepare(table) -> data``: the rows and arrays the model fits (raises ``DataError`` on unusable input);
* ``build(data) -> pm.Model`` (or ``stages(data)`` for a model sampled as several independent PyMC models);
* ``loglik(data, values) -> {name: (draws, obs)}``: the pointwise log-likelihood in NumPy, from the same
  likelihood function the PyMC model uses (or tied to it by a parity test);
* ``design_meta(data)``: what prediction needs to know about the fit besides its draws.

:func:`bayes_perflaw.core.fitting.fit_model` runs every model through the same pipeline (sampler config merged
over defaults, sampling, diagnostics, one :class:`Fit`), and :meth:`BayesModel.save` / :meth:`BayesModel.load`
write and read the self-describing netCDF, whose id (a hash of kind, variant, identity, priors and format
version) is checked on load, so a file of another kind, variant or benchmark is refused. Nothing heavy is
imported here: a loaded model predicts with NumPy over its draws.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, ClassVar

from bayes_perflaw.core import priors as priors_mod
from bayes_perflaw.core.errors import DataError, PosteriorFileError
from bayes_perflaw.core.fitting import Fit
from bayes_perflaw.core.posterior import FORMAT_VERSION, Draws, load_draws
from bayes_perflaw.core.sampling import SamplerConfig


def model_id(kind: str, variant: str, priors: dict[str, Any], identity: dict[str, Any] | None = None) -> str:
    """A short hash of what defines a model: kind, variant, identity (e.g. the benchmark), priors, format."""
    payload = {"kind": kind, "variant": variant, "identity": identity or {}, "priors": priors, "format": FORMAT_VERSION}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


class BayesModel:
    """Base class: configuration (variant, priors) before a fit; draws, metadata and InferenceData after."""

    kind: ClassVar[str] = ""
    variants: ClassVar[dict[str, str]] = {}  # name -> one line on what it is
    default_variant: ClassVar[str] = ""
    presets: ClassVar[tuple[str, ...]] = ("default",)
    sampler_defaults: ClassVar[SamplerConfig] = SamplerConfig()
    drop_vars: ClassVar[tuple[str, ...]] = ()  # deterministics recomputed in NumPy, not stored
    # parameters fixed by default (no prior whose support could be checked): name -> (low, high, what it is)
    fixed_ranges: ClassVar[dict[str, tuple[float, float, str]]] = {}

    def __init__(self, variant: str | None = None, priors: dict[str, Any] | None = None, preset: str | None = None):
        self.variant = self.parse_variant(self.default_variant if variant is None else variant)
        self.preset = preset or self.presets[0]
        if self.preset not in self.presets:
            raise DataError(
                f"unknown prior preset {self.preset!r}; choose from {list(self.presets)}", column="--prior-preset"
            )
        self.priors = priors_mod.merge(self.default_priors(), priors)
        self._priors_checked = False
        self.meta: dict[str, Any] | None = None
        self.path: Path | None = None
        self._draws: Draws | None = None
        self._idata = None
        self.last_fit: Fit | None = None  # the last fit's prepared data, metadata and InferenceData

    # --- what a subclass provides -------------------------------------------------------------------

    @classmethod
    def parse_variant(cls, name: str):
        """The variant as a value (a subclass returns its own frozen dataclass with a ``name``)."""
        if name not in cls.variants:
            raise DataError(f"unknown variant {name!r}; choose from {sorted(cls.variants)}", column="--variant")
        return name

    def default_priors(self) -> dict[str, Any]:
        """The prior dicts of this variant and preset."""
        raise NotImplementedError

    def identity(self) -> dict[str, Any]:
        """What else tells two models of this kind apart (e.g. the benchmark a mapping predicts)."""
        return {}

    def prepare(self, table):
        raise NotImplementedError

    def build(self, data):
        """The PyMC model for prepared ``data``."""
        raise NotImplementedError

    def stages(self, data) -> dict[str, Any]:
        """Independent PyMC models sampled one after the other (one by default)."""
        return {"": self.build(data)}

    def stage_config(self, name: str, config):
        """The sampler settings of stage ``name`` (the fit's settings by default)."""
        return config

    def retry_config(self, name: str, config, diag: dict[str, Any]):
        """Settings to sample stage ``name`` once more after its diagnostics ``diag``, or None (the default: a
        fit is sampled once and reports what it got)."""
        return None

    def loglik(self, data, values: dict[str, Any]) -> dict[str, Any]:
        """NumPy pointwise log-likelihoods, ``{name: (draws, obs)}``, from flattened posterior draws."""
        raise NotImplementedError

    def design_meta(self, data) -> dict[str, Any]:
        return {}

    def finish(self, idata, data, config: SamplerConfig):
        """Add the groups a posterior file carries beyond the draws (log-likelihood, observed data ...)."""
        return idata

    def align(self, idata):
        """Post-process a stage's draws before diagnosis (e.g. fold a reflection symmetry); identity by default."""
        return idata

    def diagnose_vars(self, posterior) -> list[str] | None:
        """Variables checked for convergence (None: the default key parameters)."""
        return None

    def describe_data(self, data) -> list[str]:
        """Lines on what a fit used and skipped."""
        return []

    # --- shared behaviour ---------------------------------------------------------------------------

    @property
    def variant_name(self) -> str:
        return getattr(self.variant, "name", self.variant)

    @property
    def model_id(self) -> str:
        return model_id(self.kind, self.variant_name, self.priors, self.identity())

    def changed_priors(self) -> list[str]:
        """The parameters whose prior differs from this variant's defaults (what a user's overrides changed)."""
        return priors_mod.changed(self.default_priors(), self.priors)

    def check_priors(self) -> BayesModel:
        """Build every prior that differs from this variant's defaults on its own (fit path: imports PyMC), so that
        an unusable override is a one-line :class:`DataError` naming the parameter before any compilation or
        sampling. Returns ``self``; checked once."""
        if not self._priors_checked:
            priors_mod.check_buildable(self.priors, self.default_priors(), self.changed_priors(), self.fixed_ranges)
            self._priors_checked = True
        return self

    def fit(self, table, *, data_hash: str = "", data_file: str = "", log=None, **sampler: Any) -> BayesModel:
        """Fit to a validated table; ``sampler`` settings (sampler, chains, draws, tune, seed, progress) are laid
        over the model's defaults. Returns ``self``, now holding the posterior (``.idata``, ``.draws``)."""
        from bayes_perflaw.core.fitting import fit_model

        self.check_priors()
        result = fit_model(self, table, self.sampler_defaults.merged(**sampler), data_hash, data_file, log=log)
        self.last_fit, self.meta, self._idata, self._draws = result, result.meta, result.idata, None
        return self

    @property
    def is_fitted(self) -> bool:
        return self.meta is not None

    def _require_fit(self) -> None:
        if not self.is_fitted:
            raise PosteriorFileError(f"this {type(self).__name__} has no posterior: call .fit(...) or .load(...)")

    @property
    def draws(self) -> Draws:
        """Posterior draws flattened over chains (NumPy)."""
        self._require_fit()
        if self._draws is None:
            if self._idata is not None:
                from bayes_perflaw.core.posterior import draws_from_idata

                self._draws = draws_from_idata(self._idata, self.meta)
            else:
                self._draws = load_draws(self.path, kind=self.kind)
        return self._draws

    @property
    def idata(self):
        """The full ``arviz.InferenceData`` (posterior, sample_stats, log_likelihood, ...); imports ArviZ."""
        self._require_fit()
        if self._idata is None:
            from bayes_perflaw.core.posterior import load_idata

            self._idata = load_idata(self.path, kind=self.kind)
        return self._idata

    def save(self, path: str | Path, *, strict: bool = False, log=None) -> bool:
        """Write the posterior (self-describing netCDF) and its JSON card; with ``strict`` an unconverged fit
        writes nothing. Returns whether it wrote."""
        from bayes_perflaw.core.fitting import save_fit

        self._require_fit()
        return save_fit(self.shippable(self.idata), self.meta, path, strict=strict, log=log)

    def shippable(self, idata):
        """The groups a posterior file keeps (all by default)."""
        return idata

    @classmethod
    def default_path(cls, **identity: Any) -> Path:
        """The shipped posterior of this kind."""
        raise NotImplementedError

    @classmethod
    def load(cls, path: str | Path | None = None, **identity: Any) -> BayesModel:
        """A fitted model from a posterior file (the shipped one by default; ``identity`` such as the benchmark
        picks the shipped file and must match the file's), checked as :meth:`read` checks."""
        self = cls.read(Path(path) if path is not None else cls.default_path(**identity))
        for key, want in identity.items():
            if want is not None and self.meta.get(key) != want:
                raise PosteriorFileError(
                    f"{self.path}: is a posterior for {key} {self.meta.get(key)!r}, expected {want!r}"
                )
        return self

    @classmethod
    def read(cls, path: str | Path) -> BayesModel:
        """The fitted model in the posterior file ``path``, checked (h5py only): kind, format version, variables,
        a variant of this class, and the model id recorded at fit time (kind, variant, identity, priors)."""
        path = Path(path)
        draws = load_draws(path, kind=cls.kind)
        try:
            self = cls._from_meta(draws.meta)
        except (DataError, TypeError, ValueError, AttributeError) as err:  # a damaged setting in the metadata
            detail = err.detail if isinstance(err, DataError) else f"damaged metadata: {' '.join(str(err).split())}"
            raise PosteriorFileError(f"{path}: a {cls.kind} posterior this class cannot load ({detail})") from None
        self.priors = draws.meta.get("priors", self.priors)
        if draws.meta.get("model_id") != self.model_id:
            raise PosteriorFileError(f"{path}: its model id does not match its kind, variant and priors (corrupt file)")
        self.meta, self.path, self._draws = draws.meta, path, draws
        return self

    def saved_fit(self, path: str | Path | None, data_path: str | Path) -> BayesModel | None:
        """The posterior at ``path`` if it holds this very model (same model id: kind, variant, identity, priors)
        fitted to the file ``data_path`` (same hash); else None (also for a missing or unreadable file)."""
        from bayes_perflaw.core.posterior import file_hash

        if path is None or not Path(path).is_file():
            return None
        try:
            saved = type(self).read(path)
        except PosteriorFileError:
            return None
        same = saved.model_id == self.model_id and saved.meta.get("data_hash") == file_hash(data_path)
        return saved if same else None

    @classmethod
    def _from_meta(cls, meta: dict[str, Any]) -> BayesModel:
        """An unfitted model configured as a file's metadata says."""
        return cls(variant=meta.get("variant"), priors=meta.get("priors"))

    def __repr__(self) -> str:
        state = f"fitted, {self.draws.n_draws} draws" if self.is_fitted else "not fitted"
        return f"{type(self).__name__}(variant={self.variant_name!r}, {state})"
