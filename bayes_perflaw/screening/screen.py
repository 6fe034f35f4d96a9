"""Screening reported scores against their recipe (NumPy + SciPy; no PyMC).

The mixture variant (``era_mix``) says each reference score is an inlier (Normal around the law),
or shifted **up** by ``shift_high`` (contamination-like: test-set leakage, distillation, undisclosed
data) or **down** by ``shift_low`` (instability-like: precision loss, a broken run, weak data), all
censored at the chance floor. Memberships are exact: for every posterior draw the three component
densities give the posterior probability of each component, averaged over draws. For a new claim
the same is done with the recipe's predicted mean (era extrapolated as in :mod:`bayes_perflaw.perflaw.predict`).

``tail_prob`` is the two-sided posterior-predictive tail probability of the score under the inlier
component, computed analytically per draw: ``2 * min(P(y_rep <= y), P(y_rep >= y))``; for a row that
was itself fitted, under its leave-one-out predictive (importance-weighted draws; column ``loo``). A row is
flagged when ``tail_prob < threshold`` (default 0.05, so about 5 % of clean rows are flagged if the
predictive is calibrated; reports/screening.md measures it), in the direction of the score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from bayes_perflaw.core.posterior import Draws
from bayes_perflaw.core.streams import keyed_generator
from bayes_perflaw.perflaw.mean import FLOOR_CENSOR, SCORE_MAX, SCORE_MIN
from bayes_perflaw.perflaw.predict import DEFAULT_SEED, latent_mean, source_sigma, summarise_draws, with_predictions
from bayes_perflaw.screening.mixture import loo_weights, memberships, mixture_loglik

DEFAULT_THRESHOLD = 0.05
CAUSES = {
    "high": "scores higher than its recipe explains: possible test-set contamination, distillation from a "
    "stronger model, instruction-like or undisclosed extra data, or a tuned checkpoint reported as base",
    "low": "scores lower than its recipe explains: possible training instability or precision loss, a broken "
    "run, weak or heavily filtered data, or an evaluation-harness mismatch",
}


def _in_fit(df: pd.DataFrame, post: Draws) -> np.ndarray:
    """Rows that are the posterior's own fit data (same model name and same score)."""
    fitted = post.fit_scores
    return np.array([abs(fitted.get(m, np.nan) - y) < 1e-9 for m, y in zip(df["model"], df["mmlu"], strict=True)])


def screen_table(
    df: pd.DataFrame,
    post: Draws,
    *,
    prob: float = 0.9,
    threshold: float = DEFAULT_THRESHOLD,
    seed: int = DEFAULT_SEED,
    in_sample: np.ndarray | bool | None = None,
) -> pd.DataFrame:
    """Screening columns for a validated table with ``mmlu`` in every row (mixture posterior).

    Rows that were part of the posterior's fit (``in_sample``; by default detected from the file's fit
    data) are judged by their leave-one-out predictive (:func:`loo_weights`), so a row cannot vouch
    for itself; other rows by the plain posterior predictive.
    """
    if "mix_weights" not in post.values:
        raise ValueError("screening needs a mixture posterior (variant era_mix or plain_mix)")
    mu = latent_mean(df, post, seed).T  # (draws, rows), the layout of the mixture functions
    sigma = source_sigma(df, post, None).T
    y = df["mmlu"].to_numpy(dtype=float)[None, :]
    cens = y <= FLOOR_CENSOR
    v = post.values
    parts = (v["mix_weights"], v["shift_high"], v["shift_low"])
    p = memberships(y, cens, mu, sigma, *parts).mean(axis=1)
    loo = _in_fit(df, post) if in_sample is None else np.broadcast_to(np.asarray(in_sample, dtype=bool), (len(df),))
    n_draws = mu.shape[0]
    weights = np.full(mu.shape, 1.0 / n_draws)
    if loo.any():
        weights[:, loo] = loo_weights(mixture_loglik(y, cens, mu, sigma, *parts))[:, loo]
    y_eff = np.maximum(y, FLOOR_CENSOR)
    below = (weights * stats.norm.cdf(y_eff, mu, sigma)).sum(axis=0)
    above = np.where(cens[0], 1.0, (weights * stats.norm.sf(y_eff, mu, sigma)).sum(axis=0))
    tail = np.minimum(1.0, 2.0 * np.minimum(below, above))
    replicate = np.empty_like(mu)
    for j, rng in enumerate(_row_generators(df, seed)):  # each row its own stream: no row depends on another
        pick = rng.choice(n_draws, n_draws, p=weights[:, j])
        replicate[:, j] = mu[pick, j] + sigma[pick, j] * rng.standard_normal(n_draws)
    summary = summarise_draws(np.clip(replicate, SCORE_MIN, SCORE_MAX).T, prob)
    yv = y[0]
    return _verdict(df, summary, "mmlu", yv, p, tail, threshold, prob, extra={"loo": loo})


