"""The pages' Danish dates, deadline buckets and navigation, without a stack."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from api.auth.principal import Principal
from api.web.cards import bucket_of, bucket_windows
from api.web.render import dk_date, dk_datetime, home_for, nav_for
from api.web.session import csrf_token


def principal(*roles: str) -> Principal:
    return Principal(uuid.uuid4(), "u", "U", "901", uuid.uuid4(), frozenset(roles))


def test_dates_are_danish_in_copenhagen_time() -> None:
    # Summer time (UTC+2) and winter time (UTC+1).
    assert dk_datetime(datetime(2026, 7, 1, 22, 5, tzinfo=UTC)) == "02.07.2026 kl. 00.05"
    assert dk_datetime("2026-01-31T23:30:00Z") == "01.02.2026 kl. 00.30"
    assert dk_datetime("2026-01-31T08:00:00") == "31.01.2026 kl. 09.00"  # naive is UTC
    assert dk_date(date(2026, 3, 9)) == "09.03.2026"
    assert dk_datetime(None) == dk_datetime("ikke en dato") == ""


def test_deadline_buckets_follow_the_copenhagen_day() -> None:
    now = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 23.30 in Copenhagen
    assert bucket_of(datetime(2026, 11, 23, 22, 0, tzinfo=UTC), now) == "overskredet"
    assert bucket_of(datetime(2026, 11, 23, 22, 45, tzinfo=UTC), now) == "i_dag"
    assert bucket_of(datetime(2026, 11, 23, 23, 15, tzinfo=UTC), now) == "7_dage"  # tomorrow
    assert bucket_of(datetime(2026, 11, 30, 22, 0, tzinfo=UTC), now) == "7_dage"
    assert bucket_of(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), now) is None
    assert bucket_of(None, now) is None


def test_navigation_shows_only_what_the_roles_allow() -> None:
    labels = [i.label for i in nav_for(principal("caseworker"))]
    assert labels == ["Mit overblik", "Ny underretning", "Søg"]
    assert "Leder" in [i.label for i in nav_for(principal("team_leader"))]
    assert [i.href for i in nav_for(principal("operator"))] == ["/drift"]
    assert home_for(principal("analyst")) == "/modellering"
    assert home_for(principal()) == "/"


def test_csrf_token_belongs_to_its_session() -> None:
    assert csrf_token("a") == csrf_token("a") != csrf_token("b")
    assert len(csrf_token("a")) == 64


def test_bucket_windows_are_the_days_of_bucket_of() -> None:
    """The overview counts colleagues' deadlines in SQL by these windows: the same buckets as
    the cards, every quarter of an hour over three weeks and across the DST change."""
    for now in (
        datetime(2026, 11, 23, 22, 30, tzinfo=UTC),
        datetime(2026, 3, 27, 12, 0, tzinfo=UTC),
    ):
        windows = bucket_windows(now)
        for step in range(-4 * 24, 4 * 24 * 20):
            due = now + timedelta(minutes=15 * step + 7)
            inside = [
                key
                for key, (start, until) in windows.items()
                if (start is None or due >= start) and due < until
            ]
            expected = bucket_of(due, now)
            assert inside == ([expected] if expected else []), due
