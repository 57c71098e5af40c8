"""Job workers of the underretning process: CPR lookup, advis on a breach, kvittering."""

import uuid
from typing import Any

from pyzeebe import Job, ZeebeTaskRouter
from pyzeebe.errors import BusinessError

from adapters.digitalpost import Recipient
from adapters.errors import NotFound
from api.cases import workflow
from workers.base import task
from workers.resources import resources, send_letter

router = ZeebeTaskRouter()


@task(
    router,
    "cpr.lookup-person",
    label="CPR-opslag",
    timeout_ms=30_000,
    errors=("CPR_NOT_FOUND",),
)
def lookup_person(caseId: str) -> dict[str, object]:
    """Look the case's child up in CPR (SF1520) and keep the answer in the case store only."""
    res = resources()
    with res.engine.begin() as conn:
        person_id, cpr = workflow.child_cpr_to_look_up(conn, uuid.UUID(caseId))
    try:
        found = res.cpr.lookup(cpr)
    except NotFound:
        with res.engine.begin() as conn:
            workflow.store_cpr_result(conn, person_id, None)
        raise BusinessError("CPR_NOT_FOUND", "CPR kender ikke nummeret") from None
    with res.engine.begin() as conn:
        workflow.store_cpr_result(conn, person_id, found)
    return {}


@task(router, "advis.record-breach", label="Advis om overskredet frist", timeout_ms=15_000)
def record_breach(caseId: str, job: Job) -> dict[str, object]:
    """An advis for the team leader; the rule id comes from the task header."""
    rule_id = job.custom_headers.get("ruleId", "")
    if not rule_id:
        raise ValueError("the task has no ruleId header")
    # A repeating reminder raises one advis per firing (its element instance), a breach one only.
    # A deadline that recurs in a loop (each follow-up's D10) raises one advis per occurrence.
    if job.custom_headers.get("repeating") == "true":
        kind = f"reminder-{job.element_instance_key}"
    elif job.custom_headers.get("perOccurrence") == "true":
        kind = f"deadline_breached-{job.element_instance_key}"
    else:
        kind = "deadline_breached"
    with resources().engine.begin() as conn:
        workflow.record_advis(
            conn,
            case_id=uuid.UUID(caseId),
            rule_id=rule_id,
            process_instance_key=job.process_instance_key,
            kind=kind,
        )
    return {}


def reporter(row: Any) -> Recipient:
    """A professional reporter's workplace by Digital Post (CVR); without one, by e-mail."""
    if row.reporter_cvr:
        return Recipient("cvr", row.reporter_cvr)
    return Recipient("email", row.reporter_email or row.reporter_organisation or "")


@task(
    router,
    "digitalpost.send-kvittering",
    label="Send kvittering (Digital Post)",
    outputs=("kvitteringDeliveredAt",),
    timeout_ms=30_000,
)
def send_kvittering(caseId: str, underretningId: str) -> dict[str, object]:
    """Send the professional reporter a receipt; a retry sends nothing twice."""
    res = resources()
    with res.engine.begin() as conn:
        row, subject, body = workflow.kvittering_content(conn, uuid.UUID(underretningId))
    delivery = send_letter(
        res,
        case_id=uuid.UUID(caseId),
        kind="kvittering",
        recipient=reporter(row),
        subject=subject,
        body=body,
        idempotency_key=f"kvittering-{underretningId}",
    )
    return {"kvitteringDeliveredAt": delivery.delivered_at.isoformat()}


@task(
    router,
    "deadline.compute-orientering",
    label="Beregn orienteringsfrist",
    outputs=("orienteringDueAt",),
    timeout_ms=15_000,
)
def compute_orientation(caseId: str) -> dict[str, object]:
    """D3: 14 days from the decision on the underretning, from the case store."""
    with resources().engine.begin() as conn:
        due = workflow.orientation_deadline(conn, uuid.UUID(caseId))
    return {"orienteringDueAt": due.isoformat()}


@task(
    router,
    "digitalpost.send-orientering",
    label="Orientér fagperson (Digital Post)",
    timeout_ms=30_000,
)
def send_orientering(caseId: str, underretningId: str, outcome: str) -> dict[str, object]:
    """Tell the professional reporter whether something was started; sent once however retried."""
    res = resources()
    with res.engine.begin() as conn:
        row, subject, body = workflow.orientation_content(conn, uuid.UUID(underretningId), outcome)
    send_letter(
        res,
        case_id=uuid.UUID(caseId),
        kind="orientering",
        recipient=reporter(row),
        subject=subject,
        body=body,
        idempotency_key=f"orientering-{underretningId}",
    )
    return {}
