"""What a CPR lookup answers, as frozen values: zeep's objects never leave the adapter.

Field names are English; each docstring names the SF1520 element it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum, IntEnum


class Gender(Enum):
    """`persondata/koen`: K = female, M = male."""

    FEMALE = "K"
    MALE = "M"


class PersonStatus(IntEnum):
    """`persondata/status/status`, the CPR status code."""

    ACTIVE = 1
    ACTIVE_SPECIAL_ROAD_CODE = 3
    ACTIVE_GREENLAND = 5
    ACTIVE_GREENLAND_SPECIAL_ROAD_CODE = 7
    INACTIVE_TAX_ONLY = 20
    CANCELLED = 30
    DELETED_DUPLICATE = 50
    CHANGED_NUMBER = 60
    MISSING = 70
    EMIGRATED = 80
    DEAD = 90


class CustodyKind(IntEnum):
    """`relationer/foraeldremyndighed/foraeldremyndighedtype` (forældremyndighed)."""

    MOTHER = 3
    FATHER = 4
    OTHER_HOLDER_1 = 5
    OTHER_HOLDER_2 = 6


@dataclass(frozen=True)
class Address:
    """`adresse/aktuelAdresse`: the current registered address."""

    street_name: str | None
    """vejnavn"""
    house_number: str | None
    """husnummer"""
    floor: str | None
    """etage"""
    door: str | None
    """sidedoer"""
    postcode: str | None
    """postnummer"""
    district: str | None
    """postdistrikt"""
    municipality_code: int | None
    """kommunekode"""
    street_code: int | None = None
    """vejkode"""
    city: str | None = None
    """bynavn"""
    co_name: str | None = None
    """conavn"""
    standard_address: str | None = None
    """standardadresse: street, number, floor and door on one line"""


@dataclass(frozen=True)
class Custody:
    """One holder of parental custody (forældremyndighed) of the person looked up."""

    kind: CustodyKind
    holder_cpr: str | None
    """relationPersonnummer; for MOTHER and FATHER filled in from mor/far when CPR leaves it out"""
    start_date: date | None = None
    """foraeldremyndighedStartdato"""


@dataclass(frozen=True)
class Person:
    """One person as SF1520 PersonLookup answers.

    `address_protected` must be honoured in letters and in the UI (adressebeskyttelse).
    """

    cpr: str
    """persondata/personnummer (the number asked for if CPR leaves it out)"""
    addressing_name: str
    """navn/personadresseringsnavn"""
    first_names: str | None
    """navn/fornavn (all first names, space separated)"""
    middle_name: str | None
    """navn/mellemnavn"""
    last_name: str | None
    """navn/efternavn"""
    birth_date: date | None
    """foedselsdato/dato"""
    gender: Gender | None
    """koen"""
    status: PersonStatus | None
    """status/status"""
    address: Address | None
    address_protected: bool
    """adressebeskyttelse: in force now"""
    mother_cpr: str | None = None
    """relationer/mor/personnummer"""
    father_cpr: str | None = None
    """relationer/far/personnummer"""
    spouse_cpr: str | None = None
    """relationer/aegtefaelle/personnummer"""
    children_cprs: tuple[str, ...] = ()
    """relationer/barn/personnummer"""
    custody: tuple[Custody, ...] = ()
    """relationer/foraeldremyndighed"""
    current_cpr: str | None = None
    """gaeldendePersonnummer: set when the number asked for has been replaced"""
    status_date: date | None = None
    """status/statusdato"""
    civil_status: str | None = None
    """civilstand/civilstand: U, G, F, E, P, O, L or D"""
    legally_incapacitated: bool = False
    """umyndiggoerelse/umyndiggjort (umyndiggørelse)"""
    digital_post: bool | None = None
    """tilmeldtDigitalpost"""

    @property
    def is_dead(self) -> bool:
        return self.status is PersonStatus.DEAD

    @property
    def is_missing(self) -> bool:
        """Status 70, forsvundet (bortkommet)."""
        return self.status is PersonStatus.MISSING

    @property
    def custody_holder_cprs(self) -> tuple[str, ...]:
        return tuple(c.holder_cpr for c in self.custody if c.holder_cpr is not None)
