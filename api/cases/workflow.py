"""Case-store steps the underretning workers perform (one transaction each)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert

from api.calendar.months import months_deadline
from api.cases.cpr import CprNumber
from api.cases.tables import advis, case, form_document, letter, outbox, person, underretning


def latest_submitted(conn: Connection, case_id: uuid.UUID, form_id: str) -> Any:
    """The newest submitted document of a form on the case (data, saved_at), or None."""
    return conn.execute(
        select(form_document.c.data, form_document.c.saved_at)
        .where(
            form_document.c.case_id == case_id,
            form_document.c.form_id == form_id,
            form_document.c.status == "submitted",
        )
        .order_by(form_document.c.saved_at.desc())
    ).first()


def child_cpr_to_look_up(conn: Connection, case_id: uuid.UUID) -> tuple[uuid.UUID, str]:
    """The person to look up for a case and their CPR number.

    After an "identify the child" task the number the caseworker gave replaces the unknown
    one; an unborn child is looked up through the mother's number.
    """
    row = conn.execute(
        select(case.c.child_id, person.c.cpr, person.c.unborn_mother_id)
        .join(person, person.c.id == case.c.child_id)
        .where(case.c.id == case_id)
    ).one()
    identified = latest_submitted(conn, case_id, "identify_child")
    if identified is not None:
        cpr = CprNumber(identified.data["child_cpr"]).value
        if cpr != row.cpr:
            conn.execute(update(person).where(person.c.id == row.child_id).values(cpr=cpr))
        return row.child_id, cpr
    if row.cpr is None:
        mother = conn.execute(select(person).where(person.c.id == row.unborn_mother_id)).one()
        return mother.id, mother.cpr
    return row.child_id, row.cpr


def store_cpr_result(conn: Connection, person_id: uuid.UUID, found: Any | None) -> None:
    """Keep the CPR answer in the case store; the engine only learns found / not found."""
    values: dict[str, Any] = {"cpr_looked_up_at": datetime.now(UTC)}
    if found is None:
        values["cpr_status"] = "not_found"
    else:
        values["cpr_status"] = "found"
        values["cpr_data"] = _jsonable(asdict(found))
    conn.execute(update(person).where(person.c.id == person_id).values(**values))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.name.lower()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def record_advis(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    rule_id: str,
    process_instance_key: int,
    kind: str = "deadline_breached",
) -> None:
    """One advis for the team leader per breached rule and instance, however often retried."""
    org_unit_id = conn.execute(select(case.c.org_unit_id).where(case.c.id == case_id)).scalar()
    conn.execute(
        insert(advis)
        .values(
            id=uuid.uuid4(),
            case_id=case_id,
            org_unit_id=org_unit_id,
            rule_id=rule_id,
            kind=kind,
            for_role="team_leader",
            process_instance_key=process_instance_key,
        )
        .on_conflict_do_nothing()
    )


def kvittering_content(conn: Connection, underretning_id: uuid.UUID) -> tuple[Any, str, str]:
    row = conn.execute(select(underretning).where(underretning.c.id == underretning_id)).one()
    received = row.received_at.astimezone().strftime("%d.%m.%Y")
    subject = "Kvittering for modtaget underretning"
    body = (
        f"Kære {row.reporter_organisation or 'afsender'}\n\n"
        f"Kommunen bekræfter, at vi den {received} har modtaget din underretning. "
        "Vi vurderer den inden for 24 timer. Du får besked, hvis vi iværksætter en "
        "undersøgelse eller indsats, så vidt reglerne om tavshedspligt tillader det.\n"
    )
    return row, subject, body


def record_letter(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    kind: str,
    recipient_kind: str,
    idempotency_key: str,
    message_id: str,
    delivered_at: datetime,
) -> None:
    conn.execute(
        insert(letter)
        .values(
            id=uuid.uuid4(),
            case_id=case_id,
            kind=kind,
            recipient_kind=recipient_kind,
            idempotency_key=idempotency_key,
            message_id=message_id,
            delivered_at=delivered_at,
        )
        .on_conflict_do_nothing()
    )


def queue_message(
    conn: Connection,
    *,
    name: str,
    correlation_key: str,
    message_id: str,
    variables: dict[str, Any],
) -> None:
    """An engine message through the outbox; the relay publishes it exactly once."""
    conn.execute(
        insert(outbox)
        .values(
            id=uuid.uuid4(),
            message_name=name,
            correlation_key=correlation_key,
            message_id=message_id,
            variables=variables,
            next_attempt_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["message_id"])
    )


BFU_MONTHS = 4  # BL § 20 stk. 3


def bfu_deadline(
    conn: Connection, case_id: uuid.UUID, underretning_id: uuid.UUID | None
) -> datetime:
    """4 months from awareness: the underretning that led here, else the case's latest one."""
    stmt = select(underretning.c.received_at).where(underretning.c.case_id == case_id)
    if underretning_id is not None:
        stmt = stmt.where(underretning.c.id == underretning_id)
    aware = conn.execute(stmt.order_by(underretning.c.received_at.desc())).scalar()
    if aware is None:
        raise LookupError("the case has no underretning to count the BFU deadline from")
    return months_deadline(aware, BFU_MONTHS)


ORIENTATION_DAYS = 14  # D3: orientation to a professional reporter, practice within 14 days
STARTED_SOMETHING = {"afdaekning": True, "bfu": True, "acute": True, "close": False}


def orientation_deadline(conn: Connection, case_id: uuid.UUID) -> datetime:
    """14 days after the 24-hour assessment was submitted (the decision's time, a case fact)."""
    decided = latest_submitted(conn, case_id, "underretning_vurdering")
    if decided is None:
        raise LookupError("no submitted 24-hour assessment on the case")
    deadline: datetime = decided.saved_at + timedelta(days=ORIENTATION_DAYS)
    return deadline


def orientation_content(
    conn: Connection, underretning_id: uuid.UUID, outcome: str
) -> tuple[Any, str, str]:
    """Whether the municipality started an investigation or measure; nothing more (the duty of
    confidentiality allows no details)."""
    row = conn.execute(select(underretning).where(underretning.c.id == underretning_id)).one()
    started = STARTED_SOMETHING.get(outcome, False)
    body = f"Kære {row.reporter_organisation or 'afsender'}\n\n" + (
        "Vi orienterer dig om, at kommunen har iværksat en undersøgelse eller en indsats "
        "på baggrund af din underretning.\n"
        if started
        else "Vi orienterer dig om, at kommunen ikke iværksætter en undersøgelse eller en "
        "indsats på baggrund af din underretning.\n"
    )
    return row, "Orientering om din underretning", body
