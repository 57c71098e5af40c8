"""Pure functions from one exported Zeebe record (the broker's JSON) to read-model rows."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from sqlalchemy import Table

from api.projector import tables as t

Record = dict[str, Any]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
DEADLINE_RULE_PROPERTY = "deadlineRule"


@dataclass(frozen=True)
class Row:
    table: Table
    values: dict[str, Any]
    # Columns that keep their first non-null value instead of the latest.
    keep_first: tuple[str, ...] = ()


def ms_to_dt(ms: int | None) -> datetime | None:
    if ms is None or ms < 0:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _opt_key(value: int | None) -> int | None:
    return None if value is None or value < 0 else value


def raw_row(record: Record) -> dict[str, Any]:
    return {
        "partition_id": record["partitionId"],
        "position": record["position"],
        "value_type": record["valueType"],
        "intent": record["intent"],
        "record_key": record["key"],
        "record_time": ms_to_dt(record["timestamp"]),
        "payload": record,
    }


def timer_rules(bpmn_xml: bytes) -> dict[str, str]:
    """Element id -> deadline rule, from `<zeebe:property name="deadlineRule" value="D1"/>`."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(bpmn_xml, parser)
    rules: dict[str, str] = {}
    for prop in root.iter(f"{{{ZEEBE_NS}}}property"):
        if prop.get("name") != DEADLINE_RULE_PROPERTY:
            continue
        # property < zeebe:properties < bpmn:extensionElements < the timer event
        element: Any = prop
        for _ in range(3):
            element = element.getparent() if element is not None else None
        element_id = element.get("id") if element is not None else None
        value = prop.get("value")
        if element_id and value:
            rules[element_id] = value
    return rules


def _process(record: Record) -> list[Row]:
    value = record["value"]
    xml = base64.b64decode(value["resource"])
    return [
        Row(
            t.process_definition,
            {
                "process_definition_key": value["processDefinitionKey"],
                "bpmn_process_id": value["bpmnProcessId"],
                "version": value["version"],
                "resource_name": value["resourceName"],
                "checksum": value.get("checksum"),
                "bpmn_xml": xml.decode("utf-8"),
                "timer_rules": timer_rules(xml),
                "deployed_at": ms_to_dt(record["timestamp"]),
                "last_position": record["position"],
            },
        )
    ]


def _form(record: Record) -> list[Row]:
    value = record["value"]
    schema = json.loads(base64.b64decode(value["resource"]))
    return [
        Row(
            t.form,
            {
                "form_key": value["formKey"],
                "form_id": value["formId"],
                "version": value["version"],
                "resource_name": value["resourceName"],
                "schema": schema,
                "deployed_at": ms_to_dt(record["timestamp"]),
                "last_position": record["position"],
            },
        )
    ]


_ELEMENT_STATE = {
    "ELEMENT_ACTIVATING": "ACTIVE",
    "ELEMENT_ACTIVATED": "ACTIVE",
    "ELEMENT_COMPLETING": "ACTIVE",
    "ELEMENT_COMPLETED": "COMPLETED",
    "ELEMENT_TERMINATING": "ACTIVE",
    "ELEMENT_TERMINATED": "TERMINATED",
    # A migrated element is still active, now under the target definition (and version).
    "ELEMENT_MIGRATED": "ACTIVE",
}


def _process_instance(record: Record) -> list[Row]:
    state = _ELEMENT_STATE.get(record["intent"])
    if state is None:  # SEQUENCE_FLOW_TAKEN: nothing to show
        return []
    value = record["value"]
    at = ms_to_dt(record["timestamp"])
    activating = record["intent"] == "ELEMENT_ACTIVATING"
    ended = state != "ACTIVE"
    rows = [
        Row(
            t.element_instance,
            {
                "element_instance_key": record["key"],
                "process_instance_key": value["processInstanceKey"],
                "process_definition_key": value["processDefinitionKey"],
                "element_id": value["elementId"],
                "element_type": value["bpmnElementType"],
                "flow_scope_key": _opt_key(value.get("flowScopeKey")),
                "state": state,
                "started_at": at if activating else None,
                "ended_at": at if ended else None,
                "last_position": record["position"],
            },
            keep_first=("started_at",),
        )
    ]
    if value["bpmnElementType"] == "PROCESS":
        rows.append(
            Row(
                t.process_instance,
                {
                    "process_instance_key": value["processInstanceKey"],
                    "process_definition_key": value["processDefinitionKey"],
                    "bpmn_process_id": value["bpmnProcessId"],
                    "version": value["version"],
                    "parent_process_instance_key": _opt_key(value.get("parentProcessInstanceKey")),
                    "state": state,
                    "started_at": at if activating else None,
                    "ended_at": at if ended else None,
                    "last_position": record["position"],
                },
                keep_first=("started_at",),
            )
        )
    return rows


