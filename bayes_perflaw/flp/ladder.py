"""Model-ladder tables for FLP and the rows each stage fits (NumPy and pandas; no PyMC).

A ladder table has one row per (run, checkpoint, task): ``run``, ``role`` (``ladder`` = fitted, ``target`` =
held out, never fitted), ``step``, ``n_params`` and ``tokens`` (counts), ``flops`` (6 N D), ``c4_loss`` (and
optionally ``code_loss``; nats per token), ``task``, ``accuracy`` and ``chance`` (fractions); see
``data/README.md``. Stage 1 is fitted on the final checkpoint of every run whose ``role`` is in ``roles``,
stage 2 on their checkpoints past warm-up (the first ``warmup`` fraction of each run dropped) and past the
emergent phase (accuracy above chance + ``margin``), thinned to at most ``per_run`` checkpoints per run and
task (Chen et al. 2024, arXiv 2410.08527).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.flp.forms import DOMAINS, TASK_CHAIN, stage2_features

REQUIRED_COLUMNS = ("run", "role", "step", "n_params", "tokens", "flops", "c4_loss", "task", "accuracy", "chance")
NUMERIC = ("step", "n_params", "tokens", "flops", "c4_loss", "code_loss", "task_bpb", "accuracy", "chance")
POSITIVE = ("n_params", "tokens", "flops", "c4_loss", "code_loss", "task_bpb")
ROLES = ("ladder", "target")  # fitted runs; runs held out to be predicted (backtests)
OPTIONAL = ("code_loss", "task_bpb")  # only some variants need them (FLP-M, the task-loss chain): prepare() checks


@dataclass
class FlpData:
    stage1: pd.DataFrame  # final checkpoints: run, n_params, tokens, flops, one loss column per domain
    stage2: pd.DataFrame  # run, step, task, loss columns, accuracy, chance
    domains: tuple[str, ...]
    tasks: list[str]
    chances: np.ndarray
    features: np.ndarray  # (stage-2 rows, k) stage-2 features
    centres: np.ndarray  # (tasks, k) each task's centre feature (mean or percentile of its stage-2 rows)
    basis: dict[str, float] | None  # FLP-M: code ~ c4 regression turning the code loss into a residual
    dropped: list[str] = field(default_factory=list)  # tasks that never leave the chance region
    metrics: list[str] = field(default_factory=list)  # what each task's accuracy measures (the ``metric`` column)

    @property
    def task_chain(self) -> bool:
        """Whether each task goes through its own loss (stage 1 has one loss per task)."""
        return self.domains == TASK_CHAIN

    @property
    def loss_names(self) -> list[str]:
        """Stage 1's losses (its ``domain`` coordinate): the domains, or the tasks for the task-loss chain."""
        return list(self.tasks) if self.task_chain else list(self.domains)

    @property
    def runs(self) -> list[str]:
        """The runs of the stage-2 rows, sorted (the run-effect coordinate)."""
        return sorted(self.stage2["run"].unique())

    @property
    def task_idx(self) -> np.ndarray:
        """Each stage-2 row's task, as an index into ``tasks``."""
        return pd.Categorical(self.stage2["task"], categories=self.tasks).codes

    @property
    def run_idx(self) -> np.ndarray:
        """Each stage-2 row's run, as an index into ``runs``."""
        return pd.Categorical(self.stage2["run"], categories=self.runs).codes

    @property
    def run_effects(self) -> bool:
        """Whether stage 2 has several checkpoints of a run and task (then it models run effects)."""
        return bool(self.stage2.groupby(["run", "task"]).size().max() > 1)

    def x(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        return {
            "ln_flops": np.log(frame["flops"].to_numpy(dtype=float)),
            "ln_n": np.log(frame["n_params"].to_numpy(dtype=float)),
            "ln_d": np.log(frame["tokens"].to_numpy(dtype=float)),
        }

    def losses(self, frame: pd.DataFrame) -> np.ndarray:
        """Stage 1's observed losses, (runs, losses)."""
        if self.task_chain:
            return frame[[f"bpb:{t}" for t in self.tasks]].to_numpy(dtype=float)
        return frame[[DOMAINS[d] for d in self.domains]].to_numpy(dtype=float)


def final_checkpoints(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of each run's last checkpoint (every task), index kept."""
    return df[df["step"] == df.groupby("run")["step"].transform("max")]


def read_ladder(path) -> pd.DataFrame:
    """A ladder table (``data/flp/*.csv``), checked: one error naming the file, row, run and column."""
    from bayes_perflaw.core.tables import read_table

    return check_ladder(read_table(path), source=str(path))


def check_ladder(raw: pd.DataFrame, source: str = "ladder") -> pd.DataFrame:
    """Check and parse a ladder table (strings or numbers; idempotent): the documented columns, numbers where
    numbers belong, positive sizes and losses, fractions in [0, 1]."""
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"missing required column {missing[0]!r}", source=source, column=missing[0])
    df = raw.copy()
    for c in ("run", "task", "role"):  # names compared as typed but for surrounding spaces
        df[c] = df[c].astype("string").str.strip().fillna("")
        for i in np.flatnonzero((df[c] == "").to_numpy())[:1]:
            raise DataError("is empty", source=source, row=int(i) + 1, model=str(df["run"].iloc[i]), column=c)
    role = df["role"]
    for i in np.flatnonzero(~role.isin(ROLES).to_numpy())[:1]:  # a misspelt role would silently drop its rows
        raise DataError(
            f"must be one of {list(ROLES)}, got {df['role'].iloc[i]!r}",
            source=source,
            row=int(i) + 1,
            model=str(df["run"].iloc[i]),
            column="role",
        )
    for c in NUMERIC:
        if c not in df.columns:
            continue
        num = pd.to_numeric(df[c], errors="coerce")
        blank = df[c].isna() | (df[c].astype(str).str.strip().isin(["", "nan", "NaN"]))
        checks = [
            (num.isna() & ~blank, "must be a number"),
            (num.isna(), "is empty (NaN)"),
            (np.isinf(num.astype(float)), "must be finite"),
        ]
        if c in POSITIVE:
            checks.append((num <= 0, "must be > 0"))
        if c in ("accuracy", "chance"):
            checks.append(((num < 0) | (num > 1), "must be a fraction in [0, 1]"))
        for bad, what in checks:
            if c in OPTIONAL and what.startswith("is empty"):
                continue
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"{what}, got {df[c].iloc[i]!r}",
                    source=source,
                    row=i + 1,
                    model=str(df["run"].iloc[i]),
                    column=c,
                )
        df[c] = num
    _check_consistency(df, source)
    return df


