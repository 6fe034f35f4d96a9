"""Reading tables as strings (writing outputs safely is :mod:`bayes_perflaw.core.outputs`)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from bayes_perflaw.core.errors import DataError


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV file as strings (cells untouched; parsing is :func:`bayes_perflaw.perflaw.schema.validate`'s job)."""
    path = Path(path)
    if not path.is_file():
        raise DataError("no such file", source=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"not a CSV text file (undecodable byte at position {err.start})", source=str(path)) from None
    if "\x00" in text:
        raise DataError("not a CSV text file (binary content)", source=str(path))
    if not text.strip():
        raise DataError("the file is empty", source=str(path))
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, csv.Error) as err:
        raise DataError(f"not a valid CSV file ({str(err).strip()})", source=str(path)) from None
    df.columns = [str(c).strip() for c in df.columns]
    return df
