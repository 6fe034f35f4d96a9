"""Reading sizes with units: ``15T``, ``1.5e13``, ``300B`` tokens; ``8B``, ``70.6B``, ``405e9``, ``135M`` parameters.

The law's units are **trillions of tokens** and **billions of parameters**.

Rules (the same for tokens and parameters):
* a suffix ``K``, ``M``, ``B`` (or ``G``), ``T`` multiplies by 1e3, 1e6, 1e9, 1e12 (case-insensitive);
* a plain number of at least 1e6 is an absolute count (``405e9`` parameters, ``1.5e13`` tokens);
* a plain number below 1e6 is read in the column's unit when it has one (``tokens_T``: trillions,
  ``params_B``: billions) and is ambiguous otherwise (command-line flags), which is an error;
* zero, negative, NaN and infinite sizes are errors, and so are sizes beyond ``LARGEST`` (1e21 tokens, 1e18
  parameters: a thousand times anything trained), which would only overflow the arithmetic downstream, and
  below ``SMALLEST`` (a million tokens or parameters: no language model the laws describe is smaller, and a
  typo such as ``1e-30`` would otherwise give a prediction at chance without a word).
"""

from __future__ import annotations

import math
import re

from bayes_perflaw.core.errors import UnitError

SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
TARGET = {"tokens": (1e12, "T"), "params": (1e9, "B")}
ABSOLUTE_MIN = 1e6
LARGEST = {"tokens": 1e21, "params": 1e18}  # absolute counts
SMALLEST = {"tokens": 1e6, "params": 1e6}  # absolute counts
_NUMBER = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]?)\s*$")


def parse_size(value: object, kind: str, *, bare_in_unit: bool = True) -> float:
    """Return ``value`` in the law's unit for ``kind`` ('tokens' -> trillions, 'params' -> billions).

    ``bare_in_unit``: whether a plain number below 1e6 is taken in the law's unit (a table column
    named ``tokens_T``/``params_B``) or rejected as ambiguous (a command-line flag).
    Raises :class:`UnitError` with the offending text.
    """
    if kind not in TARGET:
        raise ValueError(f"kind must be 'tokens' or 'params', not {kind!r}")
    scale, unit = TARGET[kind]
    if isinstance(value, bool):
        raise UnitError(f"expected a {kind} count, got {value!r}")
    if isinstance(value, (int, float)):
        number, suffix = float(value), ""
    else:
        text = str(value)
        match = _NUMBER.match(text)
        if not match:
            raise UnitError(f"cannot read {text!r} as a {kind} count; write e.g. '15T', '1.5e13', '8B' or '135M'")
        number, suffix = float(match.group(1)), match.group(2).lower()
        if suffix and suffix not in SUFFIX:
            raise UnitError(
                f"unknown unit {match.group(2)!r} in {text!r}; use K, M, B or T (e.g. '15T' tokens, '8B' parameters)"
            )
    if not math.isfinite(number):
        raise UnitError(f"{kind} count must be finite, got {value!r}")
    if number <= 0:
        raise UnitError(f"{kind} count must be positive, got {value!r}")
    if suffix:
        count = number * SUFFIX[suffix]
    elif number >= ABSOLUTE_MIN:
        count = number
    elif bare_in_unit:
        count = number * scale
    else:
        count = None
    if count is not None:
        if count > LARGEST[kind]:
            raise UnitError(f"{kind} count {value!r} is implausibly large (more than {LARGEST[kind]:.0e})")
        if count < SMALLEST[kind]:
            raise UnitError(f"{kind} count {value!r} is implausibly small (fewer than {SMALLEST[kind]:.0e})")
        return count / scale
    raise UnitError(
        f"{value!r} is ambiguous for a {kind} count: give a unit (e.g. '{number:g}{unit}') "
        f"or an absolute count (e.g. '{number * scale:.3g}')"
    )


def parse_flag(value: object, kind: str, flag: str, source: str | None = "command line") -> float | None:
    """A size given as an option (``15T``, ``8B``; a bare number is ambiguous) in the law's unit, None when
    absent; an error names the option (and ``source``)."""
    if value is None:
        return None
    try:
        return parse_size(value, kind, bare_in_unit=False)
    except UnitError as err:
        raise UnitError(err.detail, source=source, column=flag) from None
