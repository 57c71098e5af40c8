"""Small BPMN models and forms built in tests: a straight line of steps with its diagram.

The deploy tests need models that pass every lint rule except the one a test breaks, under fresh
process ids, so they are generated rather than kept as fixtures.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
    'id="{pid}_definitions" targetNamespace="https://boernesag.dk/bpmn">\n'
)


@dataclass(frozen=True)
class Step:
    id: str
    xml: str  # the element with {incoming}/{outgoing} placeholders
    width: int = 100
    height: int = 80


def service_task(element_id: str, job_type: str, name: str = "Trin") -> Step:
    return Step(
        element_id,
        f'<bpmn:serviceTask id="{element_id}" name="{name}"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{job_type}" /></bpmn:extensionElements>'
        "{incoming}{outgoing}</bpmn:serviceTask>",
    )


def user_task(element_id: str, form_id: str, name: str = "Opgave") -> Step:
    return Step(
        element_id,
        f'<bpmn:userTask id="{element_id}" name="{name}"><bpmn:extensionElements>'
        f'<zeebe:formDefinition formId="{form_id}" />'
        '<zeebe:assignmentDefinition candidateGroups="=[dutyGroup]" />'
        "<zeebe:userTask /></bpmn:extensionElements>{incoming}{outgoing}</bpmn:userTask>",
    )


def timer(element_id: str, rule: str | None, name: str = "Vent") -> Step:
    rule_xml = (
        "<bpmn:extensionElements><zeebe:properties>"
        f'<zeebe:property name="deadlineRule" value="{rule}" />'
        "</zeebe:properties></bpmn:extensionElements>"
        if rule
        else ""
    )
    return Step(
        element_id,
        f'<bpmn:intermediateCatchEvent id="{element_id}" name="{name}">{rule_xml}'
        "{incoming}{outgoing}<bpmn:timerEventDefinition "
        f'id="{element_id}_definition"><bpmn:timeDuration>PT1H</bpmn:timeDuration>'
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
        36,
        36,
    )


def process(pid: str, *steps: Step, name: str = "Testproces") -> str:
    """start -> steps -> end, each flow and shape with its DI, ids derived from `pid`."""
    nodes = [
        Step(
            f"{pid}_start",
            '<bpmn:startEvent id="{id}" name="Start">{outgoing}</bpmn:startEvent>',
            36,
            36,
        ),
        *steps,
        Step(
            f"{pid}_end", '<bpmn:endEvent id="{id}" name="Slut">{incoming}</bpmn:endEvent>', 36, 36
        ),
    ]
    flows = [(f"{pid}_flow_{i}", a.id, b.id) for i, (a, b) in enumerate(itertools.pairwise(nodes))]
    body = []
    for i, node in enumerate(nodes):
        incoming = f"<bpmn:incoming>{flows[i - 1][0]}</bpmn:incoming>" if i > 0 else ""
        outgoing = f"<bpmn:outgoing>{flows[i][0]}</bpmn:outgoing>" if i < len(flows) else ""
        body.append(
            node.xml.replace("{id}", node.id)
            .replace("{incoming}", incoming)
            .replace("{outgoing}", outgoing)
        )
    body += [f'<bpmn:sequenceFlow id="{f}" sourceRef="{a}" targetRef="{b}" />' for f, a, b in flows]
    shapes, x, centre = [], 150, 120
    positions = {}
    for node in nodes:
        y = centre - node.height // 2
        shapes.append(
            f'<bpmndi:BPMNShape id="{node.id}_di" bpmnElement="{node.id}">'
            f'<dc:Bounds x="{x}" y="{y}" width="{node.width}" height="{node.height}" />'
            "</bpmndi:BPMNShape>"
        )
        positions[node.id] = (x, x + node.width)
        x += node.width + 60
    for f, a, b in flows:
        shapes.append(
            f'<bpmndi:BPMNEdge id="{f}_di" bpmnElement="{f}">'
            f'<di:waypoint x="{positions[a][1]}" y="{centre}" />'
            f'<di:waypoint x="{positions[b][0]}" y="{centre}" /></bpmndi:BPMNEdge>'
        )
    return (
        HEADER.format(pid=pid)
        + f'<bpmn:process id="{pid}" name="{name}" isExecutable="true">'
        + "".join(body)
        + "</bpmn:process>"
        + f'<bpmndi:BPMNDiagram id="{pid}_diagram"><bpmndi:BPMNPlane id="{pid}_plane" '
        + f'bpmnElement="{pid}">'
        + "".join(shapes)
        + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>\n"
    )


def form(form_id: str) -> str:
    return json.dumps(
        {
            "id": form_id,
            "type": "default",
            "schemaVersion": 16,
            "executionPlatform": "Camunda Cloud",
            "executionPlatformVersion": "8.5.0",
            "components": [
                {"id": f"{form_id}_note", "key": "note", "type": "textfield", "label": "Note"}
            ],
        },
        ensure_ascii=False,
    )
