"""Fitting the Bayesian FLP on a model ladder (PyMC; fit path only).

Stage 1 is fitted on the final checkpoints of the ``fit`` runs (the paper's sampling models), stage 2
on their checkpoints past warm-up (the first ``warmup`` fraction of each run dropped) and past the
emergent phase (accuracy above chance + ``margin``), thinned to at most ``per_run`` checkpoints per run
and task (checkpoints of one run are correlated: thinning, not a run effect, is what this model does).
Both stages share no parameter, so one PyMC model holds both likelihoods (one compilation).
Stage 2 uses a Beta likelihood (accuracy stays in [0, 1]) with a precision ``kappa`` per task.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataError
from .flp import LN_C0, STAGE1, STAGE2, stage1_log_loss, stage2_accuracy

REQUIRED_COLUMNS = ("run", "role", "step", "flops", "c4_loss", "task", "accuracy", "chance")


@dataclass
class FlpData:
    stage1: pd.DataFrame  # final checkpoints: run, flops, c4_loss
    stage2: pd.DataFrame  # run, task, c4_loss, accuracy, chance
    tasks: list[str]
    chances: np.ndarray
    centres: np.ndarray  # mean C4 loss of each task's stage-2 rows


def read_ladder(path) -> pd.DataFrame:
    from .tables import read_table

    raw = read_table(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"missing required column {missing[0]!r}", source=str(path), column=missing[0])
    df = raw.copy()
    for c in ("step", "flops", "c4_loss", "accuracy", "chance", "tokens", "n_params", "code_loss", "task_bpb"):
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="coerce")
    bad = df[["flops", "c4_loss", "accuracy", "chance"]].isna().any(axis=1) | (df["flops"] <= 0) | (df["c4_loss"] <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            "flops and c4_loss must be positive numbers; accuracy and chance numbers",
            source=str(path),
            row=i + 1,
            model=df["run"].iloc[i],
        )
    return df


def prepare(df: pd.DataFrame, *, margin: float = 0.05, warmup: float = 0.1, per_run: int = 10) -> FlpData:
    fit = df[df["role"] == "fit"]
    if fit.empty:
        raise DataError("no rows with role 'fit' (the sampling runs)")
    last = fit[fit["step"] == fit.groupby("run")["step"].transform("max")]
    stage1 = last.drop_duplicates("run")[["run", "flops", "c4_loss"]].reset_index(drop=True)
    steps = fit.groupby("run")["step"].transform("max")
    past = fit[(fit["step"] >= warmup * steps) & (fit["accuracy"] > fit["chance"] + margin)]
    parts = []
    for _, g in past.groupby(["run", "task"]):
        g = g.sort_values("step")
        keep = np.unique(np.linspace(0, len(g) - 1, min(per_run, len(g))).round().astype(int))
        parts.append(g.iloc[keep])
    stage2 = pd.concat(parts, ignore_index=True)[["run", "task", "c4_loss", "accuracy", "chance"]]
    tasks = sorted(stage2["task"].unique())
    all_tasks = sorted(df["task"].unique())
    missing = [t for t in all_tasks if t not in tasks]
    if missing:
        raise DataError(f"tasks {missing} never leave the chance region in the fit runs; lower --margin or drop them")
    chances = stage2.groupby("task")["chance"].first().reindex(tasks).to_numpy()
    centres = stage2.groupby("task")["c4_loss"].mean().reindex(tasks).to_numpy()
    return FlpData(stage1, stage2, tasks, chances, centres)


def build_model(data: FlpData, stage1: str, stage2: str):
    import pymc as pm
    import pytensor.tensor as pt

    t_idx = pd.Categorical(data.stage2["task"], categories=data.tasks).codes
    with pm.Model(coords={"task": data.tasks}) as model:
        p1 = {"ln_l0": pm.Normal("ln_l0", 1.0, 1.0), "alpha": pm.Normal("alpha", -0.05, 0.05)}
        if stage1 == "irreducible":
            p1["irreducible"] = pm.HalfNormal("irreducible", 2.0)
        sigma_loss = pm.HalfNormal("sigma_loss", 0.05)
        mu1 = stage1_log_loss(np.log(data.stage1["flops"].to_numpy()), p1, stage1, xp=pt)
        pm.Normal("stage1", mu1, sigma_loss, observed=np.log(data.stage1["c4_loss"].to_numpy()))
        if stage2 == "linear":
            p2 = {"w0": pm.Normal("w0", 0.5, 0.3, dims="task"), "w1": pm.Normal("w1", -0.5, 0.5, dims="task")}
        else:
            p2 = {"a": pm.Normal("a", 0.0, 2.0, dims="task"), "k": pm.HalfNormal("k", 5.0, dims="task")}
        kappa = pm.Gamma("kappa", 2.0, 0.01, dims="task")
        p2_obs = {k: v[t_idx] for k, v in p2.items()}
        p2_obs["centre"] = data.centres[t_idx]
        chance = data.chances[t_idx]
        mean = stage2_accuracy(data.stage2["c4_loss"].to_numpy(), chance, p2_obs, stage2, xp=pt)
        mean = pt.clip(mean, 1e-4, 1 - 1e-4)
        pm.Beta(
            "stage2",
            alpha=mean * kappa[t_idx],
            beta=(1 - mean) * kappa[t_idx],
            observed=np.clip(data.stage2["accuracy"].to_numpy(), 1e-4, 1 - 1e-4),
        )
    return model


def loglik(data: FlpData, values: dict[str, np.ndarray], stage1: str, stage2: str) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log-likelihoods (draws x obs) of stage 1 and stage 2, in NumPy."""
    from scipy import stats

    p1 = {k: values[k][:, None] for k in ("ln_l0", "alpha", "irreducible") if k in values}
    mu1 = stage1_log_loss(np.log(data.stage1["flops"].to_numpy())[None, :], p1, stage1)
    ll1 = stats.norm.logpdf(np.log(data.stage1["c4_loss"].to_numpy())[None, :], mu1, values["sigma_loss"][:, None])
    t_idx = pd.Categorical(data.stage2["task"], categories=data.tasks).codes
    p2 = {k: values[k][:, t_idx] for k in ("w0", "w1", "k", "a") if k in values}
    p2["centre"] = data.centres[t_idx][None, :]
    mean = np.clip(
        stage2_accuracy(data.stage2["c4_loss"].to_numpy()[None, :], data.chances[t_idx][None, :], p2, stage2),
        1e-4,
        1 - 1e-4,
    )
    kappa = values["kappa"][:, t_idx]
    y = np.clip(data.stage2["accuracy"].to_numpy()[None, :], 1e-4, 1 - 1e-4)
    ll2 = stats.beta.logpdf(y, mean * kappa, (1 - mean) * kappa)
    return ll1, ll2


