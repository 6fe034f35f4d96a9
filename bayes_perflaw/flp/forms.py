"""FLP (Chen et al. 2024) as pure functions, and chaining its two stages (NumPy or PyTensor).

Stage 1, compute -> validation loss of each domain (nats/token), in log space. ``x`` holds ``ln_flops``
(C = 6 N D), ``ln_n`` (parameters) and ``ln_d`` (training tokens); parameters broadcast over domains:
* ``power`` (the paper): ``ln L = ln_l0 + alpha (ln C - ln 1e20)``, i.e. ``L = (C / C_N)**alpha``;
* ``irreducible``: ``L = E + exp(ln_l0 + alpha (ln C - ln 1e20))``;
* ``chinchilla`` (ours; the form of AI2's ladder and of Hoffmann et al.):
  ``L = E + exp(ln_a - alpha_n (ln N - ln 1e9)) + exp(ln_b - beta_d (ln D - ln 1e10))``. It sees N and D
  apart, so it knows that an over-trained model (many tokens per parameter) buys less loss per FLOP.
Stage 2, loss -> accuracy (a fraction), per task, on features of the losses: ``f0`` = C4 loss, and for
FLP-M ``f1`` = the code loss's standardised residual on the C4 loss (what code adds beyond C4; the two
losses correlate at 0.99 on the ladder, so the raw pair would be nearly collinear). With
``eta = intercept + sum_j slope_j (f_j - centre_j)`` (centres: each task's mean feature in its fit data):
* ``linear`` (the paper): ``acc = eta`` between 0.001 and 0.999, bent smoothly onto those bounds;
* ``logistic`` (as AI2's ladder): ``acc = floor + (ceiling - floor) sigmoid(eta)``; the floor is the task's chance
  level unless the fit learns one per task (an option: small models plateau above chance on some tasks, BoolQ at its
  62 % majority class, SocialIQa's length-normalised accuracy at ~38 % for a 33 % chance), the ceiling 1 unless the
  variant learns one.
The chain pushes stage-1 predictive draws of the losses (correlated across domains) through stage-2
draws and the observation noise (Beta, or normal on the log odds), so a target's interval carries the
uncertainty of both stages.
"""

from __future__ import annotations

from typing import Any

import numpy as np

LN_C0 = float(np.log(1e20))
LN_N0 = float(np.log(1e9))
LN_D0 = float(np.log(1e10))
STAGE1 = ("power", "irreducible", "chinchilla")
STAGE2 = ("linear", "logistic")
DOMAINS = {"c4": "c4_loss", "code": "code_loss", "task": "task_bpb"}  # domain -> column of the ladder tables
TASK_CHAIN = ("task",)  # the domains of the task-loss chain: each task through its own loss (bits per byte)
STAGE1_PARAMS = {
    "power": ("ln_l0", "alpha"),
    "irreducible": ("ln_l0", "alpha", "irreducible"),
    "chinchilla": ("irreducible", "ln_a", "alpha_n", "ln_b", "beta_d"),
}
ACC_MIN, ACC_MAX = 1e-3, 0.999
SOFT = 200.0  # the linear link's bounds bend over about 1/SOFT = 0.005 of accuracy


def is_task_chain(meta: dict[str, Any]) -> bool:
    """Whether a posterior's metadata describe the task-loss chain (older files, without ``domains``: the C4 chain)."""
    return tuple(meta.get("domains", ("c4",))) == TASK_CHAIN


def needs_split(form: str) -> bool:
    """Whether a stage-1 form needs N and D apart (not only their product C = 6 N D)."""
    return form == "chinchilla"


def stage1_log_loss(x: dict[str, Any], p: dict[str, Any], form: str, xp: Any = np):
    """ln of the predicted loss; ``x``: ``ln_flops`` (and ``ln_n``, ``ln_d`` for ``chinchilla``)."""
    if form in ("power", "irreducible"):
        power = p["ln_l0"] + p["alpha"] * (x["ln_flops"] - LN_C0)
        return power if form == "power" else xp.log(p["irreducible"] + xp.exp(power))
    if form == "chinchilla":
        n_term = xp.exp(p["ln_a"] - p["alpha_n"] * (x["ln_n"] - LN_N0))
        d_term = xp.exp(p["ln_b"] - p["beta_d"] * (x["ln_d"] - LN_D0))
        return xp.log(p["irreducible"] + n_term + d_term)
    raise ValueError(f"unknown stage-1 form {form!r}")