def _check_consistency(df: pd.DataFrame, source: str) -> None:
    """What must agree between rows: one row per (run, step, task); a run in one role with one parameter count,
    whole non-negative steps and tokens that do not fall as the steps rise; one chance level per task and task
    names that differ in more than case; ``flops`` the documented 6 N D (within a factor of 2)."""

    def fail(i: int, column: str, message: str) -> None:
        raise DataError(message, source=source, row=int(i) + 1, model=str(df["run"].iloc[i]), column=column)

    step = df["step"].to_numpy(dtype=float)
    for i in np.flatnonzero((step < 0) | (step != np.round(step)))[:1]:
        fail(i, "step", f"must be a whole number >= 0, got {step[i]:g}")
    key = ["run", "step", "task"]
    for i in np.flatnonzero(df.duplicated(key).to_numpy())[:1]:
        first = int(
            np.flatnonzero(df.duplicated(key, keep=False).to_numpy() & (df[key] == df[key].iloc[i]).all(axis=1))[0]
        )
        fail(i, "step", f"step {step[i]:g} of task {df['task'].iloc[i]!r} is given twice (first in row {first + 1})")
    for column in ("role", "n_params"):
        for i in np.flatnonzero(df.groupby("run")[column].transform("nunique").to_numpy() > 1)[:1]:
            fail(i, column, f"run {df['run'].iloc[i]!r} has more than one {column}")
    positions = np.argsort(step, kind="stable")  # row positions by step; within each run the tokens must not fall
    ordered = df.iloc[positions]
    for j in np.flatnonzero(ordered.groupby("run")["tokens"].diff().to_numpy() < 0)[:1]:
        fail(positions[j], "tokens", "fewer tokens than at an earlier step of the same run")
    for i in np.flatnonzero(df.groupby("task")["chance"].transform("nunique").to_numpy() > 1)[:1]:
        fail(i, "chance", f"task {df['task'].iloc[i]!r} has more than one chance level")
    folded: dict[str, str] = {}
    for i, task in enumerate(df["task"]):
        seen = folded.setdefault(task.lower(), task)
        if seen != task:
            fail(i, "task", f"{task!r} and {seen!r} differ only in case: one task or two?")
    six_nd = 6.0 * df["n_params"].to_numpy(dtype=float) * df["tokens"].to_numpy(dtype=float)
    ratio = df["flops"].to_numpy(dtype=float) / six_nd
    for i in np.flatnonzero((ratio > 2.0) | (ratio < 0.5))[:1]:
        fail(i, "flops", f"is {ratio[i]:.3g} x 6 N D (n_params x tokens x 6), documented as 6 N D")


