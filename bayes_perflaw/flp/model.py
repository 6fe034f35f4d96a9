"""The Bayesian FLP (Chen et al. 2024, arXiv 2410.08527) as a model of the package's model API.

Stage 1, compute -> validation loss per domain (:func:`bayes_perflaw.flp.forms.stage1_log_loss`), fitted on the
runs' final checkpoints with normal log-loss noise (bivariate, correlated, for FLP-M's two domains); stage 2,
loss -> accuracy per task through a linear or logistic link, a Beta likelihood with a precision ``kappa`` per task
(or a normal one on the accuracy's log odds, scale ``sigma_acc``) and zero-sum run effects. The stages share no
parameter, so they are sampled as two PyMC models (65 s instead of ~470 s for one joint model). The PyMC
likelihoods are PyMC's Normal / MvNormal / Beta; their NumPy twins in :func:`stage_loglik` are tied to them by a
parity test at a posterior draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.model import BayesModel
from bayes_perflaw.core.posterior import FLP_NOISE_VARS as LIKELIHOODS
from bayes_perflaw.core.priors import create_variable, is_fixed, spec
from bayes_perflaw.core.sampling import SamplerConfig
from bayes_perflaw.flp.forms import (
    STAGE1,
    STAGE1_PARAMS,
    STAGE2,
    TASK_CHAIN,
    logit,
    stage1_log_loss,
    stage2_accuracy,
    stage2_ceiling,
    stage2_floor,
)
from bayes_perflaw.flp.ladder import FlpData, check_ladder, prepare

DEFAULT_VARIANT = "chinchilla+logistic"
DEFAULT_MARGIN = 0.05
# Each task's stage-2 losses are centred on their 25th percentile (the low-loss end, where the accuracy has left the
# floor), not their mean: the intercept and slope of a task whose data sit low on its curve (BoolQ) then decorrelate
# (posterior correlation -0.86 -> -0.36) and stage 2 mixes (reports/flp/floor.md). None centres on the mean.
DEFAULT_CENTRE: float | None = 25.0

# Priors (all on the scales of flp/forms.py's parametrisation). Stage 1 centres on typical web-text numbers
# (C4 loss ~3 nats at 1e20 FLOPs; Chinchilla's exponents ~0.3) with wide scales; an irreducible loss
# around 1 nat (log-normal: positive, 95 % within 0.2-4.4).
STAGE1_PRIORS: dict[str, dict[str, Any]] = {
    "power": {"ln_l0": spec("Normal", mu=1.0, sigma=1.0), "alpha": spec("Normal", mu=-0.05, sigma=0.05)},
    "irreducible": {
        "ln_l0": spec("Normal", mu=0.0, sigma=1.5),
        "alpha": spec("Normal", mu=-0.15, sigma=0.15),
        "irreducible": spec("LogNormal", mu=0.0, sigma=0.75),
    },
    "chinchilla": {
        "irreducible": spec("LogNormal", mu=0.0, sigma=0.75),
        "ln_a": spec("Normal", mu=-1.0, sigma=1.0),
        "alpha_n": spec("LogNormal", mu=float(np.log(0.3)), sigma=0.5),
        "ln_b": spec("Normal", mu=-0.5, sigma=1.0),
        "beta_d": spec("LogNormal", mu=float(np.log(0.3)), sigma=0.5),
    },
}
STAGE2_PRIORS: dict[str, dict[str, Any]] = {
    "linear": {
        "intercept": spec("Normal", mu=0.5, sigma=0.3),
        "slope_c4": spec("Normal", mu=-0.5, sigma=0.5),
        "slope_code": spec("Normal", mu=0.0, sigma=0.05),
        "tau_run": spec("HalfNormal", sigma=0.05),
        "tau_slope": spec("HalfNormal", sigma=0.2),  # a run's slope deviation, accuracy per nat
    },
    "logistic": {
        "intercept": spec("Normal", mu=0.0, sigma=2.0),
        "k": spec("HalfNormal", sigma=5.0),
        "slope_code": spec("Normal", mu=0.0, sigma=0.5),
        "tau_run": spec("HalfNormal", sigma=0.5),
        "tau_slope": spec("HalfNormal", sigma=2.0),  # a run's slope deviation, logit per nat
    },
}
# The task-loss chain (``+task``): each task's bits per byte has its own law, the chinchilla exponents partially
# pooled across tasks (the tasks share the data and the model family): ln alpha_t ~ N(alpha_n_mu, alpha_n_sd).
TASK_CHAIN_PRIORS: dict[str, dict[str, Any]] = {
    "chinchilla": {
        "alpha_n_mu": spec("Normal", mu=float(np.log(0.3)), sigma=0.5),
        "alpha_n_sd": spec("HalfNormal", sigma=0.3),
        "beta_d_mu": spec("Normal", mu=float(np.log(0.3)), sigma=0.5),
        "beta_d_sd": spec("HalfNormal", sigma=0.3),
    }
}
# the logistic link's ceiling per task, as the fraction of the range above chance (AI2's ladder fits one too)
TASK_CEILING = spec("Beta", alpha=8.0, beta=2.0)
# the logistic link's floor per task, as the fraction of the range above chance, learned: small models plateau above
# chance on several tasks (BoolQ at its majority class). Logit-normal (median 0.08, 90 % within 0.02-0.26): its
# unconstrained form is a plain normal, where a Beta(1, 9) left the sampler a long flat tail towards 0 (r_hat 1.05,
# ESS 83). 0 starts every task at chance (the FLP paper). Chosen by stage-2 LOO and the targets: reports/flp/floor.md
TASK_FLOOR = spec("LogitNormal", mu=-2.5, sigma=0.75)
COMMON_PRIORS = {
    "sigma_loss": spec("HalfNormal", sigma=0.05),
    "loss_corr": spec("Uniform", lower=-1.0, upper=1.0),
    "kappa": spec("Gamma", alpha=2.0, beta=0.01),
    # the logit-normal likelihood's scale per task, on the accuracy's log odds (0.1 is ~2.5 points at 50 %)
    "sigma_acc": spec("HalfNormal", sigma=0.5),
}
# Stage 2's likelihood of a checkpoint's accuracy around the link's mean ``mu``: ``beta`` (Beta(mu kappa,
# (1 - mu) kappa): variance mu (1 - mu) / (kappa + 1), as a binomial's) or ``logit_normal`` (logit(acc) ~
# N(logit(mu), sigma_acc): sd ~ sigma_acc mu (1 - mu)). :data:`LIKELIHOODS` (imported above) maps each to the
# parameter it adds per task: {"beta": "kappa", "logit_normal": "sigma_acc"}.
DEFAULT_LIKELIHOOD = "beta"


@dataclass(frozen=True)
class FlpVariant:
    """``STAGE1+STAGE2[+code|+task]`` parsed once: stage-1 form, stage-2 link, loss domains (``+code`` = FLP-M,
    ``+task`` = the task-loss chain)."""

    name: str
    stage1: str
    stage2: str
    domains: tuple[str, ...]


def parse_variant(variant: str) -> FlpVariant:
    """``"chinchilla+logistic"`` -> FlpVariant(stage1, stage2, domains); a ``+code`` suffix is FLP-M."""
    parts = variant.split("+")
    domains = {"code": ("c4", "code"), "task": TASK_CHAIN}.get(parts[-1], ("c4",))
    parts = parts[:-1] if parts[-1] in ("code", "task") else parts
    if len(parts) != 2 or parts[0] not in STAGE1 or parts[1] not in STAGE2:
        raise DataError(
            f"unknown FLP variant {variant!r}: write STAGE1+STAGE2[+code|+task] with STAGE1 in {list(STAGE1)} and "
            f"STAGE2 in {list(STAGE2)}, e.g. {DEFAULT_VARIANT!r}",
            column="--variant",
        )
    return FlpVariant(variant, parts[0], parts[1], domains)


def default_priors(v: FlpVariant, likelihood: str = DEFAULT_LIKELIHOOD) -> dict[str, Any]:
    """The prior dicts a variant with stage-2 ``likelihood`` uses (``tau_run`` and ``tau_slope`` only when a run
    has several checkpoints per task)."""
    pri = dict(STAGE1_PRIORS[v.stage1])
    s2 = STAGE2_PRIORS[v.stage2]
    first = "k" if v.stage2 == "logistic" else "slope_c4"
    pri.update(intercept=s2["intercept"], **{first: s2[first]})
    if len(v.domains) == 2:
        pri.update(slope_code=s2["slope_code"], loss_corr=COMMON_PRIORS["loss_corr"])
    noise = LIKELIHOODS[likelihood]
    pri.update(sigma_loss=COMMON_PRIORS["sigma_loss"], **{noise: COMMON_PRIORS[noise]}, tau_run=s2["tau_run"])
    pri.update(tau_slope=s2["tau_slope"])
    if v.stage2 == "logistic":
        pri["floor_frac"] = TASK_FLOOR
    if v.domains == TASK_CHAIN:
        pooled = TASK_CHAIN_PRIORS.get(v.stage1, {})
        for k in ("alpha_n", "beta_d"):  # replaced by the population's mean and spread where pooled
            if f"{k}_mu" in pooled:
                pri.pop(k)
        pri.update(pooled)
        if v.stage2 == "logistic":
            pri["ceiling"] = TASK_CEILING
    return pri


def build_stage1(data: FlpData, stage1: str, priors: dict[str, Any]):
    """Stage 1: log-loss of each domain at the runs' final checkpoints (bivariate normal noise for FLP-M)."""
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model(coords={"domain": data.loss_names}) as model:
        pooled = data.task_chain and stage1 == "chinchilla"
        p1 = {
            k: create_variable(k, priors[k], dims="domain")
            for k in STAGE1_PARAMS[stage1]
            if not (pooled and k in ("alpha_n", "beta_d"))
        }
        if pooled:  # exponents partially pooled across the tasks (non-centred)
            for k in ("alpha_n", "beta_d"):
                mu, sd = create_variable(f"{k}_mu", priors[f"{k}_mu"]), create_variable(f"{k}_sd", priors[f"{k}_sd"])
                z = pm.Normal(f"{k}_z", 0.0, 1.0, dims="domain")
                p1[k] = pm.Deterministic(k, pt.exp(mu + sd * z), dims="domain")
        sigma = create_variable("sigma_loss", priors["sigma_loss"], dims="domain")
        x = {k: v[:, None] for k, v in data.x(data.stage1).items()}
        mu1 = stage1_log_loss(x, p1, stage1, xp=pt)
        y1 = np.log(data.losses(data.stage1))
        if data.task_chain:  # one loss per task, independent noise per task
            pm.Normal("stage1", mu1, sigma, observed=y1)
        elif len(data.domains) == 1:
            pm.Normal("stage1", mu1[:, 0], sigma[0], observed=y1[:, 0])
        else:
            rho = create_variable("loss_corr", priors["loss_corr"])
            chol = pt.stack([pt.stack([sigma[0], 0.0]), pt.stack([rho * sigma[1], sigma[1] * pt.sqrt(1 - rho**2)])])
            pm.MvNormal("stage1", mu1, chol=chol, observed=y1)
    return model


