"""Job workers of an aktindsigt request: its deadline (D19), the fristbrev and the decision."""

import uuid
from datetime import datetime, time, timedelta

from pyzeebe import Job, ZeebeTaskRouter

from adapters.digitalpost import Attachment, Recipient
from api.calendar.working_days import COPENHAGEN
from api.cases import aktindsigt
from workers.base import task
from workers.resources import resources, send_letter

router = ZeebeTaskRouter()


@task(
    router,
    "deadline.compute-aktindsigt",
    label="Beregn frist for aktindsigt (7 arbejdsdage)",
    outputs=("d19DueAt",),
    timeout_ms=15_000,
)
def compute_deadline(aktindsigtId: str) -> dict[str, object]:
    """D19 (OFL § 36): 7 arbejdsdage from the receipt the case store holds, with the
    municipality's closing days, so a restarted instance keeps the same date."""
    with resources().engine.begin() as conn:
        due = aktindsigt.deadline(conn, uuid.UUID(aktindsigtId))
    return {"d19DueAt": due.isoformat()}


@task(
    router,
    "digitalpost.send-aktindsigt-fristbrev",
    label="Send fristbrev om aktindsigt (Digital Post)",
    outputs=("decisionExpectedAt",),
    timeout_ms=30_000,
)
def send_fristbrev(caseId: str, aktindsigtId: str, job: Job) -> dict[str, object]:
    """The fristbrev to the requester; the decision task is then due by the date it names."""
    res = resources()
    request_id = uuid.UUID(aktindsigtId)
    with res.engine.begin() as conn:
        letter, expected = aktindsigt.fristbrev(conn, request_id, job.process_instance_key)
    delivery = send_letter(
        res,
        case_id=uuid.UUID(caseId),
        kind="fristbrev",
        recipient=Recipient("cpr", letter.recipient_cpr),
        subject=letter.subject,
        body=letter.body,
        idempotency_key=f"aktindsigt-fristbrev-{aktindsigtId}",
    )
    with res.engine.begin() as conn:
        aktindsigt.mark_fristbrev(conn, request_id, delivery.delivered_at, expected)
    end_of_day = datetime.combine(expected + timedelta(days=1), time(), tzinfo=COPENHAGEN)
    return {"decisionExpectedAt": end_of_day.isoformat()}


@task(
    router,
    "digitalpost.send-aktindsigt",
    label="Send afgørelse om aktindsigt (Digital Post)",
    timeout_ms=60_000,
)
def send_decision(caseId: str, aktindsigtId: str, job: Job) -> dict[str, object]:
    """The decision to the requester, with the redacted case file as a PDF when granted."""
    res = resources()
    request_id = uuid.UUID(aktindsigtId)
    with res.engine.begin() as conn:
        letter, outcome = aktindsigt.decision(
            conn, request_id, job.process_instance_key, res.clock.now()
        )
    attachments = (
        [Attachment(letter.attachment[0], "application/pdf", letter.attachment[1])]
        if letter.attachment
        else []
    )
    delivery = send_letter(
        res,
        case_id=uuid.UUID(caseId),
        kind="aktindsigt",
        recipient=Recipient("cpr", letter.recipient_cpr),
        subject=letter.subject,
        body=letter.body,
        idempotency_key=f"aktindsigt-afgoerelse-{aktindsigtId}",
        attachments=attachments,
    )
    with res.engine.begin() as conn:
        aktindsigt.mark_decided(conn, request_id, delivery.delivered_at, outcome)
    return {}
