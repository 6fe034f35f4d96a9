"""Reading a table of benchmark scores (and optional recipe) into what the latent-capability model fits.

Scores are percent (0-100), one column per benchmark named as in :data:`~bayes_perflaw.multibench.benchmarks.ORDER`,
empty cells allowed. Recipe columns are optional: ``params_B`` and ``tokens_T`` (units as everywhere:
``8B``, ``15T``), and ``release`` (``YYYY-MM``, or a date read as its month). The recipe enters the capability's
prior mean through three covariates: log10 training compute (6 N D) and log10 tokens per parameter, each
standardised with the fit data's mean and sd, and an indicator of an unknown recipe (whose two covariates are then
0). Variants with release time (``...r``) add two more: the release's decimal year, standardised, and an
indicator of an unknown release (its standardised year then 0); :data:`RELEASE_COLUMN` is the former's index.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError, ScaleWarning, UnitError
from bayes_perflaw.core.months import MONTH_MESSAGE, release_year, to_months
from bayes_perflaw.core.tables import check_model_names, check_percent_scale
from bayes_perflaw.core.units import parse_size
from bayes_perflaw.multibench.benchmarks import BENCHMARKS, ORDER

COVARIATES = ("log_compute", "log_tokens_per_param", "recipe_unknown")
RELEASE_COVARIATES = ("release_year", "release_unknown")
RELEASE_COLUMN = len(COVARIATES)  # the standardised release year's column when a posterior uses release time


@dataclass
class ScoreTable:
    """Scores (rows x benchmarks, NaN where not reported) and the recipe's raw covariates of a validated table."""

    models: list[str]
    benches: list[str]
    scores: np.ndarray
    log_compute: np.ndarray  # log10 FLOPs (6 N D), NaN if unknown
    log_tpp: np.ndarray  # log10 tokens per parameter, NaN if unknown
    release: np.ndarray | None = None  # decimal year (2024-07 -> 2024.5), NaN if unknown; None: not read


@dataclass
class FitData:
    """The long-format observations of a fit: row and benchmark index of every reported score."""

    table: ScoreTable
    X: np.ndarray  # (rows, covariates)
    row: np.ndarray
    bench: np.ndarray
    y: np.ndarray
    lows: np.ndarray  # lowest reported score per benchmark (percent)
    tops: np.ndarray  # highest
    scaling: dict[str, Any] = field(default_factory=dict)


def _cell_error(source: str, i: int, model: str, column: str, message: str) -> DataError:
    return DataError(message, source=source, row=i + 1, model=model, column=column)


# the lowest score a raw accuracy plausibly takes (percent): about 15 points below chance where chance is known,
# 15 for BBH and MuSR (raw minima in data/multibench.csv: 29.7, 33.5). The Open LLM Leaderboard v2 displays
# chance-normalised scores, e.g. GPQA 8 for a raw 31; MMLU-Pro's (chance 10) cannot be told apart this way.
PLAUSIBLE_MIN = {
    "mmlu": 10.0,
    "arc_c": 10.0,
    "hellaswag": 10.0,
    "winogrande": 35.0,
    "xwinograd": 35.0,
    "gpqa": 10.0,
    "bbh": 15.0,
    "musr": 15.0,
}


def implausibly_low(source: str, bench: str, scores: np.ndarray, models: list[str]) -> str | None:
    """A message when a benchmark's parsed ``scores`` (percent, NaN where empty) hold values below
    :data:`PLAUSIBLE_MIN`: likely a leaderboard's chance-normalised score where the model reads raw accuracy (such a
    row would be judged low); None otherwise."""
    low = np.flatnonzero(scores < PLAUSIBLE_MIN.get(bench, -np.inf))
    if not low.size:
        return None
    i = int(low[0])
    return (
        f"{source}, column {bench!r}: {low.size} score(s) below {PLAUSIBLE_MIN[bench]:g}, e.g. row {i + 1} (model "
        f"{models[i]!r}): {scores[i]:g} - implausible as a raw accuracy; the Open LLM Leaderboard v2 displays "
        "chance-normalised scores, this screen reads raw accuracy (data/README.md), so such a score is judged low"
    )


