"""Deterministic synthetic people for the SF1520 simulator, and their PersonLookupResponse XML.

Everything about a person is drawn from a hash of the CPR number, so the same number always gives
the same person. A child under 18 gets a synthetic mother and father (both holding custody), and
looking those up works too; a child takes the father's last name. Parents list no children:
a parent's number cannot be turned back into the child's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from lxml import etree

from adapters.cpr import schema
from adapters.cpr.model import Address, Custody, CustodyKind, Gender, Person, PersonStatus
from adapters.cpr.numbers import (
    SYNTHETIC_YEARS,
    birth_date_of,
    is_female,
    synthetic_candidates,
)

FEMALE_NAMES = (
    "Emma", "Ida", "Clara", "Freja", "Sofia", "Anna",
    "Alma", "Ella", "Karla", "Olivia", "Mathilde", "Agnes",
)  # fmt: skip
MALE_NAMES = (
    "William", "Noah", "Oscar", "Lucas", "Carl", "Victor",
    "Malthe", "Alfred", "Emil", "Magnus", "Frederik", "Søren",
)  # fmt: skip
MIDDLE_NAMES = ("Holm", "Skov", "Bach", "Lund", "Dahl", "Krogh", "Bech", "Juul")
LAST_NAMES = (
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen",
    "Larsen", "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen",
)  # fmt: skip


@dataclass(frozen=True)
class Municipality:
    code: int
    postcode: str
    district: str
    streets: tuple[str, ...]


MUNICIPALITIES = (
    Municipality(101, "2200", "København N", ("Bøgevej", "Kastanjealle", "Skolegade")),
    Municipality(751, "8000", "Aarhus C", ("Møllevej", "Kirkestræde", "Havnegade")),
    Municipality(461, "5000", "Odense C", ("Engvej", "Rosenvænget", "Torvegade")),
    Municipality(851, "9000", "Aalborg", ("Fjordvej", "Lindealle", "Nørregade")),
    Municipality(330, "4200", "Slagelse", ("Skovvej", "Ahornvej", "Bredgade")),
)
DOORS = ("tv", "th", "mf")


class _Draw:
    """Deterministic choices from the SHA-256 of a CPR number; each draw uses the next byte."""

    def __init__(self, cpr: str) -> None:
        self._bytes = hashlib.sha256(cpr.encode()).digest()
        self._next = 0

    def number(self, below: int) -> int:
        value = self._bytes[self._next % len(self._bytes)]
        self._next += 1
        return value % below

    def pick(self, options: Sequence[str]) -> str:
        return options[self.number(len(options))]


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def derive_person(cpr: str, *, today: date, avoid: frozenset[str] = frozenset()) -> Person:
    """The synthetic person behind a well-formed CPR number; parents never fall in `avoid`."""
    born = birth_date_of(cpr)
    if born is None:
        raise ValueError("not a well-formed CPR number")
    female = is_female(cpr)
    draw = _Draw(cpr)
    first = draw.pick(FEMALE_NAMES if female else MALE_NAMES)
    middle = draw.pick(MIDDLE_NAMES) if draw.number(3) == 0 else None
    last = draw.pick(LAST_NAMES)
    age = age_on(born, today)
    mother = father = None
    if age < 18:
        mother = _parent(cpr, born, draw, female=True, avoid=avoid)
        father = _parent(cpr, born, draw, female=False, avoid=avoid)
    if father is not None:
        last = derive_person(father, today=today).last_name or last
    custody = tuple(
        Custody(kind=kind, holder_cpr=holder, start_date=born)
        for kind, holder in ((CustodyKind.MOTHER, mother), (CustodyKind.FATHER, father))
        if holder is not None
    )
    return Person(
        cpr=cpr,
        addressing_name=" ".join(part for part in (first, middle, last) if part),
        first_names=first,
        middle_name=middle,
        last_name=last,
        birth_date=born,
        gender=Gender.FEMALE if female else Gender.MALE,
        status=PersonStatus.ACTIVE,
        address=_address(draw),
        address_protected=False,
        mother_cpr=mother,
        father_cpr=father,
        custody=custody,
        civil_status="U" if age < 18 or draw.number(2) else "G",
        digital_post=age >= 15,
    )


def _parent(child: str, born: date, draw: _Draw, *, female: bool, avoid: frozenset[str]) -> str:
    gap = 22 + draw.number(14) if female else 24 + draw.number(16)
    year = born.year - gap
    if year not in SYNTHETIC_YEARS:
        year = SYNTHETIC_YEARS.start
    birthday = date(year, 1 + draw.number(12), 2 + draw.number(27))
    candidates = [
        number
        for number in synthetic_candidates(birthday, female=female)
        if number not in avoid and number != child
    ]
    return candidates[draw.number(len(candidates))]


def _address(draw: _Draw) -> Address:
    municipality = MUNICIPALITIES[draw.number(len(MUNICIPALITIES))]
    street_index = draw.number(len(municipality.streets))
    street = municipality.streets[street_index]
    house = str(1 + draw.number(120))
    floor = str(1 + draw.number(4)) if draw.number(2) else None
    door = draw.pick(DOORS) if floor else None
    line = f"{street} {house}" + (f", {floor}. {door}" if floor else "")
    return Address(
        street_name=street,
        house_number=house,
        floor=floor,
        door=door,
        postcode=municipality.postcode,
        district=municipality.district,
        municipality_code=municipality.code,
        street_code=100 + 10 * street_index,
        standard_address=line,
    )


def response_element(person: Person) -> etree._Element:
    """PersonLookupResponse for this person, in the XSD's element order."""
    response = etree.Element(schema.RESPONSE, nsmap={None: schema.NS})
    data = _sub(response, "persondata")
    _leaf(data, "personnummer", person.cpr)
    name = _sub(data, "navn")
    _leaf(name, "personadresseringsnavn", person.addressing_name)
    _leaf(name, "fornavn", person.first_names)
    _leaf(name, "mellemnavn", person.middle_name)
    _leaf(name, "efternavn", person.last_name)
    if person.birth_date is not None:
        _leaf(_sub(data, "foedselsdato"), "dato", person.birth_date.isoformat())
    _leaf(data, "koen", person.gender.value if person.gender else None)
    _leaf(data, "antalBoernUnder18", str(len(person.children_cprs)))
    if person.status is not None:
        status = _sub(data, "status")
        _leaf(status, "status", str(int(person.status)))
        if person.status_date is not None:
            _leaf(_sub(status, "statusdato"), "dato", _date_time(person.status_date))
    if person.civil_status is not None:
        _leaf(_sub(data, "civilstand"), "civilstand", person.civil_status)
    if person.address_protected:
        protection = _sub(data, "adressebeskyttelse")
        _leaf(protection, "startdato", person.birth_date.isoformat() if person.birth_date else None)
        _leaf(protection, "beskyttet", "true")
    if person.digital_post is not None:
        _leaf(data, "tilmeldtDigitalpost", "true" if person.digital_post else "false")
    if person.address is not None:
        _address_element(_sub(_sub(response, "adresse"), "aktuelAdresse"), person.address)
    _relations(response, person)
    return response