def learns_floor(priors: dict[str, Any]) -> bool:
    """Whether stage 2 learns a floor per task (the ``floor_frac`` prior is a distribution, not 0)."""
    value = priors.get("floor_frac", 0.0)
    return not (is_fixed(value) and float(value) == 0.0)


STAGE1_TARGET_ACCEPT = 0.99
RETRY_TARGET_ACCEPT_MAX = 0.998  # a diverging stage is sampled again closer to 1, never above this
RUN_LEVEL = ("run_effect", "run_slope")  # per task and run: needed for the log-likelihood only


def _distance(data: FlpData) -> np.ndarray:
    """Each stage-2 row's first feature (C4 or task loss) minus its task's centre: what a run's slope multiplies."""
    return data.features[:, 0] - data.centres[data.task_idx, 0]


def run_effects(data: FlpData, priors: dict[str, Any]):
    """Stage 2's run effects on the link's scale, one per checkpoint row (inside a PyMC model): each run's level
    deviation (scale ``tau_run``) and its slope deviation (``tau_slope``) times the row's distance from its task's
    centre, as two terms (added to the linear predictor in that order, as the shipped posteriors were sampled);
    zero-sum over runs, non-centred."""
    import pymc as pm

    dims = ("task", "run")
    tau = create_variable("tau_run", priors["tau_run"], dims="task")
    z = pm.ZeroSumNormal("run_effect_z", sigma=1.0, dims=dims, n_zerosum_axes=1)
    run_effect = pm.Deterministic("run_effect", tau[:, None] * z, dims=dims)
    tau_s = create_variable("tau_slope", priors["tau_slope"], dims="task")
    z_s = pm.ZeroSumNormal("run_slope_z", sigma=1.0, dims=dims, n_zerosum_axes=1)
    run_slope = pm.Deterministic("run_slope", tau_s[:, None] * z_s, dims=dims)
    t_idx, r_idx = data.task_idx, data.run_idx
    return run_effect[t_idx, r_idx], run_slope[t_idx, r_idx] * _distance(data)


