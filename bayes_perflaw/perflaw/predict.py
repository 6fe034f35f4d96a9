"""Predicting MMLU for recipes: NumPy only (no PyMC, PyTensor, xarray or ArviZ on this path).

Output columns added to the input: ``mmlu_mean``, ``mmlu_median``, ``mmlu_lo``,
``mmlu_hi`` -- an **equal-tailed** interval at probability ``prob``. For the point (paper) law
lo = hi = mean. The Bayesian law pushes every posterior draw through the same law functions the
PyMC model was built from (:mod:`bayes_perflaw.perflaw.mean`), adds the era and organisation effects (extrapolated
with their random-walk / population spread where the recipe lies outside the fit data), and, unless
``noise=False``, Student-t evaluation noise of the recipe's source kind: the interval is then for a
*reported* score; without noise it is for the law's mean.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.metrics import summarise_draws
from bayes_perflaw.core.posterior import Draws
from bayes_perflaw.perflaw.design import column_vectors, law_inputs
from bayes_perflaw.perflaw.mean import LAW_PARAMS, SCORE_MAX, SCORE_MIN, era_position, mean_score
from bayes_perflaw.perflaw.published import paper_mmlu
from bayes_perflaw.perflaw.schema import release_year

PRED_COLUMNS = ("mmlu_mean", "mmlu_median", "mmlu_lo", "mmlu_hi")
DEFAULT_SEED = 20240812  # predictions are reproducible: same posterior, seed and input -> same numbers
CHUNK = 512


def with_predictions(df: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The input table with the prediction columns appended (replacing any of the same name)."""
    out = df.drop(columns=[c for c in summary.columns if c in df.columns]).reset_index(drop=True)
    return pd.concat([out, summary.reset_index(drop=True)], axis=1)


def predict_paper(df: pd.DataFrame, gamma: float = 1.0) -> pd.DataFrame:
    """Published-law predictions: a point law, so lo = median = hi = mean."""
    mean = paper_mmlu(df, gamma)
    summary = pd.DataFrame({c: mean for c in PRED_COLUMNS})
    return with_predictions(df, summary)


# --- Bayesian law ------------------------------------------------------------------------------


def effects(df: pd.DataFrame, post: Draws, rng: np.random.Generator) -> np.ndarray:
    """Era + organisation effects, (recipes x draws). Zero for the plain variant.

    Era: the posterior value of the recipe's half-year bin if the fit data had models there; else the
    nearest such bin plus the walk's drift and spread, ``drift_era * steps + tau_era * sqrt(steps) * z``
    (no release date: one step past the data). Organisation:
    its posterior offset if it was in the fit data, else a draw from the population N(0, tau_org).
    """
    v, n_rec, n_draws = post.values, len(df), post.n_draws
    total = np.zeros((n_rec, n_draws))
    if "era" in v:
        start, n = float(post.meta["era_start"]), int(post.meta["era_n"])
        occupied = np.asarray(post.meta["era_bins"], dtype=float)
        years = release_year(df["release"]) if "release" in df.columns else np.full(n_rec, np.nan)
        pos = era_position(years, start, n)
        nearest = np.argmin(np.abs(pos[:, None] - occupied[None, :]), axis=1)  # ties -> the earlier bin
        steps = np.abs(pos - occupied[nearest])
        total += v["era"][:, nearest].T
        outside = steps > 0
        if outside.any():
            z = rng.standard_normal((int(outside.sum()), n_draws))
            signed = (pos - occupied[nearest])[outside][:, None]  # > 0 after the bin, < 0 before it
            spread = v["tau_era"][None, :] * np.sqrt(steps[outside])[:, None] * z
            total[outside] += v["drift_era"][None, :] * signed + spread
    if "org" in v:
        orgs = df["organization"].fillna("").astype(str) if "organization" in df.columns else [""] * n_rec
        total += _pooled(v["org"], v["tau_org"], post.coords["organization"], orgs, rng)
    return total


def _pooled(values: np.ndarray, tau: np.ndarray, levels: list[str], keys, rng: np.random.Generator) -> np.ndarray:
    """A partially pooled offset per recipe, (recipes x draws): the posterior offset of a level seen in
    the fit data, else a draw from the population N(0, tau)."""
    known = {o: i for i, o in enumerate(levels)}
    idx = np.array([known.get(k, -1) for k in keys], dtype=int)
    out = np.empty((len(idx), len(tau)))
    seen = idx >= 0
    out[seen] = values[:, idx[seen]].T
    out[~seen] = tau[None, :] * rng.standard_normal((int((~seen).sum()), len(tau)))
    return out


