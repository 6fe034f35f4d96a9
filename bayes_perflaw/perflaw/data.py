"""The rows a Performance-Law fit uses, in the model's terms (NumPy and pandas; no PyMC).

:func:`prepare` keeps the rows of a validated table with every input of the law, ``mmlu`` and (for the era
variants) a release date, and lists the others with what they lack; :func:`fit_data_dataset` is how the fit
rows are stored in a posterior file (group ``fit_data``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.months import release_year
from bayes_perflaw.perflaw.design import law_inputs
from bayes_perflaw.perflaw.laws import LawInputs
from bayes_perflaw.perflaw.mean import FLOOR_CENSOR, LawVariant, era_bins, era_position
from bayes_perflaw.perflaw.schema import law_gaps

DEFAULT_SOURCE_KIND = "developer"
DEFAULT_KIND = {"mmlu_source_kind": "developer", "mmlu_method": "developer_report"}  # an empty cell means this


@dataclass
class OrgEpochs:
    """The (organisation, release bin) pairs of the fit data, ordered by organisation then bin: the states of the
    per-organisation random walk (variant ``era_org_drift``)."""

    org: np.ndarray  # organisation index of each epoch
    bin: np.ndarray  # release-bin position of each epoch (half-years from era_start)
    first: np.ndarray  # whether the epoch is its organisation's first
    gap: np.ndarray  # bins since the organisation's previous epoch (1 for a first epoch: unused)
    start: np.ndarray  # index of the organisation's first epoch
    obs_idx: np.ndarray  # epoch of each fit row

    @classmethod
    def of(cls, org_idx: np.ndarray, position: np.ndarray) -> OrgEpochs:
        pairs = sorted(set(zip(org_idx.tolist(), position.tolist(), strict=True)))
        org = np.array([o for o, _ in pairs], dtype=int)
        bins = np.array([b for _, b in pairs], dtype=int)
        first = np.r_[True, org[1:] != org[:-1]]
        gap = np.where(first, 1, np.r_[1, np.diff(bins)])
        start = np.maximum.accumulate(np.where(first, np.arange(len(org)), 0))
        lookup = {pair: i for i, pair in enumerate(pairs)}
        obs = np.array([lookup[o, b] for o, b in zip(org_idx.tolist(), position.tolist(), strict=True)], dtype=int)
        return cls(org, bins, first, gap, start, obs)


@dataclass
class FitData:
    """The rows a fit uses, in the model's terms, and the rows it skipped (with reasons)."""

    table: pd.DataFrame
    skipped: list[tuple[str, str]]
    x: LawInputs
    y: np.ndarray
    censored: np.ndarray
    source_kinds: list[str]
    source_idx: np.ndarray
    era_start: float
    n_era: int
    era_idx: np.ndarray
    era_bins: list[int]
    orgs: list[str]
    org_idx: np.ndarray
    epochs: OrgEpochs | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def prepare(df: pd.DataFrame, variant: LawVariant) -> FitData:
    """Usable rows of a validated table: every law input, ``mmlu``, and a release date for era variants."""
    gaps = law_gaps(df)
    need_release = variant.era
    reasons = []
    for i in range(len(df)):
        lack = [g for g in gaps.iloc[i].split(", ") if g]
        if "mmlu" not in df.columns or pd.isna(df["mmlu"].iloc[i]):
            lack.append("mmlu")
        if need_release and ("release" not in df.columns or not df["release"].iloc[i]):
            lack.append(f"release (needed by variant {variant.name!r})")
        reasons.append(", ".join(lack))
    keep = np.array([r == "" for r in reasons])
    skipped = [(m, r) for m, r, k in zip(df["model"], reasons, keep, strict=True) if not k]
    table = df[keep].reset_index(drop=True)
    if len(table) < 8:
        message = f"only {len(table)} usable rows (need at least 8 to fit the law)"
        raise DataError(message, source=df.attrs.get("source"))  # the file, recorded by read_table / validate
    kinds_raw = table.get(variant.noise, pd.Series([""] * len(table))).fillna("").astype(str)
    kinds = kinds_raw.replace("", DEFAULT_KIND.get(variant.noise, DEFAULT_SOURCE_KIND)).astype(str)
    source_kinds = sorted(kinds.unique())
    orgs_raw = table.get("organization", pd.Series([""] * len(table))).astype(str)
    orgs_col = [o if o else f"(unknown: {m})" for o, m in zip(orgs_raw, table["model"], strict=True)]
    orgs = sorted(set(orgs_col))
    if need_release:
        years = release_year(table["release"])
        start, n_era = era_bins(years)
        position = era_position(years, start, n_era).astype(int)
        bins = sorted(set(position.tolist()))
        era_idx = np.array([bins.index(p) for p in position])
        if len(bins) < 2:
            raise DataError(f"variant {variant.name!r} needs releases spanning more than one half-year")
    else:
        start, n_era, bins, era_idx = float("nan"), 0, [], np.zeros(len(table), dtype=int)
    y = table["mmlu"].to_numpy(dtype=float)
    org_idx = np.array([orgs.index(o) for o in orgs_col])
    epochs = OrgEpochs.of(org_idx, position) if variant.org_drift else None
    return FitData(
        table=table,
        skipped=skipped,
        x=law_inputs(table, gated_equivalent=True),
        y=y,
        censored=y <= FLOOR_CENSOR,
        source_kinds=source_kinds,
        source_idx=np.array([source_kinds.index(k) for k in kinds]),
        era_start=start,
        n_era=n_era,
        era_idx=era_idx,
        era_bins=bins,
        orgs=orgs,
        org_idx=org_idx,
        epochs=epochs,
    )


def fit_data_dataset(data: FitData):
    """The fit rows as an xarray Dataset (strings as fixed str arrays so netCDF can hold them)."""
    import xarray as xr

    keep = [
        "model",
        "organization",
        "release",
        "num_hidden_layers",
        "hidden_size",
        "intermediate_size",
        "moe_intermediate_size",
        "shared_intermediate_size",
        "num_experts",
        "num_experts_per_tok",
        "ffn_gated",
        "tokens_T",
        "params_B",
        "active_params_B",
        "mmlu",
        "mmlu_source_kind",
    ]
    cols = {}
    for c in keep:
        if c not in data.table.columns:
            continue
        s = data.table[c]
        if c == "ffn_gated":
            cols[c] = ("obs", s.astype("boolean").fillna(True).to_numpy(dtype=bool))
        elif s.dtype == float or pd.api.types.is_float_dtype(s):
            cols[c] = ("obs", s.to_numpy(dtype=float))
        else:
            cols[c] = ("obs", s.fillna("").astype(str).to_numpy(dtype=str))
    cols["censored"] = ("obs", data.censored)
    cols["era_idx"] = ("obs", data.era_idx)
    cols["org_idx"] = ("obs", data.org_idx)
    return xr.Dataset(cols, coords={"obs": data.table["model"].to_numpy(dtype=str)})
