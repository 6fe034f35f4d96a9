"""Building and fitting the Bayesian Performance Law (PyMC; imported on the fit path only).

Variants (``bayes_law.VARIANTS``): ``plain``, ``era``, ``era_org``. See :mod:`bayes_law` for the
mean, the effects and the censored Student-t likelihood; :mod:`priors` for the priors.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError, SamplerNotAvailableError
from bayes_perflaw.perflaw.design import law_inputs
from bayes_perflaw.perflaw.laws import LawInputs
from bayes_perflaw.perflaw.mean import (
    FLOOR_CENSOR,
    MIXTURE_COMPONENTS,
    SCORE_MAX,
    VARIANTS,
    era_bins,
    era_labels,
    era_position,
    has_era,
    has_org,
    is_mixture,
    mean_score,
)
from bayes_perflaw.perflaw.priors import CENTRE, to_prior
from bayes_perflaw.perflaw.schema import law_gaps, release_year

SAMPLERS = ("nutpie", "pymc", "numpyro")
ERA_CENTRED = False  # non-centred: 0 divergences, ESS > 1100 over seeds 1-3 (centred: 3-5 divergences)
TARGET_ACCEPT = 0.95  # 0.8 left a divergence or two in era_org
SCALARS = ("w1", "w2", "w3", "w4", "b_ref", "gamma", "beta", "kappa", "nu")
DEFAULT_SOURCE_KIND = "developer"


@dataclass
class FitData:
    """The rows a fit uses, in the model's terms, and the rows it skipped (with reasons)."""

    table: pd.DataFrame
    skipped: list[tuple[str, str]]
    x: LawInputs
    y: np.ndarray
    censored: np.ndarray
    source_kinds: list[str]
    source_idx: np.ndarray
    era_start: float
    n_era: int
    era_idx: np.ndarray
    era_bins: list[int]
    orgs: list[str]
    org_idx: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)


def prepare(df: pd.DataFrame, variant: str = "era") -> FitData:
    """Usable rows of a validated table: every law input, ``mmlu``, and a release date for era variants."""
    if variant not in VARIANTS:
        raise DataError(f"unknown variant {variant!r}; choose from {sorted(VARIANTS)}", column="--variant")
    gaps = law_gaps(df)
    need_release = has_era(variant)
    reasons = []
    for i in range(len(df)):
        lack = [g for g in gaps.iloc[i].split(", ") if g]
        if "mmlu" not in df.columns or pd.isna(df["mmlu"].iloc[i]):
            lack.append("mmlu")
        if need_release and ("release" not in df.columns or not df["release"].iloc[i]):
            lack.append(f"release (needed by variant {variant!r})")
        reasons.append(", ".join(lack))
    keep = np.array([r == "" for r in reasons])
    skipped = [(m, r) for m, r, k in zip(df["model"], reasons, keep, strict=True) if not k]
    table = df[keep].reset_index(drop=True)
    if len(table) < 8:
        raise DataError(f"only {len(table)} usable rows (need at least 8 to fit the law)")
    kinds_raw = table.get("mmlu_source_kind", pd.Series([""] * len(table)))
    kinds = kinds_raw.replace("", DEFAULT_SOURCE_KIND).astype(str)
    source_kinds = sorted(kinds.unique())
    orgs_raw = table.get("organization", pd.Series([""] * len(table))).astype(str)
    orgs_col = [o if o else f"(unknown: {m})" for o, m in zip(orgs_raw, table["model"], strict=True)]
    orgs = sorted(set(orgs_col))
    if need_release:
        years = release_year(table["release"])
        start, n_era = era_bins(years)
        position = era_position(years, start, n_era).astype(int)
        bins = sorted(set(position.tolist()))
        era_idx = np.array([bins.index(p) for p in position])
        if len(bins) < 2:
            raise DataError(f"variant {variant!r} needs releases spanning more than one half-year")
    else:
        start, n_era, bins, era_idx = float("nan"), 0, [], np.zeros(len(table), dtype=int)
    y = table["mmlu"].to_numpy(dtype=float)
    return FitData(
        table=table,
        skipped=skipped,
        x=law_inputs(table, gated_equivalent=True),
        y=y,
        censored=y <= FLOOR_CENSOR,
        source_kinds=source_kinds,
        source_idx=np.array([source_kinds.index(k) for k in kinds]),
        era_start=start,
        n_era=n_era,
        era_idx=era_idx,
        era_bins=bins,
        orgs=orgs,
        org_idx=np.array([orgs.index(o) for o in orgs_col]),
    )


