"""The laws, written once as pure functions.

Every function works on NumPy arrays and on PyTensor tensors: pass the array module as ``xp``
(``numpy`` or ``pytensor.tensor``) where a function needs more than arithmetic operators. Inputs
broadcast, so a (recipes x 1) design against (1 x draws) coefficients gives (recipes x draws).

Units: N layers, h hidden size, d FFN size (counts); T tokens in **trillions**; S parameters in
**billions**; scores in percent (0-100); FLOPs as counts.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

CHANCE_MMLU = 25.0  # four-choice chance, percent
CEILING_KNEE = 90.0  # above this the published tool squashes with tanh


class LawInputs(NamedTuple):
    """Design of the Performance Law in log space (natural logs), one entry per recipe.

    For a dense model the ``dln_*`` terms are zero. For a mixture of experts the equivalent dense
    size is ``A * (S/A)**beta`` (package extension): ``ln S_eff = ln_params_active
    + beta * dln_params`` and likewise for the FFN width.
    """

    ln_layers: Any
    ln_hidden: Any
    ln_ffn_active: Any
    dln_ffn: Any
    ln_tokens: Any
    ln_params_active: Any
    dln_params: Any


def instability_q(layers, hidden, ffn):
    """q = ((10/d + 20/h) * N)**2, so that the discount is u = exp(-gamma**2 * q)."""
    return ((10.0 / ffn + 20.0 / hidden) * layers) ** 2


def instability_discount(layers, hidden, ffn, gamma, xp: Any = np):
    """u = exp(-((10/d + 20/h) * gamma * N)**2), in (0, 1]; gamma = precision loss (1 = default)."""
    return xp.exp(-(gamma**2) * instability_q(layers, hidden, ffn))


def effective_tokens(tokens_T, params_B, xp: Any = np):
    """T' = min(T, S) with T in trillions and S in billions (at most ~1000 tokens per parameter)."""
    return xp.minimum(tokens_T, params_B)


def moe_equivalent(active, total, beta):
    """Equivalent dense size of a MoE: A * (S/A)**beta (beta = 0.5 is the geometric mean)."""
    return active * (total / active) ** beta


def perflaw_raw_from_logs(ln_n, ln_h, ln_d, ln_t_eff, q, w1, w2, w3, w4, b, gamma):
    """Unbounded Performance Law via ln(u*x) = ln x - gamma**2 q: operators only (any array type)."""
    wsum = w1 + w2 + w3 + w4
    return w1 * ln_n + w2 * ln_h + w3 * ln_d + w4 * ln_t_eff - wsum * gamma**2 * q + b


def ln_effective_tokens(ln_tokens, ln_params, kappa=0.0, xp: Any = np):
    """ln T' = min(ln T, ln S) + kappa * max(ln T - ln S, 0) (T in trillions, S in billions).

    kappa = 0 is the published cap (nothing gained past ~1000 tokens per parameter); kappa in (0, 1) is
    the package's extension: over-training past the cap still pays, at the fraction kappa of the slope
    below it (kappa = 1: no cap)."""
    return xp.minimum(ln_tokens, ln_params) + kappa * xp.maximum(ln_tokens - ln_params, 0.0)


def perflaw_raw(x: LawInputs, w1, w2, w3, w4, b, gamma, beta=0.5, kappa=0.0, xp: Any = np):
    """Unbounded Performance Law score (percent) for a design ``x`` (see :class:`LawInputs`);
    ``kappa`` is the over-training return of :func:`ln_effective_tokens` (0 = the published law)."""
    ln_d = x.ln_ffn_active + beta * x.dln_ffn
    ln_s = x.ln_params_active + beta * x.dln_params
    q = instability_q(xp.exp(x.ln_layers), xp.exp(x.ln_hidden), xp.exp(ln_d))
    ln_t_eff = ln_effective_tokens(x.ln_tokens, ln_s, kappa, xp=xp)
    return perflaw_raw_from_logs(x.ln_layers, x.ln_hidden, ln_d, ln_t_eff, q, w1, w2, w3, w4, b, gamma)


def soft_ceiling(raw, xp: Any = np, knee: float = CEILING_KNEE):
    """Identity up to the knee, then knee + 10*tanh((raw - knee)/10): continuous, slope 1 at the knee, below
    knee + 10. The published tool's knee is 90 (so below 100); the Bayesian law's is ``mean.LAW_KNEE``."""
    return xp.where(raw > knee, knee + 10.0 * xp.tanh(0.1 * (raw - knee)), raw)


