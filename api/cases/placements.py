"""Case-store steps of an anbringelse: its start and the dates it runs by (D6, D11-D15), the
next tilsyn and genbehandling, the committee's decision after the chair's (§ 143), and the
hjemgivelse period (D21).

The dates are absolute and computed from the placement's start (the decision's delivery), so a
restarted instance keeps them; a loop's next date counts from the previous due date, not from
when the work was done, so a late visit does not move the yearly rhythm.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from api.calendar.months import add_months, months_deadline
from api.calendar.working_days import COPENHAGEN, end_of_day
from api.cases.decisions import latest_document
from api.cases.statistics import note_event
from api.cases.tables import case, measure
from api.dst.delivery import paragraph_keys
from api.org.tables import org_unit
from api.rules.catalogue import current as current_rules

PLAN_MONTHS = 3  # D6, BL § 91
VISIT_MONTHS = 6  # D11: at least two tilsynsbesøg a year
CHAIR_APPROVAL = timedelta(days=7)  # D12, BL § 143
CHAIR_FULL_DECISION_MONTHS = 1  # D13, BL § 143
FIRST_REVIEW_MONTHS = 12  # D14: genbehandling after 1 year ...
LATER_REVIEW_MONTHS = 24  # ... then every 2 years
PERMANENCE_MONTHS = 36  # D15, BL § 67
CHAIR_PARAGRAPH = "143"  # the chair's urgent decision (formandsafgørelse)
COMMITTEE_BASIS = "BL § 47"  # the Børn og unge-udvalg's own decision on the placement
# The change noted for Danmarks Statistik: its key (one per placement) and its reason, a key of
# the ændringsårsag code list (api/dst/kodelister.toml).
COMMITTEE_CHANGE_KEY = "hjemmel:udvalgets-afgoerelse"
COMMITTEE_CHANGE_REASON = "udvalgets_afgoerelse"


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


def committee_decided(conn: Connection, measure_id: uuid.UUID, today: date) -> bool:
    """§ 143: the committee has decided the case itself after the chair's urgent decision and
    upheld the placement. A placement that rested on the chair's decision (§ 143) rests on the
    committee's (§ 47) from the meeting: the measure takes that legal basis and a change is
    noted for Danmarks Statistik. A placement already under another paragraph keeps it, and
    DST is told nothing new. True when the legal basis changed; a retried job finds it changed
    (and the change noted under its key) and changes nothing."""
    row = conn.execute(select(measure).where(measure.c.id == measure_id).with_for_update()).first()
    if row is None:
        raise LookupError("the anbringelse is not recorded")
    keys = paragraph_keys(row.legal_basis)
    if row.ended_on is not None or not keys or keys[-1] != CHAIR_PARAGRAPH:
        return False
    meeting = latest_document(conn, row.case_id, "buu_behandling").get("meeting_date")
    try:
        on = date.fromisoformat(str(meeting))
    except ValueError:
        on = today
    on = min(max(on, row.started_on), today)  # not before the placement, not in the future
    conn.execute(
        update(measure).where(measure.c.id == measure_id).values(legal_basis=COMMITTEE_BASIS)
    )
    note_event(
        conn,
        case_id=row.case_id,
        subject=row.kind,
        subject_id=row.id,
        event="change",
        occurred_on=on,
        code=COMMITTEE_CHANGE_REASON,
        change_key=COMMITTEE_CHANGE_KEY,
        legal_basis=COMMITTEE_BASIS,
    )
    return True


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
