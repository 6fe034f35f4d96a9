"""The screening mixture's likelihood, written once for NumPy and PyTensor, and what follows from it.

Each reported score is an inlier (Normal around the law's mean ``mu``), shifted **up** by ``up``
(contamination-like) or **down** by ``down`` (instability-like), each censored at the chance floor
(``FLOOR_CENSOR``): :func:`component_terms` gives ``log w_k`` plus each component's log density; the PyMC
model sums their log-sum-exp as a potential, and the NumPy side turns the same terms into pointwise
log-likelihoods (LOO) and exact memberships. Scores and scales in MMLU points.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bayes_perflaw.core.metrics import loo_weights  # noqa: F401  (re-exported: screening.screen, scripts)
from bayes_perflaw.perflaw.mean import FLOOR_CENSOR, SCORE_MAX

Z_MIN = -30.0  # the floor's z is clipped here: log Phi is still exact in double precision


def _erfc(x, xp: Any):
    if xp is np:
        from scipy import special

        return special.erfc(x)
    return xp.erfc(x)


def component_terms(y, censored, mu, sigma, weights, up, down, xp: Any = np) -> list:
    """``log(w_k) + log density`` of the inlier, high and low components (a list of three arrays or tensors).

    ``weights[..., k]`` is the weight of component k; ``censored`` marks scores at the floor (their density is
    the Normal CDF at the floor). Explicit density and CDF: PyTensor's guarded ``normal_lcdf`` tripled the
    numba compile time (74 s)."""
    out = []
    for k, centre in enumerate((mu, mu + up, mu - down)):
        z_obs = (y - centre) / sigma
        z_floor = xp.maximum((FLOOR_CENSOR - centre) / sigma, Z_MIN)
        logpdf = -0.5 * z_obs**2 - xp.log(sigma) - 0.5 * np.log(2 * np.pi)
        logcdf = xp.log(0.5 * _erfc(-z_floor / np.sqrt(2.0), xp))
        out.append(xp.log(weights[..., k]) + xp.where(censored, logcdf, logpdf))
    return out


def _mix_parts(weights, up, down, ndim_obs: int = 1):
    """Give per-draw mixture parameters a trailing axis per observation dimension."""
    pad = (None,) * ndim_obs
    return weights[(..., *pad, slice(None))], up[(..., *pad)], down[(..., *pad)]


def component_logdens(y, censored, mu, sigma, weights, up, down) -> np.ndarray:
    """:func:`component_terms` stacked on a new first axis (3, ...), NumPy; per-draw parameters padded."""
    w, u, d = _mix_parts(weights, up, down)
    return np.stack(component_terms(y, censored, mu, sigma, w, u, d))


def mixture_loglik(y, censored, mu, sigma, weights, up, down) -> np.ndarray:
    """Pointwise log-likelihood of the mixture; mu/sigma (..., obs), weights (..., 3), shifts (...)."""
    from scipy import special

    return special.logsumexp(component_logdens(y, censored, mu, sigma, weights, up, down), axis=0)


def memberships(y, censored, mu, sigma, weights, up, down) -> np.ndarray:
    """Posterior probability of each component per draw and observation, shape (3, ..., obs)."""
    from scipy import special

    logd = component_logdens(y, censored, mu, sigma, weights, up, down)
    return np.exp(logd - special.logsumexp(logd, axis=0, keepdims=True))


def mixture_replicate(mu, sigma, weights, up, down, seed: int) -> np.ndarray:
    """Replicated scores on the censored scale: draw a component, then Normal noise."""
    rng = np.random.default_rng(seed)
    w, u, d = _mix_parts(weights, up, down)
    cum = np.cumsum(np.broadcast_to(w, (*mu.shape, 3)), axis=-1)
    k = (rng.random(mu.shape)[..., None] > cum).sum(axis=-1)
    centre = np.where(k == 1, mu + u, np.where(k == 2, mu - d, mu))
    return np.clip(centre + sigma * rng.standard_normal(mu.shape), FLOOR_CENSOR, SCORE_MAX)
