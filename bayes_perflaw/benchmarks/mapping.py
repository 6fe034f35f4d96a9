"""MMLU -> MMLU-Pro / BBH mappings (pure functions; NumPy or PyTensor), and chaining them onto MMLU draws.

Variants (all in percent):
* ``logistic``: ``floor + (100 - floor) * sigmoid(a + b * (MMLU - 60) / 10)``, so a mapped score never
  goes below the benchmark's floor (MMLU-Pro: 10 options -> chance 10 %, fixed; BBH: chance differs per
  subtask, so the floor is a parameter) and is free to bend;
* ``linear``: ``c0 + c1 * (MMLU - 60)``;
* ``published`` (MMLU-Pro only): the paper's line ``2.33 * MMLU - 133`` (fitted on MMLU > 70), with only
  its noise scale fitted, so LOO can compare it on the same footing.
Noise is Normal with scale ``sigma`` (points).
"""

from __future__ import annotations

from typing import Any

import numpy as np

BENCHMARKS = {
    "mmlu-pro": {"column": "mmlu_pro", "floor": 10.0, "variants": ("logistic", "linear", "published")},
    "bbh": {"column": "bbh", "floor": None, "variants": ("logistic", "linear")},
}
PUBLISHED_SLOPE, PUBLISHED_INTERCEPT = 2.33, -133.0
CENTRE, SCALE = 60.0, 10.0


def column(benchmark: str) -> str:
    """Column name of a benchmark in tables ('mmlu-pro' -> 'mmlu_pro')."""
    return BENCHMARKS[benchmark]["column"]


def map_mean(mmlu, params: dict[str, Any], variant: str, xp: Any = np):
    """Mean mapped score (percent) for MMLU (percent); ``params`` broadcast against ``mmlu``."""
    z = (mmlu - CENTRE) / SCALE
    if variant == "logistic":
        floor = params["floor"]
        return floor + (100.0 - floor) / (1.0 + xp.exp(-(params["a"] + params["b"] * z)))
    if variant == "linear":
        return params["c0"] + params["c1"] * (mmlu - CENTRE)
    if variant == "published":
        return PUBLISHED_SLOPE * mmlu + PUBLISHED_INTERCEPT + 0.0 * z
    raise ValueError(f"unknown mapping variant {variant!r}")


def map_slope(mmlu, params: dict[str, Any], variant: str, xp: Any = np):
    """d(mapped score) / d(MMLU), for propagating MMLU noise through the mapping (delta method)."""
    if variant == "logistic":
        s = 1.0 / (1.0 + xp.exp(-(params["a"] + params["b"] * (mmlu - CENTRE) / SCALE)))
        return (100.0 - params["floor"]) * s * (1.0 - s) * params["b"] / SCALE
    if variant == "linear":
        return params["c1"] + 0.0 * mmlu
    if variant == "published":
        return PUBLISHED_SLOPE + 0.0 * mmlu
    raise ValueError(f"unknown mapping variant {variant!r}")


def chain(mmlu_draws: np.ndarray, post, seed: int = 0, noise: np.ndarray | None = None) -> np.ndarray:
    """Push (recipes x draws) MMLU draws through the mapping posterior ``post`` (a ``Draws``).

    Draw d of MMLU is paired with a mapping draw chosen at random (seeded, the same pairing for every row),
    and the mapping's noise is added, so the result carries both uncertainties. ``noise``: standard normal
    draws of the same shape (e.g. keyed by row, :mod:`bayes_perflaw.core.streams`); default from the seed.
    Clipped to [0, 100].
    """
    rng = np.random.default_rng(seed)
    n_draws = mmlu_draws.shape[-1]
    pick = rng.integers(0, post.n_draws, n_draws)
    params = {k: v[pick][None, :] for k, v in post.values.items() if v.ndim == 1}
    mean = map_mean(mmlu_draws, params, post.meta["variant"])
    if noise is None:
        noise = rng.standard_normal(mmlu_draws.shape)
    noisy = mean + params["sigma"] * noise
    return np.clip(noisy, 0.0, 100.0)
