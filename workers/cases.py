"""Job workers that join a case's processes together and compute their deadlines."""

import uuid
from datetime import timedelta

from pyzeebe import Job, ZeebeTaskRouter

from adapters.digitalpost import Attachment, Recipient
from api.calendar.working_days import COPENHAGEN
from api.cases import appeal_package, decisions, hearings, workflow
from api.documents.pdf import document_list_lines, render_appeal_package
from workers.base import task
from workers.resources import engine_time, resources, send_letter

router = ZeebeTaskRouter()

# What a started process is told about its case: ids, groups and the rule set, nothing personal.
CARRIED = (
    "caseId",
    "municipalityId",
    "dutyGroup",
    "leaderGroup",
    "ruleSet",
    "underretningId",
    "recommendation",
    "decisionKey",
    "decided_by",
)


@task(router, "engine.publish-start", label="Start næste proces", timeout_ms=15_000)
def publish_start(
    job: Job,
    caseId: str,
    municipalityId: str,
    dutyGroup: str,
    leaderGroup: str,
    ruleSet: str,
    underretningId: str = "",
    recommendation: str = "",
    decisionKey: str = "",
    decided_by: str = "",
) -> dict[str, object]:
    """Queue the start message of the next statutory process (header `message`) for the case.

    The message id is derived from this element instance, so a retried job queues nothing new
    and the engine never starts the next process twice.
    """
    message = job.custom_headers.get("message", "")
    if not message:
        raise ValueError("the end event has no message header")
    values = dict(
        zip(
            CARRIED,
            (
                caseId,
                municipalityId,
                dutyGroup,
                leaderGroup,
                ruleSet,
                underretningId,
                recommendation,
                decisionKey,
                decided_by,
            ),
            strict=True,
        )
    )
    variables = {k: v for k, v in values.items() if v}
    variables["startedByInstance"] = str(job.process_instance_key)
    # The engine starts no second instance for a correlation key while one it started is
    # active: one investigation per case at a time ("case"), but any number of decisions and
    # measures ("instance": one per starting instance).
    key = caseId
    if job.custom_headers.get("startKey") == "instance":
        key = f"{caseId}:{job.process_instance_key}"
    with resources().engine.begin() as conn:
        workflow.queue_message(
            conn,
            name=message,
            correlation_key=key,
            message_id=f"{message}:{job.process_instance_key}:{job.element_id}",
            variables=variables,
        )
    return {}


@task(
    router,
    "case.check-open-measures",
    label="Åben indsats eller anbringelse?",
    outputs=("openMeasure",),
    timeout_ms=15_000,
)
def check_open_measures(caseId: str) -> dict[str, object]:
    """A new underretning on a child with an open indsats or anbringelse is re-assessed by an
    uninvolved person (BL § 137, D4)."""
    res = resources()
    today = res.clock.now().astimezone(COPENHAGEN).date()
    with res.engine.begin() as conn:
        found = decisions.has_open_measure(conn, uuid.UUID(caseId), today)
    return {"openMeasure": found}


@task(
    router,
    "deadline.compute-bfu",
    label="Beregn BFU-frist (4 måneder)",
    outputs=("d5DueAt", "d5bRemindersFrom"),
    timeout_ms=15_000,
)
def compute_bfu_deadline(caseId: str, underretningId: str = "") -> dict[str, object]:
    """D5 (BL § 20 stk. 3): 4 months from when the municipality became aware, from the case
    store's receipt time of the underretning, so a restarted instance keeps the same date."""
    with resources().engine.begin() as conn:
        due = workflow.bfu_deadline(
            conn, uuid.UUID(caseId), uuid.UUID(underretningId) if underretningId else None
        )
    # D5b: after a breach, reminders every 14 days until the investigation is done.
    reminders_from = due + timedelta(days=14)
    return {"d5DueAt": due.isoformat(), "d5bRemindersFrom": engine_time(reminders_from)}


@task(
    router,
    "decision.check-approval",
    label="Kræver afgørelsen godkendelse?",
    outputs=("approvalRequired",),
    timeout_ms=15_000,
)
def check_approval(caseId: str, recommendation: str = "") -> dict[str, object]:
    """The municipality's rule decides whether a team leader approves before the letter goes."""
    with resources().engine.begin() as conn:
        required = decisions.approval_required(conn, uuid.UUID(caseId), recommendation)
    return {"approvalRequired": required}


@task(
    router,
    "decision.check-buu-plan",
    label="Ligger barnets plan i indstillingen?",
    outputs=("planAttached", "buuMeetingAt"),
    timeout_ms=15_000,
)
def check_buu_plan(caseId: str) -> dict[str, object]:
    """D7: the committee cannot meet on the case before barnets plan is in the indstilling."""
    with resources().engine.begin() as conn:
        attached, meeting = decisions.buu_gate(conn, uuid.UUID(caseId))
    return {"planAttached": attached, "buuMeetingAt": meeting.isoformat()}


