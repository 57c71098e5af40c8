"""Receiving an underretning: the case, the report and the engine start, in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, cast, func, insert, select, update
from sqlalchemy.dialects.postgresql import JSONB

from api.auth.principal import Principal
from api.calendar import WorkingCalendar, add_working_days
from api.calendar.working_days import COPENHAGEN
from api.cases.statistics import note_event
from api.cases.tables import case, outbox, person, underretning
from api.classification.service import require as require_classification
from api.org.tables import municipality, org_unit
from api.rules.catalogue import current as current_rules
from api.underretninger.schemas import UnderretningIn

START_MESSAGE = "underretning-modtaget"
D1_HOURS = 24  # BL § 136: calendar hours, weekends included
D2_WORKING_DAYS = 6  # kvittering to a professional reporter


@dataclass(frozen=True)
class Received:
    case_id: uuid.UUID
    underretning_id: uuid.UUID


def _person_id(conn: Connection, cpr: str) -> uuid.UUID:
    found = conn.execute(select(person.c.id).where(person.c.cpr == cpr)).scalar()
    if found:
        return uuid.UUID(str(found))
    new_id = uuid.uuid4()
    conn.execute(insert(person).values(id=new_id, cpr=cpr))
    return new_id


def _unborn_child_id(conn: Connection, mother_id: uuid.UUID, expected: date | None) -> uuid.UUID:
    """An unborn child is a person without CPR, linked to the mother until the birth."""
    found = conn.execute(
        select(person.c.id).where(person.c.unborn_mother_id == mother_id, person.c.cpr.is_(None))
    ).scalar()
    if found:
        return uuid.UUID(str(found))
    new_id = uuid.uuid4()
    conn.execute(
        insert(person).values(id=new_id, unborn_mother_id=mother_id, expected_birth_date=expected)
    )
    return new_id


def _case_id(
    conn: Connection, principal: Principal, child_id: uuid.UUID, year: int, kle_subject: str
) -> uuid.UUID:
    found = conn.execute(
        select(case.c.id).where(
            and_(
                case.c.municipality_id == principal.municipality_id,
                case.c.child_id == child_id,
                case.c.kle_subject == kle_subject,
            )
        )
    ).scalar()
    if found:
        return uuid.UUID(str(found))
    new_id = uuid.uuid4()
    conn.execute(
        insert(case).values(
            id=new_id,
            case_number=f"{principal.municipality_id}-{year}-{new_id.hex[:6].upper()}",
            municipality_id=principal.municipality_id,
            org_unit_id=principal.org_unit_id,
            child_id=child_id,
            kle_subject=kle_subject,
        )
    )
    return new_id


REPEAT_WINDOW = timedelta(days=7)
REPEAT_FLAG = "gentagen_bekymring"


def _flag_repeat_concern(conn: Connection, case_id: uuid.UUID, received_at: datetime) -> None:
    """Two or more reports about the same child within 7 days flag the case."""
    recent = conn.execute(
        select(func.count())
        .select_from(underretning)
        .where(
            underretning.c.case_id == case_id,
            underretning.c.received_at > received_at - REPEAT_WINDOW,
            underretning.c.received_at < received_at + REPEAT_WINDOW,
        )
    ).scalar()
    if (recent or 0) >= 2:
        conn.execute(
            update(case)
            .where(case.c.id == case_id, ~case.c.flags.contains([REPEAT_FLAG]))
            .values(flags=case.c.flags + cast([REPEAT_FLAG], JSONB))
        )


def municipality_calendar(conn: Connection, municipality_id: str) -> WorkingCalendar:
    extra = conn.execute(
        select(municipality.c.extra_closed_days).where(municipality.c.id == municipality_id)
    ).scalar()
    days = frozenset(date.fromisoformat(d) for d in (extra or "").split(",") if d.strip())
    return WorkingCalendar(extra_closed=days)


def start_variables(
    conn: Connection, principal: Principal, data: UnderretningIn, ids: Received
) -> dict[str, Any]:
    """Ids, dates, codes and routing only: no names, no CPR numbers, no free text."""
    unit = conn.execute(select(org_unit).where(org_unit.c.id == principal.org_unit_id)).one()
    received = data.received_at.astimezone(UTC)
    variables: dict[str, Any] = {
        "caseId": str(ids.case_id),
        "underretningId": str(ids.underretning_id),
        "municipalityId": principal.municipality_id,
        "ruleSet": current_rules(received.date()).version,
        "receivedAt": received.isoformat(),
        "d1DueAt": (received + timedelta(hours=D1_HOURS)).isoformat(),
        "reporterType": data.reporter_type,
        "concernsAbuse": data.concerns_abuse,
        "dutyGroup": unit.duty_group,
        "leaderGroup": unit.leader_group,
    }
    if data.reporter_type == "professional":
        calendar = municipality_calendar(conn, principal.municipality_id)
        variables["kvitteringDueAt"] = add_working_days(
            received, D2_WORKING_DAYS, calendar
        ).isoformat()
    return variables


def receive(
    conn: Connection, principal: Principal, data: UnderretningIn, *, kle_subject: str
) -> Received:
    """Write person, case, underretning and the queued engine start; the caller commits.

    The case is filed under `kle_subject` (a KLE emne's brugervendt nøgle), which must be in
    effect in the classification loaded from SF1510: ClassificationMissing otherwise, before
    anything is written."""
    kle = require_classification(conn, facet="kle", key=kle_subject, at=datetime.now(UTC))
    if data.unborn:
        assert data.mother_cpr is not None
        mother_id = _person_id(conn, data.mother_cpr)
        child_id = _unborn_child_id(conn, mother_id, data.expected_birth_date)
    else:
        assert data.child_cpr is not None
        child_id = _person_id(conn, data.child_cpr)
    case_id = _case_id(conn, principal, child_id, data.received_at.year, kle.key)
    underretning_id = uuid.uuid4()
    conn.execute(
        insert(underretning).values(
            id=underretning_id,
            case_id=case_id,
            received_at=data.received_at,
            reporter_type=data.reporter_type,
            reporter_name=data.reporter_name,
            reporter_organisation=data.reporter_organisation,
            reporter_email=data.reporter_email,
            reporter_cvr=data.reporter_cvr,
            concern=data.concern,
            concerns_abuse=data.concerns_abuse,
            unborn=data.unborn,
            created_by=principal.user_id,
        )
    )
    _flag_repeat_concern(conn, case_id, data.received_at)
    # For Danmarks Statistik (BEK 1295/2023): the underretning, dated the day it was received.
    note_event(
        conn,
        case_id=case_id,
        subject="underretning",
        subject_id=underretning_id,
        event="start",
        occurred_on=data.received_at.astimezone(COPENHAGEN).date(),
    )
    ids = Received(case_id, underretning_id)
    conn.execute(
        insert(outbox).values(
            id=uuid.uuid4(),
            message_name=START_MESSAGE,
            correlation_key=str(underretning_id),
            # The engine refuses a second message with this id: a retried start is a no-op.
            message_id=f"underretning-{underretning_id}",
            variables=start_variables(conn, principal, data, ids),
            next_attempt_at=datetime.now(UTC),
        )
    )
    return ids
