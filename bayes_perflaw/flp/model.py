"""Fitting the Bayesian FLP on a model ladder (PyMC; fit path only).

Stage 1 is fitted on the final checkpoint of every run whose ``role`` is in ``roles`` (the sampling
models), stage 2 on their checkpoints past warm-up (the first ``warmup`` fraction of each run dropped)
and past the emergent phase (accuracy above chance + ``margin``), thinned to at most ``per_run``
checkpoints per run and task: checkpoints of one run are correlated, and thinning (not a run effect) is
how this model treats that. Rows with ``role`` = ``target`` are never used. Both stages share no
parameter, so one PyMC model holds both likelihoods (one compilation). Stage 1 has normal log-loss noise
(bivariate, correlated, for FLP-M's two domains); stage 2 a Beta likelihood with a precision ``kappa``
per task (an accuracy stays in [0, 1]).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.flp.forms import (
    DOMAINS,
    STAGE1,
    STAGE1_PARAMS,
    STAGE2,
    stage1_log_loss,
    stage2_accuracy,
    stage2_features,
)

REQUIRED_COLUMNS = ("run", "role", "step", "n_params", "tokens", "flops", "c4_loss", "task", "accuracy", "chance")
NUMERIC = ("step", "n_params", "tokens", "flops", "c4_loss", "code_loss", "accuracy", "chance")
POSITIVE = ("n_params", "tokens", "flops", "c4_loss", "code_loss")
DEFAULT_VARIANT = "chinchilla+logistic"

# Priors (all on the scales of flp.py's parametrisation). Stage 1 centres on typical web-text numbers
# (C4 loss ~3 nats at 1e20 FLOPs; Chinchilla's exponents ~0.3) with wide scales; an irreducible loss
# around 1 nat (log-normal: positive, 95 % within 0.2-4.4).
STAGE1_PRIORS: dict[str, dict[str, tuple]] = {
    "power": {"ln_l0": ("Normal", 1.0, 1.0), "alpha": ("Normal", -0.05, 0.05)},
    "irreducible": {
        "ln_l0": ("Normal", 0.0, 1.5),
        "alpha": ("Normal", -0.15, 0.15),
        "irreducible": ("LogNormal", 0.0, 0.75),
    },
    "chinchilla": {
        "irreducible": ("LogNormal", 0.0, 0.75),
        "ln_a": ("Normal", -1.0, 1.0),
        "alpha_n": ("LogNormal", float(np.log(0.3)), 0.5),
        "ln_b": ("Normal", -0.5, 1.0),
        "beta_d": ("LogNormal", float(np.log(0.3)), 0.5),
    },
}
STAGE2_PRIORS: dict[str, dict[str, tuple]] = {
    "linear": {
        "intercept": ("Normal", 0.5, 0.3),
        "slope_c4": ("Normal", -0.5, 0.5),
        "slope_code": ("Normal", 0.0, 0.05),
        "tau_run": ("HalfNormal", 0.05),
    },
    "logistic": {
        "intercept": ("Normal", 0.0, 2.0),
        "k": ("HalfNormal", 5.0),
        "slope_code": ("Normal", 0.0, 0.5),
        "tau_run": ("HalfNormal", 0.5),
    },
}
COMMON_PRIORS = {"sigma_loss": ("HalfNormal", 0.05), "loss_corr": ("Uniform", -1.0, 1.0), "kappa": ("Gamma", 2.0, 0.01)}


def parse_variant(variant: str) -> tuple[str, str, tuple[str, ...]]:
    """``"chinchilla+logistic"`` -> (stage 1 form, stage 2 link, domains); a ``+code`` suffix is FLP-M."""
    parts = variant.split("+")
    domains = ("c4", "code") if parts[-1] == "code" else ("c4",)
    parts = parts[:-1] if parts[-1] == "code" else parts
    if len(parts) != 2 or parts[0] not in STAGE1 or parts[1] not in STAGE2:
        raise DataError(
            f"unknown FLP variant {variant!r}: write STAGE1+STAGE2[+code] with STAGE1 in {list(STAGE1)} and "
            f"STAGE2 in {list(STAGE2)}, e.g. {DEFAULT_VARIANT!r}",
            column="--variant",
        )
    return parts[0], parts[1], domains


@dataclass
class FlpData:
    stage1: pd.DataFrame  # final checkpoints: run, n_params, tokens, flops, one loss column per domain
    stage2: pd.DataFrame  # run, step, task, loss columns, accuracy, chance
    domains: tuple[str, ...]
    tasks: list[str]
    chances: np.ndarray
    features: np.ndarray  # (stage-2 rows, k) stage-2 features
    centres: np.ndarray  # (tasks, k) mean feature of each task's stage-2 rows
    basis: dict[str, float] | None  # FLP-M: code ~ c4 regression turning the code loss into a residual
    dropped: list[str] = field(default_factory=list)  # tasks that never leave the chance region

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
        return frame[[DOMAINS[d] for d in self.domains]].to_numpy(dtype=float)


def read_ladder(path) -> pd.DataFrame:
    """A ladder table (``data/flp/*.csv``), checked: one error naming the file, row, run and column."""
    from bayes_perflaw.core.tables import read_table

    raw = read_table(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"missing required column {missing[0]!r}", source=str(path), column=missing[0])
    df = raw.copy()
    for c in NUMERIC:
        if c not in df.columns:
            continue
        num = pd.to_numeric(df[c], errors="coerce")
        blank = df[c].isna() | (df[c].astype(str).str.strip().isin(["", "nan", "NaN"]))
        checks = [(num.isna() & ~blank, "must be a number"), (num.isna(), "is empty (NaN)")]
        if c in POSITIVE:
            checks.append((num <= 0, "must be > 0"))
        if c in ("accuracy", "chance"):
            checks.append(((num < 0) | (num > 1), "must be a fraction in [0, 1]"))
        for bad, what in checks:
            if c == "code_loss" and what.startswith("is empty"):
                continue  # only FLP-M needs it; prepare() checks
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"{what}, got {df[c].iloc[i]!r}",
                    source=str(path),
                    row=i + 1,
                    model=str(df["run"].iloc[i]),
                    column=c,
                )
        df[c] = num
    return df


def prepare(
    df: pd.DataFrame,
    *,
    domains: tuple[str, ...] = ("c4",),
    roles: tuple[str, ...] = ("ladder",),
    margin: float = 0.05,
    warmup: float = 0.1,
    per_run: int = 10,
) -> FlpData:
    """The rows each stage fits (see the module docstring)."""
    if "target" in roles:
        raise DataError("rows with role 'target' are held out and never fitted", column="--roles")
    fit = df[df["role"].isin(roles)]
    if fit.empty:
        raise DataError(f"no rows with role in {list(roles)} (the sampling runs)", column="role")
    cols = [DOMAINS[d] for d in domains]
    for c in cols:
        if c not in fit.columns or fit[c].isna().any():
            raise DataError(f"FLP-M needs {c!r} on every fitted row", column=c)
    steps = fit.groupby("run")["step"].transform("max")
    last = fit[fit["step"] == steps].drop_duplicates("run")
    stage1 = last[["run", "n_params", "tokens", "flops", *cols]].reset_index(drop=True)
    if len(stage1) < 4:
        raise DataError(f"only {len(stage1)} runs to fit stage 1 (need at least 4)")
    past = fit[(fit["step"] >= warmup * steps) & (fit["accuracy"] > fit["chance"] + margin)]
    parts = []
    for _, g in past.groupby(["run", "task"]):
        g = g.sort_values("step")
        keep = np.unique(np.linspace(0, len(g) - 1, min(per_run, len(g))).round().astype(int))
        parts.append(g.iloc[keep])
    if not parts:
        raise DataError(f"no checkpoint is above chance + {margin} on any task; lower --margin")
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
    features = stage2_features(stage2[cols].to_numpy(dtype=float), basis)
    t_idx = pd.Categorical(stage2["task"], categories=tasks).codes
    centres = np.vstack([features[t_idx == i].mean(axis=0) for i in range(len(tasks))])
    chances = stage2.groupby("task")["chance"].first().reindex(tasks).to_numpy(dtype=float)
    return FlpData(stage1, stage2, tuple(domains), tasks, chances, features, centres, basis, dropped)


def _prior(name: str, spec: tuple, **kw):
    import pymc as pm

    return getattr(pm, spec[0])(name, *spec[1:], **kw)


def build_stage1(data: FlpData, stage1: str):
    """Stage 1: log-loss of each domain at the runs' final checkpoints (bivariate normal noise for FLP-M)."""
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model(coords={"domain": list(data.domains)}) as model:
        p1 = {k: _prior(k, STAGE1_PRIORS[stage1][k], dims="domain") for k in STAGE1_PARAMS[stage1]}
        sigma = _prior("sigma_loss", COMMON_PRIORS["sigma_loss"], dims="domain")
        x = {k: v[:, None] for k, v in data.x(data.stage1).items()}
        mu1 = stage1_log_loss(x, p1, stage1, xp=pt)
        y1 = np.log(data.losses(data.stage1))
        if len(data.domains) == 1:
            pm.Normal("stage1", mu1[:, 0], sigma[0], observed=y1[:, 0])
        else:
            rho = _prior("loss_corr", COMMON_PRIORS["loss_corr"])
            chol = pt.stack([pt.stack([sigma[0], 0.0]), pt.stack([rho * sigma[1], sigma[1] * pt.sqrt(1 - rho**2)])])
            pm.MvNormal("stage1", mu1, chol=chol, observed=y1)
    return model


def build_stage2(data: FlpData, stage2: str):
    """Stage 2: accuracy of the thinned checkpoints from their losses, with run effects, Beta likelihood."""
    import pymc as pm
    import pytensor.tensor as pt

    t_idx, r_idx, runs = data.task_idx, data.run_idx, data.runs
    with pm.Model(coords={"task": data.tasks, "feature": list(data.domains), "run": runs}) as model:
        pri = STAGE2_PRIORS[stage2]
        intercept = _prior("intercept", pri["intercept"], dims="task")
        first = (
            -_prior("k", pri["k"], dims="task")
            if stage2 == "logistic"
            else _prior("slope_c4", pri["slope_c4"], dims="task")
        )
        cols = [first] + ([_prior("slope_code", pri["slope_code"], dims="task")] if len(data.domains) == 2 else [])
        slope = pm.Deterministic("slope", pt.stack(cols, axis=-1), dims=("task", "feature"))
        kappa = _prior("kappa", COMMON_PRIORS["kappa"], dims="task")
        # run effects: a run's checkpoints share a deviation from the task's loss curve; a new run (a
        # target) draws a fresh one, so its interval carries the between-run spread. Zero-sum over runs
        # (the intercept is the runs' mean): with plain Normal effects the intercept and the effects'
        # mean traded off (intercept ESS ~100 of 2000). Centred: a non-centred zero-sum version mixed worse
        # (FLP-M: ESS bulk 233) and sampled 2x slower.
        # With one checkpoint per run and task (final checkpoints only, e.g. Gadre et al.) a run effect is
        # not identified apart from the Beta noise, which then is the between-run scatter: no run effects.
        eta = intercept[t_idx] + pt.sum(slope[t_idx] * (data.features - data.centres[t_idx]), axis=-1)
        if data.run_effects:
            tau = _prior("tau_run", pri["tau_run"], dims="task")
            run_effect = pm.ZeroSumNormal("run_effect", sigma=tau[:, None], dims=("task", "run"), n_zerosum_axes=1)
            eta = eta + run_effect[t_idx, r_idx]
        mean = pt.clip(stage2_accuracy(eta, data.chances[t_idx], stage2, xp=pt), 1e-4, 1 - 1e-4)
        pm.Beta(
            "stage2",
            alpha=mean * kappa[t_idx],
            beta=(1 - mean) * kappa[t_idx],
            observed=np.clip(data.stage2["accuracy"].to_numpy(dtype=float), 1e-4, 1 - 1e-4),
        )
    return model


def combine_diagnostics(parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One diagnostics record from per-stage ones (worst of each; problems prefixed by the stage)."""
    first = next(iter(parts.values()))
    return {
        "chains": first["chains"],
        "draws": first["draws"],
        "r_hat_max": max(d["r_hat_max"] for d in parts.values()),
        "ess_bulk_min": min(d["ess_bulk_min"] for d in parts.values()),
        "ess_tail_min": min(d["ess_tail_min"] for d in parts.values()),
        "divergences": sum(d["divergences"] for d in parts.values()),
        "bfmi_min": min(d["bfmi_min"] for d in parts.values()),
        "problems": [f"{stage}: {p}" for stage, d in parts.items() for p in d["problems"]],
        "converged": all(d["converged"] for d in parts.values()),
        "by_stage": parts,
    }


def loglik(data: FlpData, values: dict[str, np.ndarray], stage1: str, stage2: str) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log-likelihoods (draws x obs) of stage 1 (per run) and stage 2 (per checkpoint), NumPy."""
    from scipy import stats

    p1 = {k: values[k][:, None, :] for k in STAGE1_PARAMS[stage1]}
    x = {k: v[None, :, None] for k, v in data.x(data.stage1).items()}
    resid = np.log(data.losses(data.stage1))[None] - stage1_log_loss(x, p1, stage1)  # (draws, runs, domains)
    sigma = values["sigma_loss"][:, None, :]
    if len(data.domains) == 1:
        ll1 = stats.norm.logpdf(resid[..., 0], 0.0, sigma[..., 0])
    else:  # bivariate normal: the first domain, then the second given the first
        rho = values["loss_corr"][:, None]
        s0, s1 = sigma[..., 0], sigma[..., 1]
        cond_sd = s1 * np.sqrt(1 - rho**2)
        ll1 = stats.norm.logpdf(resid[..., 0], 0.0, s0) + stats.norm.logpdf(
            resid[..., 1], rho * s1 / s0 * resid[..., 0], cond_sd
        )
    t_idx = data.task_idx
    eta = values["intercept"][:, t_idx] + np.sum(
        values["slope"][:, t_idx, :] * (data.features - data.centres[t_idx]), axis=-1
    )
    if data.run_effects:
        eta = eta + values["run_effect"][:, t_idx, data.run_idx]
    mean = np.clip(stage2_accuracy(eta, data.chances[t_idx], stage2), 1e-4, 1 - 1e-4)
    kappa = values["kappa"][:, t_idx]
    y = np.clip(data.stage2["accuracy"].to_numpy(dtype=float), 1e-4, 1 - 1e-4)
    ll2 = stats.beta.logpdf(y, mean * kappa, (1 - mean) * kappa)
    return ll1, ll2


def priors_used(stage1: str, stage2: str, domains: tuple[str, ...]) -> dict[str, list]:
    """The prior specs a variant uses (saved with the posterior)."""
    pri = {k: list(v) for k, v in STAGE1_PRIORS[stage1].items()}
    s2 = STAGE2_PRIORS[stage2]
    pri["intercept"] = list(s2["intercept"])
    pri["k" if stage2 == "logistic" else "slope_c4"] = list(s2["k" if stage2 == "logistic" else "slope_c4"])
    if len(domains) == 2:
        pri["slope_code"] = list(s2["slope_code"])
        pri["loss_corr"] = list(COMMON_PRIORS["loss_corr"])
    pri["sigma_loss"] = list(COMMON_PRIORS["sigma_loss"])
    pri["kappa"] = list(COMMON_PRIORS["kappa"])
    pri["tau_run"] = list(s2["tau_run"])  # used when a run has several checkpoints per task
    return pri


def fit_flp(
    df: pd.DataFrame,
    *,
    variant: str = DEFAULT_VARIANT,
    chains: int = 4,
    draws: int = 1000,
    tune: int = 1000,
    seed: int = 1,
    data_hash: str = "",
    margin: float = 0.05,
    roles: tuple[str, ...] = ("ladder",),
    progress: bool = False,
):
    """Fit both stages; returns (InferenceData with a log-likelihood per stage, metadata, FlpData)."""
    import arviz as az
    import xarray as xr

    from bayes_perflaw import __version__
    from bayes_perflaw.core.diagnostics import diagnose
    from bayes_perflaw.core.posterior import draws_from_idata, utc_timestamp
    from bayes_perflaw.perflaw.model import clean_idata, sample

    stage1, stage2, domains = parse_variant(variant)
    data = prepare(df, domains=domains, roles=roles, margin=margin)
    # the stages share no parameter: two small models sample far faster than one (stage 1's awkward
    # geometry no longer multiplies stage 2's expensive gradient); their posteriors are independent.
    parts, diag, timings = {}, {}, {"compile_s": 0.0, "sampling_s": 0.0}
    for name, model in (("stage1", build_stage1(data, stage1)), ("stage2", build_stage2(data, stage2))):
        raw, took = sample(model, sampler="nutpie", chains=chains, draws=draws, tune=tune, seed=seed, progress=progress)
        parts[name] = clean_idata(raw)
        diag[name] = diagnose(parts[name], var_names=[v for v in parts[name].posterior.data_vars if v != "run_effect"])
        for k in timings:
            timings[k] = round(timings[k] + took[k], 2)
    post = xr.merge([parts["stage1"].posterior, parts["stage2"].posterior])
    stats = xr.merge(
        [
            parts["stage1"].sample_stats.rename({v: f"stage1_{v}" for v in parts["stage1"].sample_stats.data_vars}),
            parts["stage2"].sample_stats,
        ]
    )
    idata = az.InferenceData(posterior=post, sample_stats=stats)
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
    post = idata.posterior.drop_vars("run_effect", errors="ignore")  # draws x runs x tasks: for the log-lik only
    used = {d for v in post.data_vars.values() for d in v.dims}
    idata.posterior = post.drop_vars([c for c in post.coords if c not in used])  # leftovers of dropped vars
    meta = {
        "kind": "flp",
        "variant": variant,
        "stage1": stage1,
        "stage2": stage2,
        "domains": list(domains),
        "tasks": data.tasks,
        "chances": data.chances.tolist(),
        "centres": data.centres.tolist(),
        "basis": data.basis,
        "dropped_tasks": data.dropped,
        "roles": list(roles),
        "run_effects": data.run_effects,
        "margin": margin,
        "priors": priors_used(stage1, stage2, domains),
        "package_version": __version__,
        "sampler": {"name": "nutpie", "chains": chains, "draws": draws, "tune": tune},
        "seed": seed,
        "data_hash": data_hash,
        "n_stage1": len(data.stage1),
        "n_stage2": len(data.stage2),
        **timings,
        "created": utc_timestamp(),
    }
    meta["diagnostics"] = combine_diagnostics(diag)
    return idata, meta, data
