"""Deadlines counted in calendar months (BL § 20 stk. 3: a BFU within 4 months)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

from api.calendar.working_days import COPENHAGEN


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day (31 Jan + 1)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_deadline(aware_at: datetime, months: int) -> datetime:
    """End of the day (Copenhagen midnight) `months` after the local awareness date, in UTC."""
    if aware_at.tzinfo is None:
        raise ValueError("aware_at must be timezone-aware")
    last_day = add_months(aware_at.astimezone(COPENHAGEN).date(), months)
    midnight = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=COPENHAGEN)
    return midnight.astimezone(UTC)
