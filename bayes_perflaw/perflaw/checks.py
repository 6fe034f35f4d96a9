"""Checks of a reference table beyond its schema: the ones the builder runs and ``bayes-perflaw data check`` runs.

* **parameter count**: recomputed from the architecture (:func:`architecture_params`) and compared with the
  stated ``params_B`` (and ``active_params_B``): within ``TOLERANCE`` (3 %) or the row's ``confidence`` must say
  so (contain "params"); where it cannot be recounted (no vocabulary or heads), ``params_B`` must lie within the
  bounds the layers allow (:func:`params_bounds`);
* **MoE fields** consistent: experts per token <= experts and active < total for an MoE row; a dense row has
  none of the MoE fields (a missing field is a gap the fit skips, reported by ``validate``);
* **sources**: every number has its source column filled (architecture, tokens, MMLU);
* **names**: no duplicate model names, also after normalising case, spaces and punctuation;
* **cut-off**: no model released after ``cutoff`` (YYYY-MM; the evaluation period is never fitted).

Each problem is a :class:`Problem` (row, model, column, message). Pure NumPy/pandas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

TOLERANCE = 0.03  # relative difference between the stated and the recomputed parameter count
SOURCES = {  # a number in these columns needs the source column on the right
    "num_hidden_layers": "source_arch",
    "hidden_size": "source_arch",
    "intermediate_size": "source_arch",
    "tokens_T": "source_tokens",
    "mmlu": "source_mmlu",
}
TABLE_COLUMNS = (  # the reference table's layout (scripts/build_reference_data.py, bayes-perflaw data add)
    "model",
    "organization",
    "release",
    "is_moe",
    "num_hidden_layers",
    "hidden_size",
    "intermediate_size",
    "moe_intermediate_size",
    "shared_intermediate_size",
    "ffn_gated",
    "num_attention_heads",
    "num_key_value_heads",
    "vocab_size",
    "tied_embeddings",
    "params_B",
    "active_params_B",
    "num_experts",
    "num_experts_per_tok",
    "shared_experts",
    "tokens_T",
    "mmlu",
    "mmlu_source_kind",
    "tokens_source_kind",
    "confidence",
    "source_arch",
    "source_tokens",
    "source_mmlu",
    "notes",
)


@dataclass(frozen=True)
class Problem:
    """One failed check: where (1-based data row, model, column) and what."""

    row: int
    model: str
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row} (model {self.model!r}), column {self.column!r}: {self.message}"


def _num(df: pd.DataFrame, name: str, default: float = np.nan) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), default)
    return pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float)


def _flag(df: pd.DataFrame, name: str, default: bool) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), default)
    col = df[name].astype("string").str.strip().str.lower()
    return np.where(col.isin(["true", "1"]), True, np.where(col.isin(["false", "0"]), False, default))


def architecture_params(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(total, active) parameters in billions recomputed from a validated table's architecture columns.

    Per layer: attention Q and O (h x heads x head_dim each; head_dim = h / heads), K and V (h x kv_heads x
    head_dim each); FFN 3hd if gated else 2hd; MoE: experts x 3 h moe_width + 3 h shared_width + router h x
    experts (active: experts_per_tok instead of experts). Embeddings: vocab x h, twice unless tied. Norms and
    biases are ignored (< 0.1 %). NaN where a needed column is missing (e.g. no vocabulary or heads).
    """
    n, h = _num(df, "num_hidden_layers"), _num(df, "hidden_size")
    heads = _num(df, "num_attention_heads")
    kv = np.where(np.isnan(_num(df, "num_key_value_heads")), heads, _num(df, "num_key_value_heads"))
    head_dim = h / heads
    attn = 2 * h * heads * head_dim + 2 * h * kv * head_dim
    ffn_total, ffn_active, moe = _ffn_params(df)
    tied = _flag(df, "tied_embeddings", False)
    embed = _num(df, "vocab_size") * h * np.where(tied, 1.0, 2.0)
    total = (n * (attn + ffn_total) + embed) / 1e9
    active = (n * (attn + ffn_active) + embed) / 1e9
    return total, np.where(moe, active, np.nan)


