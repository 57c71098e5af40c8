"""Deadlines of "N hverdage/arbejdsdage after receipt" as absolute instants.

Zeebe timers cannot count working days, so a worker computes the deadline here and hands the
engine an absolute `timeDate`. The receipt day is day 0, whether or not it is a working day, and
the deadline runs to the end (local midnight) of the Nth working day after it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api.calendar.holidays import WorkingCalendar

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def danish_today() -> date:
    """Today's date in Denmark by the machine's clock: a UTC server is a day behind for the
    first hour or two after midnight in Copenhagen."""
    return datetime.now(COPENHAGEN).date()


def deadline_date(received_at: datetime, days: int, calendar: WorkingCalendar) -> date:
    """The local date of the Nth working day after receipt: the last day to act ("senest ...")."""
    if received_at.utcoffset() is None:
        raise ValueError(
            f"received_at must be timezone-aware, got the naive datetime {received_at.isoformat()}"
        )
    if days < 1:
        raise ValueError(f"days must be 1 or more, got {days}")
    current = received_at.astimezone(COPENHAGEN).date()
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if calendar.is_working_day(current):
            remaining -= 1
    return current


def add_working_days(received_at: datetime, days: int, calendar: WorkingCalendar) -> datetime:
    """The instant (in UTC) at which N working days after receipt have run out.

    That is 00:00 Copenhagen time on the calendar day after the Nth working day. Local midnight
    always exists and is unambiguous, because the DST changes in Denmark happen at 02:00/03:00.
    """
    last_day = deadline_date(received_at, days, calendar)
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=COPENHAGEN)
    return end.astimezone(UTC)


def start_of_day(day: date) -> datetime:
    """Copenhagen midnight at the start of `day`, in UTC."""
    return datetime.combine(day, time(0), tzinfo=COPENHAGEN).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """Copenhagen midnight after `day`, in UTC: the end of a deadline's last day."""
    return start_of_day(day + timedelta(days=1))


def end_of_days(moment: datetime, days: int) -> datetime:
    """Midnight (Copenhagen) after the day `days` calendar days after `moment`'s day: the end of
    a period "within N days of receipt", as a hearing period or a reply period is counted."""
    return end_of_day(moment.astimezone(COPENHAGEN).date() + timedelta(days=days))
