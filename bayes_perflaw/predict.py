"""Predicting MMLU for recipes: NumPy only (no PyMC, PyTensor or ArviZ on this path).

Output columns added to the input (DESIGN.md 3): ``mmlu_mean``, ``mmlu_median``, ``mmlu_lo``,
``mmlu_hi`` -- an **equal-tailed** interval at probability ``prob``. For the point (paper) law
lo = hi = mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .paper import paper_mmlu

PRED_COLUMNS = ("mmlu_mean", "mmlu_median", "mmlu_lo", "mmlu_hi")


def summarise_draws(draws: np.ndarray, prob: float = 0.9) -> pd.DataFrame:
    """Mean, median and equal-tailed ``prob`` interval over the last axis of (recipes x draws)."""
    if not 0 < prob < 1:
        raise ValueError(f"prob must be in (0, 1), got {prob}")
    lo, med, hi = np.quantile(draws, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=-1)
    return pd.DataFrame({"mmlu_mean": draws.mean(axis=-1), "mmlu_median": med, "mmlu_lo": lo, "mmlu_hi": hi})


def with_predictions(df: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The input table with the prediction columns appended (replacing any of the same name)."""
    out = df.drop(columns=[c for c in summary.columns if c in df.columns]).reset_index(drop=True)
    return pd.concat([out, summary.reset_index(drop=True)], axis=1)


def predict_paper(df: pd.DataFrame, gamma: float = 1.0) -> pd.DataFrame:
    """Published-law predictions: a point law, so lo = median = hi = mean."""
    mean = paper_mmlu(df, gamma)
    summary = pd.DataFrame({c: mean for c in PRED_COLUMNS})
    return with_predictions(df, summary)
