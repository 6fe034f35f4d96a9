"""Reading tables as strings and writing outputs atomically (no partial file on failure)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    If ``write`` raises, the temporary file is removed and ``path`` is left as it was.
    """
    path, tmp = _temp_beside(path)
    try:
        write(tmp)
        _publish(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _temp_beside(path: str | Path) -> tuple[Path, Path]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return path, Path(tmp)


def _publish(tmp: Path, path: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs get the usual permissions
    os.replace(tmp, path)


@contextmanager
def csv_appender(path: str | Path, float_format: str = "%.4f") -> Iterator[Callable[[pd.DataFrame], None]]:
    """Yield ``append(df)`` streaming chunks into ``path``; the file appears only if the block succeeds."""
    path, tmp = _temp_beside(path)
    try:
        with open(tmp, "w", newline="") as fh:
            first = [True]

            def append(df: pd.DataFrame) -> None:
                df.to_csv(fh, index=False, header=first[0], float_format=float_format)
                first[0] = False

            yield append
        _publish(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_csv(df: pd.DataFrame, path: str | Path, float_format: str = "%.4f") -> Path:
    """Write ``df`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, float_format=float_format))
