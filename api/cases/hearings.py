"""Partshøring (FVL § 19): the hearing letter's parties and period (D20), and their comments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects.postgresql import insert

from api.calendar.working_days import end_of_days
from api.cases.decisions import decision_recipients, latest_document
from api.cases.tables import hearing, hearing_response

HEARING_FORM = "partshoering"


@dataclass(frozen=True)
class HearingPlan:
    """What the caseworker submitted: the material (or the exemption's reason) and the days."""

    material: str
    days: int
    parties: list[str]
    # The child from 10 (BL § 3) is heard too: the last party, with a letter of its own.
    child: str | None = None

    @property
    def exempt(self) -> bool:
        return self.days == 0


def plan(conn: Connection, case_id: uuid.UUID, today: date) -> HearingPlan:
    """The custody holders and the child from 10 are heard (nobody when exempt)."""
    document = latest_document(conn, case_id, HEARING_FORM)
    days = int(document["hearing_days"])
    heard = [] if days == 0 else decision_recipients(conn, case_id, today)
    if days and not heard:
        raise LookupError("no party to hear: CPR names no custody holder of the child")
    return HearingPlan(
        material=str(document["material"]),
        days=days,
        parties=[cpr for cpr, _ in heard],
        child=next((cpr for cpr, is_child in heard if is_child), None),
    )


def record(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    process_instance_key: int,
    idempotency_key: str,
    hearing_plan: HearingPlan,
    delivered: datetime | None,
    now: datetime,
) -> Any:
    """The hearing row, once per idempotency key: a retried job gets the first one back."""
    exempt = hearing_plan.exempt or delivered is None
    conn.execute(
        insert(hearing)
        .values(
            id=uuid.uuid4(),
            case_id=case_id,
            process_instance_key=process_instance_key,
            idempotency_key=idempotency_key,
            material=hearing_plan.material,
            parties=hearing_plan.parties,
            exempt=exempt,
            sent_at=delivered,
            ends_at=now if delivered is None else end_of_days(delivered, hearing_plan.days),
            closed_at=now if exempt else None,
            closed_reason="exempt" if exempt else None,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    return conn.execute(select(hearing).where(hearing.c.idempotency_key == idempotency_key)).one()


class HearingClosed(Exception):
    """The hearing has ended; comments after it are kept on the case as ordinary documents."""


def register_response(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    hearing_id: uuid.UUID,
    party_index: int,
    received_at: datetime,
    comments: str,
    final: bool,
    user_id: uuid.UUID,
) -> bool | None:
    """Keep a party's comments. None when the case has no such hearing; True when every party
    has now said its last word, so the hearing can end before its period."""
    row = conn.execute(
        select(hearing)
        .where(hearing.c.id == hearing_id, hearing.c.case_id == case_id)
        .with_for_update()
    ).first()
    if row is None:
        return None
    if not 0 <= party_index < len(row.parties):
        raise ValueError("partsnummeret findes ikke i høringen")
    if row.closed_at is not None:
        raise HearingClosed
    conn.execute(
        insert(hearing_response).values(
            id=uuid.uuid4(),
            hearing_id=hearing_id,
            party_index=party_index,
            received_at=received_at,
            comments=comments,
            final=final,
            registered_by=user_id,
        )
    )
    done = conn.execute(
        select(func.count(func.distinct(hearing_response.c.party_index))).where(
            hearing_response.c.hearing_id == hearing_id, hearing_response.c.final.is_(True)
        )
    ).scalar_one()
    if done < len(row.parties):
        return False
    conn.execute(
        update(hearing)
        .where(hearing.c.id == hearing_id)
        .values(closed_at=datetime.now(UTC), closed_reason="all_answered")
    )
    return True


def hearings_view(conn: Connection, case_id: uuid.UUID, now: datetime) -> list[dict[str, Any]]:
    """The case page's hearings: period, state, and how many parties have commented."""
    answered = (
        select(
            hearing_response.c.hearing_id,
            func.count(func.distinct(hearing_response.c.party_index)).label("parties_answered"),
            func.count().label("responses"),
        )
        .group_by(hearing_response.c.hearing_id)
        .subquery()
    )
    rows = conn.execute(
        select(hearing, answered.c.parties_answered, answered.c.responses)
        .outerjoin(answered, answered.c.hearing_id == hearing.c.id)
        .where(hearing.c.case_id == case_id)
        .order_by(hearing.c.ends_at)
    )
    return [
        {
            "id": str(h.id),
            "process_instance_key": str(h.process_instance_key),
            "exempt": h.exempt,
            "sent_at": h.sent_at,
            "ends_at": h.ends_at,
            "parties": len(h.parties),
            "parties_answered": h.parties_answered or 0,
            "responses": h.responses or 0,
            "state": h.closed_reason or ("period_ended" if h.ends_at <= now else "open"),
        }
        for h in rows
    ]


def letter_subject(hearing_plan: HearingPlan, party_index: int) -> str:
    if hearing_plan.parties[party_index] == hearing_plan.child:
        return "Din mening før kommunen beslutter"
    return "Partshøring: dine bemærkninger til sagen om dit barn"


def letter_body(hearing_plan: HearingPlan, party_index: int) -> str:
    """The hearing letter: the material, the period and how to answer (party number for the
    caseworker's registration of the reply)."""
    if hearing_plan.parties[party_index] == hearing_plan.child:
        return (
            "Kære dig\n\n"
            "Kommunen skal snart beslutte noget om din hverdag. Du har ret til at vide, hvad vi "
            "lægger vægt på, og til at sige din mening, før vi beslutter (barnets lov § 3 og "
            "forvaltningsloven § 19). Din rådgiver vil gerne tale med dig om det.\n\n"
            f"{hearing_plan.material}\n\n"
            f"Du kan svare inden {hearing_plan.days} dage, skriftligt eller ved at ringe til din "
            f"rådgiver. (Part nr. {party_index + 1})\n"
        )
    return (
        "Kære forælder\n\n"
        "Inden kommunen træffer afgørelse eller afslutter undersøgelsen, har du ret til at se "
        "og kommentere de oplysninger, vi lægger vægt på (forvaltningsloven § 19).\n\n"
        f"{hearing_plan.material}\n\n"
        f"Du kan sende dine bemærkninger inden {hearing_plan.days} dage efter, at du har "
        "modtaget dette brev. Skriv, hvis du ikke har flere bemærkninger, så kan sagen gå "
        f"videre før fristen. (Part nr. {party_index + 1})\n"
    )
