"""What a CPR event does to the cases (see adapters/cpr/EVENTS.md): a move starts `flytning`, a
birth links an unborn child's case to the child's own number, a death ends the measures and
starts closing, a custody change refreshes the CPR data letters and partshøring use."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert

from adapters.cpr.events import CprEvent
from api.cases import measures
from api.cases.moves import queue_move
from api.cases.placements import decision_variables
from api.cases.tables import case, cpr_event_cursor, cpr_event_log, measure, person
from api.cases.workflow import queue_message, store_cpr_result

FEED = "cpr"


def position(conn: Connection) -> int:
    found = conn.execute(
        select(cpr_event_cursor.c.position).where(cpr_event_cursor.c.feed == FEED)
    ).scalar()
    return int(found or 0)


def move_to(conn: Connection, sequence: int) -> None:
    conn.execute(
        insert(cpr_event_cursor)
        .values(feed=FEED, position=sequence)
        .on_conflict_do_update(index_elements=["feed"], set_={"position": sequence})
    )


def handled(conn: Connection, event_id: str) -> bool:
    return (
        conn.execute(
            select(cpr_event_log.c.event_id).where(cpr_event_log.c.event_id == event_id)
        ).first()
        is not None
    )


def _open_cases_of(conn: Connection, cpr: str) -> list[Any]:
    return list(
        conn.execute(
            select(case.c.id, case.c.municipality_id)
            .join(person, person.c.id == case.c.child_id)
            .where(person.c.cpr == cpr, case.c.status == "open")
        )
    )


def _open_unborn_cases_of(conn: Connection, mother_cpr: str) -> list[Any]:
    """The open cases of the mother's unborn children (opened on her CPR number): they move
    with her."""
    mother = person.alias("mother")
    return list(
        conn.execute(
            select(case.c.id, case.c.municipality_id)
            .join(person, person.c.id == case.c.child_id)
            .join(mother, mother.c.id == person.c.unborn_mother_id)
            .where(mother.c.cpr == mother_cpr, person.c.cpr.is_(None), case.c.status == "open")
        )
    )


def handle(conn: Connection, event: CprEvent, today: date, looked_up: Any | None = None) -> str:
    """Act on one event and log it; returns the outcome. `looked_up` is the fresh SF1520 answer
    for a custody change (the caller looks up outside the transaction)."""
    outcome = _act(conn, event, today, looked_up)
    conn.execute(
        insert(cpr_event_log)
        .values(event_id=event.id, event_type=event.type, sequence=event.sekvens, outcome=outcome)
        .on_conflict_do_nothing(index_elements=["event_id"])
    )
    return outcome


def _act(conn: Connection, event: CprEvent, today: date, looked_up: Any | None) -> str:
    if event.type == "foedsel":
        return _birth(conn, event)
    cases = _open_cases_of(conn, event.personnummer)
    if event.type == "flytning":
        # The mother moving takes her unborn child's case with her.
        cases += _open_unborn_cases_of(conn, event.personnummer)
    if not cases:
        return "ignored"
    if event.type == "flytning":
        moved = [c for c in cases if c.municipality_id != event.kommunekode]
        for c in moved:
            queue_move(
                conn,
                case_id=c.id,
                variables=decision_variables(conn, c.id, today),
                new_municipality=str(event.kommunekode),
                moved_on=event.dato,
                event_id=f"{event.id}-{c.id}",
            )
        return f"flytning:{len(moved)}"
    if event.type == "doedsfald":
        for c in cases:
            for open_measure in conn.execute(
                select(measure.c.id).where(measure.c.case_id == c.id, measure.c.ended_on.is_(None))
            ).scalars():
                measures.end(conn, open_measure, event.dato)
            queue_message(
                conn,
                name="sagsafslutning-start",
                correlation_key=str(c.id),
                message_id=f"doedsfald-{event.id}-{c.id}",
                variables=decision_variables(conn, c.id, today),
            )
        return f"doedsfald:{len(cases)}"
    # foraeldremyndighed
    if looked_up is None:
        raise ValueError("a custody change needs the fresh CPR answer")
    child_id = conn.execute(select(person.c.id).where(person.c.cpr == event.personnummer)).scalar()
    if child_id is None:
        return "ignored"
    store_cpr_result(conn, child_id, looked_up)
    return "foraeldremyndighed"


def _birth(conn: Connection, event: CprEvent) -> str:
    if event.morPersonnummer is None:
        return "ignored"
    mother = conn.execute(select(person.c.id).where(person.c.cpr == event.morPersonnummer)).scalar()
    if mother is None:
        return "ignored"
    unborn = conn.execute(
        select(person.c.id)
        .where(person.c.unborn_mother_id == mother, person.c.cpr.is_(None))
        .order_by(person.c.expected_birth_date)
    ).first()
    if unborn is None:
        return "ignored"
    conn.execute(
        update(person)
        .where(person.c.id == unborn.id)
        .values(cpr=event.personnummer, cpr_status="pending", cpr_data=None)
    )
    return "foedsel"


def child_needs_lookup(event: CprEvent) -> bool:
    return event.type == "foraeldremyndighed"
