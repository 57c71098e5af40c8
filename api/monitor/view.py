"""One instance as the operator's instance page shows it: the diagram, where the tokens are and
have been, open and resolved incidents, variables (which hold no personal data), the event
history and the actions taken on it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from api.monitor.actions import actions_on
from api.monitor.queries import incident_json
from api.projector import tables as rm

_ELEMENT_EVENT = {"ACTIVE": "aktiveret", "COMPLETED": "fuldført", "TERMINATED": "afbrudt"}


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def instance_view(conn: Connection, instance: Any) -> dict[str, Any]:
    key = int(instance.process_instance_key)
    elements = conn.execute(
        select(rm.element_instance)
        .where(rm.element_instance.c.process_instance_key == key)
        .order_by(rm.element_instance.c.started_at, rm.element_instance.c.element_instance_key)
    ).all()
    incidents = conn.execute(
        select(rm.incident)
        .where(rm.incident.c.process_instance_key == key)
        .order_by(rm.incident.c.incident_key)
    ).all()
    variables = conn.execute(
        select(rm.variable)
        .where(rm.variable.c.process_instance_key == key)
        .order_by(rm.variable.c.scope_key, rm.variable.c.name)
    ).all()
    xml = conn.execute(
        select(rm.process_definition.c.bpmn_xml).where(
            rm.process_definition.c.process_definition_key == instance.process_definition_key
        )
    ).scalar()
    actions = actions_on(conn, key)

    history: list[dict[str, Any]] = []
    for e in elements:
        if e.element_type == "PROCESS":
            continue
        if e.started_at:
            history.append({"at": e.started_at, "event": "aktiveret", "element_id": e.element_id})
        if e.ended_at and e.state in _ELEMENT_EVENT:
            history.append(
                {"at": e.ended_at, "event": _ELEMENT_EVENT[e.state], "element_id": e.element_id}
            )
    for i in incidents:
        if i.created_at:
            history.append({"at": i.created_at, "event": "hændelse", "element_id": i.element_id})
        if i.resolved_at:
            history.append(
                {"at": i.resolved_at, "event": "hændelse løst", "element_id": i.element_id}
            )
    for a in actions:
        history.append({"at": a["at"], "event": f"handling: {a['action']}", "element_id": None})
    history.sort(key=lambda h: h["at"])

    return {
        "key": str(key),
        "bpmn_process_id": instance.bpmn_process_id,
        "version": instance.version,
        "definition_key": str(instance.process_definition_key),
        "state": instance.state,
        "started_at": instance.started_at,
        "ended_at": instance.ended_at,
        "case_id": str(instance.case_id) if instance.case_id else None,
        "parent_key": (
            str(instance.parent_process_instance_key)
            if instance.parent_process_instance_key
            else None
        ),
        "elements": [
            {
                "key": str(e.element_instance_key),
                "element_id": e.element_id,
                "type": e.element_type,
                "state": e.state,
                "flow_scope_key": str(e.flow_scope_key) if e.flow_scope_key else None,
                "started_at": e.started_at,
                "ended_at": e.ended_at,
            }
            for e in elements
        ],
        "incidents": [incident_json(i) for i in incidents],
        "variables": [
            {"name": v.name, "value": _value(v.value), "scope_key": str(v.scope_key)}
            for v in variables
        ],
        "history": history,
        "actions": actions,
        "bpmn_xml": xml,
    }
