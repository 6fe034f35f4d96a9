"""Reading tables as strings (writing outputs safely is :mod:`bayes_perflaw.core.outputs`)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError


def _blank(record: list[str]) -> bool:
    """A record pandas skips: an empty line, or one of spaces only."""
    return not record or (len(record) == 1 and not record[0].strip())


def _records(text: str):
    """The non-blank CSV records of ``text``, as the csv module reads them (cells not yet stripped)."""
    return (r for r in csv.reader(io.StringIO(text), skipinitialspace=True) if not _blank(r))


def _check_header(header: list[str], source: str) -> list[str]:
    """The stripped column names; refuses an empty name or a name given twice (which pandas would rename)."""
    names = [cell.strip() for cell in header]
    for k, name in enumerate(names):
        if not name:
            hint = " (a trailing comma?)" if k == len(names) - 1 else ""
            raise DataError(
                f"header cell {k + 1} of {len(names)} is empty (every column needs a name){hint}", source=source
            )
    first: dict[str, int] = {}
    for k, name in enumerate(names):
        if name in first:
            raise DataError(
                f"the header names this column twice (cells {first[name] + 1} and {k + 1})", source=source, column=name
            )
        first[name] = k
    return names


def _long_row(text: str, names: list[str], source: str) -> DataError | None:
    """The error for the first data row with more cells than the header, if any (numbered as pandas numbers rows)."""
    model_at = names.index("model") if "model" in names else None
    try:
        records = _records(text)
        next(records, None)  # the header
        for row, record in enumerate(records, start=1):
            if len(record) > len(names):
                extra = record[len(names) :]
                hint = " (a trailing comma?)" if not any(c.strip() for c in extra) else ""
                model = record[model_at].strip() if model_at is not None else None
                message = f"has {len(record)} cells for {len(names)} columns{hint}"
                return DataError(message, source=source, row=row, model=model or None)
    except csv.Error:
        return None
    return None


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV file as strings (cells untouched; parsing is :func:`bayes_perflaw.perflaw.schema.validate`'s job).

    Refused with a :class:`DataError` naming the file (and the row or column at fault): a missing file, a
    directory, an unreadable or binary file, an empty one, invalid CSV, a header with an empty or repeated column
    name, a data row with more cells than the header. The frame records the file in ``attrs["source"]``.
    """
    path = Path(path)
    source = str(path)
    if path.is_dir():
        raise DataError("is a directory, not a CSV file", source=source)
    if not path.exists():
        raise DataError("no such file", source=source)
    if not path.is_file():
        raise DataError("not a regular file (a CSV file is needed)", source=source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"not a CSV text file (undecodable byte at position {err.start})", source=source) from None
    except OSError as err:
        raise DataError(f"cannot read the file ({err.strerror or err})", source=source) from None
    if "\x00" in text:
        raise DataError("not a CSV text file (binary content)", source=source)
    if not text.strip():
        raise DataError("the file is empty", source=source)
    try:
        header = next(_records(text), None)
    except csv.Error as err:
        raise DataError(f"not a valid CSV file ({str(err).strip()})", source=source) from None
    if header is None:
        raise DataError("the file is empty", source=source)
    names = _check_header(header, source)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, csv.Error) as err:
        invalid = DataError(f"not a valid CSV file ({str(err).strip()})", source=source)
        raise (_long_row(text, names, source) or invalid) from None
    if not isinstance(df.index, pd.RangeIndex) or len(df.columns) != len(names):
        # pandas took the first column as an index: some rows have more cells than the header
        raise _long_row(text, names, source) or DataError("rows have more cells than the header", source=source)
    df.columns = names
    df.attrs["source"] = source
    return df


def check_model_names(column: pd.Series, source: str | None) -> None:
    """Every row names its model (an empty or missing cell is refused, naming its row), each model once
    (:func:`check_unique_models`; names compared stripped)."""
    names = column.astype("string").str.strip().fillna("").reset_index(drop=True)
    for i in np.flatnonzero(names.eq("").to_numpy())[:1]:
        raise DataError("every row needs a model name", source=source, row=int(i) + 1, column="model")
    check_unique_models(names.astype(str), source)


def check_percent_scale(values: np.ndarray, source: str | None, column: str) -> None:
    """Scores in percent: a column whose every score (3 or more given) is at most 1 holds fractions."""
    given = np.asarray(values, dtype=float)
    given = given[~np.isnan(given)]
    if len(given) >= 3 and given.max() <= 1.0:
        raise DataError(
            "every score is at most 1: looks like fractions; give percent (e.g. 65.2, not 0.652)",
            source=source,
            column=column,
        )


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict (``json.loads``'s ``object_pairs_hook``); a key given twice is a
    :class:`DataError` naming it (``json`` would keep the last silently). Callers add the file."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DataError(f"{key!r} is given twice in one object", column=key)
        out[key] = value
    return out


def check_unique_models(names: pd.Series, source: str | None) -> None:
    """One row per model: the first name given twice (``names`` stripped, in row order) is a :class:`DataError`
    naming its row and the row that first used it (rows from 1, the header not counted)."""
    names = names.reset_index(drop=True)
    repeated = np.flatnonzero(names.duplicated().to_numpy())
    if len(repeated):
        i = int(repeated[0])
        first = int(np.flatnonzero(names.eq(names.iloc[i]).to_numpy())[0]) + 1
        raise DataError(
            f"duplicate model name (first used in row {first})",
            source=source,
            row=i + 1,
            model=names.iloc[i] or None,
            column="model",
        )
