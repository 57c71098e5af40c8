"""Job worker of the retention run (bpmn/retention.bpmn, rule R1): closed cases past their KLE
retention period deleted or anonymised everywhere, each in its own transaction, with a report.

- A case whose transaction fails (the database refuses) is rolled back whole and reported as
  failed; the other cases go on. The job then fails naming the cases, is retried with backoff
  and ends as an incident; after the repair the retry finds only what is still due.
- Runs never overlap (a PostgreSQL advisory lock).
"""

from typing import Any

import structlog
from pyzeebe import Job, ZeebeTaskRouter
from sqlalchemy import text

from api.calendar.working_days import COPENHAGEN
from api.retention import service
from api.settings import get_settings
from workers.base import task
from workers.resources import resources

router = ZeebeTaskRouter()
log = structlog.get_logger("retention")

RUN_LOCK = 10_4_2026  # advisory lock key: issue 10, item 4


@task(
    router,
    "retention.run",
    label="Slet og anonymiser sager efter bevaringsfristen",
    outputs=("casesDeleted", "casesAnonymised", "casesSkipped"),
    timeout_ms=600_000,
    max_running_jobs=1,
)
def run_retention(job: Job) -> dict[str, Any]:
    res = resources()
    now = res.clock.now()
    with res.engine.connect() as lock:
        if not lock.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": RUN_LOCK}).scalar():
            raise RuntimeError("en anden sletningskørsel er i gang")
        try:
            result = service.run(
                res.engine,
                str(job.process_instance_key),
                now=now,
                today=now.astimezone(COPENHAGEN).date(),
                handlingsfacet=get_settings().esdh_action_facet,
            )
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RUN_LOCK})
            lock.commit()
    done = [o for o in result.outcomes if o.outcome == "done"]
    log.info(
        "retention run",
        run_id=str(result.run_id),
        done=len(done),
        failed=result.count("failed"),
        skipped=result.count("skipped"),
    )
    failed = [o for o in result.outcomes if o.outcome == "failed"]
    if failed:
        cases = ", ".join(f"{o.case_id} ({o.detail})" for o in failed)
        raise RuntimeError(f"{len(failed)} sag(er) kunne ikke slettes eller anonymiseres: {cases}")
    return {
        "casesDeleted": sum(1 for o in done if o.action == "delete"),
        "casesAnonymised": sum(1 for o in done if o.action == "anonymise"),
        "casesSkipped": result.count("skipped"),
    }
