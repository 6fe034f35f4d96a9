"""Planning: the best architecture and data size for a compute budget, under the posterior (NumPy).

The grid is by default the one the authors' planner scans (wuch15/performance-law-planner, plan.py):
hidden 2048..16384 step 1024, FFN = hidden + 2048 j (j = 0..49) kept at multiples of 4096, layers
20..99 keeping those = 6 or 7 (mod 8), tokens 1..20T step 0.5: 152,000 plans. Parameters follow
the same stated assumptions (configurable): gated FFN (3hd), 8 KV heads of dim 128, Q/O 2h^2, a
150K vocabulary with untied embeddings. Training cost C = 6 S T; FLOPs available = TFLOPS x 1e12 x
86400 x MFU x GPUs x days.

For dense plans the law is linear in its coefficients, so the (plans x draws) means are one matrix
product of :func:`laws.perflaw_features` and :func:`laws.perflaw_coefficients` (Wu & Tang 2024, arXiv 2408.09895).
A plan has no release date: it is one era step past the fit data (drift + random-walk spread), one
shared draw of that future per posterior draw. Plans are processed in chunks (bounded memory) and
only summaries are kept: P(MMLU >= target) and the interval come from the same predictive draws.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_perflaw.benchmarks.mapping import chain
from bayes_perflaw.benchmarks.mapping import column as mapping_column
from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.metrics import sorted_quantiles
from bayes_perflaw.core.posterior import Draws
from bayes_perflaw.core.streams import RowNoise, keyed_normal, row_keys, stratified
from bayes_perflaw.perflaw.laws import instability_q, law_product, perflaw_coefficients, perflaw_features
from bayes_perflaw.perflaw.predict import Noise, default_kind, to_scores
from bayes_perflaw.perflaw.published import B_PAPER, W_PAPER

RANKS = ("expected", "prob-target", "shallow")
COLUMNS = (
    "num_hidden_layers",
    "hidden_size",
    "intermediate_size",
    "params_B",
    "tokens_T",
    "flops",
    "budget_fraction",
    "mmlu_mean",
    "mmlu_lo",
    "mmlu_hi",
    "p_target",
)


MAX_FLOPS = 1e35  # the --flops flag's bound: a thousand times any training run's budget


def budget_flops(
    flops: float | None = None,
    *,
    gpus: float | None = None,
    tflops: float | None = None,
    mfu: float | None = None,
    days: float | None = None,
) -> float:
    """FLOPs available: given directly, or TFLOPS x 1e12 x 86400 x MFU x GPUs x days (MFU as a fraction)."""
    hardware = (gpus, tflops, mfu, days)
    if flops is not None and any(v is not None for v in hardware):
        raise DataError("give either --flops or --gpus/--tflops/--mfu/--days, not both", column="--flops")
    if flops is None:
        if any(v is None for v in hardware):
            raise DataError("a budget needs --flops, or all of --gpus, --tflops, --mfu and --days", column="--flops")
        if not 0 < mfu <= 1:
            raise DataError(f"must be a fraction in (0, 1], got {mfu}", column="--mfu")
        flops = tflops * 1e12 * 86400 * mfu * gpus * days
        if not 0 < flops <= MAX_FLOPS:  # each flag in range, their product not (or not a float)
            raise DataError(
                f"--gpus x --tflops x 1e12 x 86400 x --mfu x --days gives {flops:g} FLOPs, outside (0, {MAX_FLOPS:g}]",
                column="--gpus",
            )
    if not np.isfinite(flops) or flops <= 0:
        raise DataError(f"the budget must be a positive number of FLOPs, got {flops}", column="--flops")
    return float(flops)


@dataclass(frozen=True)
class Grid:
    """The candidate architectures x token counts, and the parameter-count assumptions."""

    hidden: tuple[int, int, int] = (2048, 16384, 1024)
    ffn_max_extra: int = 98 * 1024  # FFN = hidden + k * ffn_step for k * ffn_step <= this
    ffn_step: int = 2048
    ffn_multiple: int = 4096
    layers: tuple[int, int] = (20, 99)
    authors_layer_rule: bool = True  # keep layers = 6, 7 (mod 8), as the authors' tool does
    tokens: tuple[float, float, float] = (1.0, 20.0, 0.5)  # trillions; the stop is excluded, as in the tool
    head_dim: int = 128
    kv_heads: int = 8
    vocab: int = 150_000
    tied_embeddings: bool = False

    def architectures(self) -> pd.DataFrame:
        """Every (layers, hidden, ffn) of the grid."""
        h0, h1, hs = self.hidden
        rows = []
        for h in range(h0, h1 + 1, hs):
            for extra in range(0, self.ffn_max_extra + 1, self.ffn_step):
                d = h + extra
                if d % self.ffn_multiple:
                    continue
                for n in range(self.layers[0], self.layers[1] + 1):
                    if self.authors_layer_rule and n % 8 in (0, 1, 2, 3, 4, 5):
                        continue
                    rows.append((n, h, d))
        if not rows:
            raise DataError(
                f"the grid is empty: no hidden size in {h0}..{h1} step {hs} has an FFN width that is a multiple of "
                f"{self.ffn_multiple} within the layer range {self.layers}",
                column="--hidden-min",
            )
        return pd.DataFrame(rows, columns=["num_hidden_layers", "hidden_size", "intermediate_size"])

    def layer_count(self) -> int:
        """Depths kept in [layers min, max] (the authors' rule keeps 6 and 7 mod 8)."""
        lo, hi = self.layers
        if not self.authors_layer_rule:
            return max(0, hi - lo + 1)
        return sum(1 for n in range(lo, hi + 1) if n % 8 in (6, 7))

    def size(self) -> int:
        """Number of plans (architectures x token counts), counted without building the grid."""
        h0, h1, hs = self.hidden
        widths = sum(
            1
            for h in range(h0, h1 + 1, hs)
            for extra in range(0, self.ffn_max_extra + 1, self.ffn_step)
            if (h + extra) % self.ffn_multiple == 0
        )
        t0, t1, ts = self.tokens
        n_tok = max(0, int(np.ceil((t1 - t0) / ts - 1e-9))) if ts > 0 else 0
        return widths * self.layer_count() * n_tok

    def token_values(self) -> np.ndarray:
        t0, t1, ts = self.tokens
        if not (0 < t0 < t1 and ts > 0):
            raise DataError(
                f"token range must be 0 < min < max with step > 0, got {self.tokens}", column="--tokens-min"
            )
        return np.arange(t0, t1, ts)

    def params(self, layers: np.ndarray, hidden: np.ndarray, ffn: np.ndarray) -> np.ndarray:
        """Parameter count (not billions) under the stated assumptions."""
        attn = 2 * hidden * self.kv_heads * self.head_dim + 2 * hidden**2
        embed = hidden * self.vocab * (1 if self.tied_embeddings else 2)
        return (attn + 3 * hidden * ffn) * layers + embed


def future_era(post: Draws, seed: int) -> np.ndarray:
    """Era effect of an undated future model, one value per draw (shared by all plans)."""
    v = post.values
    if "era" not in v:
        return np.zeros(post.n_draws)
    return v["drift_era"] + v["tau_era"] * keyed_normal(seed, "era:future", post.n_draws)


def plan(
    grid: Grid,
    flops: float,
    *,
    post: Draws | None,
    mapping: Draws | None = None,
    target: float = 75.0,
    prob: float = 0.9,
    min_params_B: float = 0.0,
    max_params_B: float = float("inf"),
    noise: bool = True,
    seed: int = 0,
    chunk: int = 20_000,
    top: int = 20,
    rank: str = "expected",
    sink: Callable[[pd.DataFrame], None] | None = None,
    progress: Callable[[Iterator], Iterator] = lambda it: it,
) -> tuple[pd.DataFrame, int, int]:
    """Scan the grid; returns (top plans ranked, plans scanned, plans within budget and bounds).

    ``post=None`` uses the published point law; ``mapping`` (a benchmark-mapping posterior) turns every
    score, interval and ``target`` into that benchmark's. Every plan within budget and bounds is passed to
    ``sink`` chunk by chunk (for writing), so memory does not grow with the grid.
    """
    if rank not in RANKS:
        raise DataError(f"unknown ranking {rank!r}; choose from {list(RANKS)}", column="--rank")
    arch = grid.architectures()
    tokens = grid.token_values()
    n_arch, n_tok = len(arch), len(tokens)
    total = n_arch * n_tok
    layers_a = arch["num_hidden_layers"].to_numpy(float)
    hidden_a = arch["hidden_size"].to_numpy(float)
    ffn_a = arch["intermediate_size"].to_numpy(float)
    size_a = grid.params(layers_a, hidden_a, ffn_a)
    prefix = "mmlu" if mapping is None else mapping_column(mapping.meta["benchmark"])
    names = {f"mmlu_{k}": f"{prefix}_{k}" for k in ("mean", "lo", "hi")}
    if post is None:
        coef = perflaw_coefficients(*W_PAPER, B_PAPER, 1.0)
        sigma = eps = None
    else:
        v = post.values
        coef = perflaw_coefficients(
            v["w1"], v["w2"], v["w3"], v["w4"], v["b"] + future_era(post, seed), v["gamma"], v["kappa"]
        )
        kinds = post.coords["source_kind"]
        sigma = v["sigma"][:, kinds.index(default_kind(kinds))]
        eps = Noise(post, seed) if noise else None
    map_noise = None
    if mapping is not None:
        n_map = mapping.n_draws if post is None else post.n_draws
        map_noise = RowNoise(stratified(n_map, seed + 1, "normal"), seed + 1)
    heap: list[tuple[float, float, int]] = []  # (rank key, -grid index, grid index): a min-heap of the top
    best_rows: dict[int, dict] = {}
    kept = 0
    lo_q, hi_q = (1 - prob) / 2, (1 + prob) / 2
    for start in progress(range(0, total, chunk)):
        idx = np.arange(start, min(start + chunk, total))
        ai, ti = idx // n_tok, idx % n_tok
        size = size_a[ai]
        t = tokens[ti]
        cost = 6.0 * size * t * 1e12
        ok = (cost <= flops) & (size >= min_params_B * 1e9) & (size <= max_params_B * 1e9)
        if not ok.any():
            continue
        idx, ai, size, t, cost = idx[ok], ai[ok], size[ok], t[ok], cost[ok]
        n, h, d = layers_a[ai], hidden_a[ai], ffn_a[ai]
        ln_t, ln_s = np.log(t), np.log(size / 1e9)
        feats = perflaw_features(
            np.log(n), np.log(h), np.log(d), np.minimum(ln_t, ln_s), instability_q(n, h, d), np.maximum(ln_t - ln_s, 0)
        )
        e = None
        if post is not None and noise:  # each plan's noise keyed by its grid index: independent of the chunking
            e = sigma[None, :] * eps.take(row_keys(idx, seed, "noise"))
        draws = to_scores(law_product(feats, coef), post, e)
        if mapping is not None:  # scores on another benchmark: chain the MMLU draws through the mapping
            if draws.shape[1] == 1:
                draws = np.repeat(draws, mapping.n_draws, axis=1)
            draws = chain(draws, mapping, seed, map_noise.take(row_keys(idx, seed, "map")))
        lo, hi = sorted_quantiles(np.sort(draws, axis=1), [lo_q, hi_q])
        out = pd.DataFrame(
            {
                "num_hidden_layers": n.astype(int),
                "hidden_size": h.astype(int),
                "intermediate_size": d.astype(int),
                "params_B": size / 1e9,
                "tokens_T": t,
                "flops": cost,
                "budget_fraction": cost / flops,
                "mmlu_mean": draws.mean(axis=1),
                "mmlu_lo": lo,
                "mmlu_hi": hi,
                "p_target": (draws >= target).mean(axis=1),
            }
        )
        kept += len(out)
        if sink is not None:
            sink(out.rename(columns=names))
        key = _rank_key(out, rank)
        for pos, (k, row_id) in enumerate(zip(key, idx, strict=True)):
            item = (float(k), float(-row_id), int(row_id))
            if len(heap) < top:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
            else:
                continue
            best_rows[int(row_id)] = out.iloc[pos].to_dict()
        in_heap = {i for *_, i in heap}
        best_rows = {i: r for i, r in best_rows.items() if i in in_heap}
    if kept == 0 and sink is not None:  # nothing feasible: the CSV still gets its header
        sink(pd.DataFrame(columns=list(COLUMNS)).rename(columns=names))
    ranked = [best_rows[i] for *_, i in sorted(heap, reverse=True)]
    best = pd.DataFrame(ranked, columns=list(COLUMNS))
    return (
        best.rename(columns=names).astype({"num_hidden_layers": int, "hidden_size": int, "intermediate_size": int}),
        total,
        kept,
    )


def _rank_key(out: pd.DataFrame, rank: str) -> np.ndarray:
    """Larger is better; ties broken by expected MMLU."""
    mean = out["mmlu_mean"].to_numpy()
    if rank == "expected":
        return mean
    if rank == "prob-target":
        return out["p_target"].to_numpy() * 1000 + mean
    return -out["num_hidden_layers"].to_numpy() * 1000 + mean  # shallow first
