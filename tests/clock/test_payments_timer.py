"""The monthly payment run on the moved clock: the timer start event (rule P1) fires on the 1st
at 05:00 UTC and pays each active grant for the month it runs in, once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from api.calendar.working_days import COPENHAGEN
from api.finance.projection import month_of, next_month
from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.platform.test_payments import CONTACT, booked, granted, payment

pytestmark = pytest.mark.clock


def next_run(now: datetime) -> datetime:
    """The next 1st of a month at 05:00 UTC after `now`."""
    this = datetime.combine(now.astimezone(UTC).date().replace(day=1), time(5), tzinfo=UTC)
    return this if this > now else datetime.combine(next_month(this.date()), time(5), tzinfo=UTC)


def test_the_monthly_timer_pays_each_active_grant_once_a_month(
    clock_platform: Platform, clock: EngineClock, clients: tuple[ApiClient, ApiClient]
) -> None:
    platform = clock_platform
    caseworker, _ = clients
    case_id, grant = granted(caseworker, {**CONTACT, "price": 8000}, clock.now())
    projected = {p["month"]: p["amount"] for p in grant["projection"]}
    periods = []
    for _ in range(2):
        wait_until_idle(platform)
        due = next_run(clock.now())
        clock.advance(due - clock.now() + timedelta(minutes=1))
        period = month_of(due.astimezone(COPENHAGEN).date())
        paid = payment(caseworker, case_id, period, "matched")
        assert paid["amount"] == projected[f"{period:%Y-%m}"]
        periods.append(period)
    postings = booked(platform, grant["id"])
    assert sorted(p.posting_date for p in postings) == periods
