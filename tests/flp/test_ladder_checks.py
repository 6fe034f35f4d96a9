"""flp.ladder.check_ladder: what must agree between a ladder's rows (session-22 fuzz findings), each refused with
file, row, run and column; names compared without surrounding spaces."""

from __future__ import annotations

import pandas as pd
import pytest

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.flp.ladder import check_ladder

ROWS = [  # two runs, two checkpoints, two tasks; flops = 6 N D
    ("a", "ladder", 100, 1e8, 1e9, 6e17, 4.0, "t1", 0.30, 0.25),
    ("a", "ladder", 100, 1e8, 1e9, 6e17, 4.0, "t2", 0.55, 0.5),
    ("a", "ladder", 200, 1e8, 2e9, 1.2e18, 3.8, "t1", 0.32, 0.25),
    ("a", "ladder", 200, 1e8, 2e9, 1.2e18, 3.8, "t2", 0.56, 0.5),
    ("b", "target", 100, 2e8, 1e9, 1.2e18, 3.9, "t1", 0.31, 0.25),
    ("b", "target", 100, 2e8, 1e9, 1.2e18, 3.9, "t2", 0.57, 0.5),
]
COLUMNS = ["run", "role", "step", "n_params", "tokens", "flops", "c4_loss", "task", "accuracy", "chance"]


def ladder(**edits) -> pd.DataFrame:
    """The ladder with cells replaced: ``edits`` maps 'column' to {row index: value}."""
    df = pd.DataFrame(ROWS, columns=COLUMNS).astype(object)
    for column, cells in edits.items():
        for i, value in cells.items():
            df.loc[i, column] = value
    return df


def test_clean_ladder_passes_and_names_are_stripped():
    out = check_ladder(ladder(role={0: " ladder\t"}, task={1: "t2 "}, run={2: " a"}), source="l.csv")
    assert out["role"].tolist() == ["ladder"] * 4 + ["target"] * 2
    assert out["task"].tolist() == ["t1", "t2"] * 3
    assert out["run"].tolist() == ["a"] * 4 + ["b"] * 2


@pytest.mark.parametrize(
    "edits, message",
    [
        ({"run": {3: " "}}, "l.csv, row 4, column 'run': is empty"),
        ({"task": {3: ""}}, "l.csv, row 4 (model 'a'), column 'task': is empty"),
        (
            {"step": {2: 100}},
            "l.csv, row 3 (model 'a'), column 'step': step 100 of task 't1' is given twice (first in row 1)",
        ),
        ({"step": {2: 150.5}}, "l.csv, row 3 (model 'a'), column 'step': must be a whole number >= 0, got 150.5"),
        ({"role": {4: "ladder"}}, "l.csv, row 5 (model 'b'), column 'role': run 'b' has more than one role"),
        ({"n_params": {2: 1.1e8}}, "l.csv, row 1 (model 'a'), column 'n_params': run 'a' has more than one n_params"),
        (
            {"tokens": {2: 5e8, 3: 5e8}, "flops": {2: 3e17, 3: 3e17}},
            "l.csv, row 3 (model 'a'), column 'tokens': fewer tokens than at an earlier step of the same run",
        ),
        ({"chance": {5: 0.25}}, "l.csv, row 2 (model 'a'), column 'chance': task 't2' has more than one chance level"),
        ({"task": {5: "T2"}}, "l.csv, row 6 (model 'b'), column 'task': 'T2' and 't2' differ only in case"),
        ({"flops": {5: 1.2e21}}, "l.csv, row 6 (model 'b'), column 'flops': is 1e+03 x 6 N D"),
    ],
)
def test_inconsistent_rows_are_refused(edits, message):
    with pytest.raises(DataError) as err:
        check_ladder(ladder(**edits), source="l.csv")
    assert str(err.value).startswith(message), str(err.value)
