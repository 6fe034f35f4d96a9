"""Out-of-sample metrics of predictive draws: error of the mean, coverage and width of central intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError


def interval_metrics(actual: np.ndarray, mean: np.ndarray, draws: np.ndarray | None) -> dict[str, float]:
    """MAE and bias of the mean; coverage and width of the 50 % and 90 % equal-tailed intervals."""
    err = mean - actual
    out = {"n": int(len(actual)), "mae": float(np.mean(np.abs(err))), "bias": float(np.mean(err))}
    for p in (0.5, 0.9):
        if draws is None:
            out[f"cover{int(p * 100)}"], out[f"width{int(p * 100)}"] = float("nan"), 0.0
            continue
        lo, hi = np.quantile(draws, [(1 - p) / 2, (1 + p) / 2], axis=1)
        out[f"cover{int(p * 100)}"] = float(np.mean((actual >= lo) & (actual <= hi)))
        out[f"width{int(p * 100)}"] = float(np.mean(hi - lo))
    return out


def sorted_quantiles(ordered: np.ndarray, probs) -> list[np.ndarray]:
    """Quantiles over the last axis of an already sorted array, interpolated as ``np.quantile``'s default
    ('linear': at position p (n - 1)). A full sort per row (SIMD) is ~4x faster than ``np.quantile``'s
    partition on rows of 1,000 draws."""
    n = ordered.shape[-1]
    out = []
    for p in probs:
        pos = p * (n - 1)
        k = min(int(np.floor(pos)), n - 1)
        frac = pos - k
        below = ordered[..., k]
        out.append(below if frac == 0 or k + 1 >= n else below + frac * (ordered[..., k + 1] - below))
    return out


def summarise_draws(draws: np.ndarray, prob: float = 0.9, prefix: str = "mmlu") -> pd.DataFrame:
    """Mean, median and equal-tailed ``prob`` interval over the last axis of (recipes x draws)."""
    if not 0 < prob < 1:
        raise DataError(f"must be in (0, 1), got {prob}", column="--prob")
    lo, med, hi = sorted_quantiles(np.sort(draws, axis=-1), [(1 - prob) / 2, 0.5, (1 + prob) / 2])
    return pd.DataFrame(
        {f"{prefix}_mean": draws.mean(axis=-1), f"{prefix}_median": med, f"{prefix}_lo": lo, f"{prefix}_hi": hi}
    )


def loo_weights(loglik: np.ndarray) -> np.ndarray:
    """Leave-one-out importance weights from pointwise log-likelihoods (draws, rows).

    w_d ~ 1 / p(y_i | theta_d), truncated at sqrt(S) times their mean (truncated importance
    sampling, Ionides 2008) and normalised over draws: the posterior as if row i had not been fitted.
    """
    logw = -loglik
    w = np.exp(logw - logw.max(axis=0, keepdims=True))
    cap = w.mean(axis=0, keepdims=True) * np.sqrt(w.shape[0])
    w = np.minimum(w, cap)
    return w / w.sum(axis=0, keepdims=True)
