"""Case-store steps of a støttende indsats (BL § 32): its start, barnets plan (D8), the
opfølgninger (D9, D10), the review at the expected end (D26) and its end.

Every date the engine waits for is computed here from case facts (the decision's delivery,
the submitted plan and follow-ups), so a restarted instance keeps its legal deadlines.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from api.calendar.months import add_months, months_deadline
from api.calendar.working_days import COPENHAGEN, end_of_day, start_of_day
from api.cases.decisions import latest_document
from api.cases.statistics import note_event
from api.cases.tables import measure
from api.processes.service import instances_of_case
from api.projector import tables as rm

PLAN_MONTHS = 3  # D8, BL § 91
FIRST_FOLLOW_UP_MONTHS = 3  # D9, BL § 95


def _measure(conn: Connection, decision_key: int) -> Any:
    row = conn.execute(
        select(measure).where(measure.c.decision_instance_key == decision_key)
    ).first()
    if row is None:
        raise LookupError("the decision has recorded no indsats")
    return row


@dataclass(frozen=True)
class Start:
    measure_id: uuid.UUID
    plan_due: datetime
    first_follow_up: datetime


def start(conn: Connection, case_id: uuid.UUID, decision_key: int) -> Start:
    """D8: the plan 3 months after the decision; D9: the first follow-up at the earlier of 3
    months after the start and the deadline of an investigation still running on the case."""
    row = _measure(conn, decision_key)
    started = start_of_day(row.started_on)
    follow_up = months_deadline(started, FIRST_FOLLOW_UP_MONTHS)
    running = [
        i.process_instance_key
        for i in instances_of_case(conn, case_id)
        if i.bpmn_process_id == "boernefaglig_undersoegelse" and i.state == "ACTIVE"
    ]
    if running:
        ends = conn.execute(
            select(rm.timer.c.due_at).where(
                rm.timer.c.process_instance_key.in_(running),
                rm.timer.c.deadline_rule == "D5",
                rm.timer.c.state == "CREATED",
            )
        ).scalars()
        follow_up = min([follow_up, *ends])
    return Start(row.id, months_deadline(started, PLAN_MONTHS), follow_up)


def expected_end(conn: Connection, case_id: uuid.UUID) -> datetime:
    """D26: the end of the expected last day the plan gives."""
    plan = latest_document(conn, case_id, "barnets_plan")
    return end_of_day(date.fromisoformat(plan["expected_end"]))


@dataclass(frozen=True)
class FollowUp:
    next_at: datetime
    carry_on: bool


def after_follow_up(conn: Connection, case_id: uuid.UUID, now: datetime) -> FollowUp:
    """D10: the next follow-up at the interval the caseworker set and justified."""
    document = latest_document(conn, case_id, "opfoelgning")
    months = int(document["next_interval_months"])
    next_day = add_months(now.astimezone(COPENHAGEN).date(), months)
    return FollowUp(end_of_day(next_day), document["outcome"] == "continue")


def after_review(conn: Connection, case_id: uuid.UUID) -> tuple[bool, datetime]:
    """The review at the expected end: go on to a new expected end, or end the indsats."""
    review = latest_document(conn, case_id, "indsats_revurdering")
    return review["outcome"] == "extend", end_of_day(date.fromisoformat(review["expected_end"]))


def end(conn: Connection, measure_id: uuid.UUID, today: date) -> None:
    """End the measure (once) and note the end event for Danmarks Statistik."""
    conn.execute(
        update(measure)
        .where(measure.c.id == measure_id, measure.c.ended_on.is_(None))
        .values(ended_on=today)
    )
    row = conn.execute(select(measure).where(measure.c.id == measure_id)).one()
    note_event(
        conn,
        case_id=row.case_id,
        subject=row.kind,
        subject_id=row.id,
        event="end",
        occurred_on=row.ended_on,
    )


def measures_view(conn: Connection, case_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(measure).where(measure.c.case_id == case_id).order_by(measure.c.started_on)
    )
    return [
        {
            "id": str(m.id),
            "kind": m.kind,
            "legal_basis": m.legal_basis,
            "decision_instance_key": (
                str(m.decision_instance_key) if m.decision_instance_key is not None else None
            ),
            "transfer_id": str(m.transfer_id) if m.transfer_id else None,
            "started_on": m.started_on,
            "ended_on": m.ended_on,
        }
        for m in rows
    ]
