"""Self-contained HTML report of an FLP posterior: the Performance Law report's checks, run metadata, convergence
table and prior-vs-posterior panels, plus the FLP's own figures: loss against compute with 90 % bands, accuracy
against loss per task with 90 % bands, and the held-out targets with their intervals.

``write_flp_report(posterior, out_dir)`` writes ``out_dir/index.html`` and ``summary.csv``; bands come from the
posterior's draws through the same NumPy functions as ``flp predict`` (:mod:`bayes_perflaw.flp.forms`).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.diagnostics import ESS_PER_CHAIN_MIN, RHAT_MAX
from bayes_perflaw.core.outputs import write_csv
from bayes_perflaw.flp.forms import (
    floor_medians,
    is_task_chain,
    loss_draws,
    recipe,
    stage2_accuracy,
    stage2_ceiling,
    stage2_floor,
)
from bayes_perflaw.flp.ladder import final_checkpoints
from bayes_perflaw.report.html import checks, energy_figure, figure, prior_samples, run_rows, table_html, write_page

TOKENS_PER_PARAM = 20.0  # the compute sweep of the loss figure follows Chinchilla's ratio


def _ladder(meta: dict[str, Any]) -> pd.DataFrame | None:
    """The ladder table the posterior was fitted to, if it is one of the package's (``data/flp/``)."""
    from bayes_perflaw.core.paths import data_dir
    from bayes_perflaw.flp.ladder import read_ladder

    path = data_dir() / "flp" / str(meta.get("data_file", ""))
    return read_ladder(path) if path.is_file() else None