def _is_fixed(spec: Any) -> bool:
    """A prior given as a plain number fixes the parameter (e.g. ``"nu": 4``)."""
    return isinstance(spec, (int, float)) and not isinstance(spec, bool)


def build_model(data: FitData, variant: str, priors: dict[str, dict[str, Any]]):
    """The PyMC model for ``data`` (a :class:`FitData`)."""
    import pymc as pm
    import pytensor.tensor as pt

    coords: dict[str, Any] = {"obs": data.table["model"].tolist(), "source_kind": data.source_kinds}
    if has_era(variant):
        labels = [era_labels(data.era_start, data.n_era)[k] for k in data.era_bins]
        coords.update(era_bin=labels, era_gap=labels[:-1])
    if has_org(variant):
        coords["organization"] = data.orgs
    if is_mixture(variant):
        coords["component"] = list(MIXTURE_COMPONENTS)
    with pm.Model(coords=coords) as model:
        rv = {
            name: (
                pm.Data(name, float(priors[name]))
                if _is_fixed(priors[name])
                else to_prior(priors[name]).create_variable(name)
            )
            for name in SCALARS
        }
        sigma = to_prior(priors["sigma"], dims="source_kind").create_variable("sigma")
        w = [rv["w1"], rv["w2"], rv["w3"], rv["w4"]]
        b = pm.Deterministic("b", rv["b_ref"] - sum(wi * ci for wi, ci in zip(w, CENTRE, strict=True)))
        x = LawInputs(*(pt.as_tensor_variable(np.asarray(v, dtype=float)) for v in data.x))
        effect = pt.zeros(len(data.y))
        if has_era(variant):
            # random walk with drift over the occupied half-year bins, anchored at 0 in the latest: a
            # step over g bins is Normal(drift*g, tau*sqrt(g)) (exact discretisation; no empty bins)
            tau = to_prior(priors["tau_era"]).create_variable("tau_era")
            drift = to_prior(priors["drift_era"]).create_variable("drift_era")
            gaps = np.diff(data.era_bins).astype(float)
            if ERA_CENTRED:
                step = pm.Normal("era_step", drift * gaps, tau * np.sqrt(gaps), dims="era_gap")
            else:
                z = pm.Normal("era_z", 0.0, 1.0, dims="era_gap")
                step = pm.Deterministic("era_step", drift * gaps + tau * np.sqrt(gaps) * z, dims="era_gap")
            walk = -pt.cumsum(step[::-1])[::-1]  # era[k] = -sum_{j >= k} step_j; era[last] = 0
            era = pm.Deterministic("era", pt.concatenate([walk, pt.zeros(1)]), dims="era_bin")
            effect = effect + era[data.era_idx]
        if has_org(variant):
            tau_o = to_prior(priors["tau_org"]).create_variable("tau_org")
            z_o = pm.Normal("org_z", 0.0, 1.0, dims="organization")
            org = pm.Deterministic("org", tau_o * z_o, dims="organization")
            effect = effect + org[data.org_idx]
        mu = pm.Deterministic("mu", mean_score(x, {**rv, "b": b}, effect, xp=pt), dims="obs")
        if is_mixture(variant):
            _mixture_likelihood(pm, pt, data, priors, mu, sigma[data.source_idx])
        elif _is_fixed(priors["nu"]) and float(priors["nu"]) == 4.0:
            _student4_likelihood(pm, pt, data, mu, sigma[data.source_idx])
        else:
            dist = pm.StudentT.dist(nu=rv["nu"], mu=mu, sigma=sigma[data.source_idx])
            observed = np.maximum(data.y, FLOOR_CENSOR)
            pm.Censored("mmlu", dist, lower=FLOOR_CENSOR, upper=None, observed=observed, dims="obs")
    return model