def build_stage2(data: FlpData, stage2: str, priors: dict[str, Any], likelihood: str = DEFAULT_LIKELIHOOD):
    """Stage 2: accuracy of the thinned checkpoints from their losses, with run effects; Beta or logit-normal
    likelihood (:data:`LIKELIHOODS`)."""
    import pymc as pm
    import pytensor.tensor as pt

    t_idx, runs = data.task_idx, data.runs
    with pm.Model(coords={"task": data.tasks, "feature": list(data.domains), "run": runs}) as model:
        intercept = create_variable("intercept", priors["intercept"], dims="task")
        first = (
            -create_variable("k", priors["k"], dims="task")
            if stage2 == "logistic"
            else create_variable("slope_c4", priors["slope_c4"], dims="task")
        )
        floor, ceiling = _logistic_bounds(data, priors) if stage2 == "logistic" else (data.chances, 1.0)
        cols = [first] + (
            [create_variable("slope_code", priors["slope_code"], dims="task")] if len(data.domains) == 2 else []
        )
        slope = pm.Deterministic("slope", pt.stack(cols, axis=-1), dims=("task", "feature"))
        scale = create_variable(LIKELIHOODS[likelihood], priors[LIKELIHOODS[likelihood]], dims="task")
        # run effects: a run's checkpoints share a deviation from the task's loss curve, in level and in slope
        # (on the first feature, the C4 or task loss); a new run (a target) draws its own of both, so its
        # interval carries the between-run spread and widens with its distance in loss from the task's centre.
        # Zero-sum over runs (the intercept and slope are the runs' means): with plain Normal effects the
        # intercept and the effects' mean traded off (intercept ESS ~100 of 2000). Non-centred: centred level
        # effects made a funnel once the slopes were added (r_hat 1.04, ESS 121 on the full ladder) and on the
        # ladder truncated at 760M without them (r_hat 1.58, 1,018 divergences).
        # With one checkpoint per run and task (final checkpoints only, e.g. Gadre et al.) run effects are not
        # identified apart from the Beta noise, which then is the between-run scatter: none.
        eta = intercept[t_idx] + pt.sum(slope[t_idx] * (data.features - data.centres[t_idx]), axis=-1)
        if data.run_effects:
            level, slope_term = run_effects(data, priors)
            eta = eta + level + slope_term
        ceiling = ceiling if isinstance(ceiling, float) else ceiling[t_idx]
        mean = pt.clip(stage2_accuracy(eta, floor[t_idx], stage2, xp=pt, ceiling=ceiling), 1e-4, 1 - 1e-4)
        y = observed_accuracy(data)
        if likelihood == "beta":
            pm.Beta("stage2", alpha=mean * scale[t_idx], beta=(1 - mean) * scale[t_idx], observed=y)
        else:  # on the log odds; the NumPy twin adds the Jacobian so that LOO compares it with the Beta
            pm.Normal("stage2", mu=logit(mean, xp=pt), sigma=scale[t_idx], observed=logit(y))
    return model


