"""Job workers of ungestøtte (BL §§ 108-121): the birthdays it runs by and its end at 23."""

import uuid
from datetime import datetime

from pyzeebe import ZeebeTaskRouter

from api.calendar.working_days import COPENHAGEN
from api.cases import youth
from workers.base import task
from workers.resources import resources

router = ZeebeTaskRouter()


@task(
    router,
    "youth.birthdays",
    label="Beregn datoer for ungestøtte (16, 18 og 23 år)",
    outputs=("planningFrom", "decisionDueAt", "adultAt", "endsAt"),
    timeout_ms=15_000,
)
def birthdays(caseId: str) -> dict[str, object]:
    """D22-D24 from the birth date in the child's CPR number. Only the dates reach the engine;
    an unborn child has no CPR number yet, and the job fails with that reason until it has."""
    with resources().engine.begin() as conn:
        dates = youth.dates_of_case(conn, uuid.UUID(caseId))
    return {
        "planningFrom": dates.planning_from.isoformat(),
        "decisionDueAt": dates.decision_due.isoformat(),
        "adultAt": dates.adult_at.isoformat(),
        "endsAt": dates.ends_at.isoformat(),
    }


@task(router, "youth.end", label="Afslut sagens indsatser ved 23 år", timeout_ms=15_000)
def end(caseId: str, endsAt: str) -> dict[str, object]:
    """D24: every open measure of the case ends on the 23rd birthday, the day the timer was
    due, also when the job runs later."""
    ends_on = datetime.fromisoformat(endsAt).astimezone(COPENHAGEN).date()
    with resources().engine.begin() as conn:
        youth.end_open_measures(conn, uuid.UUID(caseId), ends_on)
    return {}
