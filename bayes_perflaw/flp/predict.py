"""FLP predictions from posterior draws (NumPy only), the held-out targets, and the least-squares baseline.

Accuracies are reported in percent. ``pred_lo`` / ``pred_hi`` bound the central ``prob`` interval of a
*reported* score (stage-1 loss noise, parameter uncertainty of both stages and the Beta evaluation noise);
``noise=False`` keeps parameter uncertainty only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.flp.forms import chain, floor_medians, is_task_chain, needs_split, recipe
from bayes_perflaw.flp.ladder import final_checkpoints

TARGET_COLUMNS = ["target", "task", "actual", "pred_mean", "pred_lo", "pred_hi"]


def predict_recipe(
    values: dict[str, np.ndarray],
    meta: dict[str, Any],
    x: dict[str, float],
    *,
    prob: float = 0.9,
    seed: int = 0,
    noise: bool = True,
) -> pd.DataFrame:
    """One row per task: chance, floor (where the logistic link starts: the learned floor's posterior median, or
    chance), the predicted C4 loss (median, nats) and the accuracy (mean, interval; %)."""
    if needs_split(meta["stage1"]) and not np.isfinite(x["ln_n"]):
        from bayes_perflaw.core.errors import DataError

        raise DataError(
            f"this posterior's stage 1 ({meta['stage1']}) needs parameters and tokens, not FLOPs alone",
            column="--flops",
        )
    losses, acc = chain(x, values, meta, seed=seed, noise=noise)
    q = (1 - prob) / 2
    task_chain = is_task_chain(meta)
    out = pd.DataFrame(
        {
            "task": meta["tasks"],
            "chance": 100 * np.asarray(meta["chances"], dtype=float),
            "floor": 100 * floor_medians(values, meta["chances"]),
            # the loss the accuracy goes through: each task's own (bits per byte), or the C4 loss (nats per token)
            **({"task_bpb": np.median(losses, axis=0)} if task_chain else {"c4_loss": np.median(losses[:, 0])}),
            "pred_mean": 100 * acc.mean(axis=0),
            "pred_lo": 100 * np.quantile(acc, q, axis=0),
            "pred_hi": 100 * np.quantile(acc, 1 - q, axis=0),
        }
    )
    if "code" in meta.get("domains", ("c4",)):
        out.insert(4, "code_loss", np.median(losses[:, 1]))
    out["metric"] = meta.get("metrics") or [""] * len(out)
    return out


PERFLAW_MMLU = "5-shot multiple-choice MMLU, the Performance Law's (`bayes-perflaw predict`)"


def select_tasks(table: pd.DataFrame, requested: list[str]) -> pd.DataFrame:
    """The rows of ``requested`` tasks. A name that is not a task but the stem of some (``mmlu`` when the posterior
    has ``mmlu_rc``) is refused as ambiguous, listing the tasks and what they measure; an unknown name lists all."""
    from bayes_perflaw.core.errors import DataError

    tasks = table["task"].tolist()
    metric = dict(zip(tasks, table.get("metric", pd.Series([""] * len(tasks))), strict=True))
    for name in requested:
        if name in tasks:
            continue
        stems = [t for t in tasks if t.startswith(f"{name}_")]
        if stems:
            what = "; ".join(f"{t}: {metric[t]}" if metric[t] else t for t in stems)
            extra = f" (none of them is the {PERFLAW_MMLU})" if name == "mmlu" else ""
            raise DataError(f"ambiguous task {name!r}: choose from {what}{extra}", column="--task")
        raise DataError(f"unknown task {name!r}; this posterior has {tasks}", column="--task")
    return table[table["task"].isin(requested)]


def target_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The final checkpoint of each ``target`` run: run, n_params, tokens, flops, losses, task, accuracy."""
    return final_checkpoints(df[df["role"] == "target"]).reset_index(drop=True)


def _x(row) -> dict[str, float]:
    return recipe(n_params=float(row["n_params"]), tokens=float(row["tokens"]))


