"""Reading a case: the child from CPR, status, timeline and deadlines."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from api import clock
from api.auth.principal import Principal
from api.calendar.working_days import danish_today
from api.cases.aktindsigt import aktindsigt_view
from api.cases.cpr import CprNumber
from api.cases.hearings import hearings_view
from api.cases.measures import measures_view
from api.cases.statements import statements_view
from api.cases.statistics import events_of_case
from api.cases.tables import advis, case, form_document, letter, person, underretning
from api.esdh.service import esdh_of_case
from api.processes.service import instances_of_case
from api.projector import tables as rm
from api.rules.catalogue import RULE_SETS


def get_case(conn: Connection, principal: Principal, case_id: uuid.UUID) -> Any:
    """The case if it is in the caller's scope; None otherwise (existence is never revealed)."""
    return conn.execute(select(case).where(case.c.id == case_id, principal.case_scope())).first()


def child_view(conn: Connection, child_id: uuid.UUID) -> dict[str, Any]:
    return _child_view(conn.execute(select(person).where(person.c.id == child_id)).one())


def child_views(conn: Connection, child_ids: set[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """`child_view` of many children, in one query."""
    if not child_ids:
        return {}
    rows = conn.execute(select(person).where(person.c.id.in_(child_ids)))
    return {row.id: _child_view(row) for row in rows}


def _child_view(child: Any) -> dict[str, Any]:
    data = dict(child.cpr_data or {})
    view: dict[str, Any] = {
        "cpr_status": child.cpr_status,
        "unborn": child.cpr is None,
        "expected_birth_date": child.expected_birth_date,
        "name": " ".join(
            part
            for part in (data.get("first_names"), data.get("middle_name"), data.get("last_name"))
            if part
        )
        or data.get("addressing_name"),
        "gender": data.get("gender"),
        "status": data.get("status"),
        "address_protected": bool(data.get("address_protected")),
        "looked_up_at": child.cpr_looked_up_at,
    }
    if child.cpr:
        cpr = CprNumber(child.cpr)
        view["cpr"] = cpr.value
        # The age a caseworker in Denmark would say: the date in Copenhagen, not the server's.
        view["age"] = cpr.age_on(danish_today())
    if data.get("address") and not data.get("address_protected"):
        view["address"] = data["address"]
    view["mother_cpr"] = data.get("mother_cpr")
    view["father_cpr"] = data.get("father_cpr")
    view["custody"] = data.get("custody", [])
    return view


def _rule(rule_id: str | None) -> dict[str, Any]:
    for rule_set in RULE_SETS:
        rule = rule_set.get(rule_id or "")
        if rule:
            return {"rule_id": rule.id, "label": rule.label, "basis": rule.basis, "hard": rule.hard}
    return {"rule_id": rule_id, "label": None, "basis": None, "hard": None}


def deadlines(conn: Connection, instance_keys: list[int], now: datetime) -> list[dict[str, Any]]:
    if not instance_keys:
        return []
    timers = conn.execute(
        select(rm.timer)
        .where(rm.timer.c.process_instance_key.in_(instance_keys))
        .where(rm.timer.c.deadline_rule.is_not(None))
        .order_by(rm.timer.c.due_at)
    )
    return [
        {
            **_rule(t.deadline_rule),
            "due_at": t.due_at,
            "state": {"CREATED": "open", "TRIGGERED": "breached", "CANCELED": "met"}.get(
                t.state, t.state
            ),
            "overdue": t.state == "CREATED" and t.due_at < now,
            "process_instance_key": str(t.process_instance_key),
        }
        for t in timers
    ]


def timeline(conn: Connection, case_id: uuid.UUID) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for u in conn.execute(select(underretning).where(underretning.c.case_id == case_id)):
        events.append(
            {
                "at": u.received_at,
                "kind": "underretning",
                "id": str(u.id),
                "reporter_type": u.reporter_type,
            }
        )
    for d in conn.execute(select(form_document).where(form_document.c.case_id == case_id)):
        events.append(
            {
                "at": d.saved_at,
                "kind": "dokument",
                "form_id": d.form_id,
                "status": d.status,
                "task_id": str(d.user_task_key),
            }
        )
    for a in conn.execute(select(advis).where(advis.c.case_id == case_id)):
        events.append({"at": a.created_at, "kind": "advis", "rule_id": a.rule_id, "advis": a.kind})
    return sorted(events, key=lambda e: e["at"])


def letters_of_case(conn: Connection, case_id: uuid.UUID) -> list[dict[str, Any]]:
    """The letters sent on the case: what, to which kind of recipient, and when delivered."""
    rows = conn.execute(
        select(letter.c.kind, letter.c.recipient_kind, letter.c.delivered_at, letter.c.message_id)
        .where(letter.c.case_id == case_id)
        .order_by(letter.c.delivered_at)
    )
    return [
        {
            "kind": r.kind,
            "recipient_kind": r.recipient_kind,
            "delivered_at": r.delivered_at,
            "message_id": r.message_id,
        }
        for r in rows
    ]


def case_view(conn: Connection, row: Any) -> dict[str, Any]:
    instances = instances_of_case(conn, row.id)
    now = clock.current().now()
    return {
        "id": str(row.id),
        "case_number": row.case_number,
        "municipality_id": row.municipality_id,
        "kle_subject": row.kle_subject,
        "status": row.status,
        "flags": row.flags,
        "restricted": row.restricted,
        "child": child_view(conn, row.child_id),
        "timeline": timeline(conn, row.id),
        "deadlines": deadlines(conn, [i.process_instance_key for i in instances], now),
        "hearings": hearings_view(conn, row.id, now),
        "statements": statements_view(conn, row.id, now),
        "measures": measures_view(conn, row.id),
        "statistics_events": events_of_case(conn, row.id),
        "aktindsigt": aktindsigt_view(conn, row.id, now),
        # Each document's journalising: filed in the ESDH (SF2900), indexed (SF1470), or failed.
        "esdh": esdh_of_case(conn, row.id),
        "letters": letters_of_case(conn, row.id),
        "processes": [
            {
                "key": str(i.process_instance_key),
                "bpmn_process_id": i.bpmn_process_id,
                "state": i.state,
                "started_at": i.started_at,
            }
            for i in instances
        ],
    }