def bounded_score(eta, ceiling, floor=CHANCE_MMLU, xp: Any = np):
    """The bounded link: score = floor + R * sigmoid(4 (eta - mid) / R), R = ceiling - floor, mid = floor + R/2.

    ``eta`` is the law's latent score (points); the link has slope 1 at the middle of the range, so the law's
    coefficients keep their units there, and bends towards chance (``floor``, 25) and the ``ceiling`` (< 100) at
    the ends: no value reaches either."""
    r = ceiling - floor
    z = xp.clip(4.0 * (eta - floor) / r - 2.0, -60.0, 60.0)
    return floor + r / (1.0 + xp.exp(-z))


def bounded_score_inplace(eta: np.ndarray, ceiling: np.ndarray, floor: float = CHANCE_MMLU) -> np.ndarray:
    """:func:`bounded_score` of a (recipes x draws) array in place, ``ceiling`` one value per draw."""
    r = np.asarray(ceiling, dtype=float) - floor
    eta -= floor
    eta *= 4.0 / r
    eta -= 2.0
    np.clip(eta, -60.0, 60.0, out=eta)
    np.negative(eta, out=eta)
    np.exp(eta, out=eta)
    eta += 1.0
    np.divide(r, eta, out=eta)
    eta += floor
    return eta


def bounded_eta(score, ceiling, floor=CHANCE_MMLU, xp: Any = np):
    """The inverse of :func:`bounded_score`: the latent score of a score strictly between floor and ceiling."""
    r = ceiling - floor
    p = (score - floor) / r
    return floor + 0.25 * r * (xp.log(p) - xp.log1p(-p) + 2.0)


def bounded_log_slope(score, ceiling, floor=CHANCE_MMLU, xp: Any = np):
    """log d score / d eta of :func:`bounded_score` at ``score``: log(4 p (1 - p)), p the fraction of the range."""
    p = (score - floor) / (ceiling - floor)
    return float(np.log(4.0)) + xp.log(p) + xp.log1p(-p)


def soft_ceiling_inplace(raw: np.ndarray, knee: float = CEILING_KNEE) -> np.ndarray:
    """:func:`soft_ceiling` of a NumPy array, in place (only the entries above the knee are touched)."""
    above = raw > knee
    if above.any():
        raw[above] = knee + 10.0 * np.tanh(0.1 * (raw[above] - knee))
    return raw


def bound_score(raw, xp: Any = np):
    """The published bounding: chance floor 25, soft ceiling above 90."""
    return xp.maximum(CHANCE_MMLU, soft_ceiling(raw, xp))


def perflaw_paper_form(layers, hidden, ffn, tokens_T, params_B, w, b, gamma=1.0):
    """The law exactly as written in the paper (u multiplies every input), NumPy only.

    Kept as an independent second implementation: tests check it against the log form above.
    """
    u = instability_discount(layers, hidden, ffn, gamma)
    t_eff = effective_tokens(tokens_T, params_B)
    raw = w[0] * np.log(u * layers) + w[1] * np.log(u * hidden) + w[2] * np.log(u * ffn) + w[3] * np.log(u * t_eff) + b
    return u, raw, bound_score(raw)


# --- the law as one matrix product (Wu & Tang 2024, arXiv 2408.09895) --------------------------


def perflaw_features(ln_n, ln_h, ln_d, ln_t_capped, q, ln_t_excess=0.0) -> np.ndarray:
    """(recipes x 7) features [ln N, ln h, ln d, min(ln T, ln S), -q, 1, max(ln T - ln S, 0)] for dense
    recipes (NumPy)."""
    ones = np.ones_like(np.asarray(ln_n, dtype=float))
    excess = np.broadcast_to(np.asarray(ln_t_excess, dtype=float), ones.shape)
    return np.column_stack([ln_n, ln_h, ln_d, ln_t_capped, -np.asarray(q, dtype=float), ones, excess])


def law_product(features: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """The unbounded law (recipes x draws, MMLU points before the link): ``features @ coefficients`` summed by
    ``np.einsum``'s own loop, so each recipe's value is the same whatever the other rows. BLAS's product takes
    another path for one row than for several (a recipe predicted alone differed from itself in a table in the
    last bit, session 21). einsum takes ~1.8x BLAS's time for this product: predict 1,000,000 recipes did not slow
    (19.2 s), the planner's 4.9M-plan grid took 164 s against 130 s (reports/benchmarks.md)."""
    return np.einsum("rk,kd->rd", features, coefficients)


def perflaw_coefficients(w1, w2, w3, w4, b, gamma, kappa=0.0) -> np.ndarray:
    """(7 x draws) coefficients so that ``perflaw_features(...) @ C`` is the unbounded law (:func:`law_product`)."""
    w1, w2, w3, w4, b, gamma = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (w1, w2, w3, w4, b, gamma))
    kappa = np.broadcast_to(np.asarray(kappa, dtype=float), w4.shape)
    return np.vstack([w1, w2, w3, w4, (w1 + w2 + w3 + w4) * gamma**2, b, w4 * kappa])
