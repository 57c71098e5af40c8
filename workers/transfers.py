"""Case transfer between municipalities (BL § 132) through SF2900: the flytning's package out,
a loop beside the workers that takes packages in, and the receiving process's take-over.

Sending: the package (documents, then the følgeseddel with the summary and the manifest) is kept
in `transfer_out` before the first call and every object has a transaction id derived from it,
so a retried job delivers nothing twice. SF2900 refusing it is a BPMN error the caseworker sees;
an outage fails the job, which is retried and then becomes an incident: nothing is lost.

Receiving: for each municipality with a CVR, the loop reads what SF2900 holds for it; a complete
package (its følgeseddel and every listed document) becomes a case with the documents, and the
message that starts `sagsmodtagelse`, in one transaction (`api.transfers.receiving`).
"""

import asyncio
import uuid
from collections.abc import Coroutine
from datetime import date, datetime
from functools import cache
from typing import Any

import structlog
from pyzeebe import ZeebeClient, ZeebeTaskRouter
from pyzeebe.errors import BusinessError
from sqlalchemy import Engine, select

from adapters.errors import AdapterError, Rejected
from adapters.sf2900 import Sf2900Client, Sf2900Settings
from adapters.sf2900.transfer import InboxEntry, Sf2900Inbox
from api.audit.adapters import adapter_audit
from api.calendar.working_days import COPENHAGEN
from api.logging import mask_cpr
from api.org.tables import municipality
from api.settings import Settings, get_settings
from api.sts import token_provider
from api.transfers import receiving, sending
from workers.base import task
from workers.esdh import client_options
from workers.resources import Resources, resources

log = structlog.get_logger("transfers")
router = ZeebeTaskRouter()
MAX_BACKOFF_S = 60.0
_reported: set[uuid.UUID] = set()
"""Packages the loop could not take, already logged."""


@cache
def _sf2900(endpoint: str) -> Sf2900Client:
    """One client per process, like the ESDH relay's: its token route and an audit row per call."""
    settings = get_settings()
    return Sf2900Client(
        Sf2900Settings(
            endpoint=endpoint,
            token_provider=token_provider(settings, "sf2900"),
            **client_options(settings),
        ),
        on_call=adapter_audit(resources().engine, "sf2900"),
    )


def enabled() -> bool:
    return bool(get_settings().sf2900_endpoint)


def send_package(
    case_id: uuid.UUID, new_municipality: str, instance_key: int, moved_on: date | None
) -> None:
    """The job's step: this flytning's package through SF2900."""
    res, settings = resources(), get_settings()
    deliver(
        res.engine,
        _sf2900(settings.sf2900_endpoint),
        case_id=case_id,
        new_municipality=new_municipality,
        instance_key=instance_key,
        moved_on=moved_on,
        action_facet=settings.esdh_action_facet,
        now=res.clock.now(),
    )


def deliver(
    engine: Engine,
    client: Sf2900Client,
    *,
    case_id: uuid.UUID,
    new_municipality: str,
    instance_key: int,
    moved_on: date | None,
    action_facet: str,
    now: datetime,
) -> None:
    """Send the package (kept in `transfer_out` first); BusinessError when SF2900 refuses it."""
    with engine.begin() as conn:
        package = sending.package_for(
            conn,
            case_id=case_id,
            instance_key=instance_key,
            receiving_municipality=new_municipality,
        )
        if package.status == "sent":
            return  # the job ran to the end before and only its completion was lost
        documents, form = sending.build(
            conn,
            case_id=case_id,
            package=package,
            moved_on=moved_on,
            action_facet=action_facet,
            now=now,
        )
    try:
        for document in documents:
            client.send_document(
                document,
                transaction_id=sending.transaction_id(package.id, str(document.document_id)),
                routing_cvr=package.receiving_cvr,
                case_suggestion=package.id,
            )
        client.send_transfer_form(
            form, transaction_id=sending.transaction_id(package.id, sending.FORM_KEY)
        )
    except Rejected as refused:
        reason = mask_cpr(str(refused))
        with engine.begin() as conn:
            sending.mark_rejected(conn, package, case_id=case_id, reason=reason)
        raise BusinessError("transfer-rejected", f"SF2900 afviste overførslen: {reason}") from None
    with engine.begin() as conn:
        sending.mark_sent(conn, package, case_id=case_id, documents=len(documents))
    log.info("transfer.sent", case_id=str(case_id), documents=len(documents))


