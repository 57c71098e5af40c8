"""The ESDH relay, a loop beside the job workers: journalises each queued document exactly once.

Each round it queues newly completed form documents (`api.esdh.queue`), leases the due rows, and
for each: renders the PDF/A, files it through SF2900, then indexes it (and its case's journal)
through SF1470 `importer`; a withdrawn document is taken out with `fjern`. Each step is recorded
before the next one starts, so a restart repeats at most the step that was under way, and that
step names the same idempotency key as before (derived from the document id): a send repeated
after a timeout names the first sending, and files nothing twice.

A failed step is retried with backoff; after `esdh_fail_after` attempts the document shows as
`failed` with its last error (case page, /health), and is still retried until it goes through.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from pyzeebe import ZeebeClient
from sqlalchemy import Engine

from adapters.errors import AdapterError, NotFound
from adapters.sagdok import Direction, DocumentType, JournalEntry, SagDokCase, SagDokDocument
from adapters.sf1470 import Sf1470Client, Sf1470Settings
from adapters.sf2900 import Sf2900Client, Sf2900Settings
from api.audit.adapters import adapter_audit, audit_scope
from api.classification.service import ClassificationMissing
from api.classification.service import require as require_classification
from api.documents.pdfa import JournalPdf, render_pdfa
from api.esdh import service
from api.esdh.queue import queue_submitted_forms
from api.logging import mask_cpr
from api.settings import Settings, get_settings
from api.sts import token_provider
from workers.resources import Resources

log = structlog.get_logger("esdh")

BATCH = 20
POLL_SECONDS = 1.0
# SF2900 files, SF1470 indexes: each has its own key, both derived from the document id.
_KEYS = uuid.UUID("5f2a9c1e-7d7e-4c1b-9e0a-e5d4e5d4e5d4")
DOCUMENT_TYPES: dict[str, tuple[DocumentType, Direction]] = {
    "afgoerelse": ("Notat", "Internt"),
    "ics": ("Notat", "Internt"),
    "brev": ("Brev", "Udgaaende"),
    "journalnotat": ("Notat", "Internt"),
}


@dataclass
class Esdh:
    sf2900: Sf2900Client
    sf1470: Sf1470Client
    action_facet: str
    fail_after: int
    max_backoff: timedelta
    lease: timedelta


def transaction_id(document_id: uuid.UUID, step: str) -> uuid.UUID:
    """The idempotency key of one step of one document: the same on every retry."""
    return uuid.uuid5(_KEYS, f"{document_id}:{step}")


def client_options(settings: Settings) -> dict[str, Any]:
    """What the SF2900 and SF1470 clients share: our system, the security variant, the TLS."""
    certificate = (
        (settings.esdh_certificate, settings.esdh_certificate_key or settings.esdh_certificate)
        if settings.esdh_certificate
        else None
    )
    return {
        "it_system_uuid": settings.esdh_it_system_uuid,
        "variant": settings.esdh_variant,
        "client_certificate": certificate,
        "ca_bundle": settings.esdh_ca_bundle,
        "timeout_seconds": settings.esdh_timeout_seconds,
    }


def from_settings(settings: Settings, engine: Engine | None = None) -> Esdh | None:
    """The clients from the settings; None when ESDH is switched off (an empty endpoint). With
    an engine, each call they make leaves an audit row (api.audit.adapters)."""
    if not (settings.sf2900_endpoint and settings.sf1470_endpoint):
        return None
    common = client_options(settings)
    return Esdh(
        sf2900=Sf2900Client(
            Sf2900Settings(
                endpoint=settings.sf2900_endpoint,
                token_provider=token_provider(settings, "sf2900"),
                **common,
            ),
            on_call=adapter_audit(engine, "sf2900") if engine is not None else None,
        ),
        sf1470=Sf1470Client(
            Sf1470Settings(
                endpoint=settings.sf1470_endpoint,
                token_provider=token_provider(settings, "sf1470"),
                **common,
            ),
            on_call=adapter_audit(engine, "sf1470") if engine is not None else None,
        ),
        action_facet=settings.esdh_action_facet,
        fail_after=settings.esdh_fail_after,
        max_backoff=timedelta(seconds=settings.esdh_retry_max_seconds),
        # A leased row is not taken up again while its calls may still be under way.
        lease=timedelta(seconds=4 * settings.esdh_timeout_seconds + 30),
    )


def relay_once(engine: Engine, esdh: Esdh) -> int:
    """One round; the number of documents that moved a step."""
    with engine.begin() as conn:
        queue_submitted_forms(conn)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        due = service.claim_due(conn, now=now, lease=esdh.lease, limit=BATCH)
    moved = 0
    for row in due:
        try:
            with audit_scope("relay:esdh", row.case_id):
                _process(engine, esdh, row)
            moved += 1
        except AdapterError as error:
            _failed(engine, esdh, row, f"{type(error).__name__}: {error}")
        except ClassificationMissing as missing:
            _failed(engine, esdh, row, missing.detail)
        except Exception as error:  # a bug or the database: keep the document, show the error
            _failed(engine, esdh, row, f"{type(error).__name__}")
    return moved


def _failed(engine: Engine, esdh: Esdh, row: Any, error: str) -> None:
    error = mask_cpr(error)
    with engine.begin() as conn:
        status, attempts = service.mark_failed(
            conn,
            row.id,
            error,
            now=datetime.now(UTC),
            fail_after=esdh.fail_after,
            max_backoff=esdh.max_backoff,
        )
    log.warning(
        "esdh.step_failed",
        document_id=str(row.id),
        case_id=str(row.case_id),
        attempts=attempts,
        status=status,
        error=error,
    )


def _process(engine: Engine, esdh: Esdh, row: Any) -> None:
    with engine.begin() as conn:
        facts = service.case_facts(conn, row.case_id)
    if row.withdrawn_at is not None:
        _remove(engine, esdh, row, facts)
        return
    # The ESDH files by KLE emne and handlingsfacet: a facet Klassifikation does not have (any
    # more) would be filed wrongly, so the document waits until the setting or the load is fixed.
    with engine.begin() as conn:
        require_classification(
            conn, facet="handlingsfacet", key=esdh.action_facet, at=datetime.now(UTC)
        )
    document = _document(row, facts, esdh.action_facet)
    if row.filed_at is None:
        receipt = esdh.sf2900.send_document(
            document, transaction_id=transaction_id(row.id, "sf2900")
        )
        with engine.begin() as conn:
            service.mark_filed(conn, row.id, receipt.distribution_id)
        log.info("esdh.filed", document_id=str(row.id), case_id=str(row.case_id))
    with engine.begin() as conn:
        journal = [
            JournalEntry(entry.id, entry.title)
            for entry in service.journal_of_case(conn, row.case_id, row.id)
        ]
    esdh.sf1470.import_document(
        document, journal=journal, transaction_id=transaction_id(row.id, "sf1470-importer")
    )
    with engine.begin() as conn:
        service.mark_indexed(conn, row.id)
    log.info("esdh.indexed", document_id=str(row.id), case_id=str(row.case_id))


def _remove(engine: Engine, esdh: Esdh, row: Any, facts: service.CaseFacts) -> None:
    """Take a withdrawn document out of the index; one never indexed has nothing to take out."""
    if row.indexed_at is not None or row.filed_at is not None:
        try:
            esdh.sf1470.remove_document(
                row.id,
                municipality_cvr=_cvr(facts),
                transaction_id=transaction_id(row.id, "sf1470-fjern"),
            )
        except NotFound:
            pass  # already out: a repeated fjern after a timeout
    with engine.begin() as conn:
        service.mark_removed(conn, row.id)
    log.info("esdh.removed", document_id=str(row.id), case_id=str(row.case_id))


def _cvr(facts: service.CaseFacts) -> str:
    if not facts.municipality_cvr:
        raise ValueError("kommunen har intet CVR-nummer")
    return facts.municipality_cvr


def _document(row: Any, facts: service.CaseFacts, action_facet: str) -> SagDokDocument:
    created: datetime = row.created_at
    fields = [(str(label), str(text)) for label, text in row.fields]
    pdf = render_pdfa(
        JournalPdf(
            kind=row.kind,
            title=row.title,
            case_number=facts.case_number,
            municipality=facts.municipality,
            dated=row.dated,
            created_at=created,
            fields=fields,
        )
    )
    document_type, direction = DOCUMENT_TYPES[row.kind]
    case = SagDokCase(
        case_id=row.case_id,
        case_number=facts.case_number,
        title=f"Børnesag {facts.case_number}",
        kle_subject=facts.kle_subject,
        action_facet=action_facet,
        municipality_cvr=_cvr(facts),
        child_cpr=facts.child_cpr,
    )
    return SagDokDocument(
        document_id=row.id,
        case=case,
        title=row.title[:255],
        document_type=document_type,
        direction=direction,
        letter_date=row.dated,
        registered_at=created,
        filename=f"{row.kind}-{row.id}.pdf",
        content=pdf,
    )


async def run(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    esdh = from_settings(settings, engine)
    if esdh is None:
        log.info("esdh relay off: no SF2900/SF1470 endpoint")
        return
    try:
        while not stop.is_set():
            try:
                await asyncio.to_thread(relay_once, engine, esdh)
            except Exception as exc:  # the database is down: keep the loop alive
                log.warning("esdh relay failed", error=type(exc).__name__)
            try:
                await asyncio.wait_for(stop.wait(), timeout=POLL_SECONDS)
            except TimeoutError:
                pass
    finally:
        esdh.sf2900.close()
        esdh.sf1470.close()


def background(
    res: Resources, client: ZeebeClient, stop: asyncio.Event
) -> Coroutine[Any, Any, None]:
    """The relay as one of the workers' background loops (it needs no Zeebe client)."""
    return run(res.engine, get_settings(), stop)