def stage2_features(losses, basis: dict[str, float] | None):
    """Stage-2 features (..., k) from losses (..., domains): C4, then the code loss's standardised residual."""
    losses = np.asarray(losses, dtype=float)
    if losses.shape[-1] == 1:
        return losses
    resid = (losses[..., 1] - basis["g0"] - basis["g1"] * losses[..., 0]) / basis["sd"]
    return np.stack([losses[..., 0], resid], axis=-1)


def stage2_accuracy(eta, chance, link: str, xp: Any = np, ceiling=1.0):
    """Mean accuracy (fraction) for a linear predictor ``eta`` (see the module docstring); the logistic link rises
    from ``chance`` to ``ceiling`` (1 unless the variant learns a ceiling per task, as the task-loss chain)."""
    if link == "linear":  # the paper's straight line inside (ACC_MIN, ACC_MAX), bent smoothly (softplus, width
        # 1/SOFT) at the bounds: a hard clip left flat directions where the sampler stalled (tree depth 10)
        lo = ACC_MIN + _softplus(SOFT * (eta - ACC_MIN), xp) / SOFT
        return lo - _softplus(SOFT * (lo - ACC_MAX), xp) / SOFT
    if link == "logistic":
        with np.errstate(over="ignore"):  # exp(-eta) = inf far below the curve: 1 / (1 + inf) = 0, the floor
            return chance + (ceiling - chance) / (1.0 + xp.exp(-eta))
    raise ValueError(f"unknown stage-2 link {link!r}")


def stage2_floor(values: dict[str, np.ndarray], chances, idx):
    """The logistic link's floor for tasks ``idx`` (fraction): per draw where the fit learned one (``floor``: draws x
    tasks), else the tasks' chance levels."""
    return values["floor"][:, idx] if "floor" in values else np.asarray(chances, dtype=float)[idx]


def floor_medians(values: dict[str, np.ndarray], chances) -> np.ndarray:
    """Each task's floor (fraction): the learned floor's posterior median, or the chance level."""
    return np.median(values["floor"], axis=0) if "floor" in values else np.asarray(chances, dtype=float)


def stage2_ceiling(values: dict[str, np.ndarray], idx):
    """The logistic link's ceiling for tasks ``idx`` per draw (draws x tasks) where the variant learns one, else 1."""
    return values["ceiling"][:, idx] if "ceiling" in values else 1.0


def logit(p, xp: Any = np):
    """Log odds of a fraction (NumPy or PyTensor)."""
    return xp.log(p) - xp.log1p(-p)


def _softplus(x, xp: Any = np):
    return xp.logaddexp(0.0, x) if xp is np else xp.softplus(x)


def c_n(ln_l0, alpha) -> np.ndarray:
    """The paper's C_N (FLOPs) from the centred parameters of the power form."""
    return np.exp(LN_C0 - np.asarray(ln_l0) / np.asarray(alpha))


def loss_draws(x: dict[str, float], values: dict[str, np.ndarray], form: str, rng, noise: bool = True) -> np.ndarray:
    """Stage-1 predictive draws of the losses, (draws, domains): the law plus correlated log-noise."""
    p = {k: values[k] for k in STAGE1_PARAMS[form]}  # each (draws, domains)
    ln_loss = stage1_log_loss(x, p, form)
    if noise:
        z = rng.standard_normal(ln_loss.shape)
        sigma = values["sigma_loss"]
        if "loss_corr" in values:  # FLP-M, bivariate: correlation rho between the two domains' residuals
            rho = values["loss_corr"]
            z[:, 1] = rho * z[:, 0] + np.sqrt(1.0 - rho**2) * z[:, 1]
        ln_loss = ln_loss + sigma * z
    return np.exp(ln_loss)