def loss_vs_compute(values: dict[str, np.ndarray], meta: dict[str, Any], ladder: pd.DataFrame | None):
    """Figure: each stage-1 loss against FLOPs (median and 90 % band of a reported loss along Chinchilla-ratio
    recipes), with the ladder's final checkpoints and the targets."""
    import matplotlib.pyplot as plt

    task_chain = is_task_chain(meta)
    names = list(meta["tasks"]) if task_chain else list(meta["domains"])
    column = {"c4": "c4_loss", "code": "code_loss"}
    finals = final_checkpoints(ladder) if ladder is not None else None
    lo_c = 1e17 if finals is None else float(finals["flops"].min()) / 2
    hi_c = 1e24 if finals is None else float(finals["flops"].max()) * 2
    grid = np.geomspace(lo_c, hi_c, 40)
    rng = np.random.default_rng(0)
    bands = []
    for c in grid:
        n = np.sqrt(c / (6.0 * TOKENS_PER_PARAM))
        bands.append(np.quantile(loss_draws(recipe(n_params=n, tokens=TOKENS_PER_PARAM * n), values,
                                            meta["stage1"], rng), [0.05, 0.5, 0.95], axis=0))  # fmt: skip
    bands = np.stack(bands)  # (grid, 3, losses)
    cols = min(len(names), 5)
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), squeeze=False)
    for j, (ax, name) in enumerate(zip(axes.ravel(), names, strict=False)):
        ax.fill_between(grid, bands[:, 0, j], bands[:, 2, j], alpha=0.3, label="90 % band")
        ax.plot(grid, bands[:, 1, j], label="median")
        if finals is not None:
            rows_of = finals[finals["task"] == name] if task_chain else finals.drop_duplicates("run")
            y = rows_of["task_bpb"] if task_chain else rows_of[column[name]]
            fitted = rows_of["role"] == "ladder"
            ax.scatter(rows_of.loc[fitted, "flops"], y[fitted], s=10, color="k", label="ladder (final)")
            ax.scatter(rows_of.loc[~fitted, "flops"], y[~fitted], s=40, marker="*", color="tab:red", label="target")
        ax.set_xscale("log")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("training FLOPs (6ND)", fontsize=8)
        ax.set_ylabel("bits per byte" if task_chain else "loss (nats/token)", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(names) :]:
        ax.set_visible(False)
    axes.ravel()[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def accuracy_vs_loss(values: dict[str, np.ndarray], meta: dict[str, Any], ladder: pd.DataFrame | None):
    """Figure: per task, the mean accuracy against the stage-2 loss (median and 90 % band over the posterior; no
    run effect, no evaluation noise), with the ladder's checkpoints and the targets."""
    import matplotlib.pyplot as plt

    task_chain = is_task_chain(meta)
    tasks, chances = list(meta["tasks"]), np.asarray(meta["chances"], dtype=float)
    centres = np.asarray(meta["centres"], dtype=float)
    cols = 5
    rows = int(np.ceil(len(tasks) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), squeeze=False)
    for i, (ax, task) in enumerate(zip(axes.ravel(), tasks, strict=False)):
        x_col = "task_bpb" if task_chain else "c4_loss"
        data = ladder[ladder["task"] == task] if ladder is not None else None
        if data is not None and len(data):
            lo_x, hi_x = 0.98 * float(data[x_col].min()), float(data[x_col].quantile(0.98))  # down to the targets
        else:
            lo_x, hi_x = centres[i, 0] * 0.8, centres[i, 0] * 1.2
        x = np.linspace(lo_x, hi_x, 60)
        eta = values["intercept"][:, i, None] + values["slope"][:, i, 0, None] * (x[None, :] - centres[i, 0])
        ceiling = stage2_ceiling(values, [i])
        floor = stage2_floor(values, chances, [i])
        acc = stage2_accuracy(eta, floor, meta["stage2"], ceiling=ceiling) * 100
        q = np.quantile(acc, [0.05, 0.5, 0.95], axis=0)
        ax.fill_between(x, q[0], q[2], alpha=0.3)
        ax.plot(x, q[1])
        if data is not None and len(data):
            fit = data[data["role"] == "ladder"]
            ax.scatter(fit[x_col], 100 * fit["accuracy"], s=3, color="k", alpha=0.3)
            tg = final_checkpoints(data[data["role"] == "target"])
            ax.scatter(tg[x_col], 100 * tg["accuracy"], s=40, marker="*", color="tab:red")
        ax.axhline(100 * chances[i], color="0.6", lw=0.8, ls="--")
        if "floor" in values:  # the learned floor (posterior median), where the link starts
            ax.axhline(100 * float(np.median(floor)), color="0.6", lw=0.8, ls=":")
        ax.set_title(task, fontsize=10)
        ax.set_xlabel("bits per byte" if task_chain else "C4 loss (nats/token)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.invert_xaxis()
    for ax in axes.ravel()[len(tasks) :]:
        ax.set_visible(False)
    axes.ravel()[0].set_ylabel("accuracy (%)", fontsize=8)
    fig.tight_layout()
    return fig


def targets_figure(targets: pd.DataFrame):
    """Figure: each target's predicted interval and mean per task against the reported accuracy."""
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(targets["target"]))
    fig, axes = plt.subplots(1, len(names), figsize=(5.5 * len(names), 4), squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=True):
        g = targets[targets["target"] == name].reset_index(drop=True)
        y = np.arange(len(g))
        ax.hlines(y, g["pred_lo"], g["pred_hi"], color="tab:blue", lw=3, alpha=0.5, label="90 % interval")
        ax.scatter(g["pred_mean"], y, color="tab:blue", s=15, label="predicted mean")
        ax.scatter(g["actual"], y, color="tab:red", marker="x", s=30, label="reported")
        ax.set_yticks(y, g["task"], fontsize=8)
        ax.set_xlabel("accuracy (%)")
        ax.set_title(name)
    axes.ravel()[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def _prior_vs_posterior(values: dict[str, np.ndarray], meta: dict[str, Any]):
    """Figure: for each parameter with a prior, the prior against the posterior of every element (one per task or
    domain), drawn as lines so that the elements stay apart."""
    import matplotlib.pyplot as plt

    priors = meta.get("priors", {})
    names = [n for n in priors if isinstance(priors[n], dict) and n in values]
    cols = 4
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(12, 2.5 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        post = values[name].reshape(values[name].shape[0], -1)
        lo, hi = np.quantile(post, [0.001, 0.999])
        prior = prior_samples(priors[name])
        if prior is not None:
            plo, phi = np.quantile(prior, [0.01, 0.99])
            lo, hi = min(lo, plo), max(hi, phi)
            ax.hist(prior, bins=60, range=(lo, hi), density=True, alpha=0.4, color="tab:gray")
        for k in range(post.shape[1]):
            dens, edges = np.histogram(post[:, k], bins=60, range=(lo, hi), density=True)
            ax.plot((edges[:-1] + edges[1:]) / 2, dens, lw=0.8)
        ax.set_title(name, fontsize=10)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(names) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def write_flp_report(posterior: str | Path, out_dir: str | Path, reports_dir: str | Path | None = None) -> Path:
    """Write ``out_dir/index.html`` and ``summary.csv`` for an FLP posterior; returns the HTML path. The targets'
    figure reads ``reports_dir/flp_targets.csv`` (default: ``out_dir``'s parent, i.e. ``reports/flp``)."""
    import arviz as az
    import matplotlib

    from bayes_perflaw.core.posterior import load_draws, load_idata

    matplotlib.use("Agg")
    posterior, out_dir = Path(posterior), Path(out_dir)
    reports_dir = Path(reports_dir) if reports_dir else out_dir.parent
    draws = load_draws(posterior, kind="flp")
    meta, values = draws.meta, draws.values
    idata = load_idata(posterior, kind="flp")
    names = [v for v in idata.posterior.data_vars if not v.endswith("_z")]
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore")
        summary = az.summary(idata, var_names=names).reset_index().rename(columns={"index": "parameter"})
    summary = summary[summary["sd"] > 0].reset_index(drop=True)  # fixed values (zero-sum anchors) left out
    ess_min = ESS_PER_CHAIN_MIN * meta["diagnostics"]["chains"]

    def failing(row: pd.Series) -> bool:
        return bool(row["r_hat"] > RHAT_MAX or row["ess_bulk"] < ess_min or row["ess_tail"] < ess_min)

    ladder = _ladder(meta)
    targets_path = reports_dir / "flp_targets.csv"
    targets = None
    if targets_path.is_file():
        t = pd.read_csv(targets_path)
        t = t[t["method"] == f"bayes:{meta['variant']}"]
        targets = t if len(t) else None
    figures = {
        "priors": figure(
            "Prior vs posterior",
            "Grey: the prior; one line per task (or loss domain): its posterior.",
            lambda: _prior_vs_posterior(values, meta),
        ),
        "energy": energy_figure(idata),
        "loss": figure(
            "Loss against compute",
            f"Median and 90 % band of a reported loss along recipes with {TOKENS_PER_PARAM:g} tokens per parameter "
            "(stage 1); dots: the ladder's final checkpoints; stars: the held-out targets (their own token ratios).",
            lambda: loss_vs_compute(values, meta, ladder),
        ),
        "accuracy": figure(
            "Accuracy against loss",
            "Per task: median and 90 % band of the mean accuracy (stage 2, no run effect or evaluation noise); grey "
            "dots: the ladder's checkpoints; stars: the targets; dashed: chance; dotted: the learned floor (posterior "
            "median). Loss decreases to the right.",
            lambda: accuracy_vs_loss(values, meta, ladder),
        ),
    }
    if targets is not None:
        figures["targets"] = figure(
            "Targets",
            f"The held-out targets of {meta.get('data_file')}: predicted mean and 90 % interval of a reported score "
            "(both stages' uncertainty and the evaluation noise) against the reported accuracy.",
            lambda: targets_figure(targets),
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(summary, out_dir / "summary.csv")
    loo = meta.get("loo") or {}
    tasks = pd.DataFrame(
        {
            "task": meta["tasks"],
            "metric": meta.get("metrics") or [""] * len(meta["tasks"]),
            "chance": meta["chances"],
            "floor (median)": floor_medians(values, meta["chances"]),
        }
    )
    return write_page(
        "flp_report.html.j2",
        out_dir,
        title=f"bayes_perflaw: {posterior.name} (FLP {meta.get('variant')})",
        checks=checks(meta["diagnostics"], None),
        meta_rows=[
            *run_rows(meta, posterior.name),
            ("data", f"{meta.get('data_file')} (sha256 {meta.get('data_hash')})"),
            (
                "stage 1 / stage 2 rows",
                f"{meta.get('n_stage1')} final checkpoints / {meta.get('n_stage2')} checkpoints",
            ),
            ("roles fitted, emergent margin", f"{meta.get('roles')}, chance + {meta.get('margin')}"),
            ("tasks skipped (never above chance + margin)", ", ".join(meta.get("dropped_tasks", [])) or "none"),
            ("LOO", json.dumps(loo) if loo else "not recorded"),
        ],
        tasks_html=table_html(tasks),
        priors_json=json.dumps(meta.get("priors"), indent=1),
        summary_html=table_html(summary, failing),
        figures=figures,
        targets_html=table_html(targets.drop(columns=["method"]) if targets is not None else None),
    )
