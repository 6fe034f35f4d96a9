"""Release months: text ``YYYY-MM`` (a full date ``YYYY-MM-DD`` is read as its month) and decimal years.

Vectorised over a column (pandas) for tables of any length; used by the Performance Law's schema and the
multi-benchmark tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MONTH_PATTERN = r"^20(1[5-9]|[2-9]\d)-(0[1-9]|1[0-2])$"  # 2015-01 to 2099-12: before 2015 no language model
# the laws describe was released (GPT-1: 2018), so 1900-01 is a typo, not 240 half-year steps before the data
MONTH_MESSAGE = "must be a month YYYY-MM from 2015-01 to 2099-12 (or a date YYYY-MM-DD)"


def to_months(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Stripped non-empty cells of ``text`` with full dates cut to their month, and a boolean mask of the cells
    that are neither a month nor a valid date (an impossible date such as 2025-02-30 included)."""
    text = text.astype(str).str.strip()
    day = pd.to_datetime(text.where(text.str.len() == 10, ""), format="%Y-%m-%d", errors="coerce")
    text = text.where(day.isna(), text.str[:7])
    bad = ~text.str.fullmatch(MONTH_PATTERN).fillna(False).astype(bool).to_numpy()
    return text, bad


def release_year(release: pd.Series) -> np.ndarray:
    """'YYYY-MM' -> decimal year (2024-07 -> 2024.5); NaN where empty."""
    parts = release.astype(str).str.extract(r"^(\d{4})-(\d{2})$").astype(float)
    return (parts[0] + (parts[1] - 1.0) / 12.0).to_numpy()
