"""The FLP backtest's Markdown says when a fit did not converge and which tasks it could not predict."""

from __future__ import annotations

import pandas as pd

from bayes_perflaw.flp.backtest import backtest_markdown


def _meta(problems: list[str], dropped: list[str]) -> dict:
    return {
        "variant": "chinchilla+logistic",
        "loo": {"stage1": {"elpd_loo": 34.4}, "stage2": {"elpd_loo": 1992.5}},
        "diagnostics": {
            "r_hat_max": 1.01,
            "ess_bulk_min": 686.0,
            "divergences": 4,
            "converged": not problems,
            "problems": problems,
        },
        "dropped_tasks": dropped,
    }


def test_unconverged_fit_and_skipped_tasks_are_stated() -> None:
    summary = pd.DataFrame({"method": ["bayes:chinchilla+logistic"], "target": ["1B-2xC"], "mae": [1.6]})
    text = backtest_markdown(
        summary, [_meta(["stage2: 4 divergent transitions"], ["arc_challenge_rc", "winogrande_rc"])], "x.csv", 0.9
    )
    assert "| chinchilla+logistic | 34.4 | 1992.5 | 1.010 | 686 | 4 | False |" in text
    assert (
        "**chinchilla+logistic did NOT converge** by PyMC's thresholds (stage2: 4 divergent transitions): its "
        "intervals above are not to be trusted; sample longer (`--tune`, `--draws`)." in text
    )
    assert (
        "chinchilla+logistic: 2 tasks never leave the chance region on this ladder and are not predicted: "
        "arc_challenge_rc, winogrande_rc." in text
    )


def test_converged_fit_with_every_task_adds_no_warning() -> None:
    summary = pd.DataFrame({"method": ["bayes:chinchilla+logistic"], "target": ["7B-4T"], "mae": [2.4]})
    text = backtest_markdown(summary, [_meta([], [])], "olmo_ladder.csv", 0.9)
    assert "NOT converge" not in text
    assert "chance region" not in text
    assert text.endswith("(FLP-M's covers two losses).\n")
