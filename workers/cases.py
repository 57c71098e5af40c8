"""Job workers that join a case's processes together and compute their deadlines."""

import uuid

from pyzeebe import Job, ZeebeTaskRouter

from api.cases import workflow
from workers.base import task
from workers.resources import resources

router = ZeebeTaskRouter()

# What a started process is told about its case: ids, groups and the rule set, nothing personal.
CARRIED = ("caseId", "municipalityId", "dutyGroup", "leaderGroup", "ruleSet", "underretningId")


@task(router, "engine.publish-start", label="Start næste proces", timeout_ms=15_000)
def publish_start(
    job: Job,
    caseId: str,
    municipalityId: str,
    dutyGroup: str,
    leaderGroup: str,
    ruleSet: str,
    underretningId: str = "",
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
            (caseId, municipalityId, dutyGroup, leaderGroup, ruleSet, underretningId),
            strict=True,
        )
    )
    variables = {k: v for k, v in values.items() if v}
    variables["startedByInstance"] = str(job.process_instance_key)
    with resources().engine.begin() as conn:
        workflow.queue_message(
            conn,
            name=message,
            correlation_key=caseId,
            message_id=f"{message}:{job.process_instance_key}:{job.element_id}",
            variables=variables,
        )
    return {}


@task(
    router,
    "deadline.compute-bfu",
    label="Beregn BFU-frist (4 måneder)",
    outputs=("d5DueAt",),
    timeout_ms=15_000,
)
def compute_bfu_deadline(caseId: str, underretningId: str = "") -> dict[str, object]:
    """D5 (BL § 20 stk. 3): 4 months from when the municipality became aware, from the case
    store's receipt time of the underretning, so a restarted instance keeps the same date."""
    with resources().engine.begin() as conn:
        due = workflow.bfu_deadline(
            conn, uuid.UUID(caseId), uuid.UUID(underretningId) if underretningId else None
        )
    return {"d5DueAt": due.isoformat()}
