"""Mapping zeep's answer object to Person, for branches the simulator never produces."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace as Node

import pytest

from adapters.cpr.mapping import person_from_answer
from adapters.cpr.model import CustodyKind
from adapters.errors import ContractViolation, NotFound
from api.testdata.cpr import synthetic_cpr

TODAY = date(2025, 6, 1)
ASKED = synthetic_cpr("asked")
MOTHER, FATHER = synthetic_cpr("mother", female=True), synthetic_cpr("father", female=False)
CHILD, OTHER = synthetic_cpr("child"), synthetic_cpr("other holder")


def _answer(**persondata: object) -> Node:
    data = Node(navn=Node(personadresseringsnavn="Anna Jensen"), antalBoernUnder18=0, **persondata)
    return Node(persondata=data, adresse=None, relationer=None, notater=[])


def test_answer_without_persondata_is_not_found() -> None:
    """An empty PersonLookupResponse means CPR has nobody under that number."""
    with pytest.raises(NotFound):
        person_from_answer(Node(persondata=None), asked=ASKED, today=TODAY)


@pytest.mark.parametrize(
    ("protection", "protected"),
    [
        (Node(beskyttet=True, startdato=None, slutdato=None), True),
        (Node(beskyttet=False, startdato=date(2020, 1, 1), slutdato=None), False),
        (Node(beskyttet=None, startdato=date(2020, 1, 1), slutdato=None), True),
        (Node(beskyttet=None, startdato=date(2020, 1, 1), slutdato=date(2024, 1, 1)), False),
        (Node(beskyttet=None, startdato=date(2026, 1, 1), slutdato=None), False),
    ],
)
def test_address_protection_in_force_today(protection: Node, protected: bool) -> None:
    """The beskyttet flag decides; without it, the protection's dates around today do."""
    person = person_from_answer(_answer(adressebeskyttelse=protection), asked=ASKED, today=TODAY)
    assert person.address_protected is protected


def test_custody_holder_defaults_to_the_parent() -> None:
    """Custody by mother or father without relationPersonnummer names that parent."""
    answer = _answer()
    answer.relationer = Node(
        mor=Node(personnummer=MOTHER),
        far=Node(personnummer=FATHER),
        barn=[Node(personnummer=CHILD)],
        foraeldremyndighed=[
            Node(foraeldremyndighedtype=3, relationPersonnummer=None),
            Node(foraeldremyndighedtype=5, relationPersonnummer=OTHER),
        ],
    )
    person = person_from_answer(answer, asked=ASKED, today=TODAY)
    assert [c.kind for c in person.custody] == [CustodyKind.MOTHER, CustodyKind.OTHER_HOLDER_1]
    assert person.custody_holder_cprs == (MOTHER, OTHER)
    assert person.children_cprs == (CHILD,)
    assert person.cpr == ASKED


def test_date_times_become_dates() -> None:
    """usikkerhedDatoTid values arrive as datetime and are kept as the date."""
    status = Node(status=90, statusdato=Node(dato=datetime(2024, 6, 3, 12, 0)))
    person = person_from_answer(_answer(status=status), asked=ASKED, today=TODAY)
    assert person.is_dead and person.status_date == date(2024, 6, 3)


def test_unexpected_python_types_are_contract_violations() -> None:
    """A value of the wrong kind is reported, not guessed at."""
    with pytest.raises(ContractViolation):
        person_from_answer(_answer(koen=1), asked=ASKED, today=TODAY)