def observed_accuracy(data: FlpData) -> np.ndarray:
    """Stage 2's observed accuracies (fractions), kept inside (1e-4, 1 - 1e-4) as the link's mean is."""
    return np.clip(data.stage2["accuracy"].to_numpy(dtype=float), 1e-4, 1 - 1e-4)


def _logistic_bounds(data: FlpData, priors: dict[str, Any]):
    """The logistic link's floor and ceiling per task: chance and 1, or learned (``floor_frac`` / ``ceiling`` of the
    range above chance; the ceiling lies above the floor)."""
    import pymc as pm

    chance, floor, ceiling = data.chances, data.chances, 1.0
    if learns_floor(priors):
        frac = create_variable("floor_frac", priors["floor_frac"], dims="task")
        floor = pm.Deterministic("floor", chance + (1.0 - chance) * frac, dims="task")
    if "ceiling" in priors:
        frac = create_variable("ceiling_frac", priors["ceiling"], dims="task")
        ceiling = pm.Deterministic("ceiling", floor + (1.0 - floor) * frac, dims="task")
    return floor, ceiling


def stage_loglik(
    data: FlpData, values: dict[str, np.ndarray], stage1: str, stage2: str, likelihood: str = DEFAULT_LIKELIHOOD
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log-likelihoods (draws x obs) of stage 1 (per run) and stage 2 (per checkpoint), NumPy. Stage 2's
    is a density of the accuracy itself whatever the likelihood (the logit-normal's carries the Jacobian
    -ln(y (1 - y)) of the log odds), so the two likelihoods compare by LOO."""
    from scipy import stats

    p1 = {k: values[k][:, None, :] for k in STAGE1_PARAMS[stage1]}
    x = {k: v[None, :, None] for k, v in data.x(data.stage1).items()}
    resid = np.log(data.losses(data.stage1))[None] - stage1_log_loss(x, p1, stage1)  # (draws, runs, domains)
    sigma = values["sigma_loss"][:, None, :]
    if data.task_chain:  # (draws, runs x tasks)
        ll1 = stats.norm.logpdf(resid, 0.0, sigma).reshape(resid.shape[0], -1)
    elif len(data.domains) == 1:
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
        r_idx = data.run_idx
        eta = eta + values["run_effect"][:, t_idx, r_idx] + values["run_slope"][:, t_idx, r_idx] * _distance(data)
    ceiling = stage2_ceiling(values, t_idx)
    floor = stage2_floor(values, data.chances, t_idx)
    mean = np.clip(stage2_accuracy(eta, floor, stage2, ceiling=ceiling), 1e-4, 1 - 1e-4)
    scale = values[LIKELIHOODS[likelihood]][:, t_idx]
    y = observed_accuracy(data)
    if likelihood == "beta":
        ll2 = stats.beta.logpdf(y, mean * scale, (1 - mean) * scale)
    else:
        ll2 = stats.norm.logpdf(logit(y), logit(mean), scale) - np.log(y * (1 - y))
    return ll1, ll2


class FLP(BayesModel):
    """FLOPs -> loss -> benchmark accuracy, fitted on a model ladder: ``FLP.load().predict(params="7B",
    tokens="4T")`` gives one row per task (accuracy in percent, with the predicted C4 loss in nats)."""

    kind: ClassVar[str] = "flp"
    variants: ClassVar[dict[str, str]] = {
        "STAGE1+STAGE2[+code|+task]": "stage 1 power|irreducible|chinchilla, stage 2 linear|logistic, +code = FLP-M, "
        "+task = each task through its own loss"
    }
    default_variant: ClassVar[str] = DEFAULT_VARIANT
    # 2,000 draws per chain: the learned floors mix slowly (1,000 left ESS ~300 < 400 and r_hat 1.02 on the full ladder)
    sampler_defaults: ClassVar[SamplerConfig] = SamplerConfig(draws=2000)

    def __init__(
        self,
        variant: str | None = None,
        priors: dict[str, Any] | None = None,
        preset: str | None = None,
        *,
        margin: float = DEFAULT_MARGIN,
        roles: tuple[str, ...] = ("ladder",),
        centre: float | None = DEFAULT_CENTRE,
        likelihood: str = DEFAULT_LIKELIHOOD,
    ):
        if likelihood not in LIKELIHOODS:
            raise DataError(
                f"unknown likelihood {likelihood!r}: choose from {list(LIKELIHOODS)}", column="--likelihood"
            )
        if not 0 <= margin < 1:
            raise DataError(f"must be a fraction in [0, 1), got {margin!r}", column="--margin")
        if centre is not None and not 0 <= centre <= 100:
            raise DataError(f"must be a percentile in [0, 100], got {centre!r}", column="centre")
        self.margin, self.roles = float(margin), tuple(roles)
        self.centre = None if centre is None else float(centre)
        self.likelihood = likelihood
        super().__init__(variant, priors, preset)

    def identity(self) -> dict[str, Any]:
        """The data selection is part of what a fitted FLP is (the emergent margin and the roles fitted), and so is
        stage 2's likelihood (recorded when not the Beta, which every earlier posterior used)."""
        ident = {"margin": self.margin, "roles": list(self.roles)}
        ident = ident if self.centre is None else {**ident, "centre": self.centre}
        return ident if self.likelihood == "beta" else {**ident, "likelihood": self.likelihood}

    @classmethod
    def parse_variant(cls, name: str) -> FlpVariant:
        return parse_variant(name)

    @classmethod
    def _from_meta(cls, meta: dict[str, Any]) -> FLP:
        return cls(
            meta.get("variant"),
            meta.get("priors"),
            margin=meta.get("margin", DEFAULT_MARGIN),
            roles=tuple(meta.get("roles", ("ladder",))),
            centre=meta.get("centre"),
            likelihood=meta.get("likelihood", "beta"),
        )

    @classmethod
    def default_path(cls) -> Path:
        from bayes_perflaw.core.paths import models_dir

        return models_dir() / "flp-olmo.nc"

    def default_priors(self) -> dict[str, Any]:
        return default_priors(self.variant, self.likelihood)

    def prepare(self, table: pd.DataFrame) -> FlpData:
        v = self.variant
        return prepare(check_ladder(table), domains=v.domains, roles=self.roles, margin=self.margin, centre=self.centre)

    def stages(self, data: FlpData) -> dict[str, Any]:
        return {
            "stage1": build_stage1(data, self.variant.stage1, self.priors),
            "stage2": build_stage2(data, self.variant.stage2, self.priors, self.likelihood),
        }

    def stage_config(self, name: str, config):
        """Stage 1 at target_accept >= ``STAGE1_TARGET_ACCEPT``: its few runs leave the chinchilla form a narrow
        ridge (the ladder truncated at 760M: 2 divergences at 0.95, none at 0.99); a small model, so the smaller
        steps cost little."""
        if name == "stage1" and config.target_accept < STAGE1_TARGET_ACCEPT:
            return config.merged(target_accept=STAGE1_TARGET_ACCEPT)
        return config

    def retry_config(self, name: str, config, diag):
        """A stage with divergent transitions is sampled once more with smaller steps (target_accept 1/5 as far
        from 1): a short or truncated ladder leaves the floors and the chinchilla form narrow ridges (a ladder
        truncated at 370M: 4 divergences in stage 2 at 0.95, none at 0.99). Costs a second compile and sampling
        of that stage, only when it diverged."""
        if diag["divergences"] and config.target_accept < RETRY_TARGET_ACCEPT_MAX:
            return config.merged(target_accept=min(RETRY_TARGET_ACCEPT_MAX, 1 - (1 - config.target_accept) / 5))
        return None

    def diagnose_vars(self, posterior) -> list[str]:
        return [v for v in posterior.data_vars if v not in RUN_LEVEL]  # draws x tasks x runs: nuisance

    def loglik(self, data: FlpData, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        ll1, ll2 = stage_loglik(data, values, self.variant.stage1, self.variant.stage2, self.likelihood)
        return {"stage1": ll1, "stage2": ll2}

    def finish(self, idata, data: FlpData, config):
        import xarray as xr

        from bayes_perflaw.core.posterior import draws_from_idata

        post = idata.posterior
        shape = (post.sizes["chain"], post.sizes["draw"])
        ll = self.loglik(data, draws_from_idata(idata, {"kind": "flp"}).values)
        idata.add_groups(
            log_likelihood=xr.Dataset(
                {
                    "stage1": (("chain", "draw", "final_checkpoint"), ll["stage1"].reshape(*shape, -1)),
                    "stage2": (("chain", "draw", "checkpoint"), ll["stage2"].reshape(*shape, -1)),
                },
                coords={"chain": post.chain.values, "draw": post.draw.values},
            )
        )
        post = idata.posterior.drop_vars(list(RUN_LEVEL), errors="ignore")  # draws x runs x tasks: log-lik only
        used = {d for v in post.data_vars.values() for d in v.dims}
        idata.posterior = post.drop_vars([c for c in post.coords if c not in used])  # leftovers of dropped vars
        return idata

    def shippable(self, idata):
        """What the posterior file keeps: draws, sample stats and stage 1's log-likelihood. Stage 2's (draws x
        ~2000 checkpoints, 60 MB) is summarised by the LOO in the metadata instead."""
        import arviz as az

        return az.InferenceData(
            posterior=idata.posterior, sample_stats=idata.sample_stats, log_likelihood=idata.log_likelihood[["stage1"]]
        )

    def design_meta(self, data: FlpData) -> dict[str, Any]:
        v = self.variant
        return {
            "stage1": v.stage1,
            "stage2": v.stage2,
            "domains": list(v.domains),
            "tasks": data.tasks,
            "metrics": data.metrics,
            "chances": data.chances.tolist(),
            "centres": data.centres.tolist(),
            "basis": data.basis,
            "dropped_tasks": data.dropped,
            "roles": list(self.roles),
            "run_effects": data.run_effects,
            "margin": self.margin,
            "centre": self.centre,
            "likelihood": self.likelihood,
            "n_stage1": len(data.stage1),
            "n_stage2": len(data.stage2),
            "stage1_min_target_accept": STAGE1_TARGET_ACCEPT,
        }

    def describe_data(self, data: FlpData) -> list[str]:
        lines = [
            f"stage 1: {len(data.stage1)} final checkpoints; stage 2: {len(data.stage2)} checkpoints of "
            f"{len(data.tasks)} tasks (past warm-up and chance + {self.margin:.0%}, at most 10 per run and task); "
            f"stage 1 sampled at target_accept >= {STAGE1_TARGET_ACCEPT}"
        ]
        if data.dropped:
            lines.append(f"skipped {len(data.dropped)} tasks that never leave the chance region: {data.dropped}")
        sizes = np.unique(data.stage1["n_params"].to_numpy(dtype=float))
        if sizes.size < 3:
            lines.append(
                f"WARNING: stage 1 sees only {sizes.size} model size(s) "
                f"({', '.join(f'{s / 1e6:.0f}M' for s in sizes)}): the loss's parameter term cannot be told apart "
                "from its floor, so predictions at other sizes lean on the priors (use a ladder of 3 sizes or more)"
            )
        return lines

    def predict(
        self,
        *,
        params=None,
        tokens=None,
        flops: float | None = None,
        prob: float = 0.9,
        seed: int = 0,
        noise: bool = True,
    ) -> pd.DataFrame:
        """One row per task: chance, predicted C4 loss (nats) and accuracy (mean and ``prob`` interval, percent)
        for a recipe given as ``params`` and ``tokens`` (with units: ``"7B"``, ``"4T"``) or ``flops``."""
        from bayes_perflaw.flp.predict import predict_recipe, recipe_from_sizes

        x = recipe_from_sizes(params, tokens, flops)
        return predict_recipe(self.draws.values, self.meta, x, prob=prob, seed=seed, noise=noise)
