"""The receiving side of a case transfer (BL § 132): a complete package becomes a case here.

The case, the package with its documents and the engine message that starts `sagsmodtagelse`
are written in one transaction, keyed by the package id: a package read again changes nothing.
The new case gets its own id and number and is linked to the sender's (`transfer_in`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from adapters.sf2900.transfer import ReceivedDocument, ReceivedForm
from api.cases.statistics import note_event
from api.cases.tables import case, measure, person
from api.cases.workflow import queue_message
from api.org.tables import municipality, org_unit
from api.rules.catalogue import current as current_rules
from api.transfers.audit import record
from api.transfers.tables import transfer_document, transfer_in, transfer_out

START_MESSAGE = "sagsmodtagelse-start"
CONTINUED_KINDS = ("indsats", "anbringelse")
"""The open items a receiving municipality continues as measures of its own."""


class NotForUs(Exception):
    """The package names another receiver, or cannot become a case here; it is left alone."""


def known(conn: Connection, package_id: uuid.UUID) -> bool:
    return (
        conn.execute(select(transfer_in.c.id).where(transfer_in.c.id == package_id)).first()
        is not None
    )


def receive(
    conn: Connection,
    *,
    municipality_id: str,
    form: ReceivedForm,
    documents: list[ReceivedDocument],
    kle_subject: str,
) -> uuid.UUID | None:
    """The new (or this municipality's existing) case for the package; None if already taken."""
    manifest = form.manifest
    if known(conn, manifest.package_id):
        return None
    cvr = conn.execute(
        select(municipality.c.cvr).where(municipality.c.id == municipality_id)
    ).scalar()
    if manifest.receiver_cvr != cvr:
        raise NotForUs("the manifest names another receiving municipality")
    unit = conn.execute(
        select(org_unit)
        .where(org_unit.c.municipality_id == municipality_id)
        .order_by(org_unit.c.name)
    ).first()
    if unit is None:
        raise NotForUs("the municipality has no team to receive the case")
    if manifest.child_cpr is not None:
        child_id = _person(conn, manifest.child_cpr)
    elif manifest.unborn_mother_cpr is not None:  # an unborn child's case, under the mother
        mother_id = _person(conn, manifest.unborn_mother_cpr)
        child_id = _unborn_child(conn, mother_id, manifest.expected_birth_date)
    else:
        raise NotForUs("the manifest names neither a child nor an unborn child's mother")
    case_id = _case(conn, municipality_id, unit.id, child_id, kle_subject)
    conn.execute(
        insert(transfer_in).values(
            id=manifest.package_id,
            case_id=case_id,
            municipality_id=municipality_id,
            sender_cvr=manifest.sender_cvr,
            sender_municipality=manifest.sender_municipality,
            sender_case_id=manifest.sender_case_id,
            sender_case_number=manifest.sender_case_number,
            moved_on=manifest.moved_on,
            summary_pdf=form.summary_pdf,
            open_items=[
                {
                    "kind": i.kind,
                    "title": i.title,
                    "legal_basis": i.legal_basis,
                    "since": i.since.isoformat(),
                }
                for i in manifest.open_items
            ],
        )
    )
    by_id = {d.document_id: d for d in documents}
    for position, listed in enumerate(manifest.documents, start=1):
        document = by_id[listed.document_id]
        conn.execute(
            insert(transfer_document).values(
                id=uuid.uuid4(),
                transfer_id=manifest.package_id,
                position=position,
                title=listed.title,
                letter_date=listed.letter_date,
                media_type=document.media_type,
                content=document.content,
            )
        )
    received = datetime.now(UTC)
    queue_message(
        conn,
        name=START_MESSAGE,
        correlation_key=str(case_id),
        message_id=f"sagsmodtagelse-{manifest.package_id}",
        variables={
            "caseId": str(case_id),
            "transferId": str(manifest.package_id),
            "municipalityId": municipality_id,
            "ruleSet": current_rules(received.date()).version,
            "receivedAt": received.isoformat(),
            "openItems": len(manifest.open_items),
            "dutyGroup": unit.duty_group,
            "leaderGroup": unit.leader_group,
        },
    )
    record(conn, "transfer.received", case_id, f"sf2900:{manifest.sender_cvr}")
    return case_id


def _person(conn: Connection, cpr: str) -> uuid.UUID:
    found = conn.execute(select(person.c.id).where(person.c.cpr == cpr)).scalar()
    if found:
        return uuid.UUID(str(found))
    new_id = uuid.uuid4()
    conn.execute(insert(person).values(id=new_id, cpr=cpr))
    return new_id


def _unborn_child(conn: Connection, mother_id: uuid.UUID, expected: date | None) -> uuid.UUID:
    """The mother's unborn child (a person without CPR, linked to her until the birth), as
    intake records it (api.underretninger.service); a new one if she has none here."""
    found = conn.execute(
        select(person.c.id).where(person.c.unborn_mother_id == mother_id, person.c.cpr.is_(None))
    ).scalar()
    if found:
        return uuid.UUID(str(found))
    new_id = uuid.uuid4()
    conn.execute(
        insert(person).values(id=new_id, unborn_mother_id=mother_id, expected_birth_date=expected)
    )
    return new_id


def _case(
    conn: Connection, municipality_id: str, unit_id: uuid.UUID, child_id: uuid.UUID, kle: str
) -> uuid.UUID:
    """This municipality's case for the child and subject (enkeltsagsprincippet), else a new one."""
    found = conn.execute(
        select(case.c.id).where(
            and_(
                case.c.municipality_id == municipality_id,
                case.c.child_id == child_id,
                case.c.kle_subject == kle,
            )
        )
    ).scalar()
    if found:
        conn.execute(update(case).where(case.c.id == found).values(status="open"))
        return uuid.UUID(str(found))
    new_id = uuid.uuid4()
    year = datetime.now(UTC).year
    conn.execute(
        insert(case).values(
            id=new_id,
            case_number=f"{municipality_id}-{year}-{new_id.hex[:6].upper()}",
            municipality_id=municipality_id,
            org_unit_id=unit_id,
            child_id=child_id,
            kle_subject=kle,
        )
    )
    return new_id


def take_over(conn: Connection, transfer_id: uuid.UUID, on: date) -> list[uuid.UUID]:
    """The caseworker has taken the case over: this municipality is handlekommune from `on`.
    The sender's open indsatser and anbringelser go on under its decisions until this
    municipality decides otherwise (BL § 132), so each becomes a measure of this case, started
    on `on`, with its START noted once for DST. A retried job adds nothing (each measure's id
    is derived from the package and its place in the manifest). The continued measures' ids."""
    conn.execute(
        update(transfer_in)
        .where(transfer_in.c.id == transfer_id, transfer_in.c.taken_over_at.is_(None))
        .values(taken_over_at=datetime.now(UTC))
    )
    row = conn.execute(
        select(transfer_in.c.case_id, transfer_in.c.open_items).where(
            transfer_in.c.id == transfer_id
        )
    ).one()
    continued = []
    for position, item in enumerate(row.open_items, start=1):
        if item.get("kind") not in CONTINUED_KINDS:
            continue
        measure_id = uuid.uuid5(transfer_id, f"measure-{position}")
        conn.execute(
            pg_insert(measure)
            .values(
                id=measure_id,
                case_id=row.case_id,
                kind=item["kind"],
                legal_basis=item["legal_basis"],
                transfer_id=transfer_id,
                started_on=on,
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )
        started_on = conn.execute(
            select(measure.c.started_on).where(measure.c.id == measure_id)
        ).scalar_one()
        note_event(
            conn,
            case_id=row.case_id,
            subject=item["kind"],
            subject_id=measure_id,
            event="start",
            occurred_on=started_on,
            code=item["legal_basis"],
            legal_basis=item["legal_basis"],
        )
        continued.append(measure_id)
    record(conn, "transfer.taken_over", row.case_id, "sagsmodtagelse")
    return continued


def transfers_view(conn: Connection, case_id: uuid.UUID) -> dict[str, Any]:
    """What the case page shows: packages sent from the case, and the package it came from."""
    sent = [
        {
            "id": str(r.id),
            "to_municipality": r.receiving_municipality_id,
            "status": r.status,
            "documents": r.documents,
            "error": r.last_error,
            "created_at": r.created_at,
            "sent_at": r.sent_at,
            "handed_over_on": r.handed_over_on,
        }
        for r in conn.execute(
            select(transfer_out)
            .where(transfer_out.c.case_id == case_id)
            .order_by(transfer_out.c.created_at)
        )
    ]
    received = []
    for r in conn.execute(
        select(transfer_in)
        .where(transfer_in.c.case_id == case_id)
        .order_by(transfer_in.c.received_at)
    ):
        titles = conn.execute(
            select(transfer_document.c.title)
            .where(transfer_document.c.transfer_id == r.id)
            .order_by(transfer_document.c.position)
        ).scalars()
        received.append(
            {
                "id": str(r.id),
                "from_municipality": r.sender_municipality,
                "sender_case_number": r.sender_case_number,
                "sender_case_id": str(r.sender_case_id),
                "moved_on": r.moved_on,
                "received_at": r.received_at,
                "taken_over_at": r.taken_over_at,
                "open_items": r.open_items,
                "documents": list(titles),
                "summary_size": len(r.summary_pdf),
            }
        )
    return {"sent": sent, "received": received}