@task(
    router,
    "digitalpost.send-hearing",
    label="Send partshøring (Digital Post)",
    outputs=("hearingId", "hearingEndsAt", "hearingExempt"),
    timeout_ms=30_000,
)
def send_hearing(caseId: str, job: Job) -> dict[str, object]:
    """Send the partshøring to the custody holders from CPR; the period the caseworker set runs
    from the delivery (D20). Exempt (0 days, FVL § 19 stk. 2): nothing is sent. A retried job
    sends nothing twice and gets the same hearing back."""
    res = resources()
    case_id = uuid.UUID(caseId)
    with res.engine.begin() as conn:
        plan = hearings.plan(conn, case_id, res.clock.now().astimezone(COPENHAGEN).date())
    key = f"partshoering-{job.process_instance_key}-{job.element_instance_key}"
    delivered = None
    if not plan.exempt:
        delivered = max(
            send_letter(
                res,
                case_id=case_id,
                kind="partshoering",
                recipient=Recipient("cpr", cpr),
                subject=hearings.letter_subject(plan, number),
                body=hearings.letter_body(plan, number),
                idempotency_key=f"{key}-{number}",
            ).delivered_at
            for number, cpr in enumerate(plan.parties)
        )
    with res.engine.begin() as conn:
        row = hearings.record(
            conn,
            case_id=case_id,
            process_instance_key=job.process_instance_key,
            idempotency_key=key,
            hearing_plan=plan,
            delivered=delivered,
            now=res.clock.now(),
        )
    return {
        "hearingId": str(row.id),
        "hearingEndsAt": row.ends_at.isoformat(),
        "hearingExempt": row.exempt,
    }


@task(
    router,
    "digitalpost.send-decision",
    label="Send afgørelsesbrev (Digital Post)",
    outputs=("decisionDeliveredAt", "appealWindowEndsAt", "decisionKey", "grantedMeasure"),
    timeout_ms=30_000,
)
def send_decision(caseId: str, job: Job, recommendation: str = "") -> dict[str, object]:
    """Build the letter from the case, send it to the parties; the delivery time starts the
    4-week appeal window (D16). A retried job sends and records nothing twice."""
    res = resources()
    case_id = uuid.UUID(caseId)
    today = res.clock.now().astimezone(COPENHAGEN).date()
    with res.engine.begin() as conn:
        letters = {
            to_child: decisions.decision_letter(conn, case_id, to_child=to_child)[:2]
            for to_child in (False, True)
        }
        recipients = decisions.decision_recipients(conn, case_id, today)
    if not any(not to_child for _, to_child in recipients):
        raise ValueError("no party to send the decision to (CPR has no custody holder)")
    delivered = max(
        send_letter(
            res,
            case_id=case_id,
            kind="afgoerelse",
            recipient=Recipient("cpr", cpr),
            subject=letters[to_child][0],
            body=letters[to_child][1],
            idempotency_key=f"afgoerelse-{job.process_instance_key}-{number}",
        ).delivered_at
        for number, (cpr, to_child) in enumerate(recipients)
    )
    with res.engine.begin() as conn:
        granted = decisions.is_grant(conn, case_id)
        decisions.record_measure(
            conn,
            case_id=case_id,
            subject=recommendation,
            decision_instance_key=job.process_instance_key,
            delivered=delivered,
        )
    return {
        "decisionDeliveredAt": delivered.isoformat(),
        "appealWindowEndsAt": (delivered + decisions.APPEAL_WINDOW).isoformat(),
        "decisionKey": str(job.process_instance_key),
        # What the granted decision starts: a measure process or a hjemgivelse; nothing if denied.
        "grantedMeasure": recommendation if granted else "",
    }


@task(
    router,
    "digitalpost.send-appeal-package",
    label="Send klagesag til Ankestyrelsen",
    timeout_ms=30_000,
)
def send_appeal_package(caseId: str, job: Job) -> dict[str, object]:
    """The appeal package as a PDF (decision, appeal, genvurdering and every document of the
    case) with the document list in the letter, to Ankestyrelsen by Digital Post (CVR)."""
    res = resources()
    case_id = uuid.UUID(caseId)
    with res.engine.begin() as conn:
        package = appeal_package.build(conn, case_id, job.process_instance_key, res.clock.now())
    body = (
        f"Klage over kommunens afgørelse i sag {package.case_number}. Sagens akter er vedlagt "
        "som PDF.\n\nDokumentliste:\n" + "\n".join(document_list_lines(package)) + "\n"
    )
    send_letter(
        res,
        case_id=case_id,
        kind="klagepakke",
        recipient=Recipient("cvr", res.ankestyrelsen_cvr),
        subject="Klage over afgørelse",
        body=body,
        idempotency_key=f"klagepakke-{job.process_instance_key}",
        attachments=[
            Attachment(
                f"klagesag-{package.case_number}.pdf",
                "application/pdf",
                render_appeal_package(package),
            )
        ],
    )
    return {}
