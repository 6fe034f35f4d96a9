"""MMLU -> MMLU-Pro / BBH mappings as models of the package's model API (PyMC on the fit path only).

Forms in :mod:`bayes_perflaw.benchmarks.mapping`; Normal noise of scale ``sigma`` (points). The PyMC likelihood is
PyMC's Normal; its NumPy twin (:meth:`BenchmarkMap.loglik`) is tied to it by a parity test at a posterior draw.
Data: ``data/benchmark_map.csv`` (see ``data/README.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from bayes_perflaw.benchmarks.mapping import BENCHMARKS, chain, column, map_mean
from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.model import BayesModel
from bayes_perflaw.core.priors import create_variable, spec
from bayes_perflaw.core.tables import check_model_names, check_percent_scale


def priors_for(benchmark: str, variant: str) -> dict[str, Any]:
    """Weakly informative priors (percent scale), as prior dicts; a fixed floor is a number."""
    p: dict[str, Any] = {"sigma": spec("HalfNormal", sigma=10.0)}
    if variant == "logistic":
        p.update(a=spec("Normal", mu=-1.0, sigma=2.0), b=spec("Normal", mu=1.0, sigma=1.0))
        floor = BENCHMARKS[benchmark]["floor"]
        p["floor"] = (
            float(floor) if floor is not None else spec("TruncatedNormal", mu=30.0, sigma=8.0, lower=0.0, upper=50.0)
        )
    elif variant == "linear":
        p.update(c0=spec("Normal", mu=25.0, sigma=20.0), c1=spec("Normal", mu=1.0, sigma=1.0))
    return p


MIN_ROWS = 8  # a slope, an intercept and a noise scale (logistic: two more) need more rows than parameters


@dataclass
class MapData:
    """The rows a mapping fits: model names, MMLU and the benchmark's score (percent)."""

    models: list[str]
    mmlu: np.ndarray
    score: np.ndarray