@task(
    router,
    "sagsmodtagelse.take-over",
    label="Overtag sagen",
    timeout_ms=15_000,
)
def take_over(transferId: str) -> dict[str, object]:
    """Handlekommune from today: the sender's open measures go on as ours (DST: START)."""
    res = resources()
    today = res.clock.now().astimezone(COPENHAGEN).date()
    with res.engine.begin() as conn:
        receiving.take_over(conn, uuid.UUID(transferId), today)
    return {}


def receive_once(engine: Engine, inbox: Sf2900Inbox, kle_subject: str) -> int:
    """One round over every municipality; the number of packages that became cases."""
    with engine.begin() as conn:
        ours = conn.execute(
            select(municipality.c.id, municipality.c.cvr).where(municipality.c.cvr.is_not(None))
        ).all()
    taken = 0
    for municipality_id, cvr in ours:
        entries = inbox.entries(cvr)
        for entry in entries:
            if entry.object_type != "FORMULAR":
                continue
            try:
                if _receive(engine, inbox, municipality_id, cvr, entry, entries, kle_subject):
                    taken += 1
            except (AdapterError, receiving.NotForUs) as error:
                # Left in SF2900's queue and tried again next round; logged once per process.
                if entry.object_id in _reported:
                    continue
                _reported.add(entry.object_id)
                log.warning(
                    "transfer.not_received",
                    municipality_id=municipality_id,
                    package_id=str(entry.object_id),
                    error=mask_cpr(f"{type(error).__name__}: {error}"),
                )
    return taken


def _receive(
    engine: Engine,
    inbox: Sf2900Inbox,
    municipality_id: str,
    cvr: str,
    entry: InboxEntry,
    entries: list[InboxEntry],
    kle_subject: str,
) -> bool:
    with engine.begin() as conn:
        if receiving.known(conn, entry.object_id):
            return False
    form = inbox.form(cvr, entry.transaction_id)
    present = {
        e.object_id: e
        for e in entries
        if e.object_type == "DOKUMENT" and e.package_id == form.manifest.package_id
    }
    if any(d.document_id not in present for d in form.manifest.documents):
        log.info("transfer.incomplete", package_id=str(form.manifest.package_id))
        return False
    documents = [
        inbox.document(cvr, present[d.document_id].transaction_id) for d in form.manifest.documents
    ]
    with engine.begin() as conn:
        case_id = receiving.receive(
            conn,
            municipality_id=municipality_id,
            form=form,
            documents=documents,
            kle_subject=kle_subject,
        )
    if case_id is None:
        return False
    log.info("transfer.received", case_id=str(case_id), municipality_id=municipality_id)
    return True


async def run(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    if not settings.sf2900_inbox_endpoint:
        log.info("transfer inbox off: no SF2900 inbox endpoint")
        return
    inbox = Sf2900Inbox(
        settings.sf2900_inbox_endpoint, timeout_seconds=settings.esdh_timeout_seconds
    )
    interval = settings.sf2900_inbox_poll_seconds
    delay = interval
    try:
        while not stop.is_set():
            try:
                await asyncio.to_thread(
                    receive_once, engine, inbox, settings.underretning_kle_subject
                )
                delay = interval
            except Exception as exc:  # SF2900 or the database down: keep the loop alive
                log.warning("transfer inbox failed", error=type(exc).__name__, retry_in_s=delay)
                delay = min(delay * 2, MAX_BACKOFF_S)
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
            except TimeoutError:
                pass
    finally:
        inbox.close()


def background(
    res: Resources, client: ZeebeClient, stop: asyncio.Event
) -> Coroutine[Any, Any, None]:
    """The receiving loop as one of the workers' background loops."""
    return run(res.engine, get_settings(), stop)


def moved_on(value: str) -> date | None:
    return date.fromisoformat(value) if value else None
