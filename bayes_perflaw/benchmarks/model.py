"""Fitting the MMLU -> MMLU-Pro / BBH mappings (PyMC; fit path only)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.benchmarks.mapping import BENCHMARKS, map_mean
from bayes_perflaw.core.errors import DataError


def priors_for(benchmark: str, variant: str) -> dict[str, dict[str, Any]]:
    """Weakly informative priors (percent scale), as Prior dicts."""
    p = {"sigma": {"dist": "HalfNormal", "kwargs": {"sigma": 10.0}}}
    if variant == "logistic":
        p.update(
            a={"dist": "Normal", "kwargs": {"mu": -1.0, "sigma": 2.0}},
            b={"dist": "Normal", "kwargs": {"mu": 1.0, "sigma": 1.0}},
        )
        if BENCHMARKS[benchmark]["floor"] is None:
            p["floor"] = {"dist": "TruncatedNormal", "kwargs": {"mu": 30.0, "sigma": 8.0, "lower": 0.0, "upper": 50.0}}
    elif variant == "linear":
        p.update(
            c0={"dist": "Normal", "kwargs": {"mu": 25.0, "sigma": 20.0}},
            c1={"dist": "Normal", "kwargs": {"mu": 1.0, "sigma": 1.0}},
        )
    return p


def fit_mapping(
    df: pd.DataFrame,
    benchmark: str,
    variant: str,
    *,
    chains: int = 4,
    draws: int = 1000,
    tune: int = 1000,
    seed: int = 1,
    data_hash: str = "",
):
    """Fit one mapping; returns (InferenceData with log_likelihood, metadata)."""
    import pymc as pm
    import xarray as xr
    from scipy import stats

    from bayes_perflaw import __version__
    from bayes_perflaw.core.diagnostics import diagnose
    from bayes_perflaw.core.posterior import utc_timestamp
    from bayes_perflaw.perflaw.model import clean_idata, sample
    from bayes_perflaw.perflaw.priors import to_prior

    if benchmark not in BENCHMARKS or variant not in BENCHMARKS[benchmark]["variants"]:
        raise DataError(f"no variant {variant!r} for benchmark {benchmark!r}", column="--benchmark")
    col = BENCHMARKS[benchmark]["column"]
    x, y = df["mmlu"].to_numpy(float), df[col].to_numpy(float)
    priors = priors_for(benchmark, variant)
    with pm.Model(coords={"obs": df["model"].astype(str).tolist()}) as model:
        params = {k: to_prior(spec).create_variable(k) for k, spec in priors.items()}
        if variant == "logistic" and "floor" not in params:
            params["floor"] = pm.Data("floor", BENCHMARKS[benchmark]["floor"])
        mu = map_mean(x, params, variant, xp=pm.math)
        pm.Normal(col, mu, params["sigma"], observed=y, dims="obs")
    raw, timings = sample(model, sampler="nutpie", chains=chains, draws=draws, tune=tune, seed=seed, progress=False)
    idata = clean_idata(raw)
    post = idata.posterior
    if variant == "logistic" and "floor" not in post:
        post["floor"] = (
            ("chain", "draw"),
            np.full((post.sizes["chain"], post.sizes["draw"]), BENCHMARKS[benchmark]["floor"]),
        )
    vals = {k: post[k].values[..., None] for k in post.data_vars}
    mean = map_mean(x[None, None, :], vals, variant)
    ll = stats.norm.logpdf(y, mean, vals["sigma"])
    coords = {"chain": post.chain.values, "draw": post.draw.values, "obs": df["model"].astype(str).to_numpy()}
    idata.add_groups(
        log_likelihood=xr.Dataset({col: (("chain", "draw", "obs"), ll)}, coords=coords),
        observed_data=xr.Dataset({col: ("obs", y)}, coords={"obs": coords["obs"]}),
    )
    meta = {
        "kind": "map",
        "variant": variant,
        "benchmark": benchmark,
        "package_version": __version__,
        "sampler": {"name": "nutpie", "chains": chains, "draws": draws, "tune": tune},
        "seed": seed,
        "priors": priors,
        "data_hash": data_hash,
        "n_obs": len(y),
        **timings,
        "created": utc_timestamp(),
    }
    meta["diagnostics"] = diagnose(idata)
    return idata, meta
