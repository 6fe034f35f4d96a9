"""validate / prepare: every bad table is refused with one line naming the file, row, model and column."""

from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd
import pytest

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.tables import read_table
from bayes_perflaw.perflaw.data import prepare
from bayes_perflaw.perflaw.mean import VARIANTS
from bayes_perflaw.perflaw.model import PerformanceLaw
from bayes_perflaw.perflaw.schema import LAW_FIELDS, MOE_FIELDS, law_gaps, read_validated, validate

H = "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B,mmlu,mmlu_source_kind,release"
A = "a,32,4096,14336,15,8,66,developer,2024-04"
B = "b,80,8192,28672,15T,70B,79,third-party,2024-04"

# (id, csv lines after the header, validate keywords, the exact message after "<file>")
BAD_TABLES = [
    (
        "unknown source kind",
        [A, B.replace("third-party", "leaderboard")],
        {},
        ", row 2 (model 'b'), column 'mmlu_source_kind': must be 'developer' or 'third-party' (or empty), "
        "got 'leaderboard'",
    ),
    (
        "source kind is case-sensitive",
        [A.replace("developer", "Developer")],
        {},
        ", row 1 (model 'a'), column 'mmlu_source_kind': must be 'developer' or 'third-party' (or empty), "
        "got 'Developer'",
    ),
    (
        "mmlu required, every cell empty",
        [A.replace(",66,", ",,"), B.replace(",79,", ",NaN,")],
        {"require_mmlu": True},
        ", column 'mmlu': every cell is empty; reported MMLU scores are needed here",
    ),
    (
        "mmlu required, one cell empty",
        [A, B.replace(",79,", ",,")],
        {"require_mmlu": True},
        ", row 2 (model 'b'), column 'mmlu': a value is required here (the cell is empty or NaN)",
    ),
    (
        "bad month",
        [A, B.replace("2024-04", "2024-13")],
        {},
        ", row 2 (model 'b'), column 'release': must be a month YYYY-MM from 2015-01 to 2099-12 (or a date "
        "YYYY-MM-DD), got '2024-13'",
    ),
    (
        "first bad unit in row order",
        [A.replace(",15,", ",9Q,"), B.replace(",15T,", ",15X,"), A.replace("a,", "c,", 1).replace(",15,", ",15X,")],
        {},
        ", row 1 (model 'a'), column 'tokens_T': unknown unit 'Q' in '9Q'; use K, M, B or T "
        "(e.g. '15T' tokens, '8B' parameters)",
    ),
    (
        "a repeated bad unit is blamed on its first row",
        [A.replace(",15,", ",15X,"), B.replace(",15T,", ",15X,")],
        {},
        ", row 1 (model 'a'), column 'tokens_T': unknown unit 'X' in '15X'; use K, M, B or T "
        "(e.g. '15T' tokens, '8B' parameters)",
    ),
    (
        "a size with a unit is not rescaled as an absolute count",
        [A, B.replace(",15T,", ",2000000T,")],
        {},
        ", row 2 (model 'b'), column 'tokens_T': implausibly large (2e+06 trillions of tokens; at most 10000)",
    ),
    (
        "non-numeric",
        [A, B.replace(",80,", ",eighty,")],
        {},
        ", row 2 (model 'b'), column 'num_hidden_layers': must be a number (count), got 'eighty'",
    ),
    (
        "one non-numeric cell among numbers",
        [A, B, A.replace("a,", "c,", 1).replace(",4096,", ",4k,")],
        {},
        ", row 3 (model 'c'), column 'hidden_size': must be a number (count), got '4k'",
    ),
    (
        "not finite",
        [A, B.replace(",8192,", ",inf,")],
        {},
        ", row 2 (model 'b'), column 'hidden_size': must be finite, got 'inf'",
    ),
    (
        "negative",
        [A, B.replace(",8192,", ",-8192,")],
        {},
        ", row 2 (model 'b'), column 'hidden_size': must be > 0 (count), got -8192",
    ),
    (
        "fractional",
        [A.replace(",32,", ",32.5,")],
        {},
        ", row 1 (model 'a'), column 'num_hidden_layers': must be a whole number, got 32.5",
    ),
    (
        "score out of range",
        [A, B.replace(",79,", ",101,")],
        {},
        ", row 2 (model 'b'), column 'mmlu': must be between 0 and 100 (percent), got 101",
    ),
    (
        "empty required",
        [A, B.replace(",28672,", ",,")],
        {},
        ", row 2 (model 'b'), column 'intermediate_size': a value is required here (the cell is empty or NaN)",
    ),
    (
        "empty core cell with gaps allowed",
        [A, B.replace(",8192,", ",,")],
        {"require_law_inputs": False},
        ", row 2 (model 'b'), column 'hidden_size': a value is required here (the cell is empty or NaN)",
    ),
    ("empty model", [A, B.replace("b,", ",", 1)], {}, ", row 2, column 'model': a model name is required here"),
    (
        "duplicate model",
        [A, B, A],
        {},
        ", row 3 (model 'a'), column 'model': duplicate model name (first used in row 1)",
    ),
    ("no rows", [], {}, ": the table has no data rows"),
]