def accuracy_draws(
    losses: np.ndarray,
    task_index: int,
    values: dict[str, np.ndarray],
    meta: dict[str, Any],
    rng,
    noise: bool = True,
) -> np.ndarray:
    """Stage-2 draws of one task's accuracy (fraction) for loss draws (draws, domains), one per draw."""
    if is_task_chain(meta):  # each task through its own loss
        feats = losses[:, [task_index]]
    else:
        feats = stage2_features(losses, meta.get("basis"))
    centre = np.asarray(meta["centres"], dtype=float)[task_index]
    eta = values["intercept"][:, task_index] + np.sum(values["slope"][:, task_index, :] * (feats - centre), axis=-1)
    if noise and "tau_run" in values:  # a new run draws its own deviation from the task's loss curve
        eta = eta + values["tau_run"][:, task_index] * rng.standard_normal(len(eta))
    if noise and "tau_slope" in values:  # ... and its own slope: the further its loss from the centre, the wider
        eta = eta + values["tau_slope"][:, task_index] * rng.standard_normal(len(eta)) * (feats[:, 0] - centre[0])
    floor = stage2_floor(values, meta["chances"], task_index)
    mean = stage2_accuracy(eta, floor, meta["stage2"], ceiling=stage2_ceiling(values, task_index))
    if not noise:
        return mean
    if meta.get("likelihood", "beta") == "logit_normal":  # normal on the log odds around the mean's
        m = np.clip(mean, 1e-4, 1 - 1e-4)
        log_odds = logit(m) + values["sigma_acc"][:, task_index] * rng.standard_normal(len(m))
        return 1.0 / (1.0 + np.exp(-log_odds))
    kappa = values["kappa"][:, task_index]
    return rng.beta(np.clip(mean * kappa, 1e-6, None), np.clip((1 - mean) * kappa, 1e-6, None))


def chain(
    x: dict[str, float],
    values: dict[str, np.ndarray],
    meta: dict[str, Any],
    *,
    seed: int = 0,
    noise: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(loss draws (draws, domains), accuracy draws (draws, tasks)) for one target recipe.

    The same loss draw feeds every task, so the tasks' predictions share stage-1 uncertainty."""
    rng = np.random.default_rng(seed)
    losses = loss_draws(x, values, meta["stage1"], rng, noise=noise)
    acc = np.column_stack(
        [accuracy_draws(losses, i, values, meta, rng, noise=noise) for i in range(len(meta["chances"]))]
    )
    return losses, acc


def recipe(flops: float | None = None, n_params: float | None = None, tokens: float | None = None) -> dict[str, float]:
    """Stage-1 inputs ``x`` for a recipe: FLOPs, or parameters and tokens (then C = 6 N D)."""
    if n_params is not None and tokens is not None:
        flops = 6.0 * n_params * tokens
        return {"ln_flops": float(np.log(flops)), "ln_n": float(np.log(n_params)), "ln_d": float(np.log(tokens))}
    if flops is None:
        raise ValueError("give FLOPs, or parameters and tokens")
    return {"ln_flops": float(np.log(flops)), "ln_n": float("nan"), "ln_d": float("nan")}


# --- the paper's forms on the raw scale (Chen et al. 2024) ---------------------------------------------


def flp_loss(flops, c_n, alpha_n):
    """Stage 1: L(C) = (C / C_N)**alpha_N (alpha_N < 0), FLOPs as counts."""
    return (flops / c_n) ** alpha_n


def flp_log_loss(ln_flops, ln_c_n, alpha_n):
    """Stage 1 in log space: ln L = alpha_N * (ln C - ln C_N)."""
    return alpha_n * (ln_flops - ln_c_n)


def flp_score_linear(loss, w0, w1):
    """Stage 2, the paper's link: P(L) = w0 + w1 * L."""
    return w0 + w1 * loss


def training_flops(params, tokens):
    """C = 6 * N * D (parameters and tokens as counts)."""
    return 6.0 * params * tokens
