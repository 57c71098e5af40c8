"""Process instances as the read model shows them, linked to cases by their `case_id` (the
projector fills it from the instance's caseId variable)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from sqlalchemy import Connection, select

from api.projector import tables as rm


def instance_for_variable(conn: Connection, name: str, value: str) -> int | None:
    row = conn.execute(
        select(rm.variable.c.process_instance_key).where(
            rm.variable.c.name == name,
            rm.variable.c.value == json.dumps(value),
            rm.variable.c.scope_key == rm.variable.c.process_instance_key,
        )
    ).first()
    return int(row.process_instance_key) if row else None


def wait_for_instance(conn: Connection, name: str, value: str, seconds: float) -> int | None:
    """The instance started for a queued message, if it shows up within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        key = instance_for_variable(conn, name, value)
        conn.rollback()  # end the read transaction so the next look sees new rows
        if key or time.monotonic() > deadline:
            return key
        time.sleep(0.1)


def case_of_instance(conn: Connection, process_instance_key: int) -> uuid.UUID | None:
    case_id: uuid.UUID | None = conn.execute(
        select(rm.process_instance.c.case_id).where(
            rm.process_instance.c.process_instance_key == process_instance_key
        )
    ).scalar()
    return case_id


def instances_of_case(conn: Connection, case_id: uuid.UUID) -> list[Any]:
    return list(
        conn.execute(
            select(rm.process_instance)
            .where(rm.process_instance.c.case_id == case_id)
            .order_by(rm.process_instance.c.started_at)
        )
    )


def instance_detail(conn: Connection, key: int) -> dict[str, Any] | None:
    instance = conn.execute(
        select(rm.process_instance).where(rm.process_instance.c.process_instance_key == key)
    ).first()
    if instance is None:
        return None
    elements = conn.execute(
        select(rm.element_instance)
        .where(rm.element_instance.c.process_instance_key == key)
        .order_by(rm.element_instance.c.started_at)
    )
    incidents = conn.execute(select(rm.incident).where(rm.incident.c.process_instance_key == key))
    return {
        "key": str(instance.process_instance_key),
        "bpmn_process_id": instance.bpmn_process_id,
        "version": instance.version,
        "state": instance.state,
        "started_at": instance.started_at,
        "ended_at": instance.ended_at,
        "elements": [
            {
                "key": str(e.element_instance_key),
                "element_id": e.element_id,
                "type": e.element_type,
                "state": e.state,
                "started_at": e.started_at,
                "ended_at": e.ended_at,
            }
            for e in elements
        ],
        "incidents": [
            {
                "key": str(i.incident_key),
                "element_id": i.element_id,
                "type": i.error_type,
                "message": i.error_message,
                "state": i.state,
            }
            for i in incidents
        ],
    }