def _write(tmp_path, header: str, rows: list[str]):
    path = tmp_path / "recipes.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


@pytest.mark.parametrize("rows, kwargs, expected", [c[1:] for c in BAD_TABLES], ids=[c[0] for c in BAD_TABLES])
def test_validate_names_file_row_model_and_column(tmp_path, rows, kwargs, expected):
    path = _write(tmp_path, H, rows)
    with pytest.raises(DataError) as err:
        read_validated(path, **kwargs)
    assert str(err.value) == f"{path}{expected}"


BAD_HEADERS = [
    (
        "no mmlu column",
        "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B",
        {"require_mmlu": True},
        ", column 'mmlu': missing required column 'mmlu'",
    ),
    (
        "alias hint",
        "model,layers,hidden_size,intermediate_size,tokens_T,params_B",
        {},
        ", column 'num_hidden_layers': missing required column 'num_hidden_layers' (found 'layers': rename it to "
        "'num_hidden_layers')",
    ),
    (
        "not a recipe table",
        "name,score,when",
        {},
        ": does not look like a recipe table: no known column in its header (first columns ['name', 'score', "
        "'when']); expected e.g. ['model', 'num_hidden_layers', 'hidden_size']",
    ),
]


@pytest.mark.parametrize("header, kwargs, expected", [c[1:] for c in BAD_HEADERS], ids=[c[0] for c in BAD_HEADERS])
def test_header_problems_name_the_file_and_column(tmp_path, header, kwargs, expected):
    path = _write(tmp_path, header, [",".join(["a", "32", "4096", "14336", "15", "8"][: header.count(",") + 1])])
    with pytest.raises(DataError) as err:
        read_validated(path, **kwargs)
    assert str(err.value) == f"{path}{expected}"


MOE_H = "model,num_hidden_layers,hidden_size,moe_intermediate_size,num_experts,num_experts_per_tok,tokens_T,params_B,"
MOE_H += "active_params_B"


@pytest.mark.parametrize(
    "row, expected",
    [
        ("m,48,4096,1536,8,16,36,235,22", ", row 1 (model 'm'), column 'num_experts_per_tok': exceeds num_experts"),
        (
            "m,48,4096,1536,128,8,36,235,300",
            ", row 1 (model 'm'), column 'active_params_B': activated parameters exceed total parameters",
        ),
        (
            "m,48,4096,,128,8,36,235,22",
            ", row 1 (model 'm'), column 'moe_intermediate_size': a value is required here (the cell is empty or NaN)",
        ),
    ],
    ids=["experts per token", "active > total", "MoE width missing"],
)
def test_moe_messages_name_file_row_model_and_column(tmp_path, row, expected):
    path = _write(tmp_path, MOE_H, [row])
    with pytest.raises(DataError) as err:
        read_validated(path)
    assert str(err.value) == f"{path}{expected}"


def test_a_frame_in_memory_is_named_by_its_label():
    frame = pd.DataFrame([A.split(","), B.replace(",80,", ",eighty,").split(",")], columns=H.split(","))
    with pytest.raises(DataError) as err:
        validate(frame, source="recipes")
    assert (
        str(err.value)
        == "recipes, row 2 (model 'b'), column 'num_hidden_layers': must be a number (count), got 'eighty'"
    )
    twice = pd.DataFrame(
        [["a", "32", "4096", "4096"]], columns=["model", "num_hidden_layers", "hidden_size", "hidden_size"]
    )
    with pytest.raises(DataError) as err:
        validate(twice, source="recipes", require_law_inputs=False)
    assert str(err.value) == "recipes, column 'hidden_size': the table has two columns of this name"


def test_a_table_read_from_a_file_keeps_naming_it(tmp_path):
    """Through read_table, re-validation (as PerformanceLaw.prepare does, with its own label) and subsets."""
    path = _write(tmp_path, H, [A, B])
    once = validate(read_table(path), require_law_inputs=False)
    assert once.attrs["source"] == str(path)
    twice = validate(once, source="table", require_law_inputs=False)
    assert twice.attrs["source"] == str(path)
    pd.testing.assert_frame_equal(once, twice)


