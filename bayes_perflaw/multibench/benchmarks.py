"""The benchmarks the latent-capability model reads, and its link (pure functions for NumPy and PyTensor).

Each benchmark ``b`` maps a model's latent capability ``theta`` (``K`` factors) through a bounded link::

    score_b = floor_b + (ceiling_b - floor_b) * sigmoid(a_b + lambda_b . theta)      (percent)

``floor_b`` is the benchmark's chance level where it is known (4 options: 25 %, two: 50 %, free generation: 0 %)
and a parameter below the lowest reported score where it is not (TruthfulQA MC2, BBH and MuSR mix subtasks of
different chance); ``ceiling_b`` lies between the best reported score and 100 (label noise keeps real ceilings
below 100). Loadings are lower-triangular on anchor benchmarks (factor k's anchor loads no later factor, its own
loading is positive), which fixes the rotation and sign of the factors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bayes_perflaw.core.errors import DataError


@dataclass(frozen=True)
class Benchmark:
    name: str
    label: str
    chance: float | None  # percent; None: a parameter below the lowest score


BENCHMARKS: dict[str, Benchmark] = {
    b.name: b
    for b in (
        Benchmark("mmlu", "MMLU (5-shot)", 25.0),
        Benchmark("arc_c", "ARC-Challenge (25-shot)", 25.0),
        Benchmark("hellaswag", "HellaSwag (10-shot)", 25.0),
        Benchmark("winogrande", "WinoGrande (5-shot)", 50.0),
        Benchmark("truthfulqa", "TruthfulQA MC2 (0-shot)", None),
        Benchmark("gsm8k", "GSM8K (5-shot)", 0.0),
        Benchmark("xwinograd", "XWinograd", 50.0),
        Benchmark("humaneval", "HumanEval pass@1", 0.0),
        Benchmark("mmlu_pro", "MMLU-Pro (5-shot, raw)", 10.0),
        Benchmark("bbh", "BBH (3-shot, raw)", None),
        Benchmark("gpqa", "GPQA (0-shot, raw)", 25.0),
        Benchmark("math_hard", "MATH level 5 (4-shot)", 0.0),
        Benchmark("musr", "MuSR (0-shot, raw)", None),
    )
}
ORDER: tuple[str, ...] = tuple(BENCHMARKS)
ANCHORS: tuple[str, ...] = ("mmlu", "gsm8k", "humaneval")  # factor k's anchor: knowledge, maths, code
MAX_FACTORS = len(ANCHORS)


def loading_layout(benches: list[str] | tuple[str, ...], k: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(benchmark, factor) positions of the positive loadings and of the free ones; the rest are zero.

    Every benchmark rises with the first factor (general capability: all its loadings positive, which also rules
    out the mirror-image mode a lone positive anchor leaves when its score sits at chance for many models). The
    loadings of a later factor are free, an anchor loading no factor after its own: that factor's sign is set
    after sampling (:func:`reflect`), since a positivity constraint on a weak anchor traps chains at zero."""
    pos, free = [], []
    for i, b in enumerate(benches):
        last = ANCHORS.index(b) if b in ANCHORS[:k] else k - 1
        for j in range(last + 1):
            (pos if j == 0 else free).append((i, j))
    return pos, free


def assemble_loadings(pos, free, layout, n_bench: int, k: int, xp: Any = np):
    """The (..., benchmarks, factors) loading matrix from its positive and free entries (NumPy draws or tensors)."""
    pos_idx, free_idx = layout
    if xp is np:
        pos, free = np.asarray(pos, dtype=float), np.asarray(free, dtype=float)
        lam = np.zeros((*pos.shape[:-1], n_bench, k))
        for col, (i, j) in enumerate(pos_idx):
            lam[..., i, j] = pos[..., col]
        for col, (i, j) in enumerate(free_idx):
            lam[..., i, j] = free[..., col]
        return lam
    lam = xp.zeros((n_bench, k))
    if pos_idx:
        lam = xp.set_subtensor(lam[tuple(np.array(pos_idx).T)], pos)
    if free_idx:
        lam = xp.set_subtensor(lam[tuple(np.array(free_idx).T)], free)
    return lam