def task_centre(features: np.ndarray, centre: float | None) -> np.ndarray:
    """Where a task's stage-2 features (rows x k) are centred: their mean, or their ``centre`` percentile."""
    return features.mean(axis=0) if centre is None else np.percentile(features, centre, axis=0)


def prepare(
    df: pd.DataFrame,
    *,
    domains: tuple[str, ...] = ("c4",),
    roles: tuple[str, ...] = ("ladder",),
    margin: float = 0.05,
    warmup: float = 0.1,
    per_run: int = 10,
    centre: float | None = None,
) -> FlpData:
    """The rows each stage fits (see the module docstring). Each task's stage-2 features are centred on their mean
    (``centre`` None) or on their ``centre`` percentile (0-100)."""
    source = df.attrs.get("source")
    if "target" in roles:
        raise DataError("rows with role 'target' are held out and never fitted", column="--roles")
    fit = df[df["role"].isin(roles)]
    if fit.empty:
        raise DataError(
            f"no rows with role in {list(roles)} (the sampling runs; see --roles)", source=source, column="role"
        )
    cols = [DOMAINS[d] for d in domains]
    for c in cols:
        if c not in fit.columns or fit[c].isna().any():
            who = "the task-loss chain" if c == "task_bpb" else "FLP-M"
            raise DataError(f"{who} needs {c!r} on every fitted row", source=source, column=c)
    steps = fit.groupby("run")["step"].transform("max")
    final = fit[fit["step"] == steps]  # each run's last checkpoint, every task (final_checkpoints)
    last = final.drop_duplicates("run")
    stage1 = last[["run", "n_params", "tokens", "flops", *cols]].reset_index(drop=True)
    if len(stage1) < 4:
        raise DataError(f"only {len(stage1)} runs to fit stage 1 (need at least 4)", source=source)
    past = fit[(fit["step"] >= warmup * steps) & (fit["accuracy"] > fit["chance"] + margin)]
    parts = []
    for _, g in past.groupby(["run", "task"]):
        g = g.sort_values("step")
        keep = np.unique(np.linspace(0, len(g) - 1, min(per_run, len(g))).round().astype(int))
        parts.append(g.iloc[keep])
    if not parts:
        raise DataError(
            f"no checkpoint of the fitted runs is above chance + {margin} on any task; lower --margin",
            source=source,
            column="accuracy",
        )
    stage2 = pd.concat(parts, ignore_index=True)[["run", "step", "task", *cols, "accuracy", "chance"]]
    counts = stage2.groupby("task").size()
    tasks = sorted(counts[counts >= 3].index)
    dropped = sorted(set(df["task"].unique()) - set(tasks))
    stage2 = stage2[stage2["task"].isin(tasks)].reset_index(drop=True)
    basis = None
    if len(domains) == 2:
        ckpt = stage2.drop_duplicates(["run", "step"])
        g1, g0 = np.polyfit(ckpt[cols[0]], ckpt[cols[1]], 1)
        sd = float(np.std(ckpt[cols[1]] - g0 - g1 * ckpt[cols[0]]))
        basis = {"g0": float(g0), "g1": float(g1), "sd": max(sd, 1e-6)}
    if tuple(domains) == TASK_CHAIN:  # stage 1: each task's loss at each run's final checkpoint, one column per task
        wide = final.pivot_table(index="run", columns="task", values="task_bpb", aggfunc="first")
        missing = [t for t in tasks if t not in wide.columns or wide[t].isna().any()]
        if missing:
            raise DataError(f"a run's final checkpoint lacks 'task_bpb' of task {missing[0]!r}", source=source)
        wide = wide[tasks].rename(columns=lambda t: f"bpb:{t}")
        stage1 = stage1[["run", "n_params", "tokens", "flops"]].merge(wide, left_on="run", right_index=True)
    features = stage2_features(stage2[cols].to_numpy(dtype=float), basis)
    t_idx = pd.Categorical(stage2["task"], categories=tasks).codes
    centres = np.vstack([task_centre(features[t_idx == i], centre) for i in range(len(tasks))])
    chances = stage2.groupby("task")["chance"].first().reindex(tasks).to_numpy(dtype=float)
    metrics = (
        fit.groupby("task")["metric"].first().reindex(tasks).fillna("").astype(str).tolist()
        if "metric" in fit.columns
        else [""] * len(tasks)
    )
    return FlpData(stage1, stage2, tuple(domains), tasks, chances, features, centres, basis, dropped, metrics)
