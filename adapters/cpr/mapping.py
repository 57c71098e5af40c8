"""From zeep's PersonLookupResponse object to our frozen `Person`.

The answer has already passed XSD validation, so this only reads; anything zeep hands over as an
unexpected Python type is still reported as a contract violation rather than guessed at.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from adapters.cpr.model import Address, Custody, CustodyKind, Gender, Person, PersonStatus
from adapters.errors import ContractViolation, NotFound


def person_from_answer(answer: Any, *, asked: str, today: date) -> Person:
    data = _get(answer, "persondata")
    if data is None:
        # An empty answer is how a replica says it has nobody under that number.
        raise NotFound("CPR has no person with that number")
    name = _get(data, "navn")
    relations = _get(answer, "relationer")
    mother = _str(_get(_get(relations, "mor"), "personnummer"))
    father = _str(_get(_get(relations, "far"), "personnummer"))
    status = _get(data, "status")
    incapacity = _get(data, "umyndiggoerelse")
    return Person(
        cpr=_str(_get(data, "personnummer")) or asked,
        current_cpr=_str(_get(data, "gaeldendePersonnummer")),
        addressing_name=_str(_get(name, "personadresseringsnavn")) or "",
        first_names=_str(_get(name, "fornavn")),
        middle_name=_str(_get(name, "mellemnavn")),
        last_name=_str(_get(name, "efternavn")),
        birth_date=_date(_get(_get(data, "foedselsdato"), "dato")),
        gender=_gender(_get(data, "koen")),
        status=_status(_get(status, "status")),
        status_date=_date(_get(_get(status, "statusdato"), "dato")),
        civil_status=_str(_get(_get(data, "civilstand"), "civilstand")),
        legally_incapacitated=_get(incapacity, "umyndiggjort") is True,
        digital_post=_bool(_get(data, "tilmeldtDigitalpost")),
        address=_address(_get(_get(answer, "adresse"), "aktuelAdresse")),
        address_protected=_protected(_get(data, "adressebeskyttelse"), today),
        mother_cpr=mother,
        father_cpr=father,
        spouse_cpr=_str(_get(_get(relations, "aegtefaelle"), "personnummer")),
        children_cprs=tuple(
            number
            for child in _list(_get(relations, "barn"))
            if (number := _str(_get(child, "personnummer"))) is not None
        ),
        custody=tuple(
            _custody(item, mother=mother, father=father)
            for item in _list(_get(relations, "foraeldremyndighed"))
        ),
    )


def _address(node: Any) -> Address | None:
    if node is None:
        return None
    return Address(
        street_name=_str(_get(node, "vejnavn")),
        house_number=_str(_get(node, "husnummer")),
        floor=_str(_get(node, "etage")),
        door=_str(_get(node, "sidedoer")),
        postcode=_str(_get(node, "postnummer")),
        district=_str(_get(node, "postdistrikt")),
        municipality_code=_int(_get(node, "kommunekode")),
        street_code=_int(_get(node, "vejkode")),
        city=_str(_get(node, "bynavn")),
        co_name=_str(_get(node, "conavn")),
        standard_address=_str(_get(node, "standardadresse")),
    )


def _protected(node: Any, today: date) -> bool:
    """Adressebeskyttelse in force today. Without the explicit flag, the dates decide."""
    if node is None:
        return False
    flag = _bool(_get(node, "beskyttet"))
    if flag is not None:
        return flag
    start, end = _date(_get(node, "startdato")), _date(_get(node, "slutdato"))
    return (start is None or start <= today) and (end is None or end >= today)


def _custody(node: Any, *, mother: str | None, father: str | None) -> Custody:
    kind = CustodyKind(_required_int(_get(node, "foraeldremyndighedtype")))
    holder = _str(_get(node, "relationPersonnummer"))
    if holder is None:
        holder = {CustodyKind.MOTHER: mother, CustodyKind.FATHER: father}.get(kind)
    return Custody(
        kind=kind,
        holder_cpr=holder,
        start_date=_date(_get(_get(node, "foraeldremyndighedStartdato"), "dato")),
    )


def _gender(value: Any) -> Gender | None:
    return None if value is None else Gender(_str(value))


def _status(value: Any) -> PersonStatus | None:
    return None if value is None else PersonStatus(_required_int(value))


def _get(node: Any, name: str) -> Any:
    return None if node is None else getattr(node, name, None)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ContractViolation(f"expected text, got {type(value).__name__}")


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ContractViolation(f"expected an integer, got {type(value).__name__}")


def _required_int(value: Any) -> int:
    number = _int(value)
    if number is None:
        raise ContractViolation("a required code is missing")
    return number


def _bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ContractViolation(f"expected a boolean, got {type(value).__name__}")


def _date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise ContractViolation(f"expected a date, got {type(value).__name__}")
