"""Record-to-row mapping of the projector, on records shaped like the broker's JSON."""

from __future__ import annotations

import base64
from pathlib import Path

from api.projector import tables as t
from api.projector.mapping import rows_for, timer_rules

REPO = Path(__file__).resolve().parents[2]


def record(value_type: str, intent: str, value: dict, *, key: int = 7, position: int = 10) -> dict:
    return {
        "partitionId": 1,
        "position": position,
        "key": key,
        "timestamp": 1_795_440_000_000,
        "valueType": value_type,
        "intent": intent,
        "recordType": "EVENT",
        "value": value,
    }


def test_timer_rules_come_from_zeebe_properties_on_timer_events() -> None:
    """The deadline rule id is read from the zeebe:property on the boundary timer."""
    xml = (REPO / "tests/fixtures/bpmn/timer_deadline.bpmn").read_bytes()
    assert timer_rules(xml) == {"deadline_passed": "D1"}


def test_process_record_keeps_xml_and_rules() -> None:
    """A PROCESS record becomes a definition row with its BPMN XML and parsed timer rules."""
    xml = (REPO / "tests/fixtures/bpmn/timer_deadline.bpmn").read_bytes()
    rows = rows_for(
        record(
            "PROCESS",
            "CREATED",
            {
                "bpmnProcessId": "timer_deadline",
                "version": 2,
                "processDefinitionKey": 99,
                "resourceName": "timer_deadline.bpmn",
                "checksum": "abc",
                "resource": base64.b64encode(xml).decode(),
            },
        )
    )
    assert len(rows) == 1 and rows[0].table is t.process_definition
    assert rows[0].values["timer_rules"] == {"deadline_passed": "D1"}
    assert rows[0].values["bpmn_xml"].startswith("<?xml")


def test_process_element_also_yields_the_process_instance_row() -> None:
    """The PROCESS element's events feed both element_instance and process_instance."""
    value = {
        "bpmnProcessId": "p",
        "version": 1,
        "processDefinitionKey": 5,
        "processInstanceKey": 7,
        "elementId": "p",
        "flowScopeKey": -1,
        "bpmnElementType": "PROCESS",
        "parentProcessInstanceKey": -1,
    }
    rows = rows_for(record("PROCESS_INSTANCE", "ELEMENT_COMPLETED", value))
    tables = {row.table.name: row.values for row in rows}
    assert tables["process_instance"]["state"] == "COMPLETED"
    assert tables["process_instance"]["parent_process_instance_key"] is None
    assert tables["element_instance"]["ended_at"] is not None


def test_sequence_flows_and_commands_are_not_projected() -> None:
    """Only events that change what a person sees become rows."""
    assert rows_for(record("PROCESS_INSTANCE", "SEQUENCE_FLOW_TAKEN", {})) == []
    command = record("JOB", "COMPLETE", {})
    command["recordType"] = "COMMAND"
    assert rows_for(command) == []


def test_user_task_keeps_the_exact_form_key() -> None:
    """A user task row points at the deployed form version through its form key."""
    value = {
        "userTaskKey": 42,
        "elementInstanceKey": 41,
        "processInstanceKey": 40,
        "processDefinitionKey": 39,
        "bpmnProcessId": "p",
        "elementId": "ut",
        "formKey": 2251799813685250,
        "candidateGroupsList": ["team-a"],
        "candidateUsersList": [],
        "assignee": "",
        "dueDate": "",
        "followUpDate": "",
        "customHeaders": {},
        "creationTimestamp": 1_795_440_000_000,
    }
    (row,) = rows_for(record("USER_TASK", "CREATED", value, key=42))
    assert row.values["form_key"] == 2251799813685250
    assert row.values["assignee"] is None
    assert row.values["candidate_groups"] == ["team-a"]
