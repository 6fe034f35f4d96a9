"""A score's posterior predictive given the same model's other scores (NumPy + SciPy; no PyMC).

For a row with scores ``y`` (some missing) and recipe covariates ``x``, each posterior draw ``d`` of the global
parameters gives the row's capability a prior ``theta = beta_d x + eps``, ``eps ~ N(0, I)``, and its scores a
Student-t likelihood. The row's capability is integrated out on a tensor grid over ``eps`` (exact up to the grid:
K <= 3 factors), first coarse, then fine over the region the row's posterior occupies with all its scores
and with any one of them left out. Leaving one score
out is subtracting its log-likelihood from the grid's total, so every score of a row is judged by the others.

A row of the posterior's own fit data is judged as if unseen: the draws are importance-weighted by
``1 / p(row's fitted scores | draw)`` (the row's marginal likelihood, from the same grid; truncated importance
sampling, :func:`bayes_perflaw.screening.mixture.loo_weights`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy import special, stats

from bayes_perflaw.core.posterior import Draws
from bayes_perflaw.multibench.benchmarks import (
    assemble_loadings,
    bounded_score,
    floors_and_ceilings,
    level_factor,
    loading_layout,
    student_t_logp,
)
from bayes_perflaw.multibench.data import RELEASE_COLUMN

MAX_DRAWS = 500  # draws used (evenly thinned): enough for 90 % intervals and tail probabilities of 0.01
COARSE = {1: 57, 2: 25, 3: 13}  # grid points per factor, coarse pass over eps in [-7, 7]
FINE = {1: 121, 2: 33, 3: 15}  # fine pass, over the row's region
MASS = 1e-7  # region: where the full or any leave-one-score-out posterior exceeds MASS x its peak (coarse grid)
SHIFT_PRIOR = (6.0, 0.5)  # Gamma(alpha, rate) of a shift in points (mean 12, sd 4.9; as the recipe screen's prior)
P_SHIFTED = 0.05  # prior probability of a shift up, and of one down
_SHIFTS = np.linspace(0.25, 40.0, 160)


@dataclass
class Globals:
    """Per-draw global parameters (D thinned draws), benchmarks in the posterior's order."""

    benches: list[str]
    a: np.ndarray  # (D, B)
    lam: np.ndarray  # (D, B, K)
    floor: np.ndarray  # (D, B)
    ceiling: np.ndarray  # (D, B)
    sigma: np.ndarray  # (D, B)
    nu: np.ndarray  # (D,)
    beta: np.ndarray  # (D, K, C)
    noise_level: np.ndarray | None = None  # (D, B): the noise's level profile (variants "...h"); None: constant
    drift: np.ndarray | None = None  # (D, B): release drift per benchmark (variants "...rd"); None: none

    @property
    def k(self) -> int:
        return self.lam.shape[-1]


def globals_from_draws(post: Draws, max_draws: int = MAX_DRAWS) -> Globals:
    v, meta = post.values, post.meta
    n = len(v["a"])
    take = np.unique(np.linspace(0, n - 1, min(n, max_draws)).round().astype(int))
    benches = list(meta["benches"])
    k = v["beta"].shape[1]
    free = v.get("lam_free", np.zeros((n, 0)))
    lam = assemble_loadings(v["lam_pos"], free, loading_layout(benches, k), len(benches), k)
    floor, ceiling = floors_and_ceilings(v.get("floor_frac"), v["ceiling_frac"], meta["lows"], meta["tops"], benches)
    level = v["noise_level"][take] if "noise_level" in v else None
    drift = v["drift"][take] if "drift" in v else None
    return Globals(
        benches,
        v["a"][take],
        lam[take],
        floor[take],
        ceiling[take],
        v["sigma"][take],
        v["nu"][take],
        v["beta"][take],
        level,
        drift,
    )


