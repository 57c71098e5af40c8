"""What the workers share in one process: the database engine and the adapters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from adapters.cpr import Address, CprClient, InvocationContext
from adapters.cpr.simulator import accepted_invocation_context
from adapters.digitalpost import (
    Attachment,
    Delivery,
    LocalMailbox,
    Recipient,
    Sender,
    Sf1601Client,
    Sf1601Settings,
    kombit_token_provider,
)
from api.audit.adapters import adapter_audit
from api.cases.cpr_lookup import cpr_client
from api.cases.tables import case
from api.cases.workflow import record_letter
from api.clock import Clock
from api.db import make_engine
from api.esdh.queue import queue_letter
from api.org.tables import municipality
from api.settings import Settings


@dataclass
class Resources:
    engine: Engine
    cpr: CprClient
    mailbox: LocalMailbox
    ankestyrelsen_cvr: str
    clock: Clock
    digitalpost: Sf1601Client | None = None
    """SF1601 when configured; otherwise letters go to the local mailbox."""


_current: Resources | None = None


def init(settings: Settings) -> Resources:
    global _current
    clock = Clock(settings.engine_clock_url)
    engine = make_engine(settings, pool_size=4)
    _current = Resources(
        engine=engine,
        cpr=cpr_client(settings, engine),
        mailbox=LocalMailbox(Path(settings.mailbox_dir), now=clock.now),
        ankestyrelsen_cvr=settings.ankestyrelsen_cvr,
        clock=clock,
        digitalpost=_digitalpost(settings, clock, engine),
    )
    return _current


def _digitalpost(settings: Settings, clock: Clock, engine: Engine) -> Sf1601Client | None:
    """SF1601 from the settings: the token variant with the municipality's certificate in
    production, the InvocationContext (by default the simulator's test one) otherwise."""
    if not settings.digitalpost_endpoint:
        return None
    if settings.digitalpost_variant == "token":
        if not (settings.digitalpost_certificate and settings.digitalpost_authority_cvr):
            raise ValueError(
                "BS_DIGITALPOST_VARIANT=token needs BS_DIGITALPOST_CERTIFICATE and "
                "BS_DIGITALPOST_AUTHORITY_CVR"
            )
        config = Sf1601Settings(
            endpoint=settings.digitalpost_endpoint,
            variant="token",
            token_provider=kombit_token_provider(
                authority_cvr=settings.digitalpost_authority_cvr,
                certificate=settings.digitalpost_certificate,
                test=settings.digitalpost_exttest,
            ),
            client_certificate=settings.digitalpost_certificate,
            timeout_seconds=settings.digitalpost_timeout_seconds,
        )
    else:
        config = Sf1601Settings(
            endpoint=settings.digitalpost_endpoint,
            variant="context",
            invocation_context=_digitalpost_context(settings),
            timeout_seconds=settings.digitalpost_timeout_seconds,
        )
    audit = adapter_audit(engine, "sf1601", method="REST")
    return Sf1601Client(config, now=clock.now, on_call=audit)


def _digitalpost_context(settings: Settings) -> InvocationContext:
    if settings.digitalpost_service_agreement_uuid is None:
        return accepted_invocation_context()
    return InvocationContext(
        service_agreement_uuid=settings.digitalpost_service_agreement_uuid,
        user_system_uuid=settings.digitalpost_user_system_uuid or "",
        user_uuid=settings.digitalpost_user_uuid or "",
        service_uuid=settings.digitalpost_service_uuid or "",
    )


def send_letter(
    res: Resources,
    *,
    case_id: uuid.UUID,
    kind: str,
    recipient: Recipient,
    subject: str,
    body: str,
    idempotency_key: str,
    attachments: Sequence[Attachment] = (),
) -> Delivery:
    """Send through Digital Post and record the letter on the case; a retried job with the same
    key sends nothing new and records nothing twice.

    SF1601 sends from the case's municipality. A CPR recipient is looked up in CPR first: its
    Digital Post flag picks a digital or a physical letter, and a protected address is never
    passed on. An e-mail recipient (a professional reporter known by e-mail only) has no Digital
    Post route and stays in the local mailbox."""
    if res.digitalpost is None or recipient.kind == "email":
        delivery = res.mailbox.send(
            recipient=recipient,
            subject=subject,
            body=body,
            idempotency_key=idempotency_key,
            attachments=attachments,
        )
    else:
        with res.engine.begin() as conn:
            sender, case_number = _sender(conn, case_id)
        delivery = res.digitalpost.send(
            recipient=_from_cpr(res, recipient) if recipient.kind == "cpr" else recipient,
            subject=subject,
            body=body,
            idempotency_key=idempotency_key,
            attachments=attachments,
            sender=sender,
            case_number=case_number,
        )
    with res.engine.begin() as conn:
        record_letter(
            conn,
            case_id=case_id,
            kind=kind,
            recipient_kind=recipient.kind,
            idempotency_key=idempotency_key,
            message_id=delivery.message_id,
            delivered_at=delivery.delivered_at,
        )
        # Journalised as sent, in the letter's own transaction (api.esdh.queue).
        queue_letter(
            conn,
            case_id=case_id,
            kind=kind,
            subject=subject,
            body=body,
            idempotency_key=idempotency_key,
            delivered_at=delivery.delivered_at,
            attachments=[attachment.filename for attachment in attachments],
        )
    return delivery


def _sender(conn: Connection, case_id: uuid.UUID) -> tuple[Sender, str]:
    row = conn.execute(
        select(municipality.c.id, municipality.c.name, municipality.c.cvr, case.c.case_number)
        .join(case, case.c.municipality_id == municipality.c.id)
        .where(case.c.id == case_id)
    ).one()
    if not row.cvr:
        raise ValueError(f"kommune {row.id} har intet CVR-nummer at sende Digital Post fra")
    return Sender(row.cvr, row.name), row.case_number


def _from_cpr(res: Resources, recipient: Recipient) -> Recipient:
    """The recipient as CPR has it now: name, Digital Post flag, and the address for a physical
    letter unless it is protected (adressebeskyttelse)."""
    person = res.cpr.lookup(recipient.identifier, today=res.clock.now().date())
    return Recipient(
        kind="cpr",
        identifier=recipient.identifier,
        name=person.addressing_name,
        digital_post=person.digital_post,
        address=None if person.address_protected else postal_address(person.address),
        address_protected=person.address_protected,
    )


def postal_address(address: Address | None) -> str | None:
    """One line for the print supplier: c/o, street, postcode and district."""
    if address is None:
        return None
    street = address.standard_address or " ".join(
        part for part in (address.street_name, address.house_number) if part
    )
    if not address.standard_address and (address.floor or address.door):
        street += ", " + " ".join(part for part in (address.floor, address.door) if part)
    town = " ".join(part for part in (address.postcode, address.district) if part)
    co = f"c/o {address.co_name}" if address.co_name else ""
    return ", ".join(part for part in (co, street, town) if part) or None


def engine_time(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z and whole seconds, as the engine's repeating-interval (cycle
    timer) syntax expects."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def resources() -> Resources:
    if _current is None:
        raise RuntimeError("workers.resources.init() was not called")
    return _current