def fit_flp(
    df: pd.DataFrame,
    *,
    stage1: str = "power",
    stage2: str = "logistic",
    chains: int = 4,
    draws: int = 1000,
    tune: int = 1000,
    seed: int = 1,
    data_hash: str = "",
    margin: float = 0.05,
):
    """Fit both stages; returns (InferenceData with a log-likelihood per stage, metadata, FlpData)."""
    import xarray as xr

    from . import __version__
    from .diagnostics import diagnose
    from .perflaw_model import clean_idata, sample
    from .posterior import draws_from_idata, utc_timestamp

    if stage1 not in STAGE1 or stage2 not in STAGE2:
        raise DataError(f"stage 1 must be one of {STAGE1} and stage 2 one of {STAGE2}", column="--stage1")
    data = prepare(df, margin=margin)
    raw, timings = sample(
        build_model(data, stage1, stage2),
        sampler="nutpie",
        chains=chains,
        draws=draws,
        tune=tune,
        seed=seed,
        progress=False,
    )
    idata = clean_idata(raw)
    post = idata.posterior
    shape = (post.sizes["chain"], post.sizes["draw"])
    ll1, ll2 = loglik(data, draws_from_idata(idata, {"kind": "flp"}).values, stage1, stage2)
    idata.add_groups(
        log_likelihood=xr.Dataset(
            {
                "stage1": (("chain", "draw", "final_checkpoint"), ll1.reshape(*shape, -1)),
                "stage2": (("chain", "draw", "checkpoint"), ll2.reshape(*shape, -1)),
            },
            coords={"chain": post.chain.values, "draw": post.draw.values},
        )
    )
    meta = {
        "kind": "flp",
        "variant": f"{stage1}+{stage2}",
        "stage1": stage1,
        "stage2": stage2,
        "ln_c0": LN_C0,
        "tasks": data.tasks,
        "chances": data.chances.tolist(),
        "margin": margin,
        "package_version": __version__,
        "sampler": {"name": "nutpie", "chains": chains, "draws": draws, "tune": tune},
        "seed": seed,
        "data_hash": data_hash,
        "n_stage1": len(data.stage1),
        "n_stage2": len(data.stage2),
        **timings,
        "created": utc_timestamp(),
    }
    meta["diagnostics"] = diagnose(idata, var_names=list(idata.posterior.data_vars))
    return idata, meta, data
