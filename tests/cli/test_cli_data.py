"""``bayes-perflaw data add`` / ``data check``: a sourced row appended, the table's cells kept, bad rows refused."""

from __future__ import annotations

import pandas as pd
from conftest import FIXTURES

from bayes_perflaw.cli.main import main

ADD = [
    "data",
    "add",
    "--hf-config",
    str(FIXTURES / "hf" / "llama3_8b.json"),
    "--tokens",
    "15T",
    "--mmlu",
    "66.6",
    "--release",
    "2024-04",
    "--organization",
    "Meta",
    "--source",
    "https://example.org/llama3",
]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_add_then_check_then_predict(tmp_path, capsys):
    table = tmp_path / "mine.csv"
    table.write_text(
        "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B,mmlu,source_arch,source_tokens,"
        "source_mmlu,notes\nold,32,4096,11008,2.0T,6.74,45.3,u1,u2,u3,kept as is\n"
    )
    code, out, err = run([*ADD, "--model", "Llama 3 8B", "--params", "8.03B", "--table", str(table)], capsys)
    assert code == 0, err
    got = pd.read_csv(table, dtype=str, keep_default_na=False)
    assert got.loc[0, "tokens_T"] == "2.0T" and got.loc[0, "notes"] == "kept as is"  # old cells untouched
    new = got.iloc[1]
    assert (new["num_hidden_layers"], new["hidden_size"], new["intermediate_size"]) == ("32", "4096", "14336")
    assert (new["num_key_value_heads"], new["vocab_size"], new["params_B"]) == ("8", "128256", "8.03B")
    assert new["source_mmlu"] == "https://example.org/llama3" and new["mmlu_source_kind"] == "developer"
    code, out, err = run(["data", "check", str(table)], capsys)
    assert code == 0 and "all checks passed" in out
    assert run(["predict", "--input", str(table), "--output", str(tmp_path / "p.csv")], capsys)[0] == 0


def test_refusals_leave_the_table_unchanged(tmp_path, capsys):
    table = tmp_path / "mine.csv"
    assert run([*ADD, "--model", "Llama 3 8B", "--table", str(table)], capsys)[0] == 0
    before = table.read_bytes()
    cases = [
        (["--model", "llama-3-8b"], "row 2 (model 'llama-3-8b'), column 'model': the same model as row 1"),
        (["--model", "x", "--release", "2025-04"], "option --release: released after the cut-off 2025-03"),
        (["--model", "y", "--params", "20B"], "column 'params_B': stated 20 B but the architecture gives 8.03 B"),
    ]
    for extra, message in cases:
        argv = [*ADD, *extra, "--table", str(table)]
        if "--release" in extra:
            argv = [a for a in argv if a != "2024-04"]
            argv.remove("--release")
            argv = [*argv[: argv.index("--model")], *extra]
        code, _, err = run(argv, capsys)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
        assert table.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.csv"]


def test_check_lists_every_problem_and_exits_1(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text(
        "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B,mmlu,release,source_arch,"
        "source_tokens,source_mmlu\na,32,4096,14336,15,8,66,2024-01,u,u,\nb,32,4096,14336,15,8,66,2025-05,u,u,src\n"
    )
    code, out, _ = run(["data", "check", str(table)], capsys)
    assert code == 1
    assert "row 1 (model 'a'), column 'source_mmlu': mmlu has a value but no source" in out
    assert "row 2 (model 'b'), column 'release': released after the cut-off 2025-03" in out
    assert out.strip().endswith("2 rows; 2 problem(s)")
