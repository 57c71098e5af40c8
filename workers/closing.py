"""Job worker that closes a case."""

import uuid

from pyzeebe import ZeebeTaskRouter
from pyzeebe.errors import BusinessError

from api.calendar.working_days import COPENHAGEN
from api.cases import closing
from workers.base import task
from workers.resources import resources

router = ZeebeTaskRouter()


@task(router, "case.close", label="Luk sagen", errors=("open-measures",), timeout_ms=15_000)
def close_case(caseId: str) -> dict[str, object]:
    """Close the case with the caseworker's reason; an indsats or anbringelse opened in the
    meantime stops it (BPMN error `open-measures`)."""
    res = resources()
    today = res.clock.now().astimezone(COPENHAGEN).date()
    try:
        with res.engine.begin() as conn:
            closing.close(conn, uuid.UUID(caseId), today)
    except closing.OpenMeasures:
        raise BusinessError(
            "open-measures", "Sagen har åbne indsatser eller anbringelser"
        ) from None
    return {}
