"""Job workers of an anbringelse: its dates, the tilsyn and genbehandling loops, hjemgivelse."""

import uuid

from pyzeebe import ZeebeTaskRouter

from api.calendar.working_days import COPENHAGEN
from api.cases import measures, placements
from workers.base import task
from workers.resources import resources

router = ZeebeTaskRouter()

DATES = (
    "planDueAt",
    "visitDueAt",
    "buuApprovalDueAt",
    "buuDecisionDueAt",
    "reviewDueAt",
    "permanenceDueAt",
)


@task(
    router,
    "placement.start",
    label="Registrér anbringelsens start",
    outputs=("measureId", *DATES),
    timeout_ms=15_000,
)
def start(decisionKey: str) -> dict[str, object]:
    """Every date the placement runs by, from the day the decision was delivered."""
    with resources().engine.begin() as conn:
        started = placements.start(conn, int(decisionKey))
    return {
        "measureId": str(started.measure_id),
        **{name: moment.isoformat() for name, moment in started.dates.items()},
    }


@task(
    router,
    "placement.next-visit",
    label="Næste tilsynsbesøg",
    outputs=("visitDueAt",),
    timeout_ms=15_000,
)
def next_visit(visitDueAt: str) -> dict[str, object]:
    """D11: the next visit 6 months after the previous one was due."""
    return {"visitDueAt": placements.after(visitDueAt, placements.VISIT_MONTHS).isoformat()}


@task(
    router,
    "placement.next-review",
    label="Næste genbehandling",
    outputs=("reviewDueAt",),
    timeout_ms=15_000,
)
def next_review(reviewDueAt: str) -> dict[str, object]:
    """D14: after the first year, the Børn og unge-udvalg reviews every 2 years."""
    return {
        "reviewDueAt": placements.after(reviewDueAt, placements.LATER_REVIEW_MONTHS).isoformat()
    }


@task(
    router,
    "placement.committee-decision",
    label="Registrér udvalgets afgørelse",
    timeout_ms=15_000,
)
def committee_decision(measureId: str) -> dict[str, object]:
    """§ 143: after the committee's own decision the placement rests on § 47; the change is
    noted for Danmarks Statistik once, however often the job runs."""
    res = resources()
    today = res.clock.now().astimezone(COPENHAGEN).date()
    with res.engine.begin() as conn:
        placements.committee_decided(conn, uuid.UUID(measureId), today)
    return {}


@task(
    router,
    "placement.hjemgivelse",
    label="Hjemgivelsesperiode",
    outputs=("hjemgivelseEndsAt",),
    timeout_ms=15_000,
)
def hjemgivelse(caseId: str) -> dict[str, object]:
    """D21: the placement ends when the hjemgivelse period the caseworker set has run."""
    res = resources()
    with res.engine.begin() as conn:
        ends = placements.hjemgivelse_ends(conn, uuid.UUID(caseId), res.clock.now())
    return {"hjemgivelseEndsAt": ends.isoformat()}


@task(router, "placement.end", label="Afslut anbringelsen", timeout_ms=15_000)
def end(measureId: str) -> dict[str, object]:
    res = resources()
    today = res.clock.now().astimezone(COPENHAGEN).date()
    with res.engine.begin() as conn:
        measures.end(conn, uuid.UUID(measureId), today)
    return {}