def _folded(name: object) -> str:
    """A column name without case, spaces and punctuation ('ARC-C' -> 'arcc')."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def read_scores(
    table: pd.DataFrame, benches: list[str] | None = None, *, require_columns: bool = False, release: bool = False
) -> ScoreTable:
    """Validate ``table`` (``attrs['source']`` names it in errors): a ``model`` column, scores in percent, optional
    ``params_B`` / ``tokens_T`` (and with ``release`` an optional ``release`` column, read into
    :attr:`ScoreTable.release`). ``benches``: the benchmark columns to read (default: every known one present);
    with ``require_columns`` each must be a column."""
    source = table.attrs.get("source", "table")
    if "model" not in table.columns:
        raise DataError("missing required column 'model'", source=source, column="model")
    if len(table) == 0:
        raise DataError("the table has no data rows", source=source)
    models = table["model"].astype(str).tolist()
    check_model_names(table["model"], source)
    spelled = {_folded(b): b for b in BENCHMARKS}
    for c in table.columns:  # 'arc-c' or 'GSM8K' would be read as an unknown column and silently left out
        if c not in BENCHMARKS and _folded(c) in spelled:
            raise DataError(
                f"looks like benchmark {spelled[_folded(c)]!r}: benchmark columns are named exactly",
                source=source,
                column=c,
            )
    if benches is None:
        benches = [b for b in ORDER if b in table.columns]
    elif require_columns:
        for b in benches:
            if b not in table.columns:
                raise DataError(
                    f"missing required column {b!r} (a benchmark given with --benchmarks)", source=source, column=b
                )
    scores = np.full((len(table), len(benches)), np.nan)
    for j, b in enumerate(benches):
        if b not in table.columns:
            continue
        raw = table[b]
        num = pd.to_numeric(raw, errors="coerce")
        blank = raw.isna() | raw.astype(str).str.strip().eq("")
        bad = (num.isna() & ~blank) | (num < 0) | (num > 100)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise _cell_error(
                source, i, models[i], b, f"must be a score in percent (0-100) or empty, got {raw.iloc[i]!r}"
            )
        scores[:, j] = num.to_numpy(dtype=float)
        if (BENCHMARKS[b].chance or 0.0) >= 10.0:  # multiple choice: a score <= 1 % is implausible there
            check_percent_scale(scores[:, j], source, b)
        message = implausibly_low(source, b, scores[:, j], models)
        if message is not None:
            warnings.warn(message, ScaleWarning, stacklevel=2)
    log_c, log_tpp = np.full(len(table), np.nan), np.full(len(table), np.nan)
    sizes = {}
    for col, kind in (("params_B", "params"), ("tokens_T", "tokens")):
        vals = np.full(len(table), np.nan)
        if col in table.columns:
            for i, v in enumerate(table[col]):
                if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "":
                    continue
                try:
                    vals[i] = parse_size(v, kind)
                except UnitError as err:
                    raise _cell_error(source, i, models[i], col, err.detail) from None
        sizes[kind] = vals
    known = ~np.isnan(sizes["params"]) & ~np.isnan(sizes["tokens"])
    n, d = sizes["params"][known] * 1e9, sizes["tokens"][known] * 1e12
    log_c[known] = np.log10(6.0 * n * d)
    log_tpp[known] = np.log10(d / n)
    years = _release_years(table, source, models)  # a malformed month is refused even where it is not used
    years = years if release else None
    return ScoreTable(models, list(benches), scores, log_c, log_tpp, years)


def _release_years(table: pd.DataFrame, source: str, models: list[str]) -> np.ndarray:
    """Decimal release years of the optional ``release`` column (NaN where empty or absent)."""
    if "release" not in table.columns:
        return np.full(len(table), np.nan)
    raw = table["release"]
    blank = (raw.isna() | raw.astype(str).str.strip().eq("")).to_numpy()
    text, bad = to_months(raw.where(~blank, ""))  # a blank cell stays "", so its year is NaN
    if (bad & ~blank).any():
        i = int(np.flatnonzero(bad & ~blank)[0])
        raise _cell_error(source, i, models[i], "release", f"{MONTH_MESSAGE}, got {text.iloc[i]!r}")
    return release_year(text)


def uses_release(scaling: dict[str, Any]) -> bool:
    """Whether a fit's standardisation (so its posterior) includes release time."""
    return "release_mean" in scaling


