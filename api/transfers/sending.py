"""The sending side of a case transfer (BL § 132): the package a flytning sends through SF2900.

The package is the case's documents (each a PDF/A) and a følgeseddel carrying the summary (PDF/A)
and the manifest (`adapters/sf2900/TRANSFER.md`). Its id is kept in `transfer_out` before the
first send, so a retried job sends the same package under the same transaction ids.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, insert, select, update

from adapters.sagdok import SagDokCase, SagDokDocument
from adapters.sf2900.transfer import Manifest, ManifestDocument, OpenItem, TransferForm
from api.calendar.working_days import COPENHAGEN
from api.cases import case_file
from api.cases.decisions import latest_document
from api.cases.moves import UnknownMunicipality, receiving_cvr
from api.cases.tables import case, measure, person
from api.documents.pdfa import JournalPdf, render_pdfa
from api.esdh.service import case_facts
from api.org.tables import municipality
from api.transfers.audit import record
from api.transfers.tables import transfer_out

FORM_KEY = "foelgeseddel"
SUMMARY_TITLE = "Overdragelse ved flytning (barnets lov § 132)"
MEASURE_TITLES = {"indsats": "Støttende indsats", "anbringelse": "Anbringelse"}


@dataclass(frozen=True)
class Package:
    id: uuid.UUID
    status: str
    receiving_cvr: str


def transaction_id(package_id: uuid.UUID, object_key: str) -> uuid.UUID:
    """The AnvenderTransaktionsID of one object of the package: the same on every retry."""
    return uuid.uuid5(package_id, object_key)


def package_for(
    conn: Connection, *, case_id: uuid.UUID, instance_key: int, receiving_municipality: str
) -> Package:
    """This flytning's package in flight or sent; a new one after a rejection (or the first)."""
    found = conn.execute(
        select(transfer_out.c.id, transfer_out.c.status, transfer_out.c.receiving_cvr)
        .where(
            transfer_out.c.process_instance_key == str(instance_key),
            transfer_out.c.status != "rejected",
        )
        .order_by(transfer_out.c.created_at.desc())
    ).first()
    if found is not None:
        return Package(found.id, found.status, found.receiving_cvr)
    cvr = receiving_cvr(conn, receiving_municipality)
    package_id = uuid.uuid4()
    conn.execute(
        insert(transfer_out).values(
            id=package_id,
            case_id=case_id,
            process_instance_key=str(instance_key),
            receiving_municipality_id=receiving_municipality,
            receiving_cvr=cvr,
        )
    )
    return Package(package_id, "sending", cvr)


