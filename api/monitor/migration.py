"""Moving a running instance to another version of its process.

Zeebe 8.5 migrates an instance only when every active element is a service task, a user task
or an embedded subprocess that maps onto an element of the same type in the target, without a
timer boundary event; not a waiting catch event, and not a call activity (with its child).
Where it cannot, the operator may cancel and restart: a new instance of the target version,
started at the same elements with the instance's process variables. The legal deadlines
survive, because the timers are absolute dates computed from those variables.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree
from sqlalchemy import Connection, select

from api.engine.user_tasks import EngineUnavailable
from api.monitor.actions import Result, attempt
from api.monitor.engine import Commands, Refused
from api.projector import tables as rm
from api.projector.mapping import BPMN_NS

_CONTAINERS = {"SUB_PROCESS", "EVENT_SUB_PROCESS", "PROCESS"}
# What 8.5 migrates (service and user tasks, embedded subprocesses, with their incidents);
# catch events, receive tasks and event-based gateways came in 8.6.
MIGRATABLE = {"SERVICE_TASK", "USER_TASK", "SUB_PROCESS"}
_TAGS = {
    "serviceTask": "SERVICE_TASK",
    "userTask": "USER_TASK",
    "receiveTask": "RECEIVE_TASK",
    "callActivity": "CALL_ACTIVITY",
    "subProcess": "SUB_PROCESS",
    "intermediateCatchEvent": "INTERMEDIATE_CATCH_EVENT",
    "eventBasedGateway": "EVENT_BASED_GATEWAY",
    "businessRuleTask": "BUSINESS_RULE_TASK",
    "scriptTask": "SCRIPT_TASK",
    "sendTask": "SEND_TASK",
}


class Diagram:
    def __init__(self, xml: str) -> None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        self.root = etree.fromstring(xml.encode("utf-8"), parser)

    def type_of(self, element_id: str) -> str | None:
        for node in self.root.iter():
            if isinstance(node.tag, str) and node.get("id") == element_id:
                return _TAGS.get(etree.QName(node).localname, etree.QName(node).localname)
        return None

    def has_timer_boundary(self, element_id: str) -> bool:
        for event in self.root.iter(f"{{{BPMN_NS}}}boundaryEvent"):
            if event.get("attachedToRef") == element_id and (
                event.find(f"{{{BPMN_NS}}}timerEventDefinition") is not None
            ):
                return True
        return False


def blockers(source: Diagram, target: Diagram, active: list[Any], version: int) -> list[str]:
    """Why the engine cannot migrate these active elements (Danish), empty if it can."""
    found = []
    for e in active:
        if e.element_type == "MULTI_INSTANCE_BODY":
            continue
        if e.element_type == "CALL_ACTIVITY":
            found.append(f"{e.element_id}: kaldeaktivitet med en underproces")
        elif e.element_type not in MIGRATABLE:
            found.append(f"{e.element_id}: Zeebe 8.5 kan ikke flytte denne slags element")
        target_type = target.type_of(e.element_id)
        if target_type is None:
            found.append(f"{e.element_id}: findes ikke i version {version}")
        elif target_type != e.element_type and e.element_type in _TAGS.values():
            found.append(f"{e.element_id}: er en anden slags element i version {version}")
        if source.has_timer_boundary(e.element_id) or target.has_timer_boundary(e.element_id):
            found.append(f"{e.element_id}: har en timer på kanten")
    return found


def _restart(
    conn: Connection, cmd: Commands, result: Result, key: int, target_key: int, active: list[Any]
) -> None:
    """Start the target version at the same elements, then cancel the old instance (and the
    new one again if the old cannot be cancelled, so there are never two)."""
    if any(e.element_type == "MULTI_INSTANCE_BODY" for e in active):
        result.per_instance[key] = "afvist: en flerinstans-aktivitet kan ikke genstartes"
        return
    leaves = sorted({e.element_id for e in active if e.element_type not in _CONTAINERS})
    variables = {
        v.name: json.loads(v.value)
        for v in conn.execute(
            select(rm.variable.c.name, rm.variable.c.value).where(
                rm.variable.c.process_instance_key == key, rm.variable.c.scope_key == key
            )
        )
    }
    new_key = attempt(result, key, lambda: cmd.start_at(target_key, leaves, variables))
    if not new_key:
        return
    result.extra["new_key"] = str(new_key)
    result.extra["started_at_elements"] = leaves
    try:
        cmd.cancel(key)
    except (Refused, EngineUnavailable) as exc:
        result.per_instance[key] = f"afvist: den gamle instans kunne ikke afbrydes ({exc})"
        try:
            cmd.cancel(new_key)
            result.extra.pop("new_key")
        except (Refused, EngineUnavailable) as again:
            result.extra["new_key_not_cancelled"] = f"{new_key}: {again}"


def move_to_version(
    conn: Connection, cmd: Commands, instance: Any, target_version: int, mode: str
) -> Result:
    key = int(instance.process_instance_key)
    pd = rm.process_definition
    result = Result(
        "migrate" if mode == "migrate" else "restart",
        {"from_version": instance.version, "target_version": target_version},
    )
    target = conn.execute(
        select(pd.c.process_definition_key, pd.c.bpmn_xml).where(
            pd.c.bpmn_process_id == instance.bpmn_process_id, pd.c.version == target_version
        )
    ).first()
    if target is None or target_version == instance.version:
        result.per_instance[key] = f"afvist: version {target_version} kan ikke vælges"
        return result
    source_xml = conn.execute(
        select(pd.c.bpmn_xml).where(pd.c.process_definition_key == instance.process_definition_key)
    ).scalar_one()
    active = [
        e
        for e in conn.execute(
            select(rm.element_instance).where(
                rm.element_instance.c.process_instance_key == key,
                rm.element_instance.c.state == "ACTIVE",
                rm.element_instance.c.element_type != "PROCESS",
            )
        )
    ]
    if mode == "restart":
        _restart(conn, cmd, result, key, int(target.process_definition_key), active)
        return result
    found = blockers(Diagram(source_xml), Diagram(target.bpmn_xml), active, target_version)
    if found:
        result.per_instance[key] = "afvist: " + "; ".join(found)
    else:
        mapping = {e.element_id: e.element_id for e in active}
        attempt(result, key, lambda: cmd.migrate(key, int(target.process_definition_key), mapping))
    if result.per_instance[key] != "ok":
        result.extra["restart_possible"] = True
        result.extra["blockers"] = found
    return result
