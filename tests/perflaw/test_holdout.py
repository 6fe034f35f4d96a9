"""The held-out table of models released after the reference table, and `backtest --holdout`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import write_csv

from bayes_perflaw.core.paths import post_table, reference_table
from bayes_perflaw.perflaw.schema import read_validated, release_year


def test_post_table_models_are_later_sourced_and_never_in_the_reference_table():
    held = read_validated(post_table(), require_law_inputs=True)
    ref = read_validated(reference_table(), require_law_inputs=False)
    assert len(held) == 12 and held["mmlu"].notna().all()
    assert not set(held["model"]) & set(ref["model"])
    assert release_year(held["release"]).min() > np.nanmax(release_year(ref["release"]))
    for col in ("source_arch", "source_tokens", "source_mmlu"):  # every number has a source
        cells = held[col].fillna("")
        assert (cells.str.contains("https://") | cells.str.contains("config.json")).all(), col
    derived = held["source_arch"].str.contains("DERIVED")
    assert held.loc[derived, "model"].str.startswith("Gemma 3").all() and derived.sum() == 3


def test_holdout_refuses_models_of_the_reference_table_and_missing_scores(cli, tmp_path):
    ref = pd.read_csv(reference_table())
    overlap = tmp_path / "overlap.csv"
    ref[ref["model"] == "Llama 3 8B"].to_csv(overlap, index=False)
    res = cli("backtest", "--holdout", str(overlap), "--out", str(tmp_path / "r.md"))
    assert res.returncode == 2 and "models also in the reference table: ['Llama 3 8B']" in res.stderr
    assert not (tmp_path / "r.md").exists()
    unscored = write_csv(
        tmp_path / "unscored.csv",
        "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B,release,mmlu",
        "new-8b,32,4096,14336,15T,8B,2025-01,",
    )
    res = cli("backtest", "--holdout", str(unscored), "--out", str(tmp_path / "r.md"))
    assert res.returncode == 2 and "column 'mmlu'" in res.stderr and "reported score" in res.stderr
