"""Sizes with units, in the law's units (trillions of tokens, billions of parameters)."""

from __future__ import annotations

import math

import pytest

from bayes_perflaw.core.errors import UnitError
from bayes_perflaw.core.units import parse_size


@pytest.mark.parametrize(
    "text, kind, expected",
    [
        ("15T", "tokens", 15.0),
        ("15e12", "tokens", 15.0),
        ("1.5e13", "tokens", 15.0),
        ("300B", "tokens", 0.3),
        ("15t", "tokens", 15.0),
        ("8B", "params", 8.0),
        ("70.6B", "params", 70.6),
        ("405e9", "params", 405.0),
        ("135M", "params", 0.135),
        ("1.2T", "params", 1200.0),
        (" 7 B ", "params", 7.0),
    ],
)
def test_accepted_sizes(text, kind, expected):
    assert parse_size(text, kind, bare_in_unit=False) == pytest.approx(expected)


def test_bare_number_is_in_column_unit_for_tables():
    assert parse_size("15", "tokens", bare_in_unit=True) == 15.0
    assert parse_size(70.6, "params", bare_in_unit=True) == 70.6


@pytest.mark.parametrize(
    "text, kind, fragment",
    [
        ("15", "tokens", "ambiguous"),
        ("-8B", "params", "positive"),
        ("0", "params", "positive"),
        ("15X", "tokens", "unknown unit 'X'"),
        ("15 tokens", "tokens", "cannot read"),
        ("abc", "params", "cannot read"),
        ("", "params", "cannot read"),
        (math.inf, "params", "finite"),
        (math.nan, "params", "finite"),
    ],
)
def test_rejected_sizes(text, kind, fragment):
    with pytest.raises(UnitError, match=fragment):
        parse_size(text, kind, bare_in_unit=False)


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="kind"):
        parse_size("8B", "flops")
