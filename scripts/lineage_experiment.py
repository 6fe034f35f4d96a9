"""Rolling-backtest experiment ``lineage_tokens``: does counting a derived model's inherited pre-training help?

A pruned-and-distilled or upcycled model starts from weights that have already seen its parent's pre-training
tokens (``data/sources/lineage/models.csv``, sourced per row). The experiment gives such a model the tokens of
its parent plus its own: ``tokens_T = parent_tokens_T + derived tokens`` (its own when the table has none: a lower
bound) wherever the parent's tokens are stated, and runs the default variant's rolling backtest on that table.
The table is written to a temporary folder only (the reference table is unchanged) and the run lands in
``reports/rolling/experiments/lineage_tokens/``; ``scripts/rolling_experiments.py`` then compares it with the
default. Distilled-only models (Gemma 2 / 3: no parent tokens) are unchanged.
Experiment ``lineage_tokens_copied`` (post hoc, after ``lineage_tokens`` lost on LLaMA-MoE): the same except for
the models whose parent's FFNs were partitioned into experts rather than copied (LLaMA-MoE, per
``data/sources/lineage/SOURCE.txt``), which keep their own tokens.
Experiment ``lineage_tokens_half`` (session 15): every such model counts half its parent's tokens,
``tokens_T = own + 0.5 * parent_tokens_T`` (LLaMA-MoE included): the middle of a learned inheritance fraction
phi in [0, 1], which the table's eight models with a stated parent budget could hardly pin down.
Run: ``python scripts/lineage_experiment.py [lineage_tokens | lineage_tokens_copied | lineage_tokens_half]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
LINEAGE = ROOT / "data" / "sources" / "lineage" / "models.csv"
EXPERIMENTS = ROOT / "reports" / "rolling" / "experiments"
INHERITS = ("pruned_distilled", "upcycled")  # kinds whose weights start from a trained parent
PARTITIONED = ("LLaMA-MoE-3.5B (2/8)", "LLaMA-MoE-3.5B (4/16)")  # parent FFNs split into experts, not copied
SKIP = {"lineage_tokens": (), "lineage_tokens_copied": PARTITIONED, "lineage_tokens_half": ()}
FRACTION = {"lineage_tokens_half": 0.5}  # share of the parent's tokens counted (1 unless named)


def with_inherited_tokens(table: pd.DataFrame, lineage: pd.DataFrame, skip=(), fraction: float = 1.0) -> pd.DataFrame:
    """``table`` with ``tokens_T`` = ``fraction`` x the parent's tokens + the model's own (0 when unknown) for every
    model whose lineage is one of ``INHERITS`` and whose parent's tokens are stated, except the models in ``skip``;
    other rows unchanged."""
    rows = lineage[lineage["lineage"].isin(INHERITS) & lineage["parent_tokens_T"].notna()]
    rows = rows[~rows["model"].isin(skip)]
    parent = table["model"].map(rows.set_index("model")["parent_tokens_T"])
    out = table.copy()
    own = pd.to_numeric(out["tokens_T"], errors="coerce").fillna(0.0)
    out["tokens_T"] = np.where(parent.notna(), own + fraction * parent.fillna(0.0), out["tokens_T"])
    return out


def main() -> int:
    from bayes_perflaw.cli.main import main as cli
    from bayes_perflaw.core.paths import reference_table
    from bayes_perflaw.perflaw.mean import DEFAULT_VARIANT

    name = sys.argv[1] if len(sys.argv) > 1 else "lineage_tokens"
    if name not in SKIP:
        print(f"unknown experiment {name!r}; choose from {', '.join(SKIP)}", file=sys.stderr)
        return 2
    table = with_inherited_tokens(
        pd.read_csv(reference_table()), pd.read_csv(LINEAGE), SKIP[name], FRACTION.get(name, 1.0)
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reference_models_lineage_tokens.csv"
        table.to_csv(path, index=False)
        args = ["backtest", "--rolling", "--data", str(path), "--variants", DEFAULT_VARIANT, "--bayes-only"]
        return cli([*args, "--out", str(EXPERIMENTS / name)])


if __name__ == "__main__":
    raise SystemExit(main())
