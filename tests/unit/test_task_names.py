"""Task names come from the process definition's XML, parsed once per definition (and again only
when the XML under a key differs, as after a fresh broker reuses its keys)."""

from __future__ import annotations

import hashlib
from collections import namedtuple
from typing import Any

import pytest

from api.tasks import service

XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="underretning" name="Underretning">
    <bpmn:userTask id="assess_24h" name="24-timers vurdering" />
    <bpmn:userTask id="unnamed" />
  </bpmn:process>
</bpmn:definitions>"""

Digest = namedtuple("Digest", "process_definition_key digest")
Full = namedtuple("Full", "process_definition_key bpmn_xml digest")


class FakeConn:
    """The two queries `element_names` runs: digests of the keys asked for, then the XML of those
    not parsed yet. Counts the XML fetches."""

    def __init__(self, definitions: dict[int, str]) -> None:
        self.definitions = definitions
        self.xml_fetches: list[set[int]] = []

    def execute(self, stmt: Any) -> list[Any]:
        keys = set(stmt.whereclause.right.value)
        rows = {
            k: (k, self.definitions[k], hashlib.sha256(self.definitions[k].encode()).hexdigest())
            for k in keys
            if k in self.definitions
        }
        if len(stmt.selected_columns) == 2:
            return [Digest(k, d) for k, _, d in rows.values()]
        self.xml_fetches.append(keys)
        return [Full(*r) for r in rows.values()]


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    service._NAMES.clear()


def test_names_by_element_id_falling_back_to_the_id() -> None:
    names = service._names_in(XML)
    assert names["underretning"] == "Underretning"
    assert names["assess_24h"] == "24-timers vurdering"
    assert names["unnamed"] == "unnamed"
    assert service._names_in("") == {}


def test_parsed_once_per_definition() -> None:
    conn = FakeConn({1: XML, 2: XML.replace("24-timers vurdering", "Vurdering")})
    first = service.element_names(conn, {1, 2})  # type: ignore[arg-type]
    again = service.element_names(conn, {1, 2})  # type: ignore[arg-type]
    assert first == again
    assert first[1]["assess_24h"] == "24-timers vurdering"
    assert first[2]["assess_24h"] == "Vurdering"
    assert conn.xml_fetches == [{1, 2}]


def test_new_xml_under_a_known_key_is_parsed_again() -> None:
    conn = FakeConn({1: XML})
    service.element_names(conn, {1})  # type: ignore[arg-type]
    conn.definitions[1] = XML.replace("24-timers vurdering", "Ny vurdering")
    assert service.element_names(conn, {1})[1]["assess_24h"] == "Ny vurdering"  # type: ignore[arg-type]
    assert conn.xml_fetches == [{1}, {1}]


def test_an_undeployed_definition_has_no_names() -> None:
    conn = FakeConn({1: XML})
    assert service.element_names(conn, {1, 9}).keys() == {1}  # type: ignore[arg-type]
    assert service.element_names(conn, set()) == {}  # type: ignore[arg-type]
    row = namedtuple("Row", "process_definition_key element_id")(9, "assess_24h")
    assert service._name({}, row) == "assess_24h"
