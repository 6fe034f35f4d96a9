"""Release months: a date read as its month, bad cells found, decimal years by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_perflaw.core.months import release_year, to_months


def test_dates_are_read_as_months_and_bad_cells_are_found():
    text, bad = to_months(pd.Series([" 2024-07 ", "2025-04-15", "2025-02-30", "2024-13", "July 2024", "1899-01"]))
    assert text.tolist()[:2] == ["2024-07", "2025-04"]
    assert bad.tolist() == [False, False, True, True, True, True]  # an impossible date is not a month


def test_release_year_by_hand():
    years = release_year(pd.Series(["2024-07", "2023-01", "", "2024-12"]))
    np.testing.assert_allclose(years[[0, 1, 3]], [2024.5, 2023.0, 2024 + 11 / 12])
    assert np.isnan(years[2])