def backtest_bayes(values, meta, df: pd.DataFrame, *, prob: float = 0.9, seed: int = 0) -> pd.DataFrame:
    """Predictions for every target run and fitted task, beside the actual score (%)."""
    rows = []
    tg = target_rows(df)
    for run, g in tg.groupby("run", sort=False):
        pred = predict_recipe(values, meta, _x(g.iloc[0]), prob=prob, seed=seed)
        actual = g.set_index("task")["accuracy"] * 100
        pred.insert(0, "target", run)
        pred["actual"] = pred["task"].map(actual)
        pred["actual_c4_loss"] = float(g["c4_loss"].iloc[0])
        if "task_bpb" in pred.columns:  # the task-loss chain: each task's predicted and actual bits per byte
            pred["actual_task_bpb"] = pred["task"].map(g.set_index("task")["task_bpb"])
        rows.append(pred)
    out = pd.concat(rows, ignore_index=True)
    out.insert(0, "method", f"bayes:{meta['variant']}")
    return out


def ls_paper(
    df: pd.DataFrame,
    *,
    roles: tuple[str, ...] = ("ladder",),
    margin: float = 0.05,
    n_boot: int = 1000,
    prob: float = 0.9,
    seed: int = 1,
) -> pd.DataFrame:
    """The paper's forms by least squares (``ln L`` linear in ``ln C``; accuracy linear in ``L``), on the same
    rows as the Bayesian fit, with a 1000-replicate bootstrap over runs for intervals (of the fitted mean:
    how peers get intervals for a point fit)."""
    from bayes_perflaw.flp.ladder import prepare

    data = prepare(df, domains=("c4",), roles=roles, margin=margin)
    tg = target_rows(df)
    runs = data.stage1["run"].to_numpy()
    s1_x = np.log(data.stage1["flops"].to_numpy(dtype=float))
    s1_y = np.log(data.stage1["c4_loss"].to_numpy(dtype=float))
    s2 = data.stage2
    # each task's (loss, accuracy) rows per run, as arrays: a bootstrap replicate concatenates its runs'
    s2_run, s2_task = s2["run"].to_numpy(), s2["task"].to_numpy()
    s2_xy = s2[["c4_loss", "accuracy"]].to_numpy(dtype=float)
    by_task_run = [{r: s2_xy[(s2_task == task) & (s2_run == r)] for r in runs} for task in data.tasks]
    t_flops = tg.drop_duplicates("run").set_index("run")["flops"].astype(float)
    rng = np.random.default_rng(seed)

    def fit(pick: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the targets' predicted C4 loss, their predicted accuracy (targets, tasks)) from runs ``pick``; NaN
        where a replicate drew a single compute budget (no line through one point)."""
        out = np.full((len(t_flops), len(data.tasks)), np.nan)
        if np.unique(s1_x[pick]).size < 2:
            return np.full(len(t_flops), np.nan), out
        a1, a0 = np.polyfit(s1_x[pick], s1_y[pick], 1)
        loss = np.exp(a0 + a1 * np.log(t_flops.to_numpy()))
        for j, per_run in enumerate(by_task_run):
            xy = np.concatenate([per_run[r] for r in runs[pick]])
            if len(xy) >= 2 and np.unique(xy[:, 0]).size > 1:
                w1, w0 = np.polyfit(xy[:, 0], xy[:, 1], 1)
                out[:, j] = w0 + w1 * loss
        return loss, out

    point_loss, point = fit(np.arange(len(runs)))
    boots = np.stack([fit(rng.integers(0, len(runs), len(runs)))[1] for _ in range(n_boot)])
    q = (1 - prob) / 2
    lo, hi = np.nanquantile(boots, q, axis=0), np.nanquantile(boots, 1 - q, axis=0)
    rows = []
    for i, run in enumerate(t_flops.index):
        actual = tg[tg["run"] == run].set_index("task")["accuracy"] * 100
        for j, task in enumerate(data.tasks):
            rows.append(
                {
                    "method": "ls_paper",
                    "target": run,
                    "task": task,
                    "actual": actual.get(task, np.nan),
                    "pred_mean": 100 * point[i, j],
                    "pred_lo": 100 * lo[i, j],
                    "pred_hi": 100 * hi[i, j],
                    "c4_loss": point_loss[i],
                    "actual_c4_loss": float(tg.loc[tg["run"] == run, "c4_loss"].iloc[0]),
                }
            )
    return pd.DataFrame(rows)


UNPREDICTABLE = "boolq"  # tasks whose name starts with this are also left out of the *_no_boolq columns: BoolQ's
# accuracy jumps from its majority-class plateau between the ladder and the targets (the issue reports both)


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Per method and target: tasks, MAE (points), mean relative error (%), 90 % coverage, mean and median width,
    and (when BoolQ is among the tasks) MAE and coverage without it."""
    t = table.dropna(subset=["actual", "pred_mean"]).copy()
    t["abs_err"] = (t["pred_mean"] - t["actual"]).abs()
    t["rel_err"] = 100 * t["abs_err"] / t["actual"]
    t["covered"] = (t["actual"] >= t["pred_lo"]) & (t["actual"] <= t["pred_hi"])
    t["width"] = t["pred_hi"] - t["pred_lo"]
    extra = {}
    if "c4_loss" in t.columns:  # stage 1 on its own: the predicted (median) and actual C4 loss, nats
        extra = {"c4_loss_pred": ("c4_loss", "first"), "c4_loss_actual": ("actual_c4_loss", "first")}
    keys = ["method", "target"]
    out = (
        t.groupby(keys, sort=False)
        .agg(
            tasks=("task", "size"),
            mae=("abs_err", "mean"),
            rel_err_pct=("rel_err", "mean"),
            within_2pt=("abs_err", lambda s: int((s <= 2).sum())),
            coverage=("covered", "mean"),
            width=("width", "mean"),
            median_width=("width", "median"),
            **extra,
        )
        .reset_index()
    )
    rest = t[~t["task"].astype(str).str.startswith(UNPREDICTABLE)]
    if len(rest) < len(t):
        no = rest.groupby(keys, sort=False).agg(mae_no_boolq=("abs_err", "mean"), coverage_no_boolq=("covered", "mean"))
        out = out.merge(no.reset_index(), on=keys, how="left")
    return out.round(3)


def score_cells(row) -> str:
    """One :func:`summarise` row's scores as Markdown table cells: MAE, 90 % coverage, median width, and MAE and
    coverage without BoolQ (the experiment reports' shared columns)."""
    return (
        f"{row['mae']:.2f} | {row['coverage']:.2f} | {row['median_width']:.1f} | {row['mae_no_boolq']:.2f} | "
        f"{row['coverage_no_boolq']:.2f}"
    )


def _flops_value(value) -> float:
    """FLOPs as a positive finite number (a float or a string such as ``"1.6e23"``)."""
    import math

    from bayes_perflaw.core.errors import DataError

    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"cannot read {value!r} as FLOPs; write e.g. 1.6e23", column="--flops") from None
    if not math.isfinite(number) or number <= 0:
        raise DataError(f"FLOPs must be a positive number, got {value!r}", column="--flops")
    return number


def recipe_from_sizes(params=None, tokens=None, flops=None) -> dict[str, float]:
    """Stage-1 inputs for a recipe: ``params`` and ``tokens`` with units (``"7B"``, ``"4T"``, or absolute counts
    such as ``7e9``), or ``flops`` alone. Errors name the flag (``--params``, ``--tokens``, ``--flops``)."""
    from bayes_perflaw.core.errors import DataError
    from bayes_perflaw.core.units import parse_flag

    given = [f for f, v in (("--params", params), ("--tokens", tokens)) if v is not None]
    if len(given) == 1:
        missing = "--tokens" if given[0] == "--params" else "--params"
        raise DataError(f"{given[0]} needs {missing} too (or give --flops alone)", column=missing)
    if given and flops is not None:
        raise DataError("give --params and --tokens, or --flops, not both", column="--flops")
    if given:
        n = parse_flag(params, "params", "--params", source=None) * 1e9
        return recipe(n_params=n, tokens=parse_flag(tokens, "tokens", "--tokens", source=None) * 1e12)
    if flops is None:
        raise DataError("nothing to predict: give --params and --tokens (e.g. 7B, 4T), or --flops")
    return recipe(flops=_flops_value(flops))
