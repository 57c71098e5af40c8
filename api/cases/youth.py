"""Case-store steps of ungestøtte (BL §§ 108-121): the birthdays it runs by and its end.

Planning starts at the 16th birthday (D22, ungeplan §§ 108-110), the decision on ungestøtte
must be ready 6 months before the 18th birthday, when the placement ends (D23), and all
ungestøtte ends at the 23rd birthday (D24). Every date comes from the birth date in the child's
CPR number, never from when a job ran, so a restarted instance keeps them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, select

from api.calendar.months import add_months
from api.calendar.working_days import start_of_day
from api.cases import measures
from api.cases.cpr import CprNumber
from api.cases.tables import case, measure, person

PLANNING_AGE = 16  # D22
ADULT_AGE = 18  # D23: the placement ends ...
DECISION_LEAD_MONTHS = 6  # ... and the decision is ready 6 months before
END_AGE = 23  # D24


class UnbornChildError(LookupError):
    """The case's child has no CPR number yet, so there is no birthday to plan from."""

    def __init__(self) -> None:
        super().__init__(
            "Ungestøtte kan ikke startes for et ufødt barn: barnet har intet CPR-nummer "
            "(ungestøtte cannot start for an unborn child: no CPR number)"
        )


def birthday(born: date, age: int) -> date:
    """The day the child turns `age`, counted as `CprNumber.age_on` counts: a child born on
    29 February turns a year older on 1 March in a common year."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return date(born.year + age, 3, 1)


@dataclass(frozen=True)
class YouthDates:
    planning_from: datetime  # D22
    decision_due: datetime  # D23
    adult_at: datetime  # D23: the 18th birthday, when the placement ends
    ends_at: datetime  # D24


def youth_dates(born: date) -> YouthDates:
    """D22 at the 16th birthday; D23 at the 18th birthday minus 6 months (the catalogue's
    "18-års fødselsdag minus 6 måneder": the month arithmetic runs from the birthday, so a
    31 August birthday gives the last day of February); D24 at the 23rd birthday."""
    decision_day = add_months(birthday(born, ADULT_AGE), -DECISION_LEAD_MONTHS)
    return YouthDates(
        planning_from=start_of_day(birthday(born, PLANNING_AGE)),
        decision_due=start_of_day(decision_day),
        adult_at=start_of_day(birthday(born, ADULT_AGE)),
        ends_at=start_of_day(birthday(born, END_AGE)),
    )


def birth_date(conn: Connection, case_id: uuid.UUID) -> date:
    """The birth date of the case's child, from the CPR number in the case store."""
    cpr = conn.execute(
        select(person.c.cpr).join(case, case.c.child_id == person.c.id).where(case.c.id == case_id)
    ).scalar_one()
    if cpr is None:
        raise UnbornChildError()
    return CprNumber(cpr).birth_date


def dates_of_case(conn: Connection, case_id: uuid.UUID) -> YouthDates:
    return youth_dates(birth_date(conn, case_id))


def end_open_measures(conn: Connection, case_id: uuid.UUID, on: date) -> list[uuid.UUID]:
    """D24: every indsats and anbringelse of the case still open ends `on`; a retried job
    finds them ended and changes nothing."""
    open_ids = list(
        conn.execute(
            select(measure.c.id)
            .where(measure.c.case_id == case_id, measure.c.ended_on.is_(None))
            .order_by(measure.c.started_on)
        ).scalars()
    )
    for measure_id in open_ids:
        measures.end(conn, measure_id, on)
    return open_ids