def source_sigma(df: pd.DataFrame, post: Draws, source: str | None) -> np.ndarray:
    """Noise scale per recipe and draw, (recipes x draws), from each row's ``mmlu_source_kind``."""
    kinds = post.coords["source_kind"]
    default = source or ("developer" if "developer" in kinds else kinds[0])
    if "mmlu_source_kind" in df.columns and source is None:
        col = df["mmlu_source_kind"].fillna("").astype(str).replace("", default)
    else:
        col = pd.Series([default] * len(df))
    for i, k in enumerate(col):
        if k not in kinds:
            raise DataError(
                f"unknown source kind {k!r}; the posterior knows {kinds}", row=i + 1, column="mmlu_source_kind"
            )
    return post.values["sigma"][:, [kinds.index(k) for k in col]].T


def latent_mean(df: pd.DataFrame, post: Draws, rng: np.random.Generator) -> np.ndarray:
    """The law's mean MMLU with effects, (recipes x draws)."""
    v = post.values
    x = column_vectors(law_inputs(df, gated_equivalent=True))
    return mean_score(x, {k: v[k][None, :] for k in LAW_PARAMS}, effects(df, post, rng))


def student_t(nu: np.ndarray, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Standard Student-t variates, (recipes x draws), with ``nu`` per draw (a scalar when constant:
    the default fixes nu = 4, and a scalar nu is ~25 % faster than an array)."""
    if np.all(nu == nu[0]):
        return rng.standard_t(float(nu[0]), size=shape)
    return rng.standard_t(np.broadcast_to(nu[None, :], shape))


def predictive_draws(
    df: pd.DataFrame, post: Draws, *, noise: bool = True, seed: int = DEFAULT_SEED, source: str | None = None
) -> np.ndarray:
    """Draws of the predicted score, (recipes x draws), floored at chance and capped at 100."""
    rng = np.random.default_rng(seed)
    out = latent_mean(df, post, rng)
    if noise:
        sigma = source_sigma(df, post, source)
        if "mix_weights" in post.values:  # screening posterior: Normal noise of the inlier component
            out = out + sigma * rng.standard_normal(out.shape)
        else:
            out = out + sigma * student_t(post.values["nu"], out.shape, rng)
    return np.clip(out, SCORE_MIN, SCORE_MAX)


def iter_predictive(
    df: pd.DataFrame,
    post: Draws,
    *,
    noise: bool = True,
    seed: int = DEFAULT_SEED,
    chunk: int = CHUNK,
    source: str | None = None,
) -> Iterator[tuple[slice, np.ndarray]]:
    """:func:`predictive_draws` in chunks of rows (bounded memory); chunk k uses seed + k."""
    for k, start in enumerate(range(0, len(df), chunk)):
        part = slice(start, min(start + chunk, len(df)))
        yield part, predictive_draws(df.iloc[part], post, noise=noise, seed=seed + k, source=source)


def predict_bayes(
    df: pd.DataFrame,
    post: Draws,
    *,
    prob: float = 0.9,
    noise: bool = True,
    seed: int = DEFAULT_SEED,
    source: str | None = None,
    mapping: Draws | None = None,
) -> pd.DataFrame:
    """The input table with Bayesian predictive summaries appended.

    With ``mapping`` (a benchmark-mapping posterior, :mod:`bayes_perflaw.benchmarks.mapping`) the MMLU
    draws are also pushed through the mapping, adding ``<benchmark>_mean`` ... columns that carry both uncertainties.
    """
    parts = []
    for k, (_, d) in enumerate(iter_predictive(df, post, noise=noise, seed=seed, source=source)):
        summary = summarise_draws(d, prob)
        if mapping is not None:
            summary = pd.concat([summary, map_summary(d, mapping, prob, seed + 7919 * (k + 1))], axis=1)
        parts.append(summary)
    return with_predictions(df, pd.concat(parts, ignore_index=True))


def map_summary(mmlu_draws: np.ndarray, mapping: Draws, prob: float, seed: int) -> pd.DataFrame:
    """Summaries of MMLU draws chained through a benchmark mapping (columns prefixed by the benchmark)."""
    from bayes_perflaw.benchmarks.mapping import chain, column

    return summarise_draws(chain(mmlu_draws, mapping, seed), prob, prefix=column(mapping.meta["benchmark"]))


def predict_paper_mapped(df: pd.DataFrame, gamma: float, mapping: Draws, prob: float, seed: int) -> pd.DataFrame:
    """Published point law, with the benchmark mapping's uncertainty on the mapped columns."""
    out = predict_paper(df, gamma)
    point = np.repeat(out["mmlu_mean"].to_numpy()[:, None], mapping.n_draws, axis=1)
    return with_predictions(out, map_summary(point, mapping, prob, seed))
