"""The lineage experiment's table (scripts/lineage_experiment.py): inherited tokens added by hand-checkable rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_script


@pytest.fixture(scope="module")
def mod():
    return load_script("lineage_experiment")


TABLE = pd.DataFrame({"model": ["pruned", "upcycled", "split", "distilled", "plain"], "tokens_T": [0.1, "", 0.2, 2, 3]})
LINEAGE = pd.DataFrame(
    {
        "model": ["pruned", "upcycled", "split", "distilled"],
        "lineage": ["pruned_distilled", "upcycled", "upcycled", "distilled"],
        "parent_tokens_T": [15.0, 2.2, 2.0, np.nan],
    }
)


def test_whole_and_half_parent_tokens(mod):
    whole = mod.with_inherited_tokens(TABLE, LINEAGE)
    assert whole["tokens_T"].astype(float).tolist() == pytest.approx([15.1, 2.2, 2.2, 2.0, 3.0])
    half = mod.with_inherited_tokens(TABLE, LINEAGE, fraction=0.5)
    assert half["tokens_T"].astype(float).tolist() == pytest.approx([7.6, 1.1, 1.2, 2.0, 3.0])
    kept = mod.with_inherited_tokens(TABLE, LINEAGE, skip=("split",))
    assert kept["tokens_T"].astype(float).tolist() == pytest.approx([15.1, 2.2, 0.2, 2.0, 3.0])
    assert mod.FRACTION == {"lineage_tokens_half": 0.5} and set(mod.SKIP) == {
        "lineage_tokens",
        "lineage_tokens_copied",
        "lineage_tokens_half",
    }
