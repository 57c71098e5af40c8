"""Anbringelse: with consent (§ 46), without consent through the Børn og unge-udvalg (§ 47, the
plan as a gate before the meeting, D7), and the chair's urgent decision (§ 143); tilsyn, the
committee's reviews and hjemgivelse."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from api.calendar.months import add_months, months_deadline
from api.calendar.working_days import COPENHAGEN
from api.cases.tables import measure
from api.projector import tables as rm
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.readmodel import process_instance, rows
from tests.harness.waiting import eventually
from tests.platform.test_afgoerelse import DECISION, to_decision
from tests.platform.test_investigation import (
    EXEMPT_HEARING,
    TALK,
    complete,
    instances,
    letters,
    open_tasks,
    task_named,
)
from tests.platform.test_stoettende_indsats import PLAN

PLACEMENT = {**DECISION, "legal_basis": "BL § 46", "main_facts": "Barnet er i fare derhjemme."}
VISIT = {
    "visit_date": "2026-11-20",
    "seen_alone": "yes",
    "conversation": "Barnet fortalte om skolen og plejefamilien; trives.",
}
UPHELD = {
    "meeting_date": "2026-11-20",
    "outcome": "upheld",
    "summary": "Anbringelsen er fortsat nødvendig.",
}


def placement_of(platform: Platform, case_id: str) -> Any:
    with platform.db.connect() as conn:
        return conn.execute(
            select(measure).where(
                measure.c.case_id == uuid.UUID(case_id), measure.c.kind == "anbringelse"
            )
        ).first()


def due_dates(platform: Platform, key: int) -> dict[str, Any]:
    return {
        t.deadline_rule: t.due_at
        for t in rows(platform.db, rm.timer, process_instance_key=key)
        if t.state == "CREATED"
    }


def due_including(platform: Platform, key: int, rules: set[str]) -> dict[str, Any] | None:
    found = due_dates(platform, key)
    return found if rules <= set(found) else None


def decide(
    platform: Platform, caseworker: ApiClient, leader: ApiClient, case_id: str, data: dict[str, Any]
) -> tuple[int, Any]:
    """Record the decision (with the leader's approval where the rule asks) and return the
    anbringelse it starts and the placement record."""
    complete(caseworker, task_named(caseworker, case_id, "Afgørelse"), data)
    if data["decided_by"] != "buu":
        complete(leader, task_named(leader, case_id, "Godkend afgørelse"), {"approved": "yes"})
    (placement,) = eventually(lambda: instances(platform, case_id, "anbringelse"))
    return placement.process_instance_key, eventually(lambda: placement_of(platform, case_id))


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=COPENHAGEN)


def test_placement_with_consent_tilsyn_and_hjemgivelse(
    platform: Platform, caseworker: ApiClient, leader: ApiClient
) -> None:
    case_id = to_decision(caseworker, "anbringelse")
    key, placed = decide(platform, caseworker, leader, case_id, PLACEMENT)
    began = start_of(placed.started_on)
    plan = task_named(caseworker, case_id, "Barnets plan")
    visit = task_named(caseworker, case_id, "Tilsynsbesøg")
    due = eventually(lambda: due_including(platform, key, {"D6", "D11", "D15"}))
    assert due["D6"] == months_deadline(began, 3)
    assert due["D11"] == months_deadline(began, 6)
    assert due["D15"] == months_deadline(began, 36)
    assert "Genbehandling i Børn og unge-udvalget" not in open_tasks(caseworker, case_id)
    complete(
        caseworker, plan, {**PLAN, "expected_end": add_months(placed.started_on, 24).isoformat()}
    )
    refused = caseworker.post(f"/api/tasks/{visit['id']}/complete", {**VISIT, "conversation": ""})
    assert refused.status_code == 422 and "conversation" in refused.text
    complete(caseworker, visit, VISIT)
    # The next visit keeps the half-yearly rhythm from the start, not from the visit.
    eventually(lambda: due_dates(platform, key).get("D11") == months_deadline(began, 12))

    bad = caseworker.post(f"/api/cases/{case_id}/decisions", {"subject": "adoption"})
    assert bad.status_code == 422
    started = caseworker.post(f"/api/cases/{case_id}/decisions", {"subject": "hjemgivelse"})
    assert started.status_code == 201, started.text
    eventually(lambda: len(instances(platform, case_id, "afgoerelse")) == 2)
    complete(caseworker, task_named(caseworker, case_id, "Børnesamtale før afgørelse"), TALK)
    complete(caseworker, task_named(caseworker, case_id, "Partshøring"), EXEMPT_HEARING)
    hjemgivelse = {**DECISION, "legal_basis": "BL § 68", "main_facts": "Forældrene kan nu."}
    complete(caseworker, task_named(caseworker, case_id, "Afgørelse"), hjemgivelse)
    eventually(lambda: len(letters(platform, case_id, "afgoerelse")) >= 2)
    period = task_named(caseworker, case_id, "Hjemgivelse: periode og revision af barnets plan")
    assert "Tilsynsbesøg" not in open_tasks(caseworker, case_id), "the placement's tracks ended"
    complete(
        caseworker,
        period,
        {"period_months": 0, "plan_revision": "Familiebehandling i 6 måneder efter hjemkomsten."},
    )
    eventually(lambda: placement_of(platform, case_id).ended_on is not None)
    eventually(lambda: process_instance(platform.db, key).state == "COMPLETED")
    # Home before 18: the ungestøtte the placement started is no longer needed.
    (youth,) = instances(platform, case_id, "ungestoette")
    youth_key = youth.process_instance_key
    eventually(lambda: process_instance(platform.db, youth_key).state == "COMPLETED")
    ends = {
        e.element_id for e in rows(platform.db, rm.element_instance, process_instance_key=youth_key)
    }
    assert "ungestoette_not_needed" in ends and "ungestoette_ended" not in ends


def test_placement_without_consent_needs_the_plan_before_the_meeting(
    platform: Platform, caseworker: ApiClient, leader: ApiClient
) -> None:
    """D7 as a gate: the committee's meeting (and so the decision) waits until barnets plan is
    in the indstilling; then the committee reviews after 1 year and every 2 years (D14)."""
    case_id = to_decision(caseworker, "anbringelse_uden_samtykke")
    today = datetime.now(COPENHAGEN).date().isoformat()
    complete(
        caseworker,
        task_named(caseworker, case_id, "Indstilling til Børn og unge-udvalget"),
        {
            "meeting_date": today,
            "summary": "Barnet kan ikke blive hjemme; forældrene samtykker ikke.",
        },
    )
    plan = task_named(caseworker, case_id, "Barnets plan til indstillingen")
    assert "Afgørelse" not in open_tasks(caseworker, case_id), "no meeting without the plan"
    complete(caseworker, plan, {**PLAN, "expected_end": add_months(date.today(), 24).isoformat()})
    key, placed = decide(
        platform,
        caseworker,
        leader,
        case_id,
        {**PLACEMENT, "legal_basis": "BL § 47", "decided_by": "buu"},
    )
    began = start_of(placed.started_on)
    review = task_named(caseworker, case_id, "Genbehandling i Børn og unge-udvalget")
    task_named(caseworker, case_id, "Tilsynsbesøg")
    assert "Barnets plan" not in open_tasks(caseworker, case_id), (
        "the plan came with the indstilling"
    )
    assert eventually(lambda: due_dates(platform, key).get("D14")) == months_deadline(began, 12)
    complete(caseworker, review, UPHELD)
    eventually(lambda: due_dates(platform, key).get("D14") == months_deadline(began, 36))
    again = eventually(
        lambda: next(
            (
                t
                for t in caseworker.get("/api/tasks", case_id=case_id).json()
                if t["name"] == "Genbehandling i Børn og unge-udvalget" and t["id"] != review["id"]
            ),
            None,
        )
    )
    complete(
        caseworker, again, {**UPHELD, "outcome": "ended", "summary": "Forholdene er forbedret."}
    )
    eventually(lambda: placement_of(platform, case_id).ended_on is not None)


def test_chair_decision_is_approved_and_then_decided_by_the_committee(
    platform: Platform, caseworker: ApiClient, leader: ApiClient
) -> None:
    """§ 143: the committee approves the chair's urgent decision within 7 days (D12) and
    decides the case within 1 month (D13); if it does not approve, the placement ends."""
    case_id = to_decision(caseworker, "anbringelse")
    key, placed = decide(
        platform, caseworker, leader, case_id, {**PLACEMENT, "decided_by": "formand"}
    )
    began = start_of(placed.started_on)
    approval = task_named(caseworker, case_id, "Udvalgets godkendelse af formandens afgørelse")
    due = eventually(lambda: due_including(platform, key, {"D12"}))
    assert due["D12"] == start_of(placed.started_on + timedelta(days=8))
    complete(caseworker, approval, UPHELD)
    full = task_named(caseworker, case_id, "Udvalgets afgørelse efter formandens afgørelse")
    assert eventually(lambda: due_dates(platform, key).get("D13")) == months_deadline(began, 1)
    complete(caseworker, full, {**UPHELD, "outcome": "ended", "summary": "Udvalget ophæver."})
    eventually(lambda: placement_of(platform, case_id).ended_on is not None)
