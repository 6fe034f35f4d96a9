"""The FLP backtest: fit on a ladder (or reuse a matching posterior), predict the held-out targets, and compare
with the least-squares fit of the paper's forms (``ls_paper``). Accuracies in percent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.posterior import file_hash
from bayes_perflaw.flp.ladder import read_ladder
from bayes_perflaw.flp.model import DEFAULT_LIKELIHOOD, FLP, parse_variant
from bayes_perflaw.flp.predict import TARGET_COLUMNS, backtest_bayes, ls_paper, summarise


def posterior_for(
    data_path: Path,
    variant: str,
    *,
    posterior: Path | None,
    refit: bool,
    margin: float,
    roles: tuple[str, ...],
    priors: dict[str, Any] | None = None,
    sampler: dict[str, Any] | None = None,
    likelihood: str = DEFAULT_LIKELIHOOD,
    log=print,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(draws, meta) of ``variant`` on ``data_path``: the saved ``posterior`` when it was fitted to this very
    file with this variant, margin, roles, likelihood and priors; else a fresh fit (not saved)."""
    model = FLP(variant, priors, margin=margin, roles=roles, likelihood=likelihood)
    if posterior is not None and not refit and Path(posterior).exists():
        FLP.read(posterior)  # a file that is not an FLP posterior (or is corrupt) is refused, not silently ignored
    saved = None if refit else model.saved_fit(posterior, data_path)
    if saved is None and posterior is not None and not refit and Path(posterior).exists():
        log(
            f"{variant}: {posterior} holds another variant, prior, data file or option (--margin, --roles, "
            "--likelihood): fitting afresh"
        )
    if saved is not None:
        log(f"{variant}: using {posterior} (fitted to this {Path(data_path).name}; --refit to sample again)")
        return saved.draws.values, saved.meta
    from bayes_perflaw.core.fitting import report_fit

    log(f"fitting FLP {variant!r} on {Path(data_path).name} (roles {list(roles)})")
    model.fit(
        read_ladder(data_path),
        data_hash=file_hash(data_path),
        data_file=Path(data_path).name,
        log=log,
        **(sampler or {}),
    )
    report_fit(model, model.last_fit, log=log)
    return model.draws.values, model.meta


def run_backtest(
    data_path: Path,
    variants: list[str],
    *,
    prob: float,
    seed: int,
    boot: int,
    margin: float,
    roles: tuple[str, ...],
    log=print,
    **reuse: Any,
) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, Any]]]:
    """(per-target table, summary per method and target, the fits' metadata) of the Bayesian variants and
    the least-squares baseline on the targets (``role`` = target) of ``data_path``."""
    for v in variants:
        parse_variant(v)  # a bad name fails before any sampling
    df = read_ladder(data_path)
    if not (df["role"] == "target").any():
        raise DataError("no rows with role 'target' to predict", source=str(data_path), column="role")
    fitted = set(df.loc[df["role"] != "target", "task"])
    for i in np.flatnonzero(((df["role"] == "target") & ~df["task"].isin(fitted)).to_numpy())[:1]:
        raise DataError(
            f"task {df['task'].iloc[i]!r} of a target run is in no fitted run: nothing can predict it",
            source=str(data_path),
            row=int(i) + 1,
            model=str(df["run"].iloc[i]),
            column="task",
        )
    tables, fits = [], []
    for v in variants:
        values, meta = posterior_for(data_path, v, margin=margin, roles=roles, log=log, **reuse)
        tables.append(backtest_bayes(values, meta, df, prob=prob, seed=seed))
        fits.append(meta)
    tables.append(ls_paper(df, roles=roles, margin=margin, n_boot=boot, prob=prob, seed=seed))
    table = pd.concat(tables, ignore_index=True)
    cols = ["method", *TARGET_COLUMNS, "c4_loss", "actual_c4_loss", "task_bpb", "actual_task_bpb"]
    return table[[c for c in cols if c in table.columns]], summarise(table), fits


def backtest_markdown(summary: pd.DataFrame, fits: list[dict[str, Any]], data_name: str, prob: float) -> str:
    """The backtest as Markdown: per method and target, then the fits' LOO and diagnostics."""
    lines = [
        f"# FLP backtest on {data_name}",
        "",
        "Fitted on the ladder runs only; predicted the held-out targets (`role` = target). Accuracy in points;"
        f" intervals are central {prob:.0%} intervals of a reported score (Bayesian) or a 1,000-replicate"
        " bootstrap over runs of the least-squares fit (`ls_paper`, the paper's forms: power law in FLOPs,"
        " linear link).",
        "",
        summary.to_markdown(index=False),
        "",
        "## Fits",
        "",
        "| variant | stage-1 elpd_loo | stage-2 elpd_loo | r_hat max | ESS bulk min | divergences | converged |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in fits:
        loo, dg = m.get("loo", {}), m["diagnostics"]
        e1 = loo.get("stage1", {}).get("elpd_loo", float("nan"))
        e2 = loo.get("stage2", {}).get("elpd_loo", float("nan"))
        lines.append(
            f"| {m['variant']} | {e1:.1f} | {e2:.1f} | {dg['r_hat_max']:.3f} | {dg['ess_bulk_min']:.0f} | "
            f"{dg['divergences']} | {dg['converged']} |"
        )
    lines += [
        "",
        "Stage-1 elpd compares forms only between variants with the same domains (FLP-M's covers two losses).",
    ]
    for m in fits:
        if m["diagnostics"].get("problems"):
            lines.append(
                f"\n**{m['variant']} did NOT converge** by PyMC's thresholds ("
                + "; ".join(m["diagnostics"]["problems"])
                + "): its intervals above are not to be trusted; sample longer (`--tune`, `--draws`)."
            )
        if m.get("dropped_tasks"):
            lines.append(
                f"\n{m['variant']}: {len(m['dropped_tasks'])} tasks never leave the chance region on this ladder and "
                f"are not predicted: {', '.join(m['dropped_tasks'])}."
            )
    lines.append("")
    return "\n".join(lines)