@pytest.mark.parametrize(
    "load, name",
    [
        (lambda p: prepare(read_validated(p, require_law_inputs=False), VARIANTS["plain"]), "{path}"),
        (lambda p: PerformanceLaw(variant="plain").prepare(read_validated(p, require_law_inputs=False)), "{path}"),
        (lambda p: PerformanceLaw(variant="plain").prepare(read_table(p)), "{path}"),
        (lambda p: PerformanceLaw(variant="plain").prepare(pd.read_csv(p, dtype=str)), "table"),
    ],
    ids=["prepare", "model.prepare of a validated table", "model.prepare of a read table", "a frame in memory"],
)
def test_too_few_usable_rows_names_the_file(tmp_path, load, name):
    rows = [A.replace("a,", f"m{i},", 1) for i in range(5)] + [B.replace(",79,", ",,")]  # b lacks mmlu
    path = _write(tmp_path, H, rows)
    with pytest.raises(DataError) as err:
        load(path)
    assert str(err.value) == name.format(path=path) + ": only 5 usable rows (need at least 8 to fit the law)"


def _law_gaps_reference(df: pd.DataFrame) -> list[str]:
    """The row-by-row definition law_gaps vectorises."""
    moe = df["num_experts"].fillna(0) > 1 if "num_experts" in df.columns else pd.Series(False, index=df.index)
    out = []
    for i in range(len(df)):

        def lacks(c: str, i: int = i) -> bool:
            return c not in df.columns or pd.isna(df[c].iloc[i])

        missing = [c for c in LAW_FIELDS if lacks(c)] + [c for c in MOE_FIELDS if moe.iloc[i] and lacks(c)]
        if not moe.iloc[i] and lacks("intermediate_size"):
            missing.append("intermediate_size")
        out.append(", ".join(missing))
    return out


@pytest.mark.parametrize("drop", [None, "intermediate_size", "num_experts"])
def test_law_gaps_matches_its_row_by_row_definition(drop):
    rng = np.random.default_rng(0)
    n = 300
    cols = list(LAW_FIELDS) + list(MOE_FIELDS) + ["intermediate_size"]
    df = pd.DataFrame({c: np.where(rng.random(n) < 0.3, np.nan, rng.integers(1, 64, n)) for c in cols})
    df["num_experts"] = np.where(rng.random(n) < 0.5, 1.0, df["num_experts"])
    df.insert(0, "model", [f"m{i}" for i in range(n)])
    if drop:
        df = df.drop(columns=drop)
    got = law_gaps(df)
    assert got.tolist() == _law_gaps_reference(df)
    assert got.index.equals(df.index) and got.dtype == object
    assert law_gaps(df.iloc[:0]).tolist() == []


def test_validate_of_many_rows_is_vectorised():
    """200,000 rows: validate costs about what reading the CSV costs (row-by-row checks took ~7x)."""
    rng = np.random.default_rng(1)
    n = 200_000
    hidden = rng.choice(np.arange(1024, 16385, 512), n)
    frame = pd.DataFrame(
        {
            "model": [f"r{i}" for i in range(n)],
            "num_hidden_layers": rng.integers(16, 128, n),
            "hidden_size": hidden,
            "intermediate_size": (hidden * 3.5).astype(int),
            "tokens_T": np.round(rng.uniform(0.5, 20, n), 2),
            "params_B": np.round(rng.uniform(0.5, 400, n), 2),
            "release": rng.choice(["2024-03", "2024-07", "2025-06"], n),
            "mmlu_source_kind": rng.choice(["developer", "third-party", ""], n),
        }
    )
    text = frame.to_csv(index=False)

    def best(f) -> float:
        times = []
        for _ in range(2):
            start = time.perf_counter()
            out = f()
            times.append(time.perf_counter() - start)
        return min(times), out

    read_s, raw = best(lambda: pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False))
    validate_s, out = best(lambda: validate(raw, source="big.csv"))
    assert len(out) == n and out["tokens_T"].dtype == float
    assert validate_s < 3 * read_s + 0.2, (validate_s, read_s)


def test_a_release_date_is_read_as_its_month(tmp_path):
    """A release day (ISO date) is read as its month; an impossible date is refused like any bad month."""
    good = read_validated(_write(tmp_path, H, [A.replace("2024-04", "2024-04-15"), B]))
    assert good["release"].tolist() == ["2024-04", "2024-04"]
    path = _write(tmp_path, H, [A, B.replace("2024-04", "2024-02-30")])
    with pytest.raises(DataError) as err:
        read_validated(path)
    assert str(err.value) == (
        f"{path}, row 2 (model 'b'), column 'release': must be a month YYYY-MM from 2015-01 to 2099-12 (or a "
        "date YYYY-MM-DD), got '2024-02-30'"
    )


def test_release_flag_takes_a_month_or_a_date():
    import argparse

    from bayes_perflaw.cli.argtypes import month

    assert month("2025-04") == "2025-04" and month(" 2025-04-30 ") == "2025-04"
    for bad in ("2025-13", "2025-02-30", "2025-4", "April 2025"):
        with pytest.raises(argparse.ArgumentTypeError) as err:
            month(bad)
        assert "must be a month YYYY-MM from 2015-01 to 2099-12 (or a date YYYY-MM-DD)" in str(err.value)
