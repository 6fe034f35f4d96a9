"""The Bayesian Performance Law as a model of the package's model API (PyMC imported on the fit path only).

``mu = law(N, h, d, T', S) + era + organisation`` (:mod:`bayes_perflaw.perflaw.mean`), reported scores
Student-t (nu = 4) around ``mu``, left-censored at chance + 5 (:mod:`bayes_perflaw.perflaw.likelihood`);
priors in :mod:`bayes_perflaw.perflaw.priors`. Variants ``plain``, ``era`` (default), ``era_org``; the screening
mixture (``era_mix``, ``plain_mix``) is :class:`bayes_perflaw.screening.model.Screening`, a subclass.
References: Wu & Tang 2024 (arXiv 2408.09895); the data in ``data/README.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from bayes_perflaw.core import priors as priors_mod
from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.model import BayesModel
from bayes_perflaw.core.posterior import Draws
from bayes_perflaw.perflaw.data import FitData, fit_data_dataset, prepare
from bayes_perflaw.perflaw.laws import LawInputs, bounded_score, soft_ceiling
from bayes_perflaw.perflaw.likelihood import (
    bounded_t4_logp,
    censored_t4_logp,
    censored_t_logp_scipy,
    switch_t4_logp,
)
from bayes_perflaw.perflaw.mean import (
    DEFAULT_VARIANT,
    ERA_STEP,
    FLOOR_CENSOR,
    LAW_KNEE,
    SCORE_MAX,
    VARIANTS,
    LawVariant,
    ceiling_min,
    era_label,
    era_labels,
    latent_score,
    level_scale,
    mean_score,
)
from bayes_perflaw.perflaw.priors import CENTRE, PRESETS, USED_BY, prior_config, unused_by

SWITCH_BLOCK = 250  # posterior draws per block of the switch likelihood in NumPy (bounded memory)
ERA_CENTRED = False  # non-centred: 0 divergences, ESS > 1100 over seeds 1-3 (centred: 3-5 divergences)
SCALARS = ("w1", "w2", "w3", "w4", "b_ref", "gamma", "beta", "kappa", "nu")  # every variant


def _t4(priors: dict[str, Any]) -> bool:
    """Whether the likelihood is the closed-form Student-t with nu fixed at 4 (the default)."""
    return priors_mod.is_fixed(priors["nu"]) and float(priors["nu"]) == 4.0


class PerformanceLaw(BayesModel):
    """Bayesian Performance Law: MMLU (percent) from layers, hidden size, FFN size, tokens (trillions) and
    parameters (billions), with honest predictive intervals.

    ``PerformanceLaw.load()`` reads the shipped posterior; ``PerformanceLaw(variant="era_level", priors={...}).fit(
    table, sampler="nutpie", draws=..., tune=..., seed=...)`` fits one to a table (pandas, sizes with units).
    """

    kind: ClassVar[str] = "perflaw"
    variants: ClassVar[dict[str, str]] = {n: v.doc for n, v in VARIANTS.items() if not v.mixture}
    default_variant: ClassVar[str] = DEFAULT_VARIANT
    presets: ClassVar[tuple[str, ...]] = tuple(PRESETS)
    drop_vars: ClassVar[tuple[str, ...]] = ("mu", "era_step")  # recomputed in NumPy / an internal step
    fixed_ranges: ClassVar[dict[str, tuple[float, float, str]]] = {
        "kappa": (0.0, 1.0, "the over-training return, a fraction"),
        "nu": (1.0, 1e6, "the Student-t's degrees of freedom, at least 1"),
    }

    @classmethod
    def parse_variant(cls, name: str) -> LawVariant:
        super().parse_variant(name)
        return VARIANTS[name]

    @classmethod
    def default_path(cls) -> Path:
        from bayes_perflaw.core.paths import default_posterior

        return default_posterior()

    def __init__(self, variant: str | None = None, priors: dict[str, Any] | None = None, preset: str | None = None):
        super().__init__(variant, priors, preset)
        preset_priors = self.default_priors()
        for name in unused_by(self.variant.name):  # another variant's prior: not part of this model
            if self.priors.pop(name) != preset_priors[name]:
                raise DataError(
                    f"variant {self.variant.name!r} has no prior {name!r} (a prior of {', '.join(USED_BY[name])} only)"
                )

    def default_priors(self) -> dict[str, Any]:
        return prior_config(self.preset)

    # --- fitting ----------------------------------------------------------------------------------

    def prepare(self, table: pd.DataFrame) -> FitData:
        """Validate ``table`` (idempotent: a validated table passes unchanged) and keep the usable rows."""
        from bayes_perflaw.perflaw.schema import validate

        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"expected a pandas DataFrame of models, not {type(table).__name__}")
        return prepare(validate(table, source="table", require_law_inputs=False), self.variant)

    def build(self, data: FitData):
        """The PyMC model for ``data``."""
        import pymc as pm
        import pytensor.tensor as pt

        variant, priors = self.variant, self.priors
        if (variant.link == "bounded" or variant.org_switch) and not _t4(priors):
            raise DataError(f"variant {variant.name!r} needs nu fixed at 4 (its likelihood is the closed-form t4)")
        coords: dict[str, Any] = {"obs": data.table["model"].tolist(), "source_kind": data.source_kinds}
        if variant.era:
            labels = [era_labels(data.era_start, data.n_era)[k] for k in data.era_bins]
            coords.update(era_bin=labels, era_gap=labels[:-1])
        if variant.org:
            coords["organization"] = data.orgs
        if variant.org_drift:
            coords["org_epoch"] = epoch_labels(data)
        coords.update(self._extra_coords())
        with pm.Model(coords=coords) as model:
            rv = {name: priors_mod.create_variable(name, priors[name]) for name in SCALARS}
            sigma = priors_mod.create_variable("sigma", priors["sigma"], dims="source_kind")
            w = [rv["w1"], rv["w2"], rv["w3"], rv["w4"]]
            b = pm.Deterministic("b", rv["b_ref"] - sum(wi * ci for wi, ci in zip(w, CENTRE, strict=True)))
            x = LawInputs(*(pt.as_tensor_variable(np.asarray(v, dtype=float)) for v in data.x))
            effect = pt.zeros(len(data.y))
            if variant.era:
                # random walk with drift over the occupied half-year bins, anchored at 0 in the latest: a
                # step over g bins is Normal(drift*g, tau*sqrt(g)) (exact discretisation; no empty bins)
                tau = priors_mod.create_variable("tau_era", priors["tau_era"])
                drift = priors_mod.create_variable("drift_era", priors["drift_era"])
                gaps = np.diff(data.era_bins).astype(float)
                if ERA_CENTRED:
                    step = pm.Normal("era_step", drift * gaps, tau * np.sqrt(gaps), dims="era_gap")
                else:
                    z = pm.Normal("era_z", 0.0, 1.0, dims="era_gap")
                    step = pm.Deterministic("era_step", drift * gaps + tau * np.sqrt(gaps) * z, dims="era_gap")
                walk = -pt.cumsum(step[::-1])[::-1]  # era[k] = -sum_{j >= k} step_j; era[last] = 0
                era = pm.Deterministic("era", pt.concatenate([walk, pt.zeros(1)]), dims="era_bin")
                effect = effect + era[data.era_idx]
            if variant.org_drift:
                # per organisation: its first release bin's state ~ N(0, tau_org), each later one the previous
                # plus N(0, tau_org_drift * sqrt(bins elapsed)); one cumulative sum restarted per organisation
                ep = data.epochs
                tau_o = priors_mod.create_variable("tau_org", priors["tau_org"])
                tau_d = priors_mod.create_variable("tau_org_drift", priors["tau_org_drift"])
                z_e = pm.Normal("org_epoch_z", 0.0, 1.0, dims="org_epoch")
                inc = pt.where(ep.first, tau_o, tau_d * np.sqrt(ep.gap.astype(float))) * z_e
                total = pt.cumsum(inc)
                before = pt.concatenate([pt.zeros(1), total])[ep.start]  # the sum before the organisation's first
                state = pm.Deterministic("org_state", total - before, dims="org_epoch")
                effect = effect + state[ep.obs_idx]
            elif variant.org:
                tau_o = priors_mod.create_variable("tau_org", priors["tau_org"])
                z_o = pm.Normal("org_z", 0.0, 1.0, dims="organization")
                org = pm.Deterministic("org", tau_o * z_o, dims="organization")
                if not variant.org_switch:  # the switch's offset enters its likelihood's components instead
                    effect = effect + org[data.org_idx]
            if variant.org_switch:
                rho = priors_mod.create_variable("org_switch", priors["org_switch"])
                latent = latent_score(x, {**rv, "b": b}, effect, xp=pt)
                y = np.maximum(data.y, FLOOR_CENSOR)
                sig = sigma[data.source_idx]
                org_i = org[data.org_idx]
                logp = switch_t4_logp(y, data.censored, latent, org_i, sig, tau_o, rho, xp=pt, knee=LAW_KNEE)
                pm.Potential("mmlu_switch_t4", logp.sum())
            elif variant.link == "bounded":
                ceiling = self._ceiling(ceiling_min(data.y))
                eta = latent_score(x, {**rv, "b": b}, effect, xp=pt)
                pm.Deterministic("mu", bounded_score(eta, ceiling, xp=pt), dims="obs")
                y = np.maximum(data.y, FLOOR_CENSOR)
                logp = bounded_t4_logp(y, data.censored, eta, sigma[data.source_idx], ceiling, xp=pt)
                pm.Potential("mmlu_bounded_t4", logp.sum())
            else:
                mu = pm.Deterministic("mu", mean_score(x, {**rv, "b": b}, effect, xp=pt), dims="obs")
                sig = sigma[data.source_idx]
                if variant.level_noise:
                    slope = priors_mod.create_variable("noise_slope", priors["noise_slope"])
                    curve = priors_mod.create_variable("noise_curve", priors["noise_curve"])
                    sig = sig * level_scale(mu, slope, curve, xp=pt)
                self._likelihood(data, mu, sig, rv["nu"])
        return model

    def _extra_coords(self) -> dict[str, Any]:
        return {}

    def _ceiling(self, top: float):
        """The bounded link's ceiling: its prior truncated below at ``top`` (above every reported score) and
        above at 100; a number fixes it (it must exceed ``top``)."""

        value = self.priors["ceiling"]
        if priors_mod.is_fixed(value):
            if float(value) <= top or float(value) >= SCORE_MAX:
                raise DataError(f"a fixed ceiling must lie in ({top:g}, 100), above every reported score; got {value}")
            return priors_mod.create_variable("ceiling", value)
        kwargs = {**value.get("kwargs", {}), "lower": top, "upper": SCORE_MAX}
        return priors_mod.to_prior({**value, "kwargs": kwargs}).create_variable("ceiling")

    def _likelihood(self, data: FitData, mu, sigma, nu) -> None:
        """Censored Student-t: the closed form for nu = 4 (the default), ``pm.Censored`` for a free nu."""
        import pymc as pm
        import pytensor.tensor as pt

        y = np.maximum(data.y, FLOOR_CENSOR)
        if _t4(self.priors):
            pm.Potential("mmlu_censored_t4", censored_t4_logp(y, data.censored, mu, sigma, xp=pt).sum())
        else:
            dist = pm.StudentT.dist(nu=nu, mu=mu, sigma=sigma)
            pm.Censored("mmlu", dist, lower=FLOOR_CENSOR, upper=None, observed=y, dims="obs")

    def design_meta(self, data: FitData) -> dict[str, Any]:
        """What prediction needs besides the draws (variant, era bins), and what the fit used."""
        return {
            "era_start": data.era_start if self.variant.era else -1.0,
            "era_n": data.n_era,
            "era_bins": data.era_bins,
            "era_step": ERA_STEP,
            "noise_column": self.variant.noise,
            "n_obs": len(data.y),
            "skipped": [f"{m}: lacks {r}" for m, r in data.skipped],
            "centre": list(CENTRE),
            "floor_censor": FLOOR_CENSOR,
            "link": self.variant.link,
            "ceiling_knee": LAW_KNEE,
            **(
                {"org_epoch_org": [data.orgs[o] for o in data.epochs.org], "org_epoch_bin": data.epochs.bin.tolist()}
                if data.epochs is not None
                else {}
            ),
            **({"ceiling_min": ceiling_min(data.y)} if self.variant.link == "bounded" else {}),
        }

    def describe_data(self, data: FitData) -> list[str]:
        lines = [f"skipped {len(data.skipped)} rows lacking a required field:"] if data.skipped else []
        lines += [f"  {m}: lacks {r}" for m, r in data.skipped]
        n_cens = int(data.censored.sum())
        return [*lines, f"fitted {len(data.y)} models ({n_cens} at the chance floor, censored)"]

    def _mu(self, data: FitData, values: dict[str, np.ndarray], seed: int = 0) -> np.ndarray:
        """The law's mean for the fit rows, (draws, obs), from flattened draws, on the likelihood's scale: the score
        (soft link) or the latent value before the link (bounded link)."""
        from bayes_perflaw.perflaw.predict import latent_mean

        meta = {"kind": self.kind, "variant": self.variant_name, **self.design_meta(data)}
        coords = {"source_kind": data.source_kinds, "organization": data.orgs}
        if self.variant.org_switch:  # the law + era, before the link: the offsets enter the likelihood's components
            values = {k: v for k, v in values.items() if k not in ("org", "org_switch")}
        # the bounded link's and the switch's likelihoods take the value before the link
        link = self.variant.link != "bounded" and not self.variant.org_switch
        return latent_mean(data.table, Draws(self.kind, meta, values, coords), seed, link=link).T

    def loglik(self, data: FitData, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Pointwise log-likelihood (draws, obs) of the reported scores, NumPy."""
        return {"mmlu": self._loglik(data, self._mu(data, values), values)}

    def _sigma(self, data: FitData, mu: np.ndarray, values: dict[str, np.ndarray]) -> np.ndarray:
        """Each fit row's noise scale (draws, obs): its source kind's, times the level profile for ``era_level``."""
        sigma = values["sigma"][:, data.source_idx]
        if self.variant.level_noise:
            sigma = sigma * level_scale(mu, values["noise_slope"][:, None], values["noise_curve"][:, None])
        return sigma

    def _loglik(self, data: FitData, mu: np.ndarray, values: dict[str, np.ndarray]) -> np.ndarray:
        """Pointwise log-likelihood for the law's mean ``mu`` (draws, obs) on the likelihood's scale (:meth:`_mu`)."""
        sigma = self._sigma(data, mu, values)
        y = np.maximum(data.y, FLOOR_CENSOR)
        if self.variant.org_switch:  # in blocks of draws: the integral adds a nodes axis
            org, tau, rho = values["org"][:, data.org_idx], values["tau_org"][:, None], values["org_switch"][:, None]
            out = np.empty_like(mu)
            for i in range(0, len(mu), SWITCH_BLOCK):
                b = slice(i, i + SWITCH_BLOCK)
                out[b] = switch_t4_logp(y, data.censored, mu[b], org[b], sigma[b], tau[b], rho[b], knee=LAW_KNEE)
            return out
        if self.variant.link == "bounded":
            return bounded_t4_logp(y, data.censored, mu, sigma, values["ceiling"][:, None])
        if _t4(self.priors):
            return censored_t4_logp(y, data.censored, mu, sigma)
        return censored_t_logp_scipy(y, data.censored, mu, sigma, values["nu"][:, None])

    def _replicate(self, data: FitData, mu: np.ndarray, values: dict[str, np.ndarray], seed: int) -> np.ndarray:
        """Replicated scores on the censored scale (draws, obs): posterior predictive for the PPC."""
        rng = np.random.default_rng(seed)
        eps = rng.standard_t(np.broadcast_to(values["nu"][:, None], mu.shape)) * self._sigma(data, mu, values)
        if self.variant.org_switch:  # each replicate keeps its organisation's offset or draws its own
            own = values["tau_org"][:, None] * rng.standard_normal(mu.shape)
            switched = rng.random(mu.shape) < values["org_switch"][:, None]
            mu = soft_ceiling(mu + np.where(switched, own, values["org"][:, data.org_idx]), knee=LAW_KNEE)
        if self.variant.link == "bounded":
            return np.maximum(bounded_score(mu + eps, values["ceiling"][:, None]), FLOOR_CENSOR)
        return np.clip(mu + eps, FLOOR_CENSOR, SCORE_MAX)

    def finish(self, idata, data: FitData, config):
        """log_likelihood, posterior_predictive, observed_data and fit_data groups, computed in NumPy through
        the same functions as prediction."""
        import xarray as xr

        from bayes_perflaw.core.posterior import draws_from_idata

        post = idata.posterior
        shape = (post.sizes["chain"], post.sizes["draw"], len(data.y))
        values = draws_from_idata(idata, {}).values  # flattened over chains
        mu = self._mu(data, values, config.seed)
        loglik = self._loglik(data, mu, values).reshape(shape)
        replicate = self._replicate(data, mu, values, config.seed).reshape(shape)
        dims = ("chain", "draw", "obs")
        coords = {"chain": post.chain.values, "draw": post.draw.values, "obs": data.table["model"].to_numpy(dtype=str)}
        ll = xr.Dataset({"mmlu": (dims, loglik)}, coords=coords)
        pp = xr.Dataset({"mmlu": (dims, replicate)}, coords=coords)
        obs = xr.Dataset({"mmlu": ("obs", np.maximum(data.y, FLOOR_CENSOR))}, coords={"obs": coords["obs"]})
        idata.add_groups(log_likelihood=ll, posterior_predictive=pp, observed_data=obs)
        idata.add_groups(fit_data=fit_data_dataset(data))
        return idata

    # --- the Python API (NumPy over draws; figures in :mod:`bayes_perflaw.perflaw.plots`) ------------

    def predict(
        self, recipes, prob: float = 0.9, *, noise: bool = True, seed: int | None = None, draws: int | None = 1000
    ) -> pd.DataFrame:
        """Predictive mean, median and equal-tailed ``prob`` interval of MMLU (percent) for each recipe: the
        input columns unchanged (cells as given), plus ``mmlu_mean``, ``mmlu_median``, ``mmlu_lo``, ``mmlu_hi``.
        ``recipes``: a DataFrame (sizes with units such as ``"8B"``, ``"15T"``) or a CSV path. ``noise=False``: the
        law's mean. ``draws``: posterior draws used, thinned evenly (None: all). Each row's result depends on the
        seed and the row only (its random numbers are keyed by its model name)."""
        from bayes_perflaw.perflaw.predict import DEFAULT_SEED, predict_bayes

        table, raw = read_recipes(recipes, with_raw=True)
        seed = DEFAULT_SEED if seed is None else seed
        return predict_bayes(table, self.draws, prob=prob, noise=noise, seed=seed, draws=draws, keep=raw)

    def predict_draws(self, recipes, *, noise: bool = True, seed: int | None = None, draws: int | None = 1000):
        """Predictive draws of MMLU (percent) as an ``xarray.DataArray`` with dims ("model", "draw"): the draws
        :meth:`predict` summarises (same seed and ``draws``)."""
        import xarray as xr

        from bayes_perflaw.perflaw.predict import DEFAULT_SEED, iter_predictive, thin

        table = read_recipes(recipes)
        seed = DEFAULT_SEED if seed is None else seed
        post = thin(self.draws, draws)
        values = np.concatenate([d for _, d in iter_predictive(table, post, noise=noise, seed=seed)])
        coords = {"model": table["model"].to_numpy(dtype=str), "draw": np.arange(values.shape[1])}
        return xr.DataArray(values, dims=("model", "draw"), coords=coords, name="mmlu", attrs={"units": "percent"})

    def plot_predicted_vs_reported(self, table=None):
        """(fig, ax): median and 90 % interval against the reported MMLU (default: the fit data)."""
        from bayes_perflaw.perflaw.plots import predicted_vs_reported

        return predicted_vs_reported(self, table)

    def plot_era(self):
        """(fig, ax): the era effect per half-year bin (posterior median and 90 % interval, MMLU points)."""
        from bayes_perflaw.perflaw.plots import era

        return era(self)

    def plot_noise(self, kind: str | None = None):
        """(fig, ax): the noise scale against the predicted score (``era_level``; median and 90 % interval)."""
        from bayes_perflaw.perflaw.plots import noise_profile

        return noise_profile(self, kind)

    def plot_partial(self, column: str = "tokens_T", recipe=None, values=None, prob: float = 0.9):
        """(fig, ax): predicted MMLU against one input (e.g. ``"tokens_T"``, ``"params_B"``), the others held
        at ``recipe`` (default: a Llama-3-8B-shaped recipe), with the ``prob`` band."""
        from bayes_perflaw.perflaw.plots import partial

        return partial(self, column, recipe, values, prob)


