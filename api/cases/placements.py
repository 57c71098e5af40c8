"""Case-store steps of an anbringelse: its start and the dates it runs by (D6, D11-D15), the
next tilsyn and genbehandling, and the hjemgivelse period (D21).

The dates are absolute and computed from the placement's start (the decision's delivery), so a
restarted instance keeps them; a loop's next date counts from the previous due date, not from
when the work was done, so a late visit does not move the yearly rhythm.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select

from api.calendar.months import add_months, months_deadline
from api.calendar.working_days import COPENHAGEN, end_of_day
from api.cases.decisions import latest_document
from api.cases.tables import case, measure
from api.org.tables import org_unit
from api.rules.catalogue import current as current_rules

PLAN_MONTHS = 3  # D6, BL § 91
VISIT_MONTHS = 6  # D11: at least two tilsynsbesøg a year
CHAIR_APPROVAL = timedelta(days=7)  # D12, BL § 143
CHAIR_FULL_DECISION_MONTHS = 1  # D13, BL § 143
FIRST_REVIEW_MONTHS = 12  # D14: genbehandling after 1 year ...
LATER_REVIEW_MONTHS = 24  # ... then every 2 years
PERMANENCE_MONTHS = 36  # D15, BL § 67


@dataclass(frozen=True)
class Start:
    measure_id: uuid.UUID
    dates: dict[str, datetime]


def start(conn: Connection, decision_key: int) -> Start:
    row = conn.execute(
        select(measure).where(
            measure.c.decision_instance_key == decision_key, measure.c.kind == "anbringelse"
        )
    ).first()
    if row is None:
        raise LookupError("the decision has recorded no anbringelse")
    began = datetime.combine(row.started_on, time(0), tzinfo=COPENHAGEN)
    return Start(
        row.id,
        {
            "planDueAt": months_deadline(began, PLAN_MONTHS),
            "visitDueAt": months_deadline(began, VISIT_MONTHS),
            "buuApprovalDueAt": end_of_day(row.started_on + CHAIR_APPROVAL),
            "buuDecisionDueAt": months_deadline(began, CHAIR_FULL_DECISION_MONTHS),
            "reviewDueAt": months_deadline(began, FIRST_REVIEW_MONTHS),
            "permanenceDueAt": months_deadline(began, PERMANENCE_MONTHS),
        },
    )


def after(previous_due: str, months: int) -> datetime:
    """The next due date in a loop: `months` after the previous due day."""
    day = datetime.fromisoformat(previous_due).astimezone(COPENHAGEN).date() - timedelta(days=1)
    return end_of_day(add_months(day, months))


def hjemgivelse_ends(conn: Connection, case_id: uuid.UUID, now: datetime) -> datetime:
    """D21: the hjemgivelse period the caseworker set (0-6 months) from today."""
    document = latest_document(conn, case_id, "hjemgivelse")
    months = int(document["period_months"])
    if months == 0:
        return now
    return end_of_day(add_months(now.astimezone(COPENHAGEN).date(), months))


def decision_variables(conn: Connection, case_id: uuid.UUID, on: date) -> dict[str, Any]:
    """What a decision started from the case page needs: ids, groups and the rule set."""
    row = conn.execute(
        select(case.c.municipality_id, org_unit.c.duty_group, org_unit.c.leader_group)
        .join(org_unit, org_unit.c.id == case.c.org_unit_id)
        .where(case.c.id == case_id)
    ).one()
    return {
        "caseId": str(case_id),
        "municipalityId": row.municipality_id,
        "dutyGroup": row.duty_group,
        "leaderGroup": row.leader_group,
        "ruleSet": current_rules(on).version,
    }
