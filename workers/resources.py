"""What the workers share in one process: the database engine and the adapters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from adapters.cpr import CprClient, CprSettings, InvocationContext
from adapters.cpr.simulator import accepted_invocation_context
from adapters.digitalpost import Attachment, Delivery, LocalMailbox, Recipient
from api.cases.workflow import record_letter
from api.clock import Clock
from api.db import make_engine
from api.esdh.queue import queue_letter
from api.settings import Settings


@dataclass
class Resources:
    engine: Engine
    cpr: CprClient
    mailbox: LocalMailbox
    ankestyrelsen_cvr: str
    clock: Clock


_current: Resources | None = None


def init(settings: Settings) -> Resources:
    global _current
    clock = Clock(settings.engine_clock_url)
    _current = Resources(
        engine=make_engine(settings, pool_size=4),
        cpr=CprClient(
            CprSettings(
                endpoint=settings.cpr_endpoint,
                variant="context",
                invocation_context=_invocation_context(settings),
                timeout_seconds=settings.cpr_timeout_seconds,
            )
        ),
        mailbox=LocalMailbox(Path(settings.mailbox_dir), now=clock.now),
        ankestyrelsen_cvr=settings.ankestyrelsen_cvr,
        clock=clock,
    )
    return _current


def _invocation_context(settings: Settings) -> InvocationContext:
    """The municipality's service agreement, or the simulator's documented test context."""
    if settings.cpr_service_agreement_uuid is None:
        return accepted_invocation_context()
    return InvocationContext(
        service_agreement_uuid=settings.cpr_service_agreement_uuid,
        user_system_uuid=settings.cpr_user_system_uuid or "",
        user_uuid=settings.cpr_user_uuid or "",
        service_uuid=settings.cpr_service_uuid or "",
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
    key sends nothing new and records nothing twice."""
    delivery = res.mailbox.send(
        recipient=recipient,
        subject=subject,
        body=body,
        idempotency_key=idempotency_key,
        attachments=attachments,
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


def engine_time(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z and whole seconds, as the engine's repeating-interval (cycle
    timer) syntax expects."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def resources() -> Resources:
    if _current is None:
        raise RuntimeError("workers.resources.init() was not called")
    return _current