def screen_table_mapped(
    df: pd.DataFrame,
    post: Draws,
    mapping: Draws,
    *,
    prob: float = 0.9,
    threshold: float = DEFAULT_THRESHOLD,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Screen reported scores on another benchmark (column ``mmlu_pro`` or ``bbh``) against the recipe.

    Each mixture component's MMLU centre is pushed through a paired mapping draw; its spread combines
    the mapping noise and the MMLU evaluation noise through the mapping's slope (delta method):
    ``sd = sqrt(sigma_map**2 + (slope * sigma)**2)``. Memberships and the inlier tail probability follow
    as for MMLU; the interval is the inlier predictive chained through the mapping.
    """
    from bayes_perflaw.benchmarks.mapping import chain, column, map_mean, map_slope

    bench = mapping.meta["benchmark"]
    col = column(bench)
    mu = latent_mean(df, post, seed).T  # (draws, rows)
    sigma = source_sigma(df, post, None).T
    pick = np.random.default_rng(seed).integers(0, mapping.n_draws, mu.shape[0])  # the same pairing for every row
    mp = {k: v[pick][:, None] for k, v in mapping.values.items() if v.ndim == 1}
    variant = mapping.meta["variant"]
    v = post.values
    y = df[col].to_numpy(dtype=float)[None, :]
    centres = (mu, mu + v["shift_high"][:, None], mu - v["shift_low"][:, None])
    logd = []
    for k, c in enumerate(centres):
        sd = np.sqrt(mp["sigma"] ** 2 + (map_slope(c, mp, variant) * sigma) ** 2)
        logd.append(np.log(v["mix_weights"][:, k : k + 1]) + stats.norm.logpdf(y, map_mean(c, mp, variant), sd))
    logd = np.stack(logd)
    p = np.exp(logd - special.logsumexp(logd, axis=0, keepdims=True)).mean(axis=1)
    sd_in = np.sqrt(mp["sigma"] ** 2 + (map_slope(mu, mp, variant) * sigma) ** 2)
    m_in = map_mean(mu, mp, variant)
    below = stats.norm.cdf(y, m_in, sd_in).mean(axis=0)
    tail = np.minimum(1.0, 2.0 * np.minimum(below, 1.0 - below))
    gens = _row_generators(df, seed)
    z = np.stack([g.standard_normal(mu.shape[0]) for g in gens], axis=1)
    mmlu_rep = np.clip(mu + sigma * z, SCORE_MIN, SCORE_MAX).T
    map_noise = np.stack([g.standard_normal(mu.shape[0]) for g in gens])
    summary = summarise_draws(chain(mmlu_rep, mapping, seed + 1, map_noise), prob, prefix=col)
    yv = y[0]
    return _verdict(df, summary, col, yv, p, tail, threshold, prob, label=f"{bench} ")


def _row_generators(df: pd.DataFrame, seed: int) -> list[np.random.Generator]:
    """One generator per row, keyed by its model name (:func:`bayes_perflaw.core.streams.keyed_generator`)."""
    return [keyed_generator(seed, f"screen:{m}") for m in df["model"].astype(str)]


def _verdict(
    df: pd.DataFrame,
    summary: pd.DataFrame,
    prefix: str,
    score: np.ndarray,
    p: np.ndarray,
    tail: np.ndarray,
    threshold: float,
    prob: float,
    label: str = "",
    extra: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """The input with the interval, memberships, tail probability, flag, distance outside and explanation."""
    lo, hi, med = (summary[f"{prefix}_{k}"].to_numpy() for k in ("lo", "hi", "median"))
    flag = np.where(tail < threshold, np.where(score > med, "high", "low"), "")
    outside = np.where(score > hi, score - hi, np.where(score < lo, score - lo, 0.0))
    explanation = [
        f"{abs(o):.1f} points {'above' if f == 'high' else 'below'} the {prob:.0%} {label}interval; {CAUSES[f]}"
        if f
        else ""
        for f, o in zip(flag, outside, strict=True)
    ]
    cols = {"p_high": p[1], "p_low": p[2], "tail_prob": tail, "flag": flag, "outside_by": outside}
    cols.update(extra or {})
    cols["explanation"] = explanation
    return with_predictions(with_predictions(df, summary), pd.DataFrame(cols))