def _ffn_params(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(total, active) FFN parameters per layer and whether each row is an MoE: 3hd if gated else 2hd; MoE:
    experts x 3 h moe_width + 3 h shared_width + router h x experts (active: experts_per_tok instead of
    experts)."""
    h = _num(df, "hidden_size")
    experts, per_tok = _num(df, "num_experts", 0.0), _num(df, "num_experts_per_tok", 0.0)
    moe = np.nan_to_num(experts) > 1
    width = _num(df, "moe_intermediate_size")
    shared = np.nan_to_num(_num(df, "shared_intermediate_size", 0.0))
    mats = np.where(_flag(df, "ffn_gated", True), 3.0, 2.0)
    dense_ffn = mats * h * _num(df, "intermediate_size")
    routed_total = experts * mats * h * width + mats * h * shared + h * experts
    routed_active = per_tok * mats * h * width + mats * h * shared + h * experts
    return np.where(moe, routed_total, dense_ffn), np.where(moe, routed_active, dense_ffn), moe


VOCAB_MAX = 1_000_000  # a vocabulary no model exceeds (Gemma: 262,144): the upper bound's embeddings


def params_bounds(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(least, most) total parameters in billions that the architecture allows where :func:`architecture_params`
    cannot count (no vocabulary, heads or key/value heads): at least the FFNs alone; at most the FFNs, attention
    of 8 h^2 per layer (Q, K, V, O each up to twice h x h: heads x head size may exceed h, as in Gemma; PaLM's is
    below it) and untied embeddings of ``VOCAB_MAX`` tokens. NaN where the layers, width or FFN are missing."""
    n, h = _num(df, "num_hidden_layers"), _num(df, "hidden_size")
    ffn = _ffn_params(df)[0]
    least = n * ffn / 1e9
    most = (n * (8 * h * h + ffn) + 2 * VOCAB_MAX * h) / 1e9
    return least, most


def recount_mismatches(table: pd.DataFrame, tolerance: float = TOLERANCE) -> list[tuple[int, str, float, float, float]]:
    """(row index, column, stated, recomputed, relative difference) where :func:`architecture_params` differs from
    ``params_B`` or ``active_params_B`` by more than ``tolerance`` (relative difference > 0: the architecture
    gives more than stated)."""
    out = []
    total, active = architecture_params(table)
    for column, recomputed in (("params_B", total), ("active_params_B", active)):
        stated = _num(table, column)
        rel = (recomputed - stated) / stated
        for i in np.flatnonzero(np.isfinite(rel) & (np.abs(rel) > tolerance)):
            out.append((int(i), column, float(stated[i]), float(recomputed[i]), float(rel[i])))
    return out


def _text(df: pd.DataFrame, name: str) -> pd.Series:
    if name not in df.columns:
        return pd.Series([""] * len(df), index=df.index)
    return df[name].fillna("").astype(str).str.strip()


def normalised_name(name: str) -> str:
    """Lower case without spaces or punctuation: 'Llama 3 8B' and 'llama-3-8b' are the same model."""
    return re.sub(r"[^a-z0-9.]", "", str(name).lower())


def check_table(table: pd.DataFrame, *, cutoff: str | None = None, tolerance: float = TOLERANCE) -> list[Problem]:
    """Every failed check of a validated reference table (see the module docstring), in row order."""
    problems: list[Problem] = []
    models = table["model"].astype(str).tolist()

    def add(i: int, column: str, message: str) -> None:
        problems.append(Problem(int(i) + 1, models[i], column, message))

    confidence = _text(table, "confidence").str.lower()
    for i, column, stated, recomputed, rel in recount_mismatches(table, tolerance):
        if "params" not in confidence.iloc[i]:
            add(
                i,
                column,
                f"stated {stated:g} B but the architecture gives {recomputed:.3g} B "
                f"({rel:+.1%}; more than {tolerance:.0%}): fix the row or say so in 'confidence'",
            )
    # where the count is impossible (no vocabulary or heads), the stated size must lie within what the layers allow
    least, most = params_bounds(table)
    stated, counted = _num(table, "params_B"), architecture_params(table)[0]
    for i in np.flatnonzero(np.isnan(counted) & np.isfinite(stated) & np.isfinite(least)):
        if "params" in confidence.iloc[i]:
            continue
        if stated[i] < least[i] * (1 - tolerance):
            add(i, "params_B", f"stated {stated[i]:g} B but the FFNs alone hold {least[i]:.3g} B")
        elif stated[i] > most[i] * (1 + tolerance):
            add(
                i,
                "params_B",
                f"stated {stated[i]:g} B but the architecture holds at most {most[i]:.3g} B (attention 8 h^2 per "
                f"layer, untied embeddings of {VOCAB_MAX:,} tokens); fix the row or say so in 'confidence'",
            )
    experts, per_tok = _num(table, "num_experts", 0.0), _num(table, "num_experts_per_tok", 0.0)
    moe = np.nan_to_num(experts) > 1  # a missing MoE field is a gap (``validate``'s law_gaps), not a contradiction
    for i in np.flatnonzero(moe & (per_tok > experts)):
        add(i, "num_experts_per_tok", f"{per_tok[i]:g} experts per token but only {experts[i]:g} experts")
    for i in np.flatnonzero(moe & (_num(table, "active_params_B") >= _num(table, "params_B"))):
        add(i, "active_params_B", "active parameters must be fewer than the total")
    for column in (
        "num_experts_per_tok",
        "moe_intermediate_size",
        "shared_intermediate_size",
        "shared_experts",
        "active_params_B",
    ):
        for i in np.flatnonzero(~moe & np.isfinite(_num(table, column))):
            add(i, column, "a dense row (no experts) has no MoE field")
    for source in dict.fromkeys(SOURCES.values()):
        columns = [c for c, s in SOURCES.items() if s == source and c in table.columns]
        if not columns:
            continue
        has = table[columns].notna().to_numpy()
        empty = (_text(table, source) == "").to_numpy()
        for i in np.flatnonzero(has.any(axis=1) & empty):
            named = ", ".join(c for c, h in zip(columns, has[i], strict=True) if h)
            add(i, source, f"{named} {'has a value' if named.count(',') == 0 else 'have values'} but no source")
    seen: dict[str, int] = {}
    for i, name in enumerate(models):
        key = normalised_name(name)
        if key in seen:
            add(i, "model", f"the same model as row {seen[key] + 1} ({models[seen[key]]!r}) under another spelling")
        else:
            seen[key] = i
    if cutoff is not None and "release" in table.columns:
        late = _text(table, "release") > cutoff
        for i in np.flatnonzero(late.to_numpy()):
            add(i, "release", f"released after the cut-off {cutoff}: this period is kept for evaluation")
    return sorted(problems, key=lambda p: p.row)
