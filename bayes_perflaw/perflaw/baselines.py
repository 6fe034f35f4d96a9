"""How peers get intervals today: a least-squares refit of the law with a bootstrap (NumPy only).

For a fixed gamma the Performance Law is linear in its coefficients (Wu & Tang 2024, arXiv 2408.09895):
``raw = sum_i w_i (ln x_i - gamma**2 q) + b``. The bootstrap resamples rows, refits, and adds a
resampled residual, so its intervals carry coefficient uncertainty and scatter (a percentile
prediction interval). Same design conventions as the paper law (d as given, MoE at beta = 0.5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_perflaw.perflaw.design import law_inputs
from bayes_perflaw.perflaw.laws import bound_score, instability_q
from bayes_perflaw.perflaw.published import BETA_PAPER


def ls_features(df: pd.DataFrame, gamma: float = 1.0) -> np.ndarray:
    """(rows x 5) design: ln N, ln h, ln d, ln T' each minus gamma^2 q, and a column of ones."""
    x = law_inputs(df)
    ln_d = x.ln_ffn_active + BETA_PAPER * x.dln_ffn
    ln_s = x.ln_params_active + BETA_PAPER * x.dln_params
    q = instability_q(np.exp(x.ln_layers), np.exp(x.ln_hidden), np.exp(ln_d))
    ln_t = np.minimum(x.ln_tokens, ln_s)
    g2q = gamma**2 * q
    cols = [x.ln_layers - g2q, x.ln_hidden - g2q, ln_d - g2q, ln_t - g2q, np.ones(len(df))]
    return np.column_stack(cols)


def fit_ls(df: pd.DataFrame, y: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    """Least-squares coefficients (w1..w4, b)."""
    coef, *_ = np.linalg.lstsq(ls_features(df, gamma), y, rcond=None)
    return coef


def bootstrap_predict(
    train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame, n_boot: int = 1000, seed: int = 0
) -> np.ndarray:
    """(test rows x n_boot) bootstrap predictive draws of the bounded score."""
    rng = np.random.default_rng(seed)
    x_train, x_test = ls_features(train), ls_features(test)
    n = len(y)
    out = np.empty((len(test), n_boot))
    for k in range(n_boot):
        idx = rng.integers(0, n, n)
        coef, *_ = np.linalg.lstsq(x_train[idx], y[idx], rcond=None)
        resid = y[idx] - x_train[idx] @ coef
        out[:, k] = x_test @ coef + rng.choice(resid, len(test))
    return bound_score(out)
