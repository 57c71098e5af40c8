"""The monitor's pure parts: the personal-data guard on variables, what blocks a migration in
Zeebe 8.5, the outcome of an action over several instances, and a migrated element's rows."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from api.monitor.actions import Result
from api.monitor.migration import Diagram, blockers
from api.monitor.variables import problems
from api.projector import tables as t
from api.projector.mapping import rows_for

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "variables",
    [
        {"note": "0101001234"},
        {"note": "010100-1234"},
        {"note": 101001234 * 10 + 4},  # ten digits as a number
        {"note": {"deep": ["x", {"deeper": "CPR 311299-9999"}]}},
        {"childName": "x"},
        {"adresse": "x"},
        {"caseId": "x"},
        {"has space": 1},
        {},
        {"big": "x" * 9000},
    ],
)
def test_the_guard_refuses(variables: dict[str, object]) -> None:
    assert problems(variables)


@pytest.mark.parametrize(
    "variables",
    [
        {"token": "repareret"},
        {"outcome": "afdaekning", "count": 3, "flags": [True, None]},
        # Our ids are UUIDs; their hex may hold ten digits in a row.
        {"documentId": "12345678-1234-1234-1234-123456789012"},
        {"dueAt": "2026-11-23T10:00:00Z"},
    ],
)
def test_the_guard_lets_process_data_through(variables: dict[str, object]) -> None:
    assert problems(variables) == []


def test_the_guard_names_the_variable_in_danish() -> None:
    (message,) = problems({"note": "0101001234"})
    assert "'note'" in message and "CPR-nummer" in message


def element(element_id: str, element_type: str) -> SimpleNamespace:
    return SimpleNamespace(element_id=element_id, element_type=element_type)


def test_migration_blockers_timer_boundary_call_activity_and_missing_elements() -> None:
    timer = Diagram((REPO / "tests/fixtures/bpmn/timer_deadline.bpmn").read_text())
    plain = Diagram((REPO / "tests/fixtures/bpmn/monitor_repair.bpmn").read_text())
    (attached,) = [
        e.get("attachedToRef")
        for e in timer.root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}boundaryEvent")
    ]
    assert timer.has_timer_boundary(attached)
    assert blockers(plain, plain, [element("monitor_echo", "SERVICE_TASK")], 2) == []
    found = blockers(plain, timer, [element("monitor_echo", "SERVICE_TASK")], 2)
    assert found == ["monitor_echo: findes ikke i version 2"]
    called = blockers(plain, plain, [element("monitor_echo", "CALL_ACTIVITY")], 2)
    assert any("kaldeaktivitet" in b for b in called)
    assert blockers(timer, timer, [element(attached, timer.type_of(attached) or "")], 2) == [
        f"{attached}: har en timer på kanten"
    ]
    waiting = blockers(plain, plain, [element("monitor_wait", "INTERMEDIATE_CATCH_EVENT")], 2)
    assert waiting == ["monitor_wait: Zeebe 8.5 kan ikke flytte denne slags element"]


def test_outcome_over_several_instances() -> None:
    result = Result("batch-cancel", {})
    assert (result.outcome, result.status) == ("ok", 200)  # a confirmed batch of none
    result.per_instance = {1: "ok", 2: "ok"}
    assert (result.outcome, result.status) == ("ok", 200)
    result.per_instance[3] = "afvist: not found"
    assert (result.outcome, result.status) == ("partial", 200)
    result.per_instance = {1: "afvist: x"}
    assert (result.outcome, result.status) == ("refused", 409)
    result.per_instance = {1: "afvist: x", 2: "utilgængelig: UNAVAILABLE"}
    assert (result.outcome, result.status) == ("failed", 503)


def test_a_migrated_instance_moves_to_the_target_definition() -> None:
    value = {
        "processInstanceKey": 5,
        "processDefinitionKey": 99,
        "bpmnProcessId": "monitor_repair",
        "version": 2,
        "elementId": "monitor_repair",
        "bpmnElementType": "PROCESS",
        "flowScopeKey": -1,
        "parentProcessInstanceKey": -1,
    }
    rows = rows_for(
        {
            "partitionId": 1,
            "position": 50,
            "key": 5,
            "timestamp": 1_795_440_000_000,
            "valueType": "PROCESS_INSTANCE",
            "intent": "ELEMENT_MIGRATED",
            "recordType": "EVENT",
            "value": value,
        }
    )
    (instance,) = [r for r in rows if r.table is t.process_instance]
    assert instance.values["process_definition_key"] == 99
    assert instance.values["version"] == 2
    assert instance.values["state"] == "ACTIVE"
    assert instance.values["started_at"] is None and "started_at" in instance.keep_first