def t4_log_cdf(z, xp: Any = np):
    """log of the Student-t CDF with 4 degrees of freedom, in closed form and stable in both tails.

    ``F(z) = 1/2 + z (z^2 + 6) / (2 (z^2 + 4)^(3/2))``; its lower tail is rewritten without cancellation
    as ``L(|z|) = (6 z^2 + 32) / (a^3 (a^3 + |z| (z^2 + 6)))`` with ``a^2 = z^2 + 4``, so F(z) = L for
    z < 0 and 1 - L for z >= 0."""
    z2 = z * z
    a3 = (z2 + 4.0) ** 1.5
    lower = (6.0 * z2 + 32.0) / (a3 * (a3 + xp.abs(z) * (z2 + 6.0)))
    return xp.where(z < 0, xp.log(lower), xp.log1p(-lower))


T4_LOG_NORM = float(np.log(0.75) - np.log(2.0))  # log Gamma(5/2) - log Gamma(2) - log(sqrt(4 pi)) = log(3/8)


def _student4_likelihood(pm, pt, data: FitData, mu, sigma) -> None:
    """The censored Student-t (nu = 4) likelihood written out: the same density as ``pm.Censored`` of a
    ``StudentT(4)``, but PyTensor's generic t log-CDF (an incomplete beta function and its gradient)
    cost ~10 s of numba compilation; nu = 4 has a closed-form CDF (:func:`t4_log_cdf`)."""
    y = np.maximum(data.y, FLOOR_CENSOR)
    z = (y - mu) / sigma
    logpdf = T4_LOG_NORM - pt.log(sigma) - 2.5 * pt.log1p(z * z / 4.0)
    logcdf = t4_log_cdf((FLOOR_CENSOR - mu) / sigma, xp=pt)
    pm.Potential("mmlu_censored_t4", pt.switch(data.censored, logcdf, logpdf).sum())


def _mixture_likelihood(pm, pt, data: FitData, priors: dict[str, Any], mu, sigma) -> None:
    """Inlier / shifted-up / shifted-down Normal components, each censored at the floor, with the
    discrete membership marginalised (logsumexp). Scores enter as ``pm.Data`` ("mmlu_obs",
    "censored") so a compiled model can be reused on new scores for the same designs."""
    weights = to_prior(priors["mix_weights"], dims="component").create_variable("mix_weights")
    up = to_prior(priors["shift_high"]).create_variable("shift_high")
    down = to_prior(priors["shift_low"]).create_variable("shift_low")
    y = pm.Data("mmlu_obs", np.maximum(data.y, FLOOR_CENSOR), dims="obs")
    cens = pm.Data("censored", data.censored.astype(float), dims="obs")
    terms = []
    for k, centre in enumerate((mu, mu + up, mu - down)):
        # explicit Normal log density and log CDF: PyTensor's guarded normal_lcdf tripled the numba
        # compile time (74 s); z is clipped at -30, where log Phi is still exact in double precision
        z_obs = (y - centre) / sigma
        z_floor = pt.maximum((FLOOR_CENSOR - centre) / sigma, -30.0)
        logpdf = -0.5 * z_obs**2 - pt.log(sigma) - 0.5 * np.log(2 * np.pi)
        logcdf = pt.log(0.5 * pt.erfc(-z_floor / np.sqrt(2.0)))
        terms.append(pt.log(weights[k]) + pt.switch(cens > 0.5, logcdf, logpdf))
    pm.Potential("mmlu_mixture", pm.math.logsumexp(pt.stack(terms), axis=0).sum())


def sample(model, *, sampler: str, chains: int, draws: int, tune: int, seed: int, progress: bool):
    """Sample ``model``; returns (InferenceData, timings in seconds)."""
    import os

    import pymc as pm

    cores = max(1, min(chains, os.cpu_count() or 1))
    t0 = time.perf_counter()
    if sampler == "nutpie":
        try:
            import nutpie
        except ImportError:
            raise SamplerNotAvailableError("sampler 'nutpie' needs the package nutpie: pip install nutpie") from None
        keep = [v.name for v in model.free_RVs] + [d.name for d in model.deterministics if d.name != "mu"]
        compiled = nutpie.compile_pymc_model(model, var_names=keep)  # mu is recomputed in NumPy: -5 s compile
        t1 = time.perf_counter()
        idata = nutpie.sample(
            compiled,
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            cores=cores,
            progress_bar=progress,
            target_accept=TARGET_ACCEPT,
        )
    elif sampler in ("pymc", "numpyro"):
        if sampler == "numpyro":
            try:
                import numpyro  # noqa: F401
            except ImportError:
                raise SamplerNotAvailableError(
                    "sampler 'numpyro' needs numpyro and jax: pip install 'bayes_perflaw[numpyro]'"
                ) from None
        t1 = time.perf_counter()
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=cores,
            random_seed=seed,
            progressbar=progress,
            nuts_sampler=sampler,
            model=model,
            compute_convergence_checks=False,
            target_accept=TARGET_ACCEPT,
        )
    else:
        raise DataError(f"unknown sampler {sampler!r}; choose from {list(SAMPLERS)}", column="--sampler")
    t2 = time.perf_counter()
    return idata, {"compile_s": round(t1 - t0, 2), "sampling_s": round(t2 - t1, 2)}


