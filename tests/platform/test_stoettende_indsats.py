"""Støttende indsats (BL § 32): started by a granted decision; barnets plan (D8), the first
follow-up (D9), later follow-ups at the caseworker's interval (D10), and its end."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
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
from tests.platform.test_investigation import complete, instances, task_named

PLAN = {
    "plan_needed": "yes",
    "purpose": "Barnet skal have en fast voksen at tale med og komme i skole hver dag.",
    "goal_udvikling": "Barnet kommer i skole mindst 4 dage om ugen.",
    "goal_foraeldre": "Forældrene følger op på lektier og fremmøde.",
}
FOLLOW_UP = {
    "score_udvikling": 6,
    "score_foraeldre": 7,
    "child_view": "Barnet er glad for kontaktpersonen og kommer oftere i skole.",
    "assessment": "Indsatsen virker; fremmødet er steget.",
    "outcome": "continue",
    "next_interval_months": 4,
    "interval_reason": "Fremgangen er stabil; 4 måneder giver tid til at se varig effekt.",
}


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=COPENHAGEN).astimezone(UTC)


def start_indsats(
    platform: Platform, client: ApiClient, received_at: datetime | None = None
) -> tuple[str, int, Any]:
    """A granted § 32 decision and the støttende indsats it starts."""
    case_id = to_decision(client, "stoettende_indsats", received_at=received_at)
    complete(client, task_named(client, case_id, "Afgørelse"), DECISION)
    (indsats,) = eventually(lambda: instances(platform, case_id, "stoettende_indsats"))
    with platform.db.connect() as conn:
        (granted,) = conn.execute(select(measure).where(measure.c.case_id == uuid.UUID(case_id)))
    return case_id, indsats.process_instance_key, granted


def timers(platform: Platform, key: int) -> dict[str, Any]:
    return {
        t.deadline_rule: t
        for t in rows(platform.db, rm.timer, process_instance_key=key)
        if t.state == "CREATED"
    }


def test_indsats_from_decision_to_end(platform: Platform, caseworker: ApiClient) -> None:
    case_id, key, granted = start_indsats(platform, caseworker)
    assert (granted.kind, granted.legal_basis) == ("indsats", DECISION["legal_basis"])
    started = datetime.combine(granted.started_on, time(0), tzinfo=COPENHAGEN)
    plan = task_named(caseworker, case_id, "Barnets plan")
    d8 = eventually(lambda: timers(platform, key).get("D8"), what="D8 timer")
    assert d8.due_at == months_deadline(started, 3)
    refused = caseworker.post(f"/api/tasks/{plan['id']}/complete", PLAN)
    assert refused.status_code == 422 and "expected_end" in refused.text
    expected_end = add_months(granted.started_on, 12)
    complete(caseworker, plan, {**PLAN, "expected_end": expected_end.isoformat()})

    first = task_named(caseworker, case_id, "Første opfølgning")

    def both() -> dict[str, Any] | None:
        found = timers(platform, key)
        return found if {"D9", "D26"} <= set(found) else None

    found = eventually(both, what="D9 and D26 timers")
    # The BFU has ended, so the first follow-up is 3 months after the start (D9).
    assert found["D9"].due_at == months_deadline(started, 3)
    assert found["D26"].due_at == end_of(expected_end)
    assert "D8" not in found, "the plan was made: its deadline is met"
    complete(caseworker, first, FOLLOW_UP)

    later = task_named(caseworker, case_id, "Opfølgning")
    # Nothing typed twice: the next follow-up starts from the last one.
    form = caseworker.get(f"/api/tasks/{later['id']}/form").json()
    assert form["status"] == "prefilled"
    assert form["data"]["interval_reason"] == FOLLOW_UP["interval_reason"]
    d10 = eventually(lambda: timers(platform, key).get("D10"), what="D10 timer")
    today = datetime.now(COPENHAGEN).date()
    assert d10.due_at == end_of(add_months(today, 4))
    complete(caseworker, later, {**FOLLOW_UP, "outcome": "end"})
    eventually(lambda: process_instance(platform.db, key).state == "COMPLETED")
    page = caseworker.get(f"/api/cases/{case_id}").json()
    (shown,) = page["measures"]
    assert shown["kind"] == "indsats" and shown["ended_on"] == today.isoformat()
    states = {(d["rule_id"], d["state"]) for d in page["deadlines"]}
    assert {("D8", "met"), ("D9", "met"), ("D10", "met"), ("D26", "met")} <= states


def test_a_refused_decision_starts_no_indsats(platform: Platform, caseworker: ApiClient) -> None:
    case_id = to_decision(caseworker, "stoettende_indsats")
    complete(
        caseworker, task_named(caseworker, case_id, "Afgørelse"), {**DECISION, "decision": "deny"}
    )
    (decision,) = eventually(lambda: instances(platform, case_id, "afgoerelse"))
    eventually(
        lambda: any(
            t.deadline_rule == "D16"
            for t in rows(platform.db, rm.timer, process_instance_key=decision.process_instance_key)
        )
    )
    platform.wait_projected()
    assert instances(platform, case_id, "stoettende_indsats") == []
    assert caseworker.get(f"/api/cases/{case_id}").json()["measures"] == []
