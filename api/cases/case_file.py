"""The one case-file builder: every document of a case, in chronological order.

Ankestyrelsen gets it as it is (`api.cases.appeal_package`); a requester of aktindsigt gets it
through the redaction rules of `api.cases.aktindsigt`. The documents are: the underretninger
(with their reporter kept apart, so a redaction can act on who reported), every submitted form
with the labels its form gave, the parties' comments in a partshøring and the institutions'
statusudtalelser.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from api.calendar.working_days import COPENHAGEN
from api.cases.tables import (
    form_document,
    hearing,
    hearing_response,
    statement_request,
    underretning,
)
from api.documents.pdf import PackageDocument
from api.projector import tables as rm

REPORTER_TYPES = {"professional": "Fagperson", "private": "Privatperson", "anonymous": "Anonym"}


@dataclass(frozen=True)
class Reporter:
    """Who made an underretning, as the intake recorded it."""

    kind: str
    name: str | None = None
    organisation: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class SourceDocument:
    """A case document before it is rendered: `kind` is the form id, or `underretning`,
    `partsbemaerkning` or `statusudtalelse`."""

    kind: str
    title: str
    at: datetime
    fields: tuple[tuple[str, str], ...]
    reporter: Reporter | None = None


def local_date(moment: datetime) -> date:
    return moment.astimezone(COPENHAGEN).date()


def local_time(moment: datetime) -> str:
    return moment.astimezone(COPENHAGEN).strftime("%Y-%m-%d kl. %H:%M")


def form_title(schema: dict[str, Any], form_id: str) -> str:
    """The form's own heading (its first "## ..." text), else its id."""
    for component in schema.get("components", []):
        text = component.get("text") if component.get("type") == "text" else None
        if text and text.lstrip().startswith("#"):
            return str(text).lstrip("# ").splitlines()[0].strip()
    return form_id


def _labels(schema: dict[str, Any]) -> dict[str, tuple[str, dict[Any, str]]]:
    """Field key -> (label, option value -> option label), also inside groups."""
    found: dict[str, tuple[str, dict[Any, str]]] = {}

    def walk(components: list[dict[str, Any]]) -> None:
        for c in components:
            if c.get("key"):
                options = {v["value"]: v["label"] for v in c.get("values", []) or []}
                found[c["key"]] = (c.get("label") or c["key"], options)
            walk(c.get("components", []))

    walk(schema.get("components", []))
    return found


def form_fields(schema: dict[str, Any], data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    fields = []
    for key, (label, options) in _labels(schema).items():
        if key not in data or data[key] in (None, "", []):
            continue
        value = data[key]
        if isinstance(value, list):
            text = ", ".join(str(options.get(v, v)) for v in value)
        elif isinstance(value, bool):
            text = "Ja" if value else "Nej"
        else:
            text = str(options.get(value, value))
        fields.append((label, text))
    return tuple(fields)


def reporter_fields(reporter: Reporter) -> list[tuple[str, str]]:
    """Who reported, in full (Ankestyrelsen's view)."""
    fields = [("Underretter", REPORTER_TYPES.get(reporter.kind, reporter.kind))]
    for label, value in (
        ("Navn", reporter.name),
        ("Arbejdsplads", reporter.organisation),
        ("E-mail", reporter.email),
    ):
        if value:
            fields.append((label, value))
    return fields


def _underretninger(conn: Connection, case_id: uuid.UUID) -> list[SourceDocument]:
    rows = conn.execute(select(underretning).where(underretning.c.case_id == case_id))
    return [
        SourceDocument(
            kind="underretning",
            title="Underretning",
            at=u.received_at,
            fields=(("Modtaget", local_time(u.received_at)), ("Bekymring", u.concern)),
            reporter=Reporter(
                u.reporter_type, u.reporter_name, u.reporter_organisation, u.reporter_email
            ),
        )
        for u in rows
    ]


def _forms(conn: Connection, case_id: uuid.UUID) -> list[SourceDocument]:
    rows = conn.execute(
        select(form_document, rm.form.c.schema)
        .outerjoin(rm.form, rm.form.c.form_key == form_document.c.form_key)
        .where(form_document.c.case_id == case_id, form_document.c.status == "submitted")
    )
    return [
        SourceDocument(
            kind=r.form_id,
            title=form_title(dict(r.schema or {}), r.form_id),
            at=r.saved_at,
            fields=form_fields(dict(r.schema or {}), dict(r.data)),
        )
        for r in rows
    ]


def _hearing_comments(conn: Connection, case_id: uuid.UUID) -> list[SourceDocument]:
    rows = conn.execute(
        select(hearing_response)
        .join(hearing, hearing.c.id == hearing_response.c.hearing_id)
        .where(hearing.c.case_id == case_id)
    )
    return [
        SourceDocument(
            kind="partsbemaerkning",
            title="Bemærkninger til partshøring",
            at=r.received_at,
            fields=(("Part", f"Part {r.party_index + 1}"), ("Bemærkninger", r.comments)),
        )
        for r in rows
    ]


def _statements(conn: Connection, case_id: uuid.UUID) -> list[SourceDocument]:
    rows = conn.execute(
        select(statement_request).where(
            statement_request.c.case_id == case_id, statement_request.c.replied_at.is_not(None)
        )
    )
    return [
        SourceDocument(
            kind="statusudtalelse",
            title="Statusudtalelse",
            at=r.replied_at,
            fields=(("Institution", r.institution_name), ("Udtalelse", r.reply or "")),
        )
        for r in rows
    ]


def sources(
    conn: Connection, case_id: uuid.UUID, until: datetime | None = None
) -> list[SourceDocument]:
    """Every document of the case up to `until` (all when None), oldest first."""
    found = (
        _underretninger(conn, case_id)
        + _forms(conn, case_id)
        + _hearing_comments(conn, case_id)
        + _statements(conn, case_id)
    )
    if until is not None:
        found = [s for s in found if s.at <= until]
    return chronological(found)


def chronological(found: Iterable[SourceDocument]) -> list[SourceDocument]:
    """Oldest first; documents of the same moment in title order, so the list is the same
    every time it is built."""
    return sorted(found, key=lambda s: (s.at, s.title))


def unredacted(source: SourceDocument) -> PackageDocument:
    """The document as the case store holds it."""
    fields = list(source.fields)
    if source.reporter is not None:
        fields[1:1] = reporter_fields(source.reporter)
    return PackageDocument(title=source.title, dated=local_date(source.at), fields=fields)