def covariate_names(scaling: dict[str, Any]) -> list[str]:
    """The covariates of a fit with standardisation ``scaling``, in column order."""
    return [*COVARIATES, *(RELEASE_COVARIATES if uses_release(scaling) else ())]


def covariates(t: ScoreTable, scaling: dict[str, Any]) -> np.ndarray:
    """(rows, 3 or 5) covariates with the fit's standardisation (``scaling``: means and sds of the two logs, and
    of the release year when the fit used it)."""
    known = ~np.isnan(t.log_compute)
    zc = np.where(known, (t.log_compute - scaling["log_compute_mean"]) / scaling["log_compute_sd"], 0.0)
    zt = np.where(known, (t.log_tpp - scaling["log_tpp_mean"]) / scaling["log_tpp_sd"], 0.0)
    cols = [zc, zt, (~known).astype(float)]
    if uses_release(scaling):
        years = t.release if t.release is not None else np.full(len(t.models), np.nan)
        dated = ~np.isnan(years)
        cols += [np.where(dated, (years - scaling["release_mean"]) / scaling["release_sd"], 0.0), (~dated) * 1.0]
    return np.column_stack(cols)


MIN_SCORES = 10  # per benchmark, to estimate its intercept, loadings, ceiling and noise


def fit_data(table: pd.DataFrame, release: bool = False) -> FitData:
    """The observations of a fit table (every known benchmark column present with at least ``MIN_SCORES``);
    with ``release``, the release time among the covariates (at least 3 dated rows)."""
    source = table.attrs.get("source", "table")
    t = read_scores(table, release=release)  # refuses a model given twice, naming both rows
    counts = (~np.isnan(t.scores)).sum(axis=0)
    keep = [j for j, c in enumerate(counts) if c >= MIN_SCORES]
    if "mmlu" not in [t.benches[j] for j in keep]:
        raise DataError(
            f"needs at least {MIN_SCORES} MMLU scores (the first factor's anchor)", source=source, column="mmlu"
        )
    t = ScoreTable(t.models, [t.benches[j] for j in keep], t.scores[:, keep], t.log_compute, t.log_tpp, t.release)
    known = ~np.isnan(t.log_compute)
    if known.sum() < 3:
        raise DataError("needs params_B and tokens_T for at least 3 rows (the recipe's covariates)", source=source)
    scaling = {
        "log_compute_mean": float(t.log_compute[known].mean()),
        "log_compute_sd": float(t.log_compute[known].std()),
        "log_tpp_mean": float(t.log_tpp[known].mean()),
        "log_tpp_sd": float(t.log_tpp[known].std()),
    }
    if release:
        dated = ~np.isnan(t.release)
        if dated.sum() < 3:
            raise DataError("needs a release month for at least 3 rows (the release-time covariate)", source=source)
        scaling |= {"release_mean": float(t.release[dated].mean()), "release_sd": float(t.release[dated].std())}
    row, bench = np.nonzero(~np.isnan(t.scores))
    y = t.scores[row, bench]
    lows = np.nanmin(t.scores, axis=0)
    tops = np.nanmax(t.scores, axis=0)
    return FitData(t, covariates(t, scaling), row, bench, y, lows, tops, scaling)
