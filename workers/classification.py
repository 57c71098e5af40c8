"""Job worker of the daily classification load (bpmn/klassifikation_sync.bpmn): KLE, the
handlingsfacetter and the kontoplan from SF1510 into the classification table, as
`python -m api.classification.sync` does at start. Idempotent: a second run changes no row.
A failed read writes nothing and fails the job, which is retried and ends as an incident."""

import structlog
from pyzeebe import ZeebeTaskRouter

from api.classification.sync import load, log_results
from api.settings import get_settings
from workers.base import task
from workers.resources import resources

router = ZeebeTaskRouter()
log = structlog.get_logger("classification")


@task(
    router,
    "klassifikation.sync",
    label="Indlæs KLE og kontoplan fra Klassifikation (SF1510)",
    timeout_ms=120_000,
    max_running_jobs=1,
)
def sync_classification() -> dict[str, object]:
    settings = get_settings()
    if not settings.sf1510_endpoint:
        log.warning("classification.skipped", reason="no SF1510 endpoint (BS_SF1510_ENDPOINT)")
        return {}
    log_results(load(settings, resources().engine))
    return {}
