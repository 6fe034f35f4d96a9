"""What the FLP experiment scripts share (``flp_floor_experiments.py``, ``flp_pooling_experiments.py``): fit one
configuration on a ladder and score it on the ladder's targets, and write the Markdown table of the results."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
LADDERS = {"full ladder (OLMo-2 7B, 13B)": "olmo_ladder.csv", "truncated at 760M (1B, 3B)": "olmo_ladder_to_760m.csv"}
SCORES = "MAE | 90 % cov. | median width | MAE without BoolQ | cov. without BoolQ"  # flp.predict.score_cells


def run_configs(configs: list[tuple[str, dict]], ladders: dict[str, str | Path] | None = None) -> pd.DataFrame:
    """Every ``(name, FLP keyword arguments)`` fitted (variant chinchilla+logistic, seed 1) on each ladder of
    ``ladders`` (name -> file in data/flp or a path; default :data:`LADDERS`): one row per configuration and target
    with the stage-2 elpd_loo (and, from the second configuration on, its paired difference from the first's with
    the difference's standard error), the fit's r_hat, ESS, divergences, seconds (compile and sampling, both
    stages; sampling alone), stage 2's leapfrog steps per draw and whether a stage was sampled again, and the
    target's scores (flp.predict.summarise). A ``"model"`` entry of the keyword arguments names another class than
    ``FLP`` (a subclass with its own stage 2)."""
    import arviz as az
    import numpy as np

    from bayes_perflaw.core.fitting import report_fit
    from bayes_perflaw.flp.ladder import read_ladder
    from bayes_perflaw.flp.model import FLP
    from bayes_perflaw.flp.predict import backtest_bayes, summarise

    rows = []
    for ladder_name, file in (ladders or LADDERS).items():
        ladder = read_ladder(ROOT / "data" / "flp" / file)  # an absolute path stays itself
        first = None  # the first configuration's pointwise stage-2 elpd on this ladder
        for name, kwargs in configs:
            start = time.perf_counter()
            cls = kwargs.get("model", FLP)
            options = {k: v for k, v in kwargs.items() if k != "model"}
            model = cls("chinchilla+logistic", **options).fit(ladder, seed=1, progress=False)
            seconds = time.perf_counter() - start
            report_fit(model, model.last_fit, log=lambda _: None)  # computes the LOO into the metadata
            d = model.meta["diagnostics"]
            pointwise = az.loo(model.last_fit.idata, var_name="stage2", pointwise=True).loo_i.values
            first = pointwise if first is None else first
            diff = pointwise - first
            head = {
                "ladder": ladder_name,
                "elpd": model.meta["loo"]["stage2"]["elpd_loo"],
                "elpd_diff": float(diff.sum()),
                "elpd_diff_se": float(np.sqrt(len(diff)) * diff.std()),
                "sampling_s": model.meta["sampling_s"],
                "steps2": float(model.last_fit.idata.sample_stats["n_steps"].mean()),
                "resampled": ", ".join(model.meta.get("resampled", {})),
                "r_hat": d["r_hat_max"],
                "ess": f"{d['ess_bulk_min']:.0f}/{d['ess_tail_min']:.0f}",
                "divergences": d["divergences"],
                "seconds": seconds,
            }
            summary = summarise(backtest_bayes(model.draws.values, model.meta, ladder, seed=1).assign(method=name))
            rows += [{**head, **r} for r in summary.to_dict("records")]
            print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def write_report(name: str, title: str, blurb: str, out: pd.DataFrame, fit_columns: list[tuple[str, Callable]]) -> None:
    """``reports/flp/<name>.md``: ``title``, ``blurb`` and one table row per row of ``out``: ladder, configuration,
    stage-2 elpd, the ``fit_columns`` ((header, cell function) pairs), target and scores."""
    from bayes_perflaw.flp.predict import score_cells

    columns = [
        ("ladder", lambda r: r["ladder"]),
        ("configuration", lambda r: r["method"]),
        ("stage-2 elpd_loo", lambda r: f"{r['elpd']:.1f}"),
        *fit_columns,
        ("target", lambda r: r["target"]),
        (SCORES, score_cells),  # a header holding "|" spans that many columns
    ]
    n = sum(h.count("|") + 1 for h, _ in columns)
    lines = [f"# {title}", "", blurb, "", "| " + " | ".join(h for h, _ in columns) + " |", "|" + "---|" * n]
    lines += ["| " + " | ".join(cell(r) for _, cell in columns) + " |" for _, r in out.iterrows()]
    (ROOT / "reports" / "flp" / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def elpd_diff_cell(r) -> str:
    """The stage-2 elpd difference from the first configuration, with its paired standard error."""
    return f"{r['elpd_diff']:+.1f} ({r['elpd_diff_se']:.1f})"


def fit_cell(r) -> str:
    """r_hat, ESS bulk/tail, divergences, and which stage was sampled again after divergences."""
    again = f", {r['resampled']} resampled" if r["resampled"] else ""
    return f"r_hat {r['r_hat']:.2f}, ESS {r['ess']}, {r['divergences']} div.{again}"