class BenchmarkMap(BayesModel):
    """MMLU -> another benchmark (``mmlu-pro`` or ``bbh``): ``BenchmarkMap.load("mmlu-pro").predict(draws)``
    pushes MMLU predictive draws (percent) through posterior draws of the mapping and its noise."""

    kind: ClassVar[str] = "map"
    variants: ClassVar[dict[str, str]] = {
        "logistic": "floor + (100 - floor) sigmoid(a + b (MMLU - 60) / 10)",
        "linear": "c0 + c1 (MMLU - 60)",
        "published": "2.33 MMLU - 133 (MMLU-Pro only; only the noise is fitted)",
    }
    default_variant: ClassVar[str] = "logistic"

    def __init__(self, benchmark: str = "mmlu-pro", variant: str | None = None, priors=None, preset=None):
        if benchmark not in BENCHMARKS:
            raise DataError(f"unknown benchmark {benchmark!r}; choose from {sorted(BENCHMARKS)}", column="--benchmark")
        self.benchmark = benchmark
        super().__init__(variant, priors, preset)
        if self.variant not in BENCHMARKS[benchmark]["variants"]:
            raise DataError(f"no variant {self.variant!r} for benchmark {benchmark!r}", column="--variant")

    def identity(self) -> dict[str, Any]:
        return {"benchmark": self.benchmark}

    @classmethod
    def _from_meta(cls, meta: dict[str, Any]) -> BenchmarkMap:
        return cls(meta.get("benchmark", "?"), meta.get("variant"), meta.get("priors"))

    @classmethod
    def default_path(cls, benchmark: str = "mmlu-pro") -> Path:
        from bayes_perflaw.core.paths import mapping_posterior

        return mapping_posterior(benchmark)

    @classmethod
    def load(cls, benchmark: str = "mmlu-pro", path: str | Path | None = None) -> BenchmarkMap:
        """The shipped mapping for ``benchmark`` (or the file ``path``, which must map to that benchmark)."""
        if benchmark not in BENCHMARKS:
            raise DataError(f"unknown benchmark {benchmark!r}; choose from {sorted(BENCHMARKS)}", column="--benchmark")
        return super().load(path, benchmark=benchmark)

    def default_priors(self) -> dict[str, Any]:
        return priors_for(self.benchmark, self.variant)

    def prepare(self, table: pd.DataFrame) -> MapData:
        col = column(self.benchmark)
        source = table.attrs.get("source", "table")
        for c in ("model", "mmlu", col):
            if c not in table.columns:
                raise DataError(f"missing required column {c!r}", source=source, column=c)
        check_model_names(table["model"], source)  # each row is one observation
        values = {}
        for c in ("mmlu", col):
            num = pd.to_numeric(table[c], errors="coerce")
            bad = num.isna() | (num < 0) | (num > 100)
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"must be a score in percent (0-100), got {table[c].iloc[i]!r}",
                    source=source,
                    row=i + 1,
                    model=str(table["model"].iloc[i]),
                    column=c,
                )
            values[c] = num.to_numpy(dtype=float)
            check_percent_scale(values[c], source, c)
        floor = BENCHMARKS[self.benchmark]["floor"]
        below = values[col] < floor - 2.0 if floor is not None else np.zeros(len(table), dtype=bool)
        if below.sum() > 0.1 * len(below):  # a raw accuracy sits at or above chance, up to noise
            raise DataError(
                f"{below.sum()} of {len(below)} scores lie more than 2 points below the {floor:g} % chance floor: a "
                "normalised scale (the leaderboard's display)? give raw accuracy in percent",
                source=source,
                column=col,
            )
        if len(table) < MIN_ROWS:
            raise DataError(f"only {len(table)} rows (need at least {MIN_ROWS} to fit a mapping)", source=source)
        return MapData(table["model"].astype(str).tolist(), values["mmlu"], values[col])

    def build(self, data: MapData):
        import pymc as pm

        with pm.Model(coords={"obs": data.models}) as model:
            params = {k: create_variable(k, v) for k, v in self.priors.items()}
            mu = map_mean(data.mmlu, params, self.variant, xp=pm.math)
            pm.Normal(column(self.benchmark), mu, params["sigma"], observed=data.score, dims="obs")
        return model

    def loglik(self, data: MapData, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Pointwise Normal log-likelihood (..., obs) from draws shaped (...,)."""
        from scipy import stats

        vals = {k: np.asarray(v)[..., None] for k, v in values.items()}
        mean = map_mean(data.mmlu, vals, self.variant)
        return {column(self.benchmark): stats.norm.logpdf(data.score, mean, vals["sigma"])}

    def finish(self, idata, data: MapData, config):
        import xarray as xr

        post = idata.posterior
        col = column(self.benchmark)
        ll = self.loglik(data, {k: post[k].values for k in post.data_vars})[col]
        coords = {"chain": post.chain.values, "draw": post.draw.values, "obs": np.asarray(data.models)}
        idata.add_groups(
            log_likelihood=xr.Dataset({col: (("chain", "draw", "obs"), ll)}, coords=coords),
            observed_data=xr.Dataset({col: ("obs", data.score)}, coords={"obs": coords["obs"]}),
        )
        return idata

    def design_meta(self, data: MapData) -> dict[str, Any]:
        return {"n_obs": len(data.score)}

    def predict_draws(self, mmlu_draws, seed: int = 0):
        """MMLU draws (a (models, draws) array, or the DataArray of ``PerformanceLaw.predict_draws``) pushed
        through the mapping, with its noise: the same shape (and dims) back, in percent."""
        values = np.asarray(mmlu_draws, dtype=float)
        mapped = chain(values, self.draws, seed)
        if hasattr(mmlu_draws, "dims"):
            return mmlu_draws.copy(data=mapped).rename(column(self.benchmark))
        return mapped

    def predict(self, mmlu_draws, prob: float = 0.9, seed: int = 0) -> pd.DataFrame:
        """Mean, median and equal-tailed ``prob`` interval of the mapped score per model (a DataFrame with
        ``model`` when the draws carry model names)."""
        from bayes_perflaw.core.metrics import summarise_draws

        mapped = np.asarray(self.predict_draws(mmlu_draws, seed), dtype=float)
        out = summarise_draws(np.atleast_2d(mapped), prob, prefix=column(self.benchmark))
        if hasattr(mmlu_draws, "coords") and "model" in mmlu_draws.coords:
            out.insert(0, "model", np.asarray(mmlu_draws.coords["model"].values, dtype=str))
        return out