def build(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    package: Package,
    moved_on: date | None,
    action_facet: str,
    now: datetime,
) -> tuple[list[SagDokDocument], TransferForm]:
    """The documents (oldest first) and the følgeseddel of the package."""
    facts = case_facts(conn, case_id)
    if not facts.municipality_cvr:
        raise UnknownMunicipality("sender")
    receiver = conn.execute(
        select(municipality.c.name).where(municipality.c.cvr == package.receiving_cvr)
    ).scalar()
    unborn = _unborn(conn, case_id) if facts.child_cpr is None else None
    sag = SagDokCase(
        case_id=case_id,
        case_number=facts.case_number,
        title=f"Børnesag {facts.case_number}",
        kle_subject=facts.kle_subject,
        action_facet=action_facet,
        municipality_cvr=facts.municipality_cvr,
        # The key person of the SF2900 objects: the child, or an unborn child's mother.
        child_cpr=facts.child_cpr or (unborn.mother_cpr if unborn else None),
    )
    documents = []
    for source in case_file.sources(conn, case_id):
        shown = case_file.unredacted(source)
        document_id = uuid.uuid5(package.id, f"{source.kind}|{source.at.isoformat()}|{shown.title}")
        pdf = JournalPdf(
            kind="ics",
            title=shown.title,
            case_number=facts.case_number,
            municipality=facts.municipality,
            dated=shown.dated,
            created_at=source.at,
            fields=shown.fields,
        )
        documents.append(
            SagDokDocument(
                document_id=document_id,
                case=sag,
                title=shown.title[:255],
                document_type="Notat",
                direction="Udgaaende",
                letter_date=shown.dated,
                registered_at=source.at,
                filename=f"dokument-{document_id}.pdf",
                content=render_pdfa(pdf),
            )
        )
    open_items = tuple(
        OpenItem(m.kind, MEASURE_TITLES[m.kind], m.legal_basis, m.started_on)
        for m in conn.execute(
            select(measure)
            .where(measure.c.case_id == case_id, measure.c.ended_on.is_(None))
            .order_by(measure.c.started_on)
        )
    )
    manifest = Manifest(
        package_id=package.id,
        sender_cvr=facts.municipality_cvr,
        sender_municipality=facts.municipality,
        receiver_cvr=package.receiving_cvr,
        sender_case_id=case_id,
        sender_case_number=facts.case_number,
        child_cpr=facts.child_cpr,
        unborn_mother_cpr=unborn.mother_cpr if unborn else None,
        expected_birth_date=unborn.expected_birth_date if unborn else None,
        moved_on=moved_on,
        documents=tuple(ManifestDocument(d.document_id, d.title, d.letter_date) for d in documents),
        open_items=open_items,
    )
    summary = latest_document(conn, case_id, "flytning_resume")
    fields = [
        ("Til", str(receiver or package.receiving_cvr)),
        ("Flyttedato", moved_on.isoformat() if moved_on else "Ukendt"),
        ("Resumé", str(summary.get("summary") or "")),
        ("Åbne afgørelser (rådgiverens beskrivelse)", str(summary.get("open_decisions") or "")),
        (
            "Åbne indsatser og anbringelser",
            "\n".join(f"{i.title} efter {i.legal_basis} siden {i.since}" for i in open_items)
            or "Ingen",
        ),
        (
            "Dokumenter i pakken",
            "\n".join(f"{d.letter_date} {d.title}" for d in manifest.documents) or "Ingen",
        ),
    ]
    summary_pdf = render_pdfa(
        JournalPdf(
            kind="overdragelse",
            title=SUMMARY_TITLE,
            case_number=facts.case_number,
            municipality=facts.municipality,
            dated=now.astimezone(COPENHAGEN).date(),
            created_at=now,
            fields=fields,
        )
    )
    form = TransferForm(case=sag, manifest=manifest, title=SUMMARY_TITLE, summary_pdf=summary_pdf)
    return documents, form


@dataclass(frozen=True)
class Unborn:
    mother_cpr: str
    expected_birth_date: date | None


class NoKeyPerson(Exception):
    """The case's child has no CPR number and no mother with one: nothing to send it under."""


def _unborn(conn: Connection, case_id: uuid.UUID) -> Unborn:
    """The mother of the case's unborn child (the case was opened on her CPR number)."""
    mother = person.alias("mother")
    found = conn.execute(
        select(mother.c.cpr, person.c.expected_birth_date)
        .select_from(case)
        .join(person, person.c.id == case.c.child_id)
        .join(mother, mother.c.id == person.c.unborn_mother_id)
        .where(case.c.id == case_id)
    ).first()
    if found is None or not found.cpr:
        raise NoKeyPerson(str(case_id))
    return Unborn(str(found.cpr), found.expected_birth_date)


def mark_sent(conn: Connection, package: Package, *, case_id: uuid.UUID, documents: int) -> None:
    conn.execute(
        update(transfer_out)
        .where(transfer_out.c.id == package.id, transfer_out.c.status == "sending")
        .values(status="sent", documents=documents, sent_at=datetime.now(UTC))
    )
    record(conn, "transfer.sent", case_id, f"sf2900:{package.receiving_cvr}")


def mark_rejected(conn: Connection, package: Package, *, case_id: uuid.UUID, reason: str) -> None:
    """SF2900 refused: the package keeps its reason; the case and its documents are untouched."""
    conn.execute(
        update(transfer_out)
        .where(transfer_out.c.id == package.id)
        .values(status="rejected", last_error=reason)
    )
    record(conn, "transfer.rejected", case_id, f"sf2900:{package.receiving_cvr}")


def handed_over(conn: Connection, case_id: uuid.UUID, on: date) -> None:
    """The handover date from the flytning's last task: read-only here from then."""
    done = conn.execute(
        update(transfer_out)
        .where(transfer_out.c.case_id == case_id, transfer_out.c.status == "sent")
        .values(handed_over_on=on)
    )
    if done.rowcount:
        record(conn, "transfer.handed_over", case_id, "flytning")


def read_only_since(conn: Connection, case_id: uuid.UUID) -> date | None:
    """The handover date when the case has been handed over to another municipality."""
    found = conn.execute(
        select(transfer_out.c.handed_over_on)
        .where(transfer_out.c.case_id == case_id, transfer_out.c.handed_over_on.is_not(None))
        .order_by(transfer_out.c.handed_over_on)
    ).scalar()
    return found if isinstance(found, date) else None
