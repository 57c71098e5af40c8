"""Checks on the deployed models: BPMN ids, job types, forms and deadline rules agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from api.forms.validation import INPUT_TYPES
from api.projector.mapping import timer_rules
from api.rules.catalogue import RULE_SETS
from workers.__main__ import ROUTERS  # noqa: F401 - registers every job type the workers run
from workers.base import REGISTRY

REPO = Path(__file__).resolve().parents[2]
BPMN = sorted((REPO / "bpmn").glob("*.bpmn"))
FORMS = sorted((REPO / "forms").glob("*.form"))
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
}
GENERATED_ID = re.compile(r"^(Activity|Gateway|Event|Flow|StartEvent|EndEvent)_[0-9a-z]{5,}$")


def test_there_are_models_to_check() -> None:
    """The checks below are not vacuous."""
    assert BPMN and FORMS


@pytest.mark.parametrize("path", BPMN, ids=lambda p: p.name)
def test_bpmn_ids_are_readable(path: Path) -> None:
    """Element ids are stable snake_case, never the modeler's generated ones."""
    tree = etree.parse(str(path))
    ids = [e.get("id") for e in tree.iter() if e.get("id")]
    assert not [i for i in ids if GENERATED_ID.match(i)]
    process_ids = [i for i in tree.xpath("//bpmn:process/@id", namespaces=NS)]
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in process_ids)


@pytest.mark.parametrize("path", BPMN, ids=lambda p: p.name)
def test_every_job_type_has_a_worker(path: Path) -> None:
    """A service task whose job type no worker serves would sit forever."""
    types = etree.parse(str(path)).xpath("//zeebe:taskDefinition/@type", namespaces=NS)
    assert not [t for t in types if t not in REGISTRY]


@pytest.mark.parametrize("path", BPMN, ids=lambda p: p.name)
def test_linked_forms_exist(path: Path) -> None:
    """Every formId used by a user task is a form in forms/."""
    form_ids = {json.loads(f.read_text())["id"] for f in FORMS}
    used = etree.parse(str(path)).xpath("//zeebe:formDefinition/@formId", namespaces=NS)
    assert set(used) <= form_ids


@pytest.mark.parametrize("path", BPMN, ids=lambda p: p.name)
def test_deadline_rules_exist_in_the_catalogue(path: Path) -> None:
    """Every timer's deadlineRule is a rule the catalogue can label."""
    known = {rule.id for rule_set in RULE_SETS for rule in rule_set.rules}
    assert set(timer_rules(path.read_bytes()).values()) <= known


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_forms_use_only_what_the_server_validates(path: Path) -> None:
    """Known input types, literal required flags, and no conditional (FEEL) requirements."""
    schema = json.loads(path.read_text())
    assert schema["id"] == path.stem
    for component in schema["components"]:
        assert "conditional" not in component, component.get("id")
        kind = component["type"]
        if kind in ("text", "spacer", "separator"):
            continue
        assert kind in INPUT_TYPES, kind
        assert component.get("key") and component.get("id")
        for value in component.get("validate", {}).values():
            assert not (isinstance(value, str) and value.startswith("=")), component["id"]