PERFLAW_DROP = ("mu", "era_step")  # recomputed in NumPy / an internal step of the era walk


def clean_idata(idata, drop: tuple[str, ...] = ()):
    """Keep the constrained posterior and the sample stats; drop warm-up, unconstrained copies (``*__``),
    non-centred offsets (``*_z``) and the variables named in ``drop``."""
    import arviz as az

    post = idata.posterior
    post = post.drop_vars([v for v in post.data_vars if v.endswith("__") or v.endswith("_z") or v in drop])
    return az.InferenceData(posterior=post, sample_stats=idata.sample_stats)


def pointwise_loglik(data: FitData, mu: np.ndarray, sigma: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """Log-likelihood of each observation under each draw: mu (..., obs), sigma (..., kinds), nu (...)."""
    from scipy import stats

    s = sigma[..., data.source_idx]
    n = nu[..., None]
    dens = stats.t.logpdf(data.y, n, mu, s)
    cens = stats.t.logcdf(FLOOR_CENSOR, n, mu, s)
    return np.where(data.censored, cens, dens)


def posterior_predictive(data: FitData, mu, sigma, nu, seed: int) -> np.ndarray:
    """Replicated scores on the observed (censored) scale, one per draw and observation."""
    rng = np.random.default_rng(seed)
    eps = rng.standard_t(np.broadcast_to(nu[..., None], mu.shape)) * sigma[..., data.source_idx]
    return np.clip(mu + eps, FLOOR_CENSOR, SCORE_MAX)


def add_groups(idata, data: FitData, seed: int, priors: dict[str, Any], meta: dict[str, Any]):
    """Fixed parameters as constant draws; log_likelihood, posterior_predictive, observed_data and
    fit_data groups, all computed in NumPy through the same functions as :mod:`predict`."""
    import xarray as xr

    from bayes_perflaw.core.posterior import draws_from_idata
    from bayes_perflaw.perflaw.predict import latent_mean

    post = with_fixed(idata, priors).posterior
    shape = (post.sizes["chain"], post.sizes["draw"])
    draws = draws_from_idata(idata, meta)
    mu = latent_mean(data.table, draws, np.random.default_rng(seed)).T.reshape(*shape, -1)
    sigma, nu = post["sigma"].values, post["nu"].values
    dims = ("chain", "draw", "obs")
    coords = {"chain": post.chain.values, "draw": post.draw.values, "obs": data.table["model"].to_numpy(dtype=str)}
    if is_mixture(meta["variant"]):
        from bayes_perflaw.screening.screen import mixture_loglik, mixture_replicate

        parts = (post["mix_weights"].values, post["shift_high"].values, post["shift_low"].values)
        s_obs = sigma[..., data.source_idx]
        loglik = mixture_loglik(data.y, data.censored, mu, s_obs, *parts)
        replicate = mixture_replicate(mu, s_obs, *parts, seed)
    else:
        loglik = pointwise_loglik(data, mu, sigma, nu)
        replicate = posterior_predictive(data, mu, sigma, nu, seed)
    ll = xr.Dataset({"mmlu": (dims, loglik)}, coords=coords)
    pp = xr.Dataset({"mmlu": (dims, replicate)}, coords=coords)
    obs = xr.Dataset({"mmlu": ("obs", np.maximum(data.y, FLOOR_CENSOR))}, coords={"obs": coords["obs"]})
    idata.add_groups(log_likelihood=ll, posterior_predictive=pp, observed_data=obs)
    idata.add_groups(fit_data=fit_data_dataset(data))
    return idata


def fit_data_dataset(data: FitData):
    """The fit rows as an xarray Dataset (strings as fixed str arrays so netCDF can hold them)."""
    import xarray as xr

    keep = [
        "model",
        "organization",
        "release",
        "num_hidden_layers",
        "hidden_size",
        "intermediate_size",
        "moe_intermediate_size",
        "shared_intermediate_size",
        "num_experts",
        "num_experts_per_tok",
        "ffn_gated",
        "tokens_T",
        "params_B",
        "active_params_B",
        "mmlu",
        "mmlu_source_kind",
    ]
    cols = {}
    for c in keep:
        if c not in data.table.columns:
            continue
        s = data.table[c]
        if c == "ffn_gated":
            cols[c] = ("obs", s.astype("boolean").fillna(True).to_numpy(dtype=bool))
        elif s.dtype == float or pd.api.types.is_float_dtype(s):
            cols[c] = ("obs", s.to_numpy(dtype=float))
        else:
            cols[c] = ("obs", s.fillna("").astype(str).to_numpy(dtype=str))
    cols["censored"] = ("obs", data.censored)
    cols["era_idx"] = ("obs", data.era_idx)
    cols["org_idx"] = ("obs", data.org_idx)
    return xr.Dataset(cols, coords={"obs": data.table["model"].to_numpy(dtype=str)})


def design_meta(data: FitData, variant: str) -> dict[str, Any]:
    """What prediction needs to know about a fit besides its draws: variant and era bins."""
    from bayes_perflaw.perflaw.mean import ERA_STEP

    return {
        "kind": "perflaw",
        "variant": variant,
        "era_start": data.era_start if has_era(variant) else -1.0,
        "era_n": data.n_era,
        "era_bins": data.era_bins,
        "era_step": ERA_STEP,
    }


def with_fixed(idata, priors: dict[str, Any]):
    """Add parameters the prior config fixes (plain numbers) as constant draws."""
    post = idata.posterior
    shape = (post.sizes["chain"], post.sizes["draw"])
    for name in SCALARS:
        if name not in post and _is_fixed(priors[name]):
            post[name] = (("chain", "draw"), np.full(shape, float(priors[name])))
    return idata


def fit(
    df: pd.DataFrame,
    *,
    variant: str = "era",
    priors: dict[str, dict[str, Any]],
    sampler: str = "nutpie",
    chains: int = 4,
    draws: int = 1000,
    tune: int = 1000,
    seed: int = 1,
    progress: bool = False,
    data_hash: str = "",
    data_file: str = "",
) -> tuple[Any, dict[str, Any], FitData]:
    """Fit one variant to a validated table; returns (InferenceData with all groups, metadata, FitData)."""

    import arviz
    import pymc

    from bayes_perflaw import __version__
    from bayes_perflaw.core.diagnostics import diagnose
    from bayes_perflaw.core.posterior import utc_timestamp

    data = prepare(df, variant)
    model = build_model(data, variant, priors)
    raw, timings = sample(model, sampler=sampler, chains=chains, draws=draws, tune=tune, seed=seed, progress=progress)
    try:
        from importlib.metadata import version

        sampler_version = version(sampler)
    except Exception:  # noqa: BLE001 - the version string is informative only
        sampler_version = "unknown"
    meta = {
        **design_meta(data, variant),
        "package_version": __version__,
        "pymc_version": pymc.__version__,
        "arviz_version": arviz.__version__,
        "sampler": {"name": sampler, "version": sampler_version, "chains": chains, "draws": draws, "tune": tune},
        "seed": seed,
        "priors": priors,
        "data_hash": data_hash,
        "data_file": data_file,
        "n_obs": len(data.y),
        "skipped": [f"{m}: lacks {r}" for m, r in data.skipped],
        **design_meta(data, variant),
        "centre": list(CENTRE),
        "floor_censor": FLOOR_CENSOR,
        "created": utc_timestamp(),
        **timings,
    }
    idata = add_groups(clean_idata(raw, PERFLAW_DROP), data, seed, priors, meta)
    meta["diagnostics"] = diagnose(idata)
    return idata, meta, data
