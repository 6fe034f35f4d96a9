"""FLP (Chen et al. 2024) as pure functions, and chaining its two stages (NumPy or PyTensor).

Stage 1, FLOPs -> pre-training (C4) loss, in log space with FLOPs centred at ``C0`` = 1e20:
* ``power`` (the paper): ``ln L = ln_l0 + alpha * (ln C - ln C0)``, i.e. ``L = (C / C_N)**alpha`` with
  ``ln C_N = ln C0 - ln_l0 / alpha``;
* ``irreducible``: ``L = E + exp(ln_l0 + alpha * (ln C - ln C0))``.
Stage 2, loss -> accuracy (a fraction), per task:
* ``linear`` (the paper): ``acc = w0 + w1 * (L - centre)`` (only kept inside (0, 0.999) numerically);
* ``logistic`` (as AI2's ladder): ``acc = chance + (1 - chance) * sigmoid(a - k * (L - centre))``, with
  ``centre`` each task's mean loss in the fit data (so a and k are nearly uncorrelated: sampling is fast).
The chain pushes stage-1 predictive draws of the loss through stage-2 draws, so a target's interval
carries the uncertainty of both stages.
"""

from __future__ import annotations

from typing import Any

import numpy as np

LN_C0 = float(np.log(1e20))
STAGE1 = ("power", "irreducible")
STAGE2 = ("linear", "logistic")
ACC_MAX = 0.999


def stage1_log_loss(ln_flops, p: dict[str, Any], form: str, xp: Any = np):
    """ln of the predicted pre-training loss for ln(FLOPs)."""
    power = p["ln_l0"] + p["alpha"] * (ln_flops - LN_C0)
    if form == "power":
        return power
    if form == "irreducible":
        return xp.log(p["irreducible"] + xp.exp(power))
    raise ValueError(f"unknown stage-1 form {form!r}")


def stage2_accuracy(loss, chance, p: dict[str, Any], link: str, xp: Any = np):
    """Mean accuracy (fraction) for a pre-training loss; ``p`` entries broadcast per task."""
    if link == "linear":  # unbounded, as in the paper (a clip at chance stalls the sampler); the Beta
        return xp.clip(p["w0"] + p["w1"] * (loss - p["centre"]), 1e-4, ACC_MAX)  # likelihood keeps it in (0, 1)
    if link == "logistic":
        return chance + (1.0 - chance) / (1.0 + xp.exp(-(p["a"] - p["k"] * (loss - p["centre"]))))
    raise ValueError(f"unknown stage-2 link {link!r}")


def c_n(ln_l0, alpha) -> np.ndarray:
    """The paper's C_N (FLOPs) from the centred parameters."""
    return np.exp(LN_C0 - np.asarray(ln_l0) / np.asarray(alpha))


def chain(
    flops: float,
    task_index: int,
    chance: float,
    values: dict[str, np.ndarray],
    stage1: str,
    stage2: str,
    centres: np.ndarray,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """(loss draws, accuracy draws) for one target: stage-1 predictive -> stage-2 predictive."""
    rng = np.random.default_rng(seed)
    n = len(values["alpha"])
    p1 = {k: values[k] for k in ("ln_l0", "alpha", "irreducible") if k in values}
    ln_loss = stage1_log_loss(np.log(flops), p1, stage1) + values["sigma_loss"] * rng.standard_normal(n)
    loss = np.exp(ln_loss)
    p2 = {k: values[k][:, task_index] for k in ("w0", "w1", "k", "a") if k in values}
    p2["centre"] = centres[task_index]
    mean = stage2_accuracy(loss, chance, p2, stage2)
    kappa = values["kappa"][:, task_index]
    acc = rng.beta(np.clip(mean * kappa, 1e-6, None), np.clip((1 - mean) * kappa, 1e-6, None))
    return loss, acc