def _address_element(parent: etree._Element, address: Address) -> None:
    code = address.municipality_code
    _leaf(parent, "kommunekode", None if code is None else str(code))
    _leaf(parent, "vejkode", None if address.street_code is None else str(address.street_code))
    _leaf(parent, "husnummer", address.house_number)
    _leaf(parent, "etage", address.floor)
    _leaf(parent, "sidedoer", address.door)
    _leaf(parent, "postnummer", address.postcode)
    _leaf(parent, "postdistrikt", address.district)
    _leaf(parent, "vejnavn", address.street_name)
    _leaf(parent, "standardadresse", address.standard_address)


def _relations(response: etree._Element, person: Person) -> None:
    if not (person.children_cprs or person.mother_cpr or person.father_cpr or person.custody):
        return
    relations = _sub(response, "relationer")
    for child in person.children_cprs:
        _leaf(_sub(relations, "barn"), "personnummer", child)
    if person.mother_cpr:
        _leaf(_sub(relations, "mor"), "personnummer", person.mother_cpr)
    if person.father_cpr:
        _leaf(_sub(relations, "far"), "personnummer", person.father_cpr)
    for custody in person.custody:
        item = _sub(relations, "foraeldremyndighed")
        _leaf(item, "foraeldremyndighedtype", str(int(custody.kind)))
        if custody.start_date is not None:
            _leaf(_sub(item, "foraeldremyndighedStartdato"), "dato", custody.start_date.isoformat())
        _leaf(item, "relationPersonnummer", custody.holder_cpr)


def _date_time(day: date) -> str:
    return datetime.combine(day, time(), tzinfo=UTC).isoformat()


def _sub(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{schema.NS}}}{name}")


def _leaf(parent: etree._Element, name: str, text: str | None) -> None:
    if text is not None:
        _sub(parent, name).text = text
