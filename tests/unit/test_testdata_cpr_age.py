"""api.testdata.cpr.synthetic_cpr_of_age: synthetic numbers of a person of a given age."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from api.cases.cpr import CprNumber
from api.testdata.cpr import is_synthetic, synthetic_cpr_of_age


@pytest.mark.parametrize(
    "today", [date(2026, 1, 1), date(2026, 3, 31), date(2026, 7, 15), date(2029, 12, 31)]
)
@pytest.mark.parametrize("age", [16, 17, 22])
def test_the_person_has_the_age_and_the_number_is_synthetic(today: date, age: int) -> None:
    """For many seeds: synthetic, the asked age today and a month either side, deterministic."""
    for seed in range(40):
        number = synthetic_cpr_of_age(seed, age, today)
        assert is_synthetic(number)
        cpr = CprNumber(number)
        assert cpr.age_on(today) == age
        assert cpr.age_on(today - timedelta(days=28)) == age
        assert cpr.age_on(today + timedelta(days=28)) == age
        assert number == synthetic_cpr_of_age(seed, age, today)
