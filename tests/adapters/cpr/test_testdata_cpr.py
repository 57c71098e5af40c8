"""api.testdata.cpr, the source of every CPR number in fixtures and demo data.

It lives here because this slice may only add tests under tests/adapters; it belongs in
tests/api/testdata/ once that folder exists.
"""

from __future__ import annotations

from datetime import date

import pytest

from adapters.cpr.numbers import birth_date_of, is_female, is_well_formed
from api.testdata import cpr as testdata


def test_same_seed_gives_the_same_number() -> None:
    """synthetic_cpr is deterministic for int and str seeds and explicit arguments."""
    assert testdata.synthetic_cpr(7) == testdata.synthetic_cpr(7)
    assert testdata.synthetic_cpr("barn-1") == testdata.synthetic_cpr("barn-1")
    born = date(2014, 4, 4)
    first = testdata.synthetic_cpr("x", birth_date=born, female=False)
    assert first == testdata.synthetic_cpr("x", birth_date=born, female=False)


def test_different_seeds_spread_out() -> None:
    """A few hundred seeds give (almost) as many different numbers."""
    numbers = {testdata.synthetic_cpr(seed) for seed in range(300)}
    assert len(numbers) > 290


@pytest.mark.parametrize("seed", [0, 1, 42, "demo", "barn-med-forældre"])
def test_generated_numbers_are_well_formed_and_synthetic(seed: int | str) -> None:
    """Every generated number is ten digits with a real date, and synthetic."""
    number = testdata.synthetic_cpr(seed)
    assert len(number) == 10 and number.isdigit()
    assert is_well_formed(number)
    assert testdata.is_synthetic(number)
    assert number not in testdata.RESERVED


def test_birth_date_and_sex_are_honoured() -> None:
    """The number encodes the asked birth date, and its last digit the asked sex."""
    number = testdata.synthetic_cpr("girl", birth_date=date(2019, 11, 20), female=True)
    assert birth_date_of(number) == date(2019, 11, 20)
    assert is_female(number)
    assert not is_female(testdata.synthetic_cpr("boy", female=False))


def test_reserved_numbers_are_synthetic() -> None:
    """The simulator's edge-case numbers follow the same scheme."""
    named = [
        testdata.NOT_FOUND,
        testdata.PROTECTED_ADDRESS,
        testdata.DEAD,
        testdata.MISSING,
        testdata.TECHNICAL_FAULT,
        testdata.CONTRACT_VIOLATION,
        testdata.SLOW,
        testdata.NO_CUSTODY,
        testdata.CUSTODY_APART,
    ]
    assert set(named) == testdata.RESERVED and len(named) == len(set(named))
    assert all(testdata.is_synthetic(number) for number in named)


@pytest.mark.parametrize("cpr", ["0101651234", "1207881238", "2512001000", "0202149901"])
def test_plainly_different_numbers_are_not_synthetic(cpr: str) -> None:
    """Ordinary-looking numbers, and one passing modulus 11, are not synthetic."""
    assert not testdata.is_synthetic(cpr)
