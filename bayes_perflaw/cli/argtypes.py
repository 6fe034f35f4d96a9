"""Typed option parsers: a bad flag is refused while the command line is parsed, before any work starts.

Each factory returns a callable for ``argparse``'s ``type=``; a bad value raises
``argparse.ArgumentTypeError``, which the parser (:class:`bayes_perflaw.cli.main.Parser`) prints as one line
naming the flag, e.g. ``bayes-perflaw plan: error: argument --prob: must be a number in (0, 1), got '1.5'``,
with exit code 2.

Paths: input files must exist and be readable regular files; output paths are typed
:class:`OutputFile` / :class:`OutputDir`, which ``main`` checks for writability (after parsing, before the
command runs: :func:`bayes_perflaw.core.outputs.check_output`).
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

from bayes_perflaw.core.errors import UnitError
from bayes_perflaw.core.units import parse_size

SEED_MAX = 2**32 - 1
_PathBase = type(Path())


class OutputPath(_PathBase):
    """An output given on the command line (never one of the files a command reads). As such, one whose kind the
    command itself tells apart and checks (``backtest --out``: a Markdown file, or with ``--rolling`` a folder)."""


class OutputFile(OutputPath):
    """An output file given on the command line (``-`` where the command writes one CSV: standard output)."""


class OutputDir(OutputPath):
    """An output folder given on the command line."""


def _bad(message: str, text: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"{message}, got {text!r}")


def integer(lo: int | None = None, hi: int | None = None) -> Callable[[str], int]:
    """An integer in [lo, hi] (either bound optional)."""
    if lo is not None and hi is not None:
        want = f"an integer from {lo} to {hi}"
    elif lo is not None:
        want = f"an integer >= {lo}"
    elif hi is not None:
        want = f"an integer <= {hi}"
    else:
        want = "an integer"

    def parse(text: str) -> int:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise _bad(f"must be {want}", text) from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise _bad(f"must be {want}", text)
        return value

    parse.__name__ = "integer"
    return parse


def number(
    lo: float | None = None, hi: float | None = None, *, lo_open: bool = False, hi_open: bool = False
) -> Callable[[str], float]:
    """A finite number in the interval given by ``lo``/``hi`` (closed unless ``*_open``)."""
    left = "-inf" if lo is None else f"{lo:g}"
    right = "inf" if hi is None else f"{hi:g}"
    opening = "(" if lo_open or lo is None else "["
    closing = ")" if hi_open or hi is None else "]"
    want = f"a finite number in {opening}{left}, {right}{closing}"

    def parse(text: str) -> float:
        try:
            value = float(str(text).strip())
        except ValueError:
            raise _bad(f"must be {want}", text) from None
        ok = math.isfinite(value)
        if ok and lo is not None:
            ok = value > lo if lo_open else value >= lo
        if ok and hi is not None:
            ok = value < hi if hi_open else value <= hi
        if not ok:
            raise _bad(f"must be {want}", text)
        return value

    parse.__name__ = "number"
    return parse


probability = number(0.0, 1.0, lo_open=True, hi_open=True)
positive = number(0.0, lo_open=True)
percent = number(0.0, 100.0)
seed = integer(0, SEED_MAX)
gamma = number(
    0.0, 100.0, lo_open=True
)  # precision loss: u = exp(-(gamma q)^2) is 0 to machine precision long before 100


def month(text: str) -> str:
    """A month written YYYY-MM, or a date YYYY-MM-DD read as its month (the tables' rule,
    :func:`bayes_perflaw.core.months.to_months`)."""
    import pandas as pd

    from bayes_perflaw.core.months import MONTH_MESSAGE, to_months

    months, bad = to_months(pd.Series([str(text)]))
    if bad[0]:
        raise _bad(MONTH_MESSAGE, text)
    return months.iloc[0]


def size_text(kind: str) -> Callable[[str], str]:
    """A size with a unit (``15T``, ``8B``, ``1.5e13``) checked as ``kind`` ('tokens' or 'params'), returned as
    typed: a table column reads the unit, so the value is converted once."""

    def parse(text: str) -> str:
        try:
            parse_size(text, kind, bare_in_unit=False)
        except UnitError as err:
            raise argparse.ArgumentTypeError(err.detail) from None
        return str(text).strip()

    parse.__name__ = "size"
    return parse


def size_value(kind: str) -> Callable[[str], float]:
    """A size with a unit, as a number in the law's unit (trillions of tokens, billions of parameters)."""

    def parse(text: str) -> float:
        try:
            return parse_size(text, kind, bare_in_unit=False)
        except UnitError as err:
            raise argparse.ArgumentTypeError(err.detail) from None

    parse.__name__ = "size"
    return parse


def name(text: str) -> str:
    """A non-empty name on one line (a model or an organisation: a table cell), stripped."""
    value = str(text).strip()
    if not value:
        raise _bad("must not be empty", text)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise _bad("must be one line of printable text (no newline, tab or control character)", text)
    return value


# where a number was read: a URL, or owner/repo:path@commit (then free text, e.g. the table it is in)
_SOURCE = re.compile(r"^(https?://\S+|[\w.-]+/[\w.-]+:\S+@[0-9a-fA-F]{7,40})(\s|$)")


def source(text: str) -> str:
    """A source for a table's numbers: a URL or ``owner/repo:path@commit``, optionally followed by free text."""
    value = name(text)
    if not _SOURCE.match(value):
        raise _bad("must be a URL (https://...) or owner/repo:path@commit where the numbers were read", text)
    return value


def input_file(text: str) -> Path:
    """An existing, readable regular file."""
    path = Path(text)
    if not str(text).strip():
        raise argparse.ArgumentTypeError("the path is empty")
    if not path.exists():
        raise _bad("no such file", text)
    if path.is_dir():
        raise _bad("is a directory, not a file", text)
    if not path.is_file():
        raise _bad("is not a regular file", text)
    if not os.access(path, os.R_OK):
        raise _bad("is not readable (permission denied)", text)
    return path


def output_path(text: str) -> OutputPath:
    """A non-empty output path whose kind (file or folder) the command decides and checks itself."""
    if not str(text).strip():
        raise argparse.ArgumentTypeError("the path is empty")
    return OutputPath(text)


def output_file(text: str) -> OutputFile:
    """An output file path (checked for writability before the command runs); not ``-``."""
    if not str(text).strip():
        raise argparse.ArgumentTypeError("the path is empty")
    if str(text) == "-":
        raise argparse.ArgumentTypeError("this output cannot go to standard output ('-'); give a file")
    return OutputFile(text)


def output_csv(text: str) -> OutputFile:
    """An output CSV path, or ``-`` for standard output."""
    if not str(text).strip():
        raise argparse.ArgumentTypeError("the path is empty")
    return OutputFile(text)


def output_dir(text: str) -> OutputDir:
    """An output folder (created if missing; checked for writability before the command runs)."""
    if not str(text).strip():
        raise argparse.ArgumentTypeError("the path is empty")
    if str(text) == "-":
        raise argparse.ArgumentTypeError("a folder of outputs cannot be standard output ('-')")
    return OutputDir(text)
