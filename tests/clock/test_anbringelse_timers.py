"""The anbringelse's timers on the moved clock: a late plan (D6), late tilsyn (D11, one advis
per missed visit), the chair's decision not approved in 7 days (D12) or decided in a month
(D13), the committee's reviews (D14), permanent placement considered at 3 years (D15) and the
hjemgivelse period (D21)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.casestore import advis_of
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.harness.readmodel import process_instance
from tests.harness.waiting import eventually
from tests.platform.test_afgoerelse import to_decision
from tests.platform.test_anbringelse import PLACEMENT, UPHELD, decide, placement_of
from tests.platform.test_investigation import EXEMPT_HEARING, TALK, complete, open_tasks, task_named

pytestmark = pytest.mark.clock


def test_placement_with_consent_on_the_clock(
    clock_platform: Platform, clock: EngineClock, clients: tuple[ApiClient, ApiClient]
) -> None:
    platform = clock_platform
    caseworker, leader = clients
    case_id = to_decision(caseworker, "anbringelse", received_at=clock.now())
    decide(platform, caseworker, leader, case_id, PLACEMENT)
    task_named(caseworker, case_id, "Barnets plan")
    task_named(caseworker, case_id, "Tilsynsbesøg")
    wait_until_idle(platform)

    clock.advance(timedelta(days=95))
    task_named(leader, case_id, "Årsag til overskredet frist for barnets plan")
    assert advis_of(platform, case_id, "D6") == ["deadline_breached"]
    wait_until_idle(platform)
    clock.advance(timedelta(days=95))
    eventually(lambda: len(advis_of(platform, case_id, "D11")) == 1, what="first missed visit")
    task_named(leader, case_id, "Årsag til overskredet tilsynsbesøg")
    complete(
        caseworker,
        task_named(caseworker, case_id, "Tilsynsbesøg"),
        {
            "visit_date": "2027-05-20",
            "seen_alone": "no",
            "conversation": "Barnet ville have plejemor med; det blev respekteret.",
        },
    )
    wait_until_idle(platform)
    clock.advance(timedelta(days=190))
    eventually(lambda: len(advis_of(platform, case_id, "D11")) == 2, what="second missed visit")

    wait_until_idle(platform)
    clock.advance(timedelta(days=3 * 365 - 380 + 5))
    consider = task_named(caseworker, case_id, "Varig anbringelse eller adoption")
    complete(
        caseworker,
        consider,
        {"outcome": "continue", "reason": "Barnet trives; hjemgivelse er målet."},
    )

    started = caseworker.post(f"/api/cases/{case_id}/decisions", {"subject": "hjemgivelse"})
    assert started.status_code == 201, started.text
    complete(caseworker, task_named(caseworker, case_id, "Børnesamtale før afgørelse"), TALK)
    complete(caseworker, task_named(caseworker, case_id, "Partshøring"), EXEMPT_HEARING)
    complete(
        caseworker,
        task_named(caseworker, case_id, "Afgørelse"),
        {**PLACEMENT, "legal_basis": "BL § 68"},
    )
    period = task_named(caseworker, case_id, "Hjemgivelse: periode og revision af barnets plan")
    complete(
        caseworker, period, {"period_months": 2, "plan_revision": "Støtte i hjemmet i overgangen."}
    )
    wait_until_idle(platform)
    assert placement_of(platform, case_id).ended_on is None, "the hjemgivelse period runs"
    clock.advance(timedelta(days=63))
    eventually(lambda: placement_of(platform, case_id).ended_on is not None)
    assert "Tilsynsbesøg" not in open_tasks(caseworker, case_id)


def test_chair_decision_and_committee_reviews_on_the_clock(
    clock_platform: Platform, clock: EngineClock, clients: tuple[ApiClient, ApiClient]
) -> None:
    platform = clock_platform
    caseworker, leader = clients
    case_id = to_decision(caseworker, "anbringelse", received_at=clock.now())
    key, _ = decide(platform, caseworker, leader, case_id, {**PLACEMENT, "decided_by": "formand"})
    approval = task_named(caseworker, case_id, "Udvalgets godkendelse af formandens afgørelse")
    wait_until_idle(platform)
    clock.advance(timedelta(days=9))
    task_named(leader, case_id, "Årsag til overskredet godkendelse af formandsbeslutning")
    assert advis_of(platform, case_id, "D12") == ["deadline_breached"]
    complete(caseworker, approval, UPHELD)
    full = task_named(caseworker, case_id, "Udvalgets afgørelse efter formandens afgørelse")
    wait_until_idle(platform)
    clock.advance(timedelta(days=25))
    task_named(leader, case_id, "Årsag til overskredet udvalgets afgørelse")
    assert advis_of(platform, case_id, "D13") == ["deadline_breached"]
    complete(caseworker, full, UPHELD)
    review = task_named(caseworker, case_id, "Genbehandling i Børn og unge-udvalget")
    wait_until_idle(platform)
    clock.advance(timedelta(days=340))
    eventually(lambda: advis_of(platform, case_id, "D14"))
    task_named(leader, case_id, "Årsag til overskredet genbehandling i udvalget")
    complete(caseworker, review, {**UPHELD, "outcome": "ended", "summary": "Forholdene er bedre."})
    eventually(lambda: placement_of(platform, case_id).ended_on is not None)
    assert process_instance(platform.db, key).state == "ACTIVE", "the leader's reasons are due"