def _grid(lo: np.ndarray, hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Tensor grid (G, K) over the box [lo, hi] and each point's log prior weight (standard normal x cell)."""
    axes = [np.linspace(a, b, n) for a, b in zip(lo, hi, strict=True)]
    pts = np.array(list(product(*axes)))
    cell = np.sum(np.log([(b - a) / (n - 1) for a, b in zip(lo, hi, strict=True)]))
    return pts, stats.norm.logpdf(pts).sum(axis=1) + cell


def _means(g: Globals, x: np.ndarray, eps: np.ndarray, b: int) -> np.ndarray:
    """Mean score of benchmark b over draws and grid points (D, G)."""
    theta = (g.beta @ x)[:, None, :] + eps[None, :, :]  # (D, G, K)
    eta = g.a[:, b, None] + (theta * g.lam[:, None, b, :]).sum(axis=-1)
    if g.drift is not None:
        eta = eta + g.drift[:, b, None] * x[RELEASE_COLUMN]
    return bounded_score(eta, g.floor[:, b, None], g.ceiling[:, b, None])


def _scale(g: Globals, b: int, mean: np.ndarray, d: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Noise scale of benchmark ``b`` for means ``mean`` of the draws ``d``: ``mean`` is (D, G) over every draw, or
    one value per (draw, grid point) pair with ``d`` its draws."""
    shape = (-1,) + (1,) * (mean.ndim - 1)  # per-draw parameters as columns against (D, G) means

    def at(param: np.ndarray) -> np.ndarray:
        return param[d, b].reshape(shape)

    if g.noise_level is None:
        return at(g.sigma)
    return at(g.sigma) * level_factor(mean, at(g.floor), at(g.ceiling), at(g.noise_level))


def _loglik(g: Globals, x: np.ndarray, eps: np.ndarray, y: np.ndarray) -> dict[int, np.ndarray]:
    """Log-likelihood (D, G) of each observed score."""
    out = {}
    for b in np.flatnonzero(~np.isnan(y)):
        mean = _means(g, x, eps, b)
        out[b] = student_t_logp(y[b], mean, _scale(g, b, mean), g.nu[:, None])
    return out


def row_grid(g: Globals, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
    """The fine grid of a row: points (G, K), log prior weights (G,), and the observed scores' log-likelihoods."""
    k = g.k
    lo, hi = np.full(k, -7.0), np.full(k, 7.0)
    eps, lw = _grid(lo, hi, COARSE[k])
    ll = _loglik(g, x, eps, y)
    if ll:
        total = sum(ll.values())
        step = (hi - lo) / (COARSE[k] - 1)
        boxes = []
        for left_out in [None, *ll]:  # the region of every leave-one-score-out posterior, and of the full one
            logp = lw[None, :] + total - (0.0 if left_out is None else ll[left_out])
            w = np.exp(logp - special.logsumexp(logp, axis=1, keepdims=True)).mean(axis=0)  # pooled over draws
            inside = eps[w > MASS * w.max()]  # heavy (Student-t) tails included
            boxes.append((inside.min(axis=0) - step, inside.max(axis=0) + step))
        lo = np.maximum(np.min([b[0] for b in boxes], axis=0), -8.0)
        hi = np.minimum(np.max([b[1] for b in boxes], axis=0), 8.0)
        eps, lw = _grid(lo, hi, FINE[k])
        ll = _loglik(g, x, eps, y)
    else:
        eps, lw = _grid(lo, hi, FINE[k])
    return eps, lw, ll


def marginal_loglik(lw: np.ndarray, ll: dict[int, np.ndarray]) -> np.ndarray:
    """log p(the row's scores | draw) (D,), the capability integrated out on the grid."""
    return special.logsumexp(lw[None, :] + sum(ll.values()), axis=1)


@dataclass
class Predictive:
    """The predictive of one benchmark's score for one row: a mixture of Student-t components (mean ``m``, scale
    ``s``, degrees of freedom ``nu``) with weights ``w`` over (draw, grid point) pairs; pairs of negligible weight
    (< 1e-12 of the total) are dropped."""

    w: np.ndarray
    m: np.ndarray
    s: np.ndarray
    nu: np.ndarray

    def tail_prob(self, y: float) -> float:
        """Two-sided tail probability of the score ``y``: 2 min(P(Y <= y), P(Y >= y))."""
        below = float(self.w @ special.stdtr(self.nu, (y - self.m) / self.s))
        return float(min(1.0, 2.0 * min(below, 1.0 - below)))

    def log_density(self, y: float) -> float:
        """log p(y): the predictive density of the score ``y`` (leave-one-score-out elpd term)."""
        return float(special.logsumexp(student_t_logp(y, self.m, self.s, self.nu), b=self.w))

    def sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` replicate scores (clipped to 0-100) and the components they came from."""
        pick = rng.choice(self.w.size, n, p=self.w)
        rep = self.m[pick] + self.s[pick] * rng.standard_t(self.nu[pick])
        return np.clip(rep, 0.0, 100.0), pick

    def shifted(self, y: float, pick: np.ndarray) -> tuple[float, float]:
        """Posterior probability that ``y`` is shifted up, and down (prior ``P_SHIFTED`` each, shift in points ~
        Gamma ``SHIFT_PRIOR``), the predictive integrated over the replicate components ``pick``."""
        m, s, nu = self.m[pick], self.s[pick], self.nu[pick]
        f_in = np.exp(student_t_logp(y, m, s, nu)).mean()
        f_up = _SHIFT_W @ np.exp(student_t_logp(y - _SHIFTS[:, None], m, s, nu)).mean(axis=1)
        f_down = _SHIFT_W @ np.exp(student_t_logp(y + _SHIFTS[:, None], m, s, nu)).mean(axis=1)
        num = np.array([(1 - 2 * P_SHIFTED) * f_in, P_SHIFTED * f_up, P_SHIFTED * f_down])
        tot = num.sum()
        return (float(num[1] / tot), float(num[2] / tot)) if tot > 0 else (np.nan, np.nan)


_SHIFT_W = stats.gamma.pdf(_SHIFTS, SHIFT_PRIOR[0], scale=1.0 / SHIFT_PRIOR[1])
_SHIFT_W = _SHIFT_W / _SHIFT_W.sum()


def predictive(g: Globals, x: np.ndarray, grid, b: int, draw_weights: np.ndarray) -> Predictive:
    """Benchmark ``b``'s predictive for a row given its other scores (its own left out) on the row's ``grid``
    (:func:`row_grid`); ``draw_weights`` (D,) sum to 1 (uniform, or leave-the-model-out)."""
    eps, lw, ll = grid
    total = sum(ll.values()) if ll else np.zeros((len(g.a), len(lw)))
    logp = lw[None, :] + total - ll.get(b, 0.0)
    w = np.exp(logp - special.logsumexp(logp, axis=1, keepdims=True)) * draw_weights[:, None]
    keep = w > 1e-12 * w.sum()
    d, _ = np.nonzero(keep)
    m = _means(g, x, eps, b)[keep]
    w = w[keep]
    return Predictive(w / w.sum(), m, _scale(g, b, m, d), g.nu[d])


@dataclass
class Judgement:
    """One benchmark of one row: its predictive interval and how the reported score fits it."""

    mean: float
    lo: float
    hi: float
    median: float
    tail_prob: float = np.nan
    p_high: float = np.nan
    p_low: float = np.nan


def judge(pred: Predictive, y: float, rng: np.random.Generator, prob: float = 0.9, n_rep: int = 4000) -> Judgement:
    """Interval (``n_rep`` replicates from ``rng``) and, for a reported ``y`` (not NaN), tail probability and
    shift memberships."""
    rep, pick = pred.sample(rng, n_rep)
    lo, med, hi = np.quantile(rep, [(1 - prob) / 2, 0.5, (1 + prob) / 2])
    j = Judgement(mean=float(rep.mean()), lo=float(lo), hi=float(hi), median=float(med))
    if not np.isnan(y):
        j.tail_prob = pred.tail_prob(y)
        j.p_high, j.p_low = pred.shifted(y, pick)
    return j
