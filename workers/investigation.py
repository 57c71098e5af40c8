"""Job workers of the børnefaglig undersøgelse: statusudtalelser and their reminders."""

import uuid

from pyzeebe import Job, ZeebeTaskRouter

from adapters.digitalpost import Recipient
from api.cases import statements
from workers.base import task
from workers.resources import engine_time, resources, send_letter

router = ZeebeTaskRouter()


@task(
    router,
    "statement.request",
    label="Anmod om statusudtalelser (Digital Post)",
    outputs=("statementRequestIds", "statementsDueAt", "statementsGiveUpAt"),
    timeout_ms=30_000,
)
def request_statements(caseId: str, job: Job) -> dict[str, object]:
    """One letter per institution the caseworker named, to its CVR; the reply period starts
    now, reminders follow weekly (twice, D5s), then the request is recorded as unanswered."""
    res = resources()
    case_id = uuid.UUID(caseId)
    with res.engine.begin() as conn:
        requests = statements.request(
            conn,
            case_id=case_id,
            process_instance_key=job.process_instance_key,
            now=res.clock.now(),
        )
    for row in requests:
        subject, body = statements.letter_content(row, reminder=False)
        send_letter(
            res,
            case_id=case_id,
            kind="statusudtalelse",
            recipient=Recipient("cvr", row.cvr),
            subject=subject,
            body=body,
            idempotency_key=f"statusudtalelse-{row.id}",
        )
    due = min((r.due_at for r in requests), default=res.clock.now())
    return {
        "statementRequestIds": [str(r.id) for r in requests],
        "statementsDueAt": engine_time(due),
        "statementsGiveUpAt": statements.give_up_at(due).isoformat(),
    }


@task(router, "statement.remind", label="Ryk for statusudtalelse", timeout_ms=30_000)
def remind(caseId: str, statementRequestId: str, job: Job) -> dict[str, object]:
    """A reminder letter to the institution; one per timer firing, however often retried."""
    res = resources()
    request_id = uuid.UUID(statementRequestId)
    with res.engine.begin() as conn:
        row = statements.get(conn, request_id)
    if row.status != "requested":
        return {}
    subject, body = statements.letter_content(row, reminder=True)
    send_letter(
        res,
        case_id=uuid.UUID(caseId),
        kind="statusudtalelse-rykker",
        recipient=Recipient("cvr", row.cvr),
        subject=subject,
        body=body,
        idempotency_key=f"statusudtalelse-rykker-{request_id}-{job.element_instance_key}",
    )
    with res.engine.begin() as conn:
        statements.count_reminders(conn, request_id)
    return {}


@task(
    router,
    "statement.mark-unanswered",
    label="Registrér manglende statusudtalelse",
    timeout_ms=15_000,
)
def mark_unanswered(statementRequestId: str) -> dict[str, object]:
    """The reminders went unanswered: the case shows it, and the investigation goes on."""
    with resources().engine.begin() as conn:
        statements.mark_unanswered(conn, uuid.UUID(statementRequestId))
    return {}
