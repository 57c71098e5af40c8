"""What arrives on a case by letter, mail or phone and must be registered for the process to go
on: an institution's statusudtalelse, a party's comments in a partshøring, and a klage over a
decision still in its appeal window.

The case page shows each with a short form. The forms post to the case page's routes, which
call the case API's own handlers, so the rules (and the messages to the engine) are the same as
for `POST /api/cases/{id}/statements/...`, `.../hearings/...` and `.../appeals`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from api.cases.tables import hearing
from api.projector import tables as rm
from api.web.case_data import Relative

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
APPEAL_WINDOW_RULE = "D16"
INSTITUTION_KINDS = {"school": "Skole", "daycare": "Dagtilbud", "health": "Sundhedspleje"}
STATEMENT_STATES = {"requested": "Afventer svar", "answered": "Modtaget"}
HEARING_STATES = {
    "open": "Høringsperioden løber",
    "period_ended": "Høringsperioden er udløbet",
    "all_answered": "Alle parter har svaret",
    "exempt": "Undtaget fra partshøring",
}


class BadMoment(ValueError):
    """A received-at time that cannot be read or lies in the future (the message is Danish)."""


def received_moment(text: str, now: datetime) -> datetime:
    """The form's `datetime-local` value, taken in Europe/Copenhagen; empty means now."""
    if not text.strip():
        return now
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadMoment("Angiv dato og klokkeslæt (dd.mm.åååå tt.mm).") from None
    moment = local.replace(tzinfo=COPENHAGEN) if local.tzinfo is None else local
    if moment > now:
        raise BadMoment("Tidspunktet kan ikke ligge i fremtiden.")
    return moment.astimezone(UTC)


def local_input(moment: datetime) -> str:
    """A moment as a `datetime-local` value in Europe/Copenhagen, to the minute."""
    return moment.astimezone(COPENHAGEN).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class Party:
    number: int
    label: str


def _party_label(cpr: str, relatives: list[Relative], child: dict[str, Any]) -> str:
    if cpr == child.get("cpr"):
        return f"Barnet{', ' + child['name'] if child.get('name') else ''}"
    for r in relatives:
        if r.cpr == cpr:
            return f"{r.relation}{', ' + r.name if r.name else ''}"
    return "Indehaver af forældremyndighed"


def hearing_parties(
    conn: Connection, case_id: uuid.UUID, relatives: list[Relative], child: dict[str, Any]
) -> dict[str, list[Party]]:
    """Per hearing id, its parties numbered as in the hearing letter, named by their relation
    to the child (the CPR numbers stay in the case store)."""
    rows = conn.execute(
        select(hearing.c.id, hearing.c.parties).where(hearing.c.case_id == case_id)
    ).all()
    return {
        str(r.id): [
            Party(i + 1, _party_label(str(cpr), relatives, child))
            for i, cpr in enumerate(r.parties or [])
        ]
        for r in rows
    }


def appealable(view: dict[str, Any]) -> list[dict[str, Any]]:
    """Decisions whose appeal window (D16) is open: the only ones a klage can be registered on
    here; a later klage goes to Ankestyrelsen's own handling."""
    return [
        {"key": d["process_instance_key"], "until": d["due_at"]}
        for d in view["deadlines"]
        if d["rule_id"] == APPEAL_WINDOW_RULE and d["state"] == "open"
    ]


def appeal_window_open(conn: Connection, decision_key: int) -> bool:
    return (
        conn.execute(
            select(rm.timer.c.timer_key).where(
                rm.timer.c.process_instance_key == decision_key,
                rm.timer.c.deadline_rule == APPEAL_WINDOW_RULE,
                rm.timer.c.state == "CREATED",
            )
        ).first()
        is not None
    )


def context(
    conn: Connection,
    view: dict[str, Any],
    relatives: list[Relative],
    now: datetime,
    typed: dict[str, dict[str, str]],
    errors: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """The template's `replies`: the rows, each form's typed values and errors by form id."""
    default = {"modtaget": local_input(now)}
    statements = view["statements"]
    hearings = view["hearings"]
    forms = [f"statement-{s['id']}" for s in statements if s["status"] == "requested"]
    forms += [f"hearing-{h['id']}" for h in hearings if h["state"] == "open"]
    forms.append("appeal")
    return {
        "statements": statements,
        "hearings": hearings,
        "parties": hearing_parties(conn, uuid.UUID(view["id"]), relatives, view["child"]),
        "appealable": appealable(view),
        "typed": {f: {**default, **typed.get(f, {})} for f in forms},
        "errors": errors,
        "labels": {
            "institution": INSTITUTION_KINDS,
            "statement": STATEMENT_STATES,
            "hearing": HEARING_STATES,
        },
    }
