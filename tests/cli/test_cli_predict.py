"""`bayes-perflaw predict/validate/evaluate` end to end in a fresh process, and every bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, GOOD_ROWS, RECIPE_HEADER, SCIENCE_VECTORS, write_csv

from bayes_perflaw.core.paths import reference_table
from bayes_perflaw.perflaw.published import paper_mmlu
from bayes_perflaw.perflaw.schema import law_gaps, read_validated


def test_predict_paper_reproduces_vectors_with_gamma_flag(cli, tmp_path):
    for gamma in (1, 2):
        rows = [v for v in SCIENCE_VECTORS if v[5] == gamma]
        src = write_csv(
            tmp_path / f"vectors{gamma}.csv",
            "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B",
            *[f"v{i},{n},{h},{d},{t},{s}" for i, (n, h, d, t, s, *_rest) in enumerate(rows)],
        )
        out = tmp_path / f"pred{gamma}.csv"
        res = cli("predict", "--law", "paper", "--gamma", str(gamma), "--input", str(src), "--output", str(out))
        assert res.returncode == 0, res.stderr
        pred = pd.read_csv(out)
        assert pred["mmlu_mean"].to_numpy() == pytest.approx([v[8] for v in rows], abs=1e-3)
        assert (pred["mmlu_lo"] == pred["mmlu_hi"]).all() and (pred["mmlu_median"] == pred["mmlu_mean"]).all()


def test_pass_through_columns_and_units_in_output(cli, recipes_csv, tmp_path):
    out = tmp_path / "p.csv"
    assert cli("predict", "--law", "paper", "--input", str(recipes_csv), "--output", str(out)).returncode == 0
    pred = pd.read_csv(out, dtype=str)
    assert list(pred.columns[:8]) == RECIPE_HEADER.split(",")
    assert pred["organization"].tolist() == ["Meta", "Meta", "Alibaba"]
    assert pred["mmlu"].tolist() == ["79.5", "66.6", "45.4"]
    assert pred["tokens_T"].tolist() == ["15", "15T", "12e12"]  # the cells as written (read as 15, 15, 12 T)
    assert pred["mmlu_mean"].astype(float).to_numpy() == pytest.approx([81.0910, 65.4544, 40.5925], abs=1e-3)


def test_predict_from_flags_prints_table(cli):
    res = cli(
        "predict",
        "--law",
        "paper",
        "--layers",
        "32",
        "--hidden",
        "4096",
        "--ffn",
        "14336",
        "--tokens",
        "15T",
        "--params",
        "8.03B",
    )
    assert res.returncode == 0, res.stderr
    assert "65.45" in res.stdout and "mmlu_mean" in res.stdout


def test_predict_from_hf_config_estimates_params(cli, tmp_path):
    out = tmp_path / "p.csv"
    res = cli(
        "predict",
        "--law",
        "paper",
        "--hf-config",
        str(FIXTURES / "hf" / "llama3_8b.json"),
        "--tokens",
        "15T",
        "--output",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    row = pd.read_csv(out).iloc[0]
    assert bool(row["params_estimated"]) is True
    assert row["params_B"] == pytest.approx(8.03, abs=0.01)
    assert row["mmlu_mean"] == pytest.approx(65.45, abs=0.02)


def test_evaluate_prints_errors_and_mae(cli):
    res = cli("evaluate", "--law", "paper")
    assert res.returncode == 0, res.stderr
    assert "skipped Mistral 7B (v0.1): lacks tokens_T" in res.stdout
    table = read_validated(reference_table(), require_law_inputs=False)  # the same numbers, computed here
    usable = table[(law_gaps(table) == "") & table["mmlu"].notna()]
    mae = np.mean(np.abs(paper_mmlu(usable, 1.0) - usable["mmlu"].to_numpy()))
    assert f"published law (gamma=1) on {len(usable)} models: MAE {mae:.2f}" in res.stdout
    res = cli("evaluate")
    assert res.returncode == 0, res.stderr
    assert "Bayesian law (era" in res.stdout and "90 % interval coverage" in res.stdout


def test_validate_reference_table_lists_gaps(cli):
    res = cli("validate")
    assert res.returncode == 0, res.stderr
    n_rows = len(pd.read_csv(reference_table()))
    lacking = [line for line in res.stdout.splitlines() if line.startswith("  ") and ": lacks " in line]
    assert f"{n_rows} rows valid; {n_rows - len(lacking)} have every input of the law" in res.stdout
    assert "Grok-1 (base checkpoint): lacks tokens_T, active_params_B" in res.stdout


H = RECIPE_HEADER
GOOD = GOOD_ROWS[0]
BAD_INPUTS = [
    # (id, header, rows, fragments that the message must contain)
    (
        "missing column",
        "model,num_hidden_layers,intermediate_size,tokens_T,params_B",
        ["a,32,14336,15,8"],
        ["missing required column 'hidden_size'"],
    ),
    (
        "alias hint",
        "model,layers,hidden_size,intermediate_size,tokens_T,params_B",
        ["a,32,4096,14336,15,8"],
        ["missing required column 'num_hidden_layers'", "found 'layers'"],
    ),
    (
        "non-numeric",
        H,
        [GOOD, "b,thirty,4096,14336,15,8,60,x"],
        ["row 2", "model 'b'", "'num_hidden_layers'", "'thirty'"],
    ),
    ("negative size", H, [GOOD, "b,32,-4096,14336,15,8,60,x"], ["row 2", "'hidden_size'", "must be > 0", "-4096"]),
    ("zero size", H, ["b,32,4096,0,15,8,60,x"], ["row 1", "'intermediate_size'", "must be > 0"]),
    (
        "NaN required",
        H,
        [GOOD, GOOD.replace("llama3-70b", "c"), "d,32,4096,NaN,15,8,60,x"],
        ["row 3", "model 'd'", "'intermediate_size'", "required"],
    ),
    ("empty required", H, ["e,32,4096,14336,,8,60,x"], ["row 1", "'tokens_T'", "required"]),
    ("mmlu above 100", H, ["f,32,4096,14336,15,8,101,x"], ["row 1", "'mmlu'", "between 0 and 100", "101"]),
    ("mmlu below 0", H, ["f,32,4096,14336,15,8,-3,x"], ["row 1", "'mmlu'", "between 0 and 100"]),
    ("duplicate", H, [GOOD, GOOD], ["row 2", "'model'", "duplicate model name (first used in row 1)"]),
    ("bad unit", H, ["g,32,4096,14336,15X,8,60,x"], ["row 1", "'tokens_T'", "unknown unit 'X'"]),
    ("negative unit", H, ["g,32,4096,14336,15T,-8B,60,x"], ["row 1", "'params_B'", "positive"]),
    ("fractional layers", H, ["g,32.5,4096,14336,15T,8B,60,x"], ["row 1", "'num_hidden_layers'", "whole number"]),
    ("no rows", H, [], ["no data rows"]),
]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_exit_2_named_field_no_output(cli, tmp_path, case):
    _, header, rows, fragments = case
    src = write_csv(tmp_path / "in.csv", header, *rows)
    out = tmp_path / "out.csv"
    res = cli("predict", "--input", str(src), "--output", str(out))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert str(src) in res.stderr
    for fragment in fragments:
        assert fragment in res.stderr, res.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a CSV text file"),
        (b'{"model": "x", "layers": 3}', "does not look like a recipe table"),
        (b"\xff\xfe\xfa bad bytes", "not a CSV text file"),
    ],
    ids=["empty", "binary", "json", "undecodable"],
)
def test_unreadable_files(cli, tmp_path, content, fragment):
    src = tmp_path / "in.csv"
    src.write_bytes(content)
    res = cli("predict", "--input", str(src), "--output", str(tmp_path / "o.csv"))
    assert res.returncode == 2 and fragment in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o.csv").exists()


def test_missing_file_and_ambiguous_flag(cli, tmp_path):
    res = cli("predict", "--input", str(tmp_path / "nope.csv"))
    assert res.returncode == 2 and "no such file" in res.stderr
    res = cli("predict", "--layers", "32", "--hidden", "4096", "--ffn", "14336", "--tokens", "15", "--params", "8B")
    assert res.returncode == 2 and "argument --tokens:" in res.stderr and "ambiguous" in res.stderr


def test_bad_gamma_and_nothing_to_predict(cli):
    res = cli(
        "predict",
        "--gamma",
        "-1",
        "--layers",
        "32",
        "--hidden",
        "4096",
        "--ffn",
        "1",
        "--tokens",
        "1T",
        "--params",
        "1B",
    )
    assert res.returncode == 2 and "argument --gamma:" in res.stderr
    res = cli("predict")
    assert res.returncode == 2 and "nothing to predict" in res.stderr
