"""The CPR number value object."""

from __future__ import annotations

from datetime import date

import pytest

from api.cases.cpr import CprNumber


@pytest.mark.parametrize(
    ("raw", "born"),
    [
        ("0102031234", date(1903, 2, 1)),
        ("010203-4234", date(2003, 2, 1)),
        ("311299-5999", date(1899, 12, 31)),
        ("290224-4998", date(2024, 2, 29)),
    ],
)
def test_birth_date_follows_the_century_digit(raw: str, born: date) -> None:
    """The 7th digit decides the century, as CPR-kontoret's table says."""
    assert CprNumber(raw).birth_date == born


@pytest.mark.parametrize("raw", ["", "12345", "010203123X", "3102031234", "290223-4998"])
def test_malformed_numbers_are_refused(raw: str) -> None:
    """Wrong length, letters and impossible dates are refused on construction."""
    with pytest.raises(ValueError):
        CprNumber(raw)


def test_printing_never_shows_the_full_number() -> None:
    """str() and repr() mask the last four digits."""
    cpr = CprNumber("010203-4234")
    assert "4234" not in str(cpr) and "4234" not in repr(cpr)
    assert cpr.value == "0102034234"
