"""Deadlines in hverdage/arbejdsdage: day 0 is the local receipt day, the end is local midnight."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.calendar import COPENHAGEN, WorkingCalendar, add_working_days, deadline_date

DEFAULT = WorkingCalendar()

Compute = Callable[[datetime, int, WorkingCalendar], object]


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=COPENHAGEN)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


CASES = [
    pytest.param(local(2025, 3, 3, 10), 6, DEFAULT, date(2025, 3, 11), id="monday-6-hverdage"),
    pytest.param(local(2025, 3, 3, 10), 1, DEFAULT, date(2025, 3, 4), id="monday-1-hverdag"),
    pytest.param(local(2025, 3, 8, 14), 6, DEFAULT, date(2025, 3, 17), id="saturday-receipt"),
    pytest.param(utc(2025, 3, 7, 22, 30), 6, DEFAULT, date(2025, 3, 17), id="23:30-local-winter"),
    pytest.param(utc(2025, 6, 27, 21, 30), 6, DEFAULT, date(2025, 7, 7), id="23:30-local-summer"),
    pytest.param(utc(2025, 3, 9, 23, 30), 6, DEFAULT, date(2025, 3, 18), id="00:30-local-winter"),
    pytest.param(utc(2025, 6, 29, 22, 30), 6, DEFAULT, date(2025, 7, 8), id="00:30-local-summer"),
    pytest.param(local(2025, 3, 10, 0, 0), 6, DEFAULT, date(2025, 3, 18), id="local-midnight"),
    pytest.param(
        datetime(2025, 3, 9, 19, 30, tzinfo=ZoneInfo("America/New_York")),
        6,
        DEFAULT,
        date(2025, 3, 18),
        id="foreign-zone-is-converted",
    ),
    pytest.param(local(2026, 3, 30, 9), 6, DEFAULT, date(2026, 4, 10), id="across-easter-2026"),
    pytest.param(local(2025, 12, 22, 10), 6, DEFAULT, date(2026, 1, 6), id="across-christmas"),
    pytest.param(local(2025, 12, 22, 10), 4, DEFAULT, date(2026, 1, 2), id="senest-2-januar"),
    pytest.param(local(2025, 12, 25, 11), 1, DEFAULT, date(2025, 12, 29), id="receipt-on-juledag"),
    pytest.param(local(2025, 12, 31, 15), 1, DEFAULT, date(2026, 1, 2), id="receipt-nytaarsaften"),
    pytest.param(local(2025, 3, 26, 10), 6, DEFAULT, date(2025, 4, 3), id="across-dst-spring"),
    pytest.param(local(2025, 10, 22, 10), 6, DEFAULT, date(2025, 10, 30), id="across-dst-autumn"),
    pytest.param(local(2025, 6, 2, 9), 7, DEFAULT, date(2025, 6, 13), id="d19-7-arbejdsdage-pinse"),
    pytest.param(
        local(2025, 5, 22, 10), 7, DEFAULT, date(2025, 6, 3), id="d19-7-arbejdsdage-himmelfart"
    ),
    pytest.param(local(2023, 5, 4, 10), 1, DEFAULT, date(2023, 5, 8), id="store-bededag-2023"),
    pytest.param(local(2024, 4, 25, 10), 1, DEFAULT, date(2024, 4, 26), id="no-store-bededag-2024"),
    pytest.param(
        local(2025, 3, 3, 10),
        6,
        WorkingCalendar(extra_closed=frozenset({date(2025, 3, 7)})),
        date(2025, 3, 12),
        id="municipal-closing-day",
    ),
    pytest.param(
        local(2025, 12, 22, 10),
        6,
        WorkingCalendar(extra_open=frozenset({date(2025, 12, 24)})),
        date(2026, 1, 5),
        id="extra-open-juleaftensdag",
    ),
    pytest.param(
        local(2025, 12, 22, 10),
        6,
        WorkingCalendar(
            grundlovsdag_closed=False, juleaftensdag_closed=False, nytaarsaftensdag_closed=False
        ),
        date(2026, 1, 2),
        id="only-helligdage-closed",
    ),
]


@pytest.mark.parametrize(("received_at", "days", "calendar", "last_day"), CASES)
def test_deadline_date_is_the_nth_working_day_after_the_local_receipt_day(
    received_at: datetime, days: int, calendar: WorkingCalendar, last_day: date
) -> None:
    """The last day to act is the Nth working day after the receipt day in Copenhagen."""
    assert deadline_date(received_at, days, calendar) == last_day


@pytest.mark.parametrize(("received_at", "days", "calendar", "last_day"), CASES)
def test_deadline_is_local_midnight_after_the_last_working_day(
    received_at: datetime, days: int, calendar: WorkingCalendar, last_day: date
) -> None:
    """The deadline instant is 00:00 Copenhagen time on the day after the last day, in UTC."""
    deadline = add_working_days(received_at, days, calendar)
    day_after = last_day + timedelta(days=1)
    assert deadline.tzinfo is UTC
    assert deadline == local(day_after.year, day_after.month, day_after.day)


@pytest.mark.parametrize(
    ("received_at", "expected_utc", "expected_offset"),
    [
        pytest.param(
            local(2025, 3, 26, 10), utc(2025, 4, 3, 22), timedelta(hours=2), id="spring-cet-to-cest"
        ),
        pytest.param(
            local(2025, 10, 22, 10),
            utc(2025, 10, 30, 23),
            timedelta(hours=1),
            id="autumn-cest-to-cet",
        ),
        pytest.param(
            local(2026, 3, 30, 9), utc(2026, 4, 10, 22), timedelta(hours=2), id="easter-2026-cest"
        ),
        pytest.param(
            local(2025, 12, 22, 10), utc(2026, 1, 6, 23), timedelta(hours=1), id="new-year-cet"
        ),
    ],
)
def test_deadline_uses_the_utc_offset_in_force_at_the_deadline(
    received_at: datetime, expected_utc: datetime, expected_offset: timedelta
) -> None:
    """Across a DST change the deadline is local midnight with that date's offset, not receipt's."""
    deadline = add_working_days(received_at, 6, DEFAULT)
    assert deadline == expected_utc
    in_copenhagen = deadline.astimezone(COPENHAGEN)
    assert (in_copenhagen.hour, in_copenhagen.minute) == (0, 0)
    assert in_copenhagen.utcoffset() == expected_offset


@pytest.mark.parametrize("compute", [add_working_days, deadline_date], ids=lambda f: f.__name__)
def test_naive_receipt_time_is_refused(compute: Compute) -> None:
    """A receipt time without a time zone is ambiguous and raises ValueError."""
    with pytest.raises(ValueError, match="received_at must be timezone-aware"):
        compute(datetime(2025, 3, 3, 10), 6, DEFAULT)


@pytest.mark.parametrize("days", [0, -1], ids=["zero", "negative"])
@pytest.mark.parametrize("compute", [add_working_days, deadline_date], ids=lambda f: f.__name__)
def test_fewer_than_one_working_day_is_refused(compute: Compute, days: int) -> None:
    """A deadline of zero or a negative number of working days raises ValueError."""
    with pytest.raises(ValueError, match="days must be 1 or more"):
        compute(local(2025, 3, 3, 10), days, DEFAULT)