def epoch_labels(data: FitData) -> list[str]:
    """'Meta @ 2024H1' for each (organisation, release bin) state of the drifting organisation effect."""
    ep = data.epochs
    return [f"{data.orgs[o]} @ {era_label(data.era_start, int(b))}" for o, b in zip(ep.org, ep.bin, strict=True)]


def read_recipes(recipes, *, with_raw: bool = False):
    """A validated recipe table from a DataFrame (strings or numbers; sizes may carry units) or a CSV path;
    bad input raises the same :class:`~bayes_perflaw.core.errors.DataError` the command line reports.
    ``with_raw``: also return the table as given (cells untouched), for outputs that pass them through."""
    from bayes_perflaw.core.tables import read_table
    from bayes_perflaw.perflaw.schema import validate

    if isinstance(recipes, (str, Path)):
        raw, source = read_table(recipes), str(recipes)
    elif isinstance(recipes, pd.Series):
        raw, source = recipes.to_frame().T, "recipes"
    elif isinstance(recipes, pd.DataFrame):
        raw, source = recipes, "recipes"
    else:
        raise TypeError(f"recipes must be a pandas DataFrame or a CSV path, not {type(recipes).__name__}")
    table = validate(raw, source=source, require_law_inputs=True)
    return (table, raw.reset_index(drop=True)) if with_raw else table