def _job(record: Record) -> list[Row]:
    value = record["value"]
    return [
        Row(
            t.job,
            {
                "job_key": record["key"],
                "job_type": value["type"],
                "process_instance_key": value["processInstanceKey"],
                "element_instance_key": value["elementInstanceKey"],
                "element_id": value["elementId"],
                "bpmn_process_id": value["bpmnProcessId"],
                "state": record["intent"],
                "retries": value["retries"],
                "worker": value.get("worker") or None,
                "deadline": ms_to_dt(value.get("deadline")),
                "error_code": value.get("errorCode") or None,
                "error_message": value.get("errorMessage") or None,
                "custom_headers": value.get("customHeaders") or {},
                "updated_at": ms_to_dt(record["timestamp"]),
                "last_position": record["position"],
            },
        )
    ]


_USER_TASK_STATE = {
    "CREATING": "CREATING",
    "CREATED": "CREATED",
    "ASSIGNING": "CREATED",
    "ASSIGNED": "CREATED",
    "UPDATING": "CREATED",
    "UPDATED": "CREATED",
    "MIGRATED": "CREATED",
    "COMPLETING": "COMPLETING",
    "COMPLETED": "COMPLETED",
    "CANCELING": "CANCELING",
    "CANCELED": "CANCELED",
}


def _user_task(record: Record) -> list[Row]:
    value = record["value"]
    state = _USER_TASK_STATE.get(record["intent"], record["intent"])
    at = ms_to_dt(record["timestamp"])
    return [
        Row(
            t.user_task,
            {
                "user_task_key": value.get("userTaskKey", record["key"]),
                "element_instance_key": value["elementInstanceKey"],
                "process_instance_key": value["processInstanceKey"],
                "process_definition_key": value["processDefinitionKey"],
                "bpmn_process_id": value["bpmnProcessId"],
                "element_id": value["elementId"],
                "form_key": _opt_key(value.get("formKey")),
                "external_form_reference": value.get("externalFormReference") or None,
                "assignee": value.get("assignee") or None,
                "candidate_groups": value.get("candidateGroupsList") or [],
                "candidate_users": value.get("candidateUsersList") or [],
                "due_date": value.get("dueDate") or None,
                "follow_up_date": value.get("followUpDate") or None,
                "custom_headers": value.get("customHeaders") or {},
                "state": state,
                "created_at": ms_to_dt(value.get("creationTimestamp")) or at,
                "ended_at": at if state in ("COMPLETED", "CANCELED") else None,
                "last_position": record["position"],
            },
            keep_first=("created_at",),
        )
    ]


def _timer(record: Record) -> list[Row]:
    value = record["value"]
    due = ms_to_dt(value["dueDate"])
    return [
        Row(
            t.timer,
            {
                "timer_key": record["key"],
                "process_definition_key": value["processDefinitionKey"],
                "process_instance_key": _opt_key(value.get("processInstanceKey")),
                "element_instance_key": _opt_key(value.get("elementInstanceKey")),
                "target_element_id": value["targetElementId"],
                "due_at": due,
                "repetitions": value.get("repetitions", 1),
                "state": record["intent"],
                "deadline_rule": None,  # filled by the store from process_definition
                "last_position": record["position"],
            },
        )
    ]


def _incident(record: Record) -> list[Row]:
    value = record["value"]
    at = ms_to_dt(record["timestamp"])
    resolved = record["intent"] == "RESOLVED"
    return [
        Row(
            t.incident,
            {
                "incident_key": record["key"],
                "process_instance_key": value["processInstanceKey"],
                "element_instance_key": value["elementInstanceKey"],
                "element_id": value["elementId"],
                "bpmn_process_id": value["bpmnProcessId"],
                "job_key": _opt_key(value.get("jobKey")),
                "error_type": value["errorType"],
                "error_message": value.get("errorMessage") or None,
                "state": "RESOLVED" if resolved else "ACTIVE",
                "created_at": None if resolved else at,
                "resolved_at": at if resolved else None,
                "last_position": record["position"],
            },
            keep_first=("created_at",),
        )
    ]


def _variable(record: Record) -> list[Row]:
    value = record["value"]
    return [
        Row(
            t.variable,
            {
                "variable_key": record["key"],
                "scope_key": value["scopeKey"],
                "process_instance_key": value["processInstanceKey"],
                "name": value["name"],
                "value": value["value"],
                "last_position": record["position"],
            },
        )
    ]


MAPPERS: dict[str, Callable[[Record], list[Row]]] = {
    "PROCESS": _process,
    "FORM": _form,
    "PROCESS_INSTANCE": _process_instance,
    "JOB": _job,
    "USER_TASK": _user_task,
    "TIMER": _timer,
    "INCIDENT": _incident,
    "VARIABLE": _variable,
}


def rows_for(record: Record) -> list[Row]:
    if record.get("recordType") != "EVENT":
        return []
    mapper = MAPPERS.get(record["valueType"])
    return mapper(record) if mapper else []
