"""The Performance Law's likelihood, written once for NumPy and PyTensor: Student-t (nu = 4), left-censored.

A reported score within 5 points of four-choice chance says only that the model is at most there
(``FLOOR_CENSOR``): its likelihood is the t CDF at the floor; other scores have the t density. nu = 4 has a
closed-form CDF, so the PyMC model (a ``pm.Potential``) and the NumPy log-likelihood used for LOO and
screening call the same function; a free nu falls back to ``pm.Censored(StudentT)`` and SciPy, tied by a
parity test. Units: scores and scales in MMLU points.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bayes_perflaw.perflaw.laws import CEILING_KNEE, bounded_eta, bounded_log_slope, soft_ceiling
from bayes_perflaw.perflaw.mean import FLOOR_CENSOR

T4_LOG_NORM = float(np.log(0.75) - np.log(2.0))  # log Gamma(5/2) - log Gamma(2) - log(sqrt(4 pi)) = log(3/8)


def t4_log_cdf(z, xp: Any = np):
    """log of the Student-t CDF with 4 degrees of freedom, in closed form and stable in both tails.

    ``F(z) = 1/2 + z (z^2 + 6) / (2 (z^2 + 4)^(3/2))``; its lower tail is rewritten without cancellation
    as ``L(|z|) = (6 z^2 + 32) / (a^3 (a^3 + |z| (z^2 + 6)))`` with ``a^2 = z^2 + 4``, so F(z) = L for
    z < 0 and 1 - L for z >= 0."""
    z2 = z * z
    a3 = (z2 + 4.0) ** 1.5
    lower = (6.0 * z2 + 32.0) / (a3 * (a3 + xp.abs(z) * (z2 + 6.0)))
    return xp.where(z < 0, xp.log(lower), xp.log1p(-lower))


def censored_t4_logp(y, censored, mu, sigma, xp: Any = np, floor=FLOOR_CENSOR):
    """Pointwise log-likelihood of scores ``y`` (floored at ``floor``; ``censored`` where at the floor)
    under Student-t(4) around ``mu`` with scale ``sigma`` (arrays broadcast)."""
    z = (y - mu) / sigma
    logpdf = T4_LOG_NORM - xp.log(sigma) - 2.5 * xp.log1p(z * z / 4.0)
    logcdf = t4_log_cdf((floor - mu) / sigma, xp=xp)
    return xp.where(censored, logcdf, logpdf)


def bounded_t4_logp(y, censored, eta, sigma, ceiling, xp: Any = np):
    """The same likelihood for the bounded link (:func:`bayes_perflaw.perflaw.laws.bounded_score`): the noise is
    Student-t(4) on the latent scale around the law's latent ``eta``, so a score ``y`` (floored at
    ``FLOOR_CENSOR``, below ``ceiling``) has the t density of its latent value times the Jacobian
    1 / (4 p (1 - p)); a censored score has the t CDF at the floor's latent value."""
    y_eta = bounded_eta(y, ceiling, xp=xp)
    jacobian = xp.where(censored, 0.0, bounded_log_slope(y, ceiling, xp=xp))
    return censored_t4_logp(y_eta, censored, eta, sigma, xp=xp, floor=y_eta) - jacobian


def censored_t_logp_scipy(y, censored, mu, sigma, nu) -> np.ndarray:
    """The same likelihood for any nu (SciPy; NumPy side of a model with a free nu)."""
    from scipy import stats

    return np.where(censored, stats.t.logcdf(FLOOR_CENSOR, nu, mu, sigma), stats.t.logpdf(y, nu, mu, sigma))


# nodes of the standard normal for the switch likelihood's integral over a release's own offset: the trapezoid
# rule on [-6, 6], spacing 0.25, weights normalised to 1. The integrand is analytic in a strip of half-width
# 2 sigma / tau around the real line (the t4 density's poles), so the rule's error is ~exp(-2 pi 2 (sigma / tau)
# / 0.25): < 1e-6 while sigma / tau >= 0.3 (a test checks against adaptive quadrature); the same nodes in PyMC
# and NumPy
SWITCH_NODES = np.linspace(-6.0, 6.0, 49)
SWITCH_LOG_WEIGHTS = -0.5 * SWITCH_NODES**2 - float(np.log(np.exp(-0.5 * SWITCH_NODES**2).sum()))


def _logsumexp_last(a, xp: Any = np):
    """log(sum(exp(a))) over the last axis (NumPy or PyTensor)."""
    m = a.max(axis=-1, keepdims=True)
    return m.max(axis=-1) + xp.log(xp.exp(a - m).sum(axis=-1))


def switch_t4_logp(y, censored, latent, org, sigma, tau, rho, xp: Any = np, knee: float = CEILING_KNEE):
    """Log-likelihood of the organisation-switch variant (``era_org_switch``), pointwise:
    ``log[(1 - rho) p(y | c(latent + org)) + rho * integral p(y | c(latent + tau z)) N(z; 0, 1) dz]``, p the
    censored Student-t(4) of :func:`censored_t4_logp` with scale ``sigma`` and c the soft ceiling
    (:func:`bayes_perflaw.perflaw.laws.soft_ceiling`): the model keeps its organisation's offset ``org`` or, with
    probability ``rho``, is a new recipe with its own offset from the population N(0, tau). ``latent``: the law
    plus the era effect; ``knee``: the soft ceiling's. Arrays broadcast (points; ``rho`` a probability)."""
    keep = censored_t4_logp(y, censored, soft_ceiling(latent + org, xp=xp, knee=knee), sigma, xp=xp)
    last = lambda v: xp.expand_dims(v, -1)  # noqa: E731 - the integral's nodes on a new last axis
    own_mu = soft_ceiling(last(latent) + last(tau) * SWITCH_NODES, xp=xp, knee=knee)
    own = _logsumexp_last(
        SWITCH_LOG_WEIGHTS + censored_t4_logp(last(y), last(censored), own_mu, last(sigma), xp=xp), xp=xp
    )
    return xp.logaddexp(xp.log1p(-rho) + keep, xp.log(rho) + own)
