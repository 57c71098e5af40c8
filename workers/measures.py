"""Job workers of a støttende indsats: start, plan, follow-ups, review and end."""

import uuid

from pyzeebe import ZeebeTaskRouter

from api.calendar.working_days import COPENHAGEN
from api.cases import measures
from workers.base import task
from workers.resources import resources

router = ZeebeTaskRouter()


@task(
    router,
    "indsats.start",
    label="Registrér indsatsens start",
    outputs=("measureId", "planDueAt", "followUpAt", "followUpsDone"),
    timeout_ms=15_000,
)
def start(caseId: str, decisionKey: str) -> dict[str, object]:
    """The plan's deadline (D8) and the first follow-up (D9) from the decision's facts."""
    with resources().engine.begin() as conn:
        started = measures.start(conn, uuid.UUID(caseId), int(decisionKey))
    return {
        "measureId": str(started.measure_id),
        "planDueAt": started.plan_due.isoformat(),
        "followUpAt": started.first_follow_up.isoformat(),
        "followUpsDone": 0,
    }


@task(
    router,
    "indsats.plan-recorded",
    label="Forventet slutdato fra barnets plan",
    outputs=("expectedEndAt",),
    timeout_ms=15_000,
)
def plan_recorded(caseId: str) -> dict[str, object]:
    """D26: the review comes at the expected end the plan gives."""
    with resources().engine.begin() as conn:
        ends = measures.expected_end(conn, uuid.UUID(caseId))
    return {"expectedEndAt": ends.isoformat()}


@task(
    router,
    "indsats.next-follow-up",
    label="Næste opfølgning",
    outputs=("followUpAt", "followUpsDone", "carryOn"),
    timeout_ms=15_000,
)
def next_follow_up(caseId: str, followUpsDone: int = 0) -> dict[str, object]:
    """D10: the next follow-up at the interval the caseworker set, or the end of the indsats."""
    res = resources()
    with res.engine.begin() as conn:
        follow_up = measures.after_follow_up(conn, uuid.UUID(caseId), res.clock.now())
    return {
        "followUpAt": follow_up.next_at.isoformat(),
        "followUpsDone": followUpsDone + 1,
        "carryOn": follow_up.carry_on,
    }


@task(
    router,
    "indsats.review",
    label="Revurdering ved forventet ophør",
    outputs=("expectedEndAt", "carryOn"),
    timeout_ms=15_000,
)
def review(caseId: str) -> dict[str, object]:
    with resources().engine.begin() as conn:
        carry_on, ends = measures.after_review(conn, uuid.UUID(caseId))
    return {"expectedEndAt": ends.isoformat(), "carryOn": carry_on}


@task(router, "indsats.end", label="Afslut indsatsen", timeout_ms=15_000)
def end(measureId: str) -> dict[str, object]:
    res = resources()
    today = res.clock.now().astimezone(COPENHAGEN).date()
    with res.engine.begin() as conn:
        measures.end(conn, uuid.UUID(measureId), today)
    return {}