def bounded_score(eta, floor, ceiling, xp: Any = np):
    """floor + (ceiling - floor) * sigmoid(eta), in percent."""
    return floor + (ceiling - floor) / (1.0 + xp.exp(-eta))


def floors_and_ceilings(floor_frac, ceiling_frac, lows, tops, benches, xp: Any = np):
    """Per-benchmark floor and ceiling (percent): a known chance level, or ``floor_frac`` of the lowest score;
    the ceiling ``tops + (100 - tops) * ceiling_frac``. ``floor_frac`` has one entry per benchmark without a
    known chance level, in ``benches`` order."""
    free = [i for i, b in enumerate(benches) if BENCHMARKS[b].chance is None]
    chance = np.array([BENCHMARKS[b].chance or 0.0 for b in benches])
    lows, tops = np.asarray(lows, dtype=float), np.asarray(tops, dtype=float)
    ceiling = tops + (100.0 - tops) * ceiling_frac
    if not free:
        return chance + 0.0 * ceiling, ceiling
    if xp is np:
        floor = np.broadcast_to(chance, np.shape(ceiling)).copy()
        floor[..., free] = np.asarray(floor_frac) * lows[free]
        return floor, ceiling
    floor = xp.set_subtensor(xp.as_tensor_variable(chance)[free], floor_frac * lows[free])
    return floor, ceiling


def level_factor(mu, floor, ceiling, slope, xp: Any = np):
    """Factor on a benchmark's noise scale for a mean score ``mu`` (points) between its ``floor`` and ``ceiling``:
    ``exp(slope * (4 p (1 - p) - 0.5))`` with ``p = (mu - floor) / (ceiling - floor)`` clipped to [0, 1]. A positive
    ``slope`` makes scores in mid-range (where a benchmark emerges) noisier than near its floor or ceiling; the
    factor is 1 where ``4 p (1 - p) = 0.5`` (p ~ 0.15 or 0.85), ``exp(slope / 2)`` at mid-range."""
    pos = xp.clip((mu - floor) / (ceiling - floor), 0.0, 1.0)
    return xp.exp(slope * (4.0 * pos * (1.0 - pos) - 0.5))


def student_t_logp(y, mu, sigma, nu, xp: Any = np):
    """Student-t log density of scores ``y`` around ``mu`` with scale ``sigma`` (points) and ``nu`` degrees of
    freedom, written once for NumPy and PyTensor (``gammaln`` from SciPy or PyTensor)."""
    if xp is np:
        from scipy.special import gammaln
    else:
        gammaln = xp.gammaln
    z = (y - mu) / sigma
    return (
        gammaln((nu + 1.0) / 2.0)
        - gammaln(nu / 2.0)
        - 0.5 * xp.log(nu * np.pi)
        - xp.log(sigma)
        - (nu + 1.0) / 2.0 * xp.log1p(z**2 / nu)
    )


def reflection_signs(lam_free, free_layout, benches, k: int) -> np.ndarray:
    """(draws, factors) signs that make each later factor's anchor load positively (factor 1: +1)."""
    signs = np.ones((len(lam_free), k))
    for j in range(1, k):
        col = free_layout.index((list(benches).index(ANCHORS[j]), j))
        signs[:, j] = np.where(lam_free[:, col] < 0, -1.0, 1.0)
    return signs


def check_benchmarks(names: list[str], flag: str = "--benchmarks") -> list[str]:
    """Known, distinct benchmark names (an error names the flag and the choices)."""
    out = []
    for name in names:
        if name not in BENCHMARKS:
            raise DataError(f"unknown benchmark {name!r}; choose from {list(BENCHMARKS)}", column=flag)
        if name in out:
            raise DataError(f"benchmark {name!r} given twice", column=flag)
        out.append(name)
    if not out:
        raise DataError("give at least one benchmark", column=flag)
    return out
