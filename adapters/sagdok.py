"""The Sag- og Dokumentstandard metadata of one journalised document, as SF2900 and SF1470 need it.

The OIO object model (`SagDokObjekt.xsd`, mapping `urn:oio:sagdok:MPD:3.0.0`) describes a case
(Sag) with its KLE subject and handlingsfacet, its parties and its journal posts, and a document
(Dokument) with title, letter date, type and variants. SF2900 carries it in its own types to the
municipality's ESDH, SF1470 indexes it. Both adapters take these frozen values, so the caller
never builds a contract structure and the two services always get the same facts.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

# KLE emne (hovedgruppe.gruppe.emne) and handlingsfacet, as the contracts' patterns have them.
_KLE_SUBJECT = re.compile(r"\d\d\.\d\d\.\d\d")
_ACTION_FACET = re.compile(r"[A-ZÆØÅ]\d\d")
_CVR = re.compile(r"\d{8}")
_CPR = re.compile(r"\d{10}")

DocumentType = Literal["Brev", "Notat", "Rapport", "Anden"]
"""SF2900's Dokumenttype values we use: letters, journal notes, assessments (forms), other."""
Direction = Literal["Indgaaende", "Udgaaende", "Internt"]
"""SF2900's Retning: a letter goes out, a form or a journal note is internal."""


@dataclass(frozen=True)
class SagDokCase:
    """The case (Sag) a document belongs to: enkeltsagsprincippet, one per child and subject."""

    case_id: uuid.UUID
    case_number: str
    title: str
    kle_subject: str
    action_facet: str
    municipality_cvr: str
    child_cpr: str | None = None
    """The primary party (PrimaerPart); None for an unborn child not yet in CPR."""
    retention_code: str | None = None
    """KLE kassationskode (e.g. B for bevaring), when the municipality's plan gives one."""

    def __post_init__(self) -> None:
        if not _KLE_SUBJECT.fullmatch(self.kle_subject):
            raise ValueError("kle_subject must be a KLE emne NN.NN.NN")
        if not _ACTION_FACET.fullmatch(self.action_facet):
            raise ValueError("action_facet must be a KLE handlingsfacet like G01")
        if not _CVR.fullmatch(self.municipality_cvr):
            raise ValueError("municipality_cvr must be eight digits")
        if self.child_cpr is not None and not _CPR.fullmatch(self.child_cpr):
            raise ValueError("child_cpr must be ten digits")
        if not self.case_number.strip() or not self.title.strip():
            raise ValueError("a case needs a number and a title")


@dataclass(frozen=True)
class SagDokDocument:
    """One document on the case, with the file that is journalised (a PDF/A)."""

    document_id: uuid.UUID
    case: SagDokCase
    title: str
    document_type: DocumentType
    direction: Direction
    letter_date: date
    registered_at: datetime
    filename: str
    content: bytes
    media_type: str = "application/pdf"
    description: str = ""

    def __post_init__(self) -> None:
        if registered_at_naive(self.registered_at):
            raise ValueError("registered_at must be timezone-aware")
        if not self.title.strip() or len(self.title) > 255:
            raise ValueError("a document title is 1 to 255 characters")
        if not self.filename.strip() or "/" in self.filename:
            raise ValueError("filename must be a plain file name")
        if not self.content:
            raise ValueError("a document has content")

    @property
    def key(self) -> str:
        """The user-facing key (BrugervendtNoegle): stable and free of personal data."""
        return str(self.document_id)


def registered_at_naive(moment: datetime) -> bool:
    return moment.utcoffset() is None


@dataclass(frozen=True)
class JournalEntry:
    """A document listed on its case's journal (the Sag's Journalpost relation) in the index."""

    document_id: uuid.UUID
    title: str
