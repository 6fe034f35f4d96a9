"""The reference table: rebuilt exactly by scripts/build_reference_data.py from vendored sources, and checked."""

from __future__ import annotations

import pandas as pd
import pytest

from bayes_perflaw.core.paths import reference_table
from bayes_perflaw.perflaw.checks import check_table
from bayes_perflaw.perflaw.schema import read_validated
from tests.conftest import load_script


@pytest.fixture(scope="module")
def builder():
    return load_script("build_reference_data")


def test_the_builder_reproduces_the_committed_table(builder):
    built, _ = builder.build()
    committed = pd.read_csv(reference_table(), dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(built.reset_index(drop=True), committed)


def test_every_source_folder_says_where_it_comes_from(builder):
    for path in builder.source_paths():
        text = (path.parent / "SOURCE.txt").read_text()
        assert path.parent.name and ("Source" in text or "Repository" in text or "repository" in text), path


def test_the_committed_table_passes_every_check():
    table = read_validated(reference_table(), require_law_inputs=False)
    assert check_table(table, cutoff="2025-03") == []
    assert table["release"].max() <= "2025-03"  # the evaluation period is never in a fitted table
    assert table["model"].is_unique


def test_same_model_from_two_sources_keeps_the_developer_figure(builder):
    rows = pd.DataFrame(
        [
            {"model": "Foo 7B", "mmlu": "60.1", "mmlu_source_kind": "third-party", "table_source": "a", "notes": ""},
            {"model": "foo-7b", "mmlu": "62.0", "mmlu_source_kind": "developer", "table_source": "b", "notes": ""},
            {"model": "Bar", "mmlu": "50", "mmlu_source_kind": "developer", "table_source": "a", "notes": ""},
        ]
    )
    for col in builder.COMPARED:
        rows[col] = rows.get(col, "")
    rows["mmlu"] = ["60.1", "62.0", "50"]
    kept, log = builder.reconcile(rows)
    assert kept["model"].tolist() == ["foo-7b", "Bar"]
    assert kept.loc[0, "notes"] == "also in a as 'Foo 7B' with mmlu 60.1"
    assert len(log) == 1
