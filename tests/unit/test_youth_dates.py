"""Ungestøtte's dates from the birth date: D22 (16 years), D23 (18 years minus 6 months) and
D24 (23 years), each at Copenhagen midnight at the start of the day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest

from api.calendar.working_days import COPENHAGEN
from api.cases.cpr import CprNumber
from api.cases.youth import birthday, youth_dates


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=COPENHAGEN)


@pytest.mark.parametrize(
    ("born", "planning", "decision", "ends"),
    [
        # An ordinary birthday.
        (date(2010, 5, 14), date(2026, 5, 14), date(2027, 11, 14), date(2033, 5, 14)),
        # 29 February: the birthday in a common year is 1 March (as CprNumber.age_on counts);
        # the 16th birthday of a 2008 child falls in a leap year.
        (date(2008, 2, 29), date(2024, 2, 29), date(2025, 9, 1), date(2031, 3, 1)),
        (date(2012, 2, 29), date(2028, 2, 29), date(2029, 9, 1), date(2035, 3, 1)),
        (date(2011, 2, 28), date(2027, 2, 28), date(2028, 8, 28), date(2034, 2, 28)),
        # Six months before a 31 August birthday is the last day of February.
        (date(2009, 8, 31), date(2025, 8, 31), date(2027, 2, 28), date(2032, 8, 31)),
        (date(2010, 3, 31), date(2026, 3, 31), date(2027, 9, 30), date(2033, 3, 31)),
        # Already over 16 (and past D23) today: the dates stay anchored to the birthdays, so
        # the engine fires the past timers at once instead of moving them.
        (date(2008, 1, 10), date(2024, 1, 10), date(2025, 7, 10), date(2031, 1, 10)),
        # Already over 23: every date is in the past.
        (date(2000, 6, 15), date(2016, 6, 15), date(2017, 12, 15), date(2023, 6, 15)),
    ],
)
def test_dates_from_the_birth_date(born: date, planning: date, decision: date, ends: date) -> None:
    """Each rule's date is the start of the right day in Copenhagen, given in UTC."""
    dates = youth_dates(born)
    assert dates.planning_from == midnight(planning)
    assert dates.decision_due == midnight(decision)
    assert dates.ends_at == midnight(ends)
    assert all(
        d.utcoffset() == timedelta(0)
        for d in (dates.planning_from, dates.decision_due, dates.ends_at)
    )


def test_midnight_follows_danish_summer_and_winter_time() -> None:
    """A summer birthday starts at 22:00 UTC the day before, a winter one at 23:00."""
    summer = youth_dates(date(2010, 7, 2)).planning_from
    winter = youth_dates(date(2010, 1, 2)).planning_from
    assert summer == datetime(2026, 7, 1, 22, 0, tzinfo=UTC)
    assert winter == datetime(2026, 1, 1, 23, 0, tzinfo=UTC)


def test_already_past_dates_are_not_moved_to_today() -> None:
    """A young person over 23 gets past dates, not dates counted from today."""
    dates = youth_dates(date(2000, 6, 15))
    assert dates.ends_at < datetime.now(UTC)


@pytest.mark.parametrize("born", [date(2008, 2, 29), date(2010, 5, 14), date(2009, 12, 31)])
@pytest.mark.parametrize("age", [16, 18, 23])
def test_birthday_is_the_first_day_of_the_new_age(born: date, age: int) -> None:
    """The birthday agrees with CprNumber.age_on: the age changes exactly that day."""
    person = SimpleNamespace(birth_date=born)
    day = birthday(born, age)
    assert CprNumber.age_on(person, day) == age  # type: ignore[arg-type]
    assert CprNumber.age_on(person, day - timedelta(days=1)) == age - 1  # type: ignore[arg-type]
