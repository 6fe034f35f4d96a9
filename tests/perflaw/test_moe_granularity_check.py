"""scripts/moe_granularity_check.py: the slope and its standard error by hand, and each model's first
out-of-sample row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_script

check = load_script("moe_granularity_check")


def test_granularity_slope_by_hand():
    # x = 0..3, y = 1, 3, 2, 5: Sxy = 5.5, Sxx = 5 -> slope 1.1; residuals -0.1, 0.8, -1.3, 0.6 -> SS 2.7,
    # s2 = 2.7 / 2 = 1.35, se = sqrt(1.35 / 5)
    slope, se = check.granularity_slope(np.array([1.0, 3.0, 2.0, 5.0]), np.arange(4.0))
    assert slope == pytest.approx(1.1)
    assert se == pytest.approx(np.sqrt(0.27))


def test_first_out_of_sample_takes_each_models_earliest_origin_of_the_method():
    rows = pd.DataFrame(
        {
            "model": ["a", "a", "b", "b", "a"],
            "origin": ["2024-04", "2024-01", "2024-07", "2024-04", "2023-10"],
            "method": ["bayes era_level"] * 4 + ["bayes era"],
            "mean": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    out = check.first_out_of_sample(rows).set_index("model")["mean"].to_dict()
    assert out == {"a": 2.0, "b": 4.0}
