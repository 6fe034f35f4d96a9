"""Column names, units and bounds of the recipe tables, and :func:`validate`.

One schema serves every table the package reads (reference table, recipes to predict, claims to
screen). Column names follow Hugging Face ``config.json`` where one exists. Rows are numbered from
1, the header not counted (row 1 is the first data line, line 2 of the file).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.months import MONTH_MESSAGE, to_months
from bayes_perflaw.core.tables import check_unique_models
from bayes_perflaw.core.units import SMALLEST, TARGET, parse_size

MISSING = {"", "nan", "na", "n/a", "null", "none"}
SOURCE_KINDS = ("developer", "third-party")  # who reported a score (the fit has a noise scale per kind)


@dataclass(frozen=True)
class Column:
    """One column: ``kind`` is int, float, tokens, params, score, bool, month or str."""

    name: str
    kind: str
    unit: str
    doc: str
    lo: float | None = None  # exclusive lower bound for sizes, inclusive for scores
    hi: float | None = None  # inclusive upper bound
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # for str columns: the allowed values (empty cells allowed too)


COLUMNS: dict[str, Column] = {
    c.name: c
    for c in [
        Column("model", "str", "", "unique model name"),
        Column(
            "num_hidden_layers", "int", "count", "transformer blocks N", 0, 10_000, ("layers", "n_layer", "num_layers")
        ),
        Column("hidden_size", "int", "count", "model width h", 0, 1_000_000, ("hidden", "d_model", "n_embd")),
        Column(
            "intermediate_size",
            "int",
            "count",
            "dense FFN width d (per branch)",
            0,
            10_000_000,
            ("ffn", "d_ff", "ffn_size"),
        ),
        Column("moe_intermediate_size", "int", "count", "width of one routed expert", 0, 10_000_000),
        Column("shared_intermediate_size", "int", "count", "total width of always-on shared experts", 0, 10_000_000),
        Column(
            "num_experts",
            "int",
            "count",
            "routed experts per MoE layer",
            0,
            100_000,
            ("num_local_experts", "n_routed_experts"),
        ),
        Column(
            "num_experts_per_tok", "int", "count", "routed experts used per token", 0, 100_000, ("experts_per_token",)
        ),
        Column("ffn_gated", "bool", "", "True for SwiGLU/GeGLU FFNs (3 matrices), False for plain (2)"),
        Column("num_attention_heads", "int", "count", "attention heads (the parameter recount)", 0, 100_000),
        Column("num_key_value_heads", "int", "count", "key/value heads (GQA; empty: as many as heads)", 0, 100_000),
        Column("vocab_size", "int", "count", "vocabulary size (the parameter recount)", 0, 100_000_000),
        Column("is_moe", "bool", "", "True for a mixture of experts (must agree with num_experts > 1)"),
        Column("tied_embeddings", "bool", "", "True where input and output embeddings share one matrix"),
        Column(
            "tokens_T",
            "tokens",
            "trillions of tokens",
            "pre-training tokens T",
            0,
            10_000,
            ("tokens", "train_tokens_T"),
        ),
        Column(
            "params_B",
            "params",
            "billions of parameters",
            "total parameters S",
            0,
            100_000,
            ("params", "total_params_B"),
        ),
        Column(
            "active_params_B",
            "params",
            "billions of parameters",
            "activated parameters A (MoE)",
            0,
            100_000,
            ("activated_params_B",),
        ),
        Column("mmlu", "score", "percent", "reported MMLU, 5-shot, base model", 0, 100, ("mmlu_5shot",)),
        Column("mmlu_pro", "score", "percent", "reported MMLU-Pro (raw accuracy)", 0, 100),
        Column("bbh", "score", "percent", "reported BIG-Bench Hard (raw accuracy)", 0, 100),
        Column("organization", "str", "", "developer"),
        Column("release", "month", "YYYY-MM", "first public release"),
        Column("mmlu_source_kind", "str", "", "'developer' or 'third-party' (empty: developer)", choices=SOURCE_KINDS),
    ]
}
RECIPE_CORE = ("model", "num_hidden_layers", "hidden_size")
LAW_FIELDS = ("num_hidden_layers", "hidden_size", "tokens_T", "params_B")
MOE_FIELDS = ("moe_intermediate_size", "num_experts", "num_experts_per_tok", "active_params_B")


def is_missing(values: pd.Series) -> pd.Series:
    """True where a raw cell is empty or a missing-value word (``nan``, ``NA``, ``null`` ...)."""
    return values.isna() | values.astype(str).str.strip().str.lower().isin(MISSING)


def _raise(message: str, source: str | None, df: pd.DataFrame, idx: int, column: str) -> None:
    model = df["model"].iloc[idx] if "model" in df.columns else None
    raise DataError(message, source=source, row=idx + 1, model=model or None, column=column)


def _first(mask) -> np.ndarray:
    """The index of the first True of ``mask`` (an empty array if none): the row an error names."""
    return np.flatnonzero(np.asarray(mask, dtype=bool))[:1]


def _to_numbers(text: pd.Series, missing: pd.Series) -> pd.Series:
    """Stripped strings as floats, NaN where missing or not a number (as :func:`pandas.to_numeric`)."""
    if getattr(text.dtype, "storage", None) == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        try:  # fast path (Arrow's C++ cast, ~20x to_numeric) when every cell is a plain number
            cast = pc.cast(pa.array(text.where(~missing, "nan").array), pa.float64())
            return pd.Series(cast.to_numpy(zero_copy_only=False), index=text.index, dtype=float)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # some cell is not a plain number: to_numeric finds which (units are parsed later)
    return pd.to_numeric(text.where(~missing, None), errors="coerce").astype(float)


def _parse_column(raw: pd.Series, col: Column, df: pd.DataFrame, source: str | None) -> pd.Series:
    """Parse one column of strings into typed values, raising on the first bad cell."""
    missing = is_missing(raw)
    text = raw.where(~missing, "").astype(str).str.strip()
    if col.kind == "str":
        if col.choices:
            for i in _first(~missing & ~text.isin(col.choices)):
                allowed = " or ".join(repr(c) for c in col.choices)
                _raise(f"must be {allowed} (or empty), got {text.iloc[i]!r}", source, df, i, col.name)
        return text.where(~missing, "")
    if col.kind == "month":
        text, bad = to_months(text)  # a full ISO date (a release day) is read as its month
        for i in _first(~missing & bad):
            _raise(f"{MONTH_MESSAGE}, got {text.iloc[i]!r}", source, df, i, col.name)
        return text.where(~missing, "")
    if col.kind == "bool":
        lowered = text.str.lower()
        mapping = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
        for i in np.flatnonzero(~missing.to_numpy() & ~lowered.isin(list(mapping)).to_numpy()):
            _raise(f"must be True or False, got {text.iloc[i]!r}", source, df, i, col.name)
        return lowered.map(mapping).where(~missing, pd.NA).astype("boolean")
    numbers = _to_numbers(text, missing)
    bad = ~missing & numbers.isna()
    if col.kind in ("tokens", "params"):
        # a bare count of 1e6 or more is absolute (tokens, parameters): to the law's unit
        absolute = ~missing & ~bad & (numbers >= 1e6)
        numbers = numbers.where(~absolute, numbers / (1e12 if col.kind == "tokens" else 1e9))
        at = np.flatnonzero(bad.to_numpy())
        if len(at):  # sizes with units ('15T', '8B'): each distinct text parsed once, in order of first use
            cells = text.iloc[at]
            parsed = {}
            for cell in pd.unique(cells):
                try:
                    parsed[cell] = parse_size(cell, col.kind, bare_in_unit=True)
                except DataError as err:
                    _raise(err.detail, source, df, int(at[np.argmax((cells == cell).to_numpy())]), col.name)
            numbers.iloc[at] = cells.map(parsed).to_numpy(dtype=float)
        bad = ~missing & numbers.isna()
    for i in _first(bad):
        _raise(f"must be a number ({col.unit}), got {text.iloc[i]!r}", source, df, i, col.name)
    values = numbers.to_numpy()
    present = ~missing.to_numpy()
    for i in np.flatnonzero(present & ~np.isfinite(values)):
        _raise(f"must be finite, got {text.iloc[i]!r}", source, df, i, col.name)
    if col.kind == "score":
        for i in np.flatnonzero(present & ((values < col.lo) | (values > col.hi))):
            _raise(f"must be between {col.lo:g} and {col.hi:g} (percent), got {values[i]:g}", source, df, i, col.name)
        for i in np.flatnonzero(present & (values > 0.0) & (values <= 1.0)):  # chance is 10-25 %: never <= 1 %
            _raise(f"{values[i]:g} looks like a fraction: give percent (e.g. 66.5, not 0.665)", source, df, i, col.name)
    else:
        for i in np.flatnonzero(present & (values <= col.lo)):
            _raise(f"must be > 0 ({col.unit}), got {text.iloc[i]}", source, df, i, col.name)
        for i in np.flatnonzero(present & (values > col.hi)):
            _raise(f"implausibly large ({values[i]:g} {col.unit}; at most {col.hi:g})", source, df, i, col.name)
        if col.kind in ("tokens", "params"):  # a million tokens or parameters, in the column's unit
            least = SMALLEST[col.kind] / TARGET[col.kind][0]
            for i in np.flatnonzero(present & (values < least)):
                _raise(f"implausibly small ({values[i]:g} {col.unit}; at least {least:g})", source, df, i, col.name)
    if col.kind == "int":
        for i in np.flatnonzero(present & (values != np.round(values))):
            _raise(f"must be a whole number, got {text.iloc[i]}", source, df, i, col.name)
    return pd.Series(values, index=raw.index, dtype=float)


def law_gaps(df: pd.DataFrame) -> pd.Series:
    """For a validated table: '' where a row has every input the law needs, else the missing columns."""
    n = len(df)
    moe = (df["num_experts"].fillna(0) > 1).to_numpy() if "num_experts" in df.columns else np.zeros(n, dtype=bool)

    def lacking(col: str) -> np.ndarray:
        return df[col].isna().to_numpy() if col in df.columns else np.ones(n, dtype=bool)

    parts = [(c, lacking(c)) for c in LAW_FIELDS]
    parts += [(c, lacking(c) & moe) for c in MOE_FIELDS]
    parts.append(("intermediate_size", lacking("intermediate_size") & ~moe))
    # vectorised: one bit per column; each distinct pattern of gaps is spelled out once
    codes = np.zeros(n, dtype=np.int64)
    for bit, (_, miss) in enumerate(parts):
        codes |= miss.astype(np.int64) << bit
    patterns, inverse = np.unique(codes, return_inverse=True)
    spelled = np.array(
        [", ".join(c for bit, (c, _) in enumerate(parts) if p >> bit & 1) for p in patterns.tolist()], dtype=object
    )
    return pd.Series(spelled[inverse.reshape(-1)] if n else [], index=df.index, dtype=object)


def _check_header(df: pd.DataFrame, source: str | None, required: tuple[str, ...]) -> None:
    repeated = df.columns[df.columns.duplicated()]
    if len(repeated):  # a frame built in memory (read_table refuses a CSV header that repeats a name)
        raise DataError("the table has two columns of this name", source=source, column=str(repeated[0]))
    known = set(COLUMNS) | {a for c in COLUMNS.values() for a in c.aliases}
    if len(df.columns) and not known & set(df.columns):
        raise DataError(
            f"does not look like a recipe table: no known column in its header "
            f"(first columns {list(df.columns)[:3]}); expected e.g. {list(RECIPE_CORE)}",
            source=source,
        )
    for name in required:
        if name not in df.columns:
            hint = [a for a in COLUMNS[name].aliases if a in df.columns]
            extra = f" (found {hint[0]!r}: rename it to {name!r})" if hint else ""
            raise DataError(f"missing required column {name!r}{extra}", source=source, column=name)


def validate(
    df: pd.DataFrame,
    *,
    source: str | None = None,
    require_law_inputs: bool = True,
    require_mmlu: bool = False,
) -> pd.DataFrame:
    """Check and parse a table of strings; return a frame with typed, law-unit columns.

    Known columns are parsed (sizes with units to trillions of tokens / billions of parameters);
    other columns pass through unchanged. ``require_law_inputs``: every row must have every input
    of the law (recipes to predict); otherwise gaps are allowed (reference tables; see
    :func:`law_gaps`). ``require_mmlu``: every row must have ``mmlu``. Raises :class:`DataError`
    naming source, row, model and column of the first problem.

    ``source`` names the table in messages; a table read from a file (:func:`read_table`, or validated
    before) keeps naming that file, recorded in ``attrs["source"]`` of the result too (so later steps,
    such as a fit's "only N usable rows", can name it).
    """
    source = df.attrs.get("source") or source
    required = RECIPE_CORE + (("tokens_T", "params_B") if require_law_inputs else ())
    _check_header(df, source, required + (("mmlu",) if require_mmlu else ()))
    if df.shape[0] == 0:
        raise DataError("the table has no data rows", source=source)
    df = df.reset_index(drop=True).copy()
    df["model"] = df["model"].astype(str).str.strip()
    out = df.copy()
    for name, col in COLUMNS.items():
        if name in df.columns:
            raw = df[name]  # strings as read (kept: fast); anything else (a validated table) as objects
            raw = raw if isinstance(raw.dtype, pd.StringDtype) else raw.astype(object)
            out[name] = _parse_column(raw, col, out, source)
    if require_mmlu and out["mmlu"].isna().all():
        raise DataError("every cell is empty; reported MMLU scores are needed here", source=source, column="mmlu")
    for name in RECIPE_CORE[1:] + (("mmlu",) if require_mmlu else ()):
        for i in _first(out[name].isna()):
            _raise("a value is required here (the cell is empty or NaN)", source, out, i, name)
    for i in _first(out["model"].eq("")):
        _raise("a model name is required here", source, out, i, "model")
    check_unique_models(out["model"], source)
    _check_moe_consistency(out, source)
    if require_law_inputs:
        gaps = law_gaps(out)
        for i in np.flatnonzero(gaps.ne("").to_numpy()):
            first = gaps.iloc[i].split(", ")[0]
            _raise("a value is required here (the cell is empty or NaN)", source, out, i, first)
    out.attrs["source"] = source
    return out


def _check_moe_consistency(df: pd.DataFrame, source: str | None) -> None:
    if "is_moe" in df.columns:  # the law reads num_experts; is_moe must not contradict it
        experts = df["num_experts"] if "num_experts" in df.columns else pd.Series(np.nan, index=df.index)
        said = df["is_moe"]
        wrong = (said.eq(True) & experts.le(1)) | (said.eq(False) & experts.gt(1))
        for i in np.flatnonzero(wrong.fillna(False).to_numpy(dtype=bool)):
            _raise(
                f"says {bool(said.iloc[i])} but num_experts is {experts.iloc[i]:g} (a mixture of experts has more "
                "than one)",
                source,
                df,
                i,
                "is_moe",
            )
        for i in _first((said.eq(True) & experts.isna()).fillna(False).to_numpy(dtype=bool)):
            _raise("is empty, but is_moe says True: give the routed experts per layer", source, df, i, "num_experts")
    if {"num_experts", "num_experts_per_tok"} <= set(df.columns):
        too_many = df["num_experts_per_tok"] > df["num_experts"]
        for i in np.flatnonzero(too_many.fillna(False).to_numpy()):
            _raise("exceeds num_experts", source, df, i, "num_experts_per_tok")
    if {"active_params_B", "params_B"} <= set(df.columns):
        too_big = df["active_params_B"] > df["params_B"] * (1 + 1e-9)
        for i in np.flatnonzero(too_big.fillna(False).to_numpy()):
            _raise("activated parameters exceed total parameters", source, df, i, "active_params_B")


def read_validated(path, **kwargs) -> pd.DataFrame:
    """Read a CSV file (:func:`bayes_perflaw.core.tables.read_table`) and :func:`validate` it, naming the file
    in errors."""
    from bayes_perflaw.core.tables import read_table

    return validate(read_table(path), source=str(path), **kwargs)
