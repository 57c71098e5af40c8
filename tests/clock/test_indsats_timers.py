"""The støttende indsats's timers on the moved clock: a late plan (D8) and a late first
follow-up (D9) each raise one advis and a leader task; every late later follow-up raises its
own advis (D10); the expected end (D26) interrupts the follow-ups with a review, which can
extend the indsats or end it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from api.calendar.working_days import COPENHAGEN
from api.cases.tables import measure
from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.casestore import advis_of
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.harness.readmodel import process_instance
from tests.harness.waiting import eventually
from tests.platform.test_investigation import complete, open_tasks, task_named
from tests.platform.test_stoettende_indsats import FOLLOW_UP, PLAN, start_indsats

pytestmark = pytest.mark.clock

ONE_MONTH = {**FOLLOW_UP, "next_interval_months": 1}


def next_follow_up(client: ApiClient, case_id: str, done: set[str]) -> dict[str, Any]:
    """The open follow-up task that is not one already handled (the read model may still show
    a completed one for a moment)."""

    def find() -> dict[str, Any] | None:
        tasks = client.get("/api/tasks", case_id=case_id).json()
        return next((t for t in tasks if t["name"] == "Opfølgning" and t["id"] not in done), None)

    return eventually(find, what="the next follow-up")


def test_indsats_deadlines_and_review(
    clock_platform: Platform, clock: EngineClock, clients: tuple[ApiClient, ApiClient]
) -> None:
    platform = clock_platform
    caseworker, leader = clients
    case_id, key, _ = start_indsats(platform, caseworker, clock.now())
    plan = task_named(caseworker, case_id, "Barnets plan")
    wait_until_idle(platform)

    clock.advance(timedelta(days=95))
    plan_reason = task_named(leader, case_id, "Årsag til overskredet frist for barnets plan")
    assert advis_of(platform, case_id, "D8") == ["deadline_breached"]
    expected_end = (clock.now() + timedelta(days=200)).astimezone(COPENHAGEN).date()
    complete(caseworker, plan, {**PLAN, "expected_end": expected_end.isoformat()})

    # The first follow-up was due 3 months after the start, which has passed (D9).
    first = task_named(caseworker, case_id, "Første opfølgning")
    follow_up_reason = task_named(leader, case_id, "Årsag til overskredet opfølgningsfrist")
    assert advis_of(platform, case_id, "D9") == ["deadline_breached"]
    complete(caseworker, first, ONE_MONTH)

    done: set[str] = set()
    for late in (1, 2):
        follow_up = next_follow_up(caseworker, case_id, done)
        done.add(follow_up["id"])
        wait_until_idle(platform)
        clock.advance(timedelta(days=32))
        eventually(lambda n=late: len(advis_of(platform, case_id, "D10")) == n)
        complete(caseworker, follow_up, ONE_MONTH)
    assert len(set(advis_of(platform, case_id, "D10"))) == 2, "one advis per late follow-up"

    done.add(next_follow_up(caseworker, case_id, done)["id"])
    wait_until_idle(platform)
    clock.advance(timedelta(days=140))
    review = task_named(caseworker, case_id, "Revurdering ved forventet ophør")
    assert "Opfølgning" not in open_tasks(caseworker, case_id), "the review replaces it"
    new_end = (clock.now() + timedelta(days=60)).astimezone(COPENHAGEN).date()
    complete(
        caseworker,
        review,
        {"outcome": "extend", "expected_end": new_end.isoformat(), "reason": "Målet er tæt på."},
    )
    next_follow_up(caseworker, case_id, done)
    wait_until_idle(platform)
    clock.advance(timedelta(days=61))
    review = task_named(caseworker, case_id, "Revurdering ved forventet ophør")
    complete(
        caseworker,
        review,
        {"outcome": "end", "expected_end": new_end.isoformat(), "reason": "Målene er nået."},
    )

    def ended() -> object:
        with platform.db.connect() as conn:
            return conn.execute(
                select(measure.c.ended_on).where(measure.c.case_id == uuid.UUID(case_id))
            ).scalar()

    assert eventually(ended) == clock.now().astimezone(COPENHAGEN).date()
    # The instance ends when the leader has given the reasons for the missed deadlines.
    assert process_instance(platform.db, key).state == "ACTIVE"
    for reason in (plan_reason, follow_up_reason):
        complete(leader, reason, {"breach_reason": "Sygdom i teamet i efteråret."})
    eventually(lambda: process_instance(platform.db, key).state == "COMPLETED")
