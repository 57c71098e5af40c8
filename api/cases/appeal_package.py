"""The appeal package for Ankestyrelsen, built from the case store: the decision, the appeal,
the genvurdering and every submitted document of the case with the labels its form gave."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from api.calendar.working_days import COPENHAGEN
from api.cases.tables import appeal, case, form_document, letter
from api.documents.pdf import AppealPackage, PackageDocument
from api.org.tables import municipality
from api.projector import tables as rm


def _title(schema: dict[str, Any], form_id: str) -> str:
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


def _fields(schema: dict[str, Any], data: dict[str, Any]) -> list[tuple[str, str]]:
    labels = _labels(schema)
    fields = []
    for key, (label, options) in labels.items():
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
    return fields


def _local_date(moment: datetime) -> date:
    return moment.astimezone(COPENHAGEN).date()


def build(
    conn: Connection, case_id: uuid.UUID, decision_instance_key: int, now: datetime
) -> AppealPackage:
    head = conn.execute(
        select(case.c.case_number, municipality.c.name)
        .join(municipality, municipality.c.id == case.c.municipality_id)
        .where(case.c.id == case_id)
    ).one()
    received = conn.execute(
        select(appeal.c.received_at)
        .where(appeal.c.decision_instance_key == decision_instance_key)
        .order_by(appeal.c.received_at.desc())
    ).scalar()
    if received is None:
        raise LookupError("the decision has no registered appeal")
    delivered = conn.execute(
        select(letter.c.delivered_at).where(
            letter.c.case_id == case_id,
            letter.c.kind == "afgoerelse",
            letter.c.idempotency_key.like(f"afgoerelse-{decision_instance_key}-%"),
        )
    ).scalar()
    rows = conn.execute(
        select(form_document, rm.form.c.schema)
        .outerjoin(rm.form, rm.form.c.form_key == form_document.c.form_key)
        .where(form_document.c.case_id == case_id, form_document.c.status == "submitted")
        .order_by(form_document.c.saved_at)
    ).all()
    documents = [
        PackageDocument(
            title=_title(dict(r.schema or {}), r.form_id),
            dated=_local_date(r.saved_at),
            fields=_fields(dict(r.schema or {}), dict(r.data)),
        )
        for r in rows
    ]
    decisions = [d for d, r in zip(documents, rows, strict=True) if r.form_id == "afgoerelse"]
    reassessed = [
        r.saved_at for r in rows if r.form_id == "genvurdering" and r.saved_at >= received
    ]
    return AppealPackage(
        case_number=head.case_number,
        municipality=head.name,
        decision_title=decisions[-1].title if decisions else "Afgørelse",
        decision_date=_local_date(delivered) if delivered else _local_date(received),
        appeal_received=_local_date(received),
        reassessment_date=_local_date(reassessed[-1]) if reassessed else None,
        documents=documents,
        generated_at=now,
    )
