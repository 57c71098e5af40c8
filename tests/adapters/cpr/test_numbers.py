"""CPR number rules: century, well-formedness, modulus 11 and the synthetic scheme."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.cpr.numbers import (
    birth_date_of,
    is_synthetic,
    is_well_formed,
    make_synthetic,
    normalise,
    passes_modulus11,
    synthetic_candidates,
)


@pytest.mark.parametrize(
    ("cpr", "born"),
    [
        ("0101651234", date(1965, 1, 1)),
        ("0101054234", date(2005, 1, 1)),
        ("0101454234", date(1945, 1, 1)),
        ("0101105234", date(2010, 1, 1)),
        ("0101605234", date(1860, 1, 1)),
        ("0101369234", date(2036, 1, 1)),
        ("0101379234", date(1937, 1, 1)),
    ],
)
def test_century_follows_the_seventh_digit(cpr: str, born: date) -> None:
    """The first sequence digit decides the century, as CPR's rule says."""
    assert birth_date_of(cpr) == born


@pytest.mark.parametrize(
    "cpr", ["3102151234", "0013151234", "123456789", "12345678901", "01O1651234"]
)
def test_malformed_numbers_are_not_well_formed(cpr: str) -> None:
    """Impossible dates and wrong lengths or characters are not well-formed."""
    assert not is_well_formed(cpr)


def test_leap_day_depends_on_the_century() -> None:
    """29 February 2000 exists, 29 February 1900 does not."""
    assert is_well_formed("2902004000")
    assert not is_well_formed("2902000000")


def test_dashed_form_is_normalised() -> None:
    """`ddmmyy-xxxx` becomes ten digits; other text is left alone."""
    assert normalise(" 010165-1234 ") == "0101651234"
    assert normalise("01016-51234") == "01016-51234"


def test_modulus11_known_values() -> None:
    """The weights 4,3,2,7,6,5,4,3,2,1 decide modulus 11."""
    assert passes_modulus11("0202149901")
    assert not passes_modulus11("0202149900")


def test_synthetic_candidates_all_satisfy_the_scheme() -> None:
    """Every candidate is synthetic, of the asked sex and birth date."""
    for female in (True, False):
        for number in synthetic_candidates(date(2011, 7, 14), female=female):
            assert is_synthetic(number)
            assert birth_date_of(number) == date(2011, 7, 14)
            assert (int(number[-1]) % 2 == 0) is female


@pytest.mark.parametrize("born", [date(2011, 7, 1), date(2011, 7, 29), date(1936, 7, 2)])
def test_synthetic_numbers_need_a_covered_birth_date(born: date) -> None:
    """Day 1, days after the 28th and years outside 1937..2036 are refused."""
    with pytest.raises(ValueError):
        make_synthetic(born, female=True, index=0)


@pytest.mark.parametrize(
    "cpr",
    ["0202149901", "0102149900", "2902149900", "0202141234", "1503154321", "0202159900x"],
)
def test_other_patterns_are_not_synthetic(cpr: str) -> None:
    """Passing modulus 11, day 1 or after 28, or a sequence outside 99xx is not synthetic."""
    assert not is_synthetic(cpr)
