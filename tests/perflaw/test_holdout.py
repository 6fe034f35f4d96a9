"""`backtest --holdout`: a table of later models, refused when it overlaps the fit data or lacks scores."""

from __future__ import annotations

import pandas as pd
from conftest import write_csv

from bayes_perflaw.core.paths import reference_table


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
