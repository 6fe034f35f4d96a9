"""The published Performance Law (Wu & Tang 2024): the deterministic baseline.

Coefficients from the authors' planner tool (wuch15/performance-law-planner, plan.py, Aug 2024; Wu & Tang
2024, arXiv 2408.09895). For a MoE the paper's exact formulas are not available; the baseline
uses the geometric mean of total and activated size (beta = 0.5), a second-hand account of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_perflaw.perflaw.design import law_inputs
from bayes_perflaw.perflaw.laws import bound_score, perflaw_raw

W_PAPER = (13.95018192, 0.23072027, -0.48523402, 5.39801689)
B_PAPER = 9.195410648934768
BETA_PAPER = 0.5


def paper_raw(df: pd.DataFrame, gamma: float = 1.0) -> np.ndarray:
    """Unbounded published-law score (percent) for each row of a validated recipe table."""
    if not np.isfinite(gamma) or gamma <= 0:
        raise ValueError(f"gamma must be a positive number, got {gamma}")
    return perflaw_raw(law_inputs(df), *W_PAPER, B_PAPER, gamma, BETA_PAPER)


def paper_mmlu(df: pd.DataFrame, gamma: float = 1.0) -> np.ndarray:
    """Published-law MMLU (percent, bounded to [25, 100)) for each row."""
    return bound_score(paper_raw(df, gamma))
