"""Random numbers keyed by the row, so that a row's result depends on the seed and the row, never on the others.

Predicting a file of recipes must give each recipe the same interval whether it is alone, first or last
(same seed). Every random quantity is therefore derived from ``(seed, key)``:

* quantities shared by rows (the future era effect of a release bin, the offset of an organisation
  the posterior has not seen) come from :func:`keyed_normal` with a key naming them (``"era:7"``,
  ``"org:Acme"``): rows of the same bin or organisation share them, as the model says they should;
* a row's own noise is a stratified sample (:func:`stratified`: the quantiles of the noise law at
  ``(i + 1/2) / n``, a common base shuffled once by the seed) **re-paired with the posterior draws by a
  permutation drawn from the row's key** (:class:`RowNoise`). Each row then sees every noise
  quantile exactly once (less Monte Carlo error than independent draws) in an order of its own: one of
  64 seeded shuffles, rotated by a key-drawn offset; one gather per row, no generator per row, so a
  million rows cost little.

Keys are hashed with a fixed hash (:func:`stable_hash`; Python's ``hash`` changes per process).
Pure NumPy; no SciPy.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

_HASH_KEY = "bayes_perflaw_01"  # 16 characters, as pandas' hash_array requires


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same in every process and on every machine."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def keyed_generator(seed: int, key: str) -> np.random.Generator:
    """A NumPy generator for the stream named ``key`` under ``seed``."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, stable_hash(key)])


def keyed_normal(seed: int, key: str, n: int) -> np.ndarray:
    """``n`` standard normal draws of the stream ``key`` (e.g. one per posterior draw)."""
    return keyed_generator(seed, key).standard_normal(n)


def row_keys(names: Sequence[str] | pd.Series | np.ndarray, seed: int, salt: str = "") -> np.ndarray:
    """One unsigned 64-bit key per row from its name, or from an integer id (vectorised, stable across
    processes)."""
    arr = np.asarray(names)
    if arr.dtype.kind in "iu":
        hashed = _mix(arr.astype(np.uint64))
    else:
        values = np.asarray(pd.Series(names, dtype=object).fillna("").astype(str).to_numpy(), dtype=object)
        hashed = pd.util.hash_array(values, hash_key=_HASH_KEY, categorize=False)
    return _mix(hashed ^ np.uint64(stable_hash(f"{salt}:{int(seed)}")))


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: spreads every input bit over the output (uint64 arrays)."""
    x = np.asarray(x, dtype=np.uint64).copy()
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def normal_quantiles(p: np.ndarray) -> np.ndarray:
    """Standard normal quantile function (Acklam's rational approximation refined by one Halley step;
    absolute error < 1e-12 on (1e-300, 1 - 1e-16))."""
    p = np.asarray(p, dtype=float)
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02)
    a += (-3.066479806614716e01, 2.506628277459239e00)
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01)
    b += (-1.328068155288572e01,)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00)
    c += (4.374664141464968e00, 2.938163982698783e00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    low = 0.02425
    q = np.minimum(p, 1 - p)
    tail = q < low
    x = np.empty_like(p)
    r = np.sqrt(-2 * np.log(np.where(tail, q, low)))
    xt = (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / (
        (((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1
    )
    xt = np.where(p < 0.5, xt, -xt)
    s = p - 0.5
    r2 = s * s
    xc = (
        (((((a[0] * r2 + a[1]) * r2 + a[2]) * r2 + a[3]) * r2 + a[4]) * r2 + a[5])
        * s
        / (((((b[0] * r2 + b[1]) * r2 + b[2]) * r2 + b[3]) * r2 + b[4]) * r2 + 1)
    )
    x = np.where(tail, xt, xc)
    erfc = np.vectorize(math.erfc, otypes=[float])
    e = 0.5 * erfc(-x / math.sqrt(2)) - p  # one Halley step
    u = e * math.sqrt(2 * math.pi) * np.exp(x * x / 2)
    return x - u / (1 + x * u / 2)


def t4_quantiles(p: np.ndarray) -> np.ndarray:
    """Student-t quantile function with 4 degrees of freedom, in closed form:
    with a = 4 p (1 - p), t = sign(p - 1/2) * 2 * sqrt(cos(arccos(sqrt(a)) / 3) / sqrt(a) - 1)."""
    p = np.asarray(p, dtype=float)
    root = np.sqrt(4 * p * (1 - p))
    q = np.cos(np.arccos(root) / 3) / root
    return np.sign(p - 0.5) * 2 * np.sqrt(np.maximum(q - 1, 0.0))


def stratified(n: int, seed: int, law: str = "normal") -> np.ndarray:
    """``n`` stratified draws of the noise law ('normal' or 't4'): its quantiles at (i + 1/2)/n, shuffled by
    ``seed``."""
    p = (np.arange(n) + 0.5) / n
    base = t4_quantiles(p) if law == "t4" else normal_quantiles(p)
    return base[keyed_generator(seed, f"stratified:{law}").permutation(n)]


N_SHUFFLES = 64  # distinct shuffles of the base a row can draw (times n rotations each)


class RowNoise:
    """Per-row orderings of a common ``base`` of n draws: row r gets one of ``N_SHUFFLES`` shuffles (fixed by
    ``seed``), rotated by an offset drawn from its key. Build once, then :meth:`take` per chunk of rows: a pure
    gather, no generator per row."""

    def __init__(self, base: np.ndarray, seed: int = 0) -> None:
        self.n = n = len(base)
        rng = keyed_generator(seed, "shuffles")
        shuffles = np.stack([base[rng.permutation(n)] for _ in range(N_SHUFFLES)])
        doubled = np.concatenate([shuffles, shuffles], axis=1)  # (shuffles, 2n): every rotation is a window
        self._windows = np.lib.stride_tricks.sliding_window_view(doubled, n, axis=1)  # (shuffles, n + 1, n)

    def take(self, keys: np.ndarray) -> np.ndarray:
        """(rows x n) noise for rows with these 64-bit keys (:func:`row_keys`)."""
        keys = np.asarray(keys, dtype=np.uint64)
        which = (keys % np.uint64(N_SHUFFLES)).astype(np.int64)
        offset = ((keys >> np.uint64(32)) % np.uint64(self.n)).astype(np.int64)
        return self._windows[which, offset]
