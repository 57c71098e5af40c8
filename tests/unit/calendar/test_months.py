"""Calendar-month deadlines (D5: the BFU within 4 months of awareness)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.calendar.months import add_months, months_deadline


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 15), 4, date(2026, 5, 15)),
        (date(2026, 10, 31), 4, date(2027, 2, 28)),
        (date(2027, 10, 31), 4, date(2028, 2, 29)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
    ],
    ids=["plain", "short-month", "leap-year", "year-end"],
)
def test_add_months_clamps_to_the_last_day(start: date, months: int, expected: date) -> None:
    """A day the target month lacks becomes that month's last day."""
    assert add_months(start, months) == expected


def test_deadline_is_copenhagen_midnight_after_the_last_day() -> None:
    """Aware 23:30 UTC on 31 March (already 1 April in Copenhagen): due end of 1 August."""
    aware = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 April, summer time
    assert months_deadline(aware, 4) == datetime(2026, 8, 1, 22, 0, tzinfo=UTC)


def test_naive_time_is_refused() -> None:
    """A time without zone cannot say which day it was in Copenhagen."""
    with pytest.raises(ValueError):
        months_deadline(datetime(2026, 1, 1), 4)
