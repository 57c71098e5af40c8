"""What the case page shows beyond the case API's view: the family known to the case store, the
journal notes, the documents with their titles, and one chronology built from the case's events.

Every function takes a case the caller already found in scope (`api.cases.service.get_case`);
a relative is shown only when their own case is in the caller's scope too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, or_, select

from api.auth.principal import Principal
from api.cases import case_file
from api.cases.cpr import CprNumber
from api.cases.moves import MOVED
from api.cases.tables import advis, case, letter, measure, person, statistics_event
from api.esdh.tables import journal_note
from api.org.tables import app_user
from api.projector import tables as rm
from api.rules.catalogue import RULE_SETS
from api.tasks.service import element_names
from api.web.render import COPENHAGEN

CUSTODY_LABELS = {
    "mother": "Mor",
    "father": "Far",
    "other_holder_1": "Anden indehaver",
    "other_holder_2": "Anden indehaver",
}
MEASURE_LABELS = {"indsats": "Støttende indsats", "anbringelse": "Anbringelse"}
LETTER_LABELS = {
    "kvittering": "Kvittering til underretter",
    "orientering": "Orientering af underretter",
    "afgoerelse": "Afgørelsesbrev",
    "partshoering": "Partshøring",
}
STATE_LABELS = {"open": "Åben", "met": "Overholdt", "breached": "Overskredet"}
PROCESS_STATES = {"ACTIVE": "Kører", "COMPLETED": "Afsluttet", "TERMINATED": "Afbrudt"}


def full_name(data: dict[str, Any] | None) -> str | None:
    data = data or {}
    parts = (data.get("first_names"), data.get("middle_name"), data.get("last_name"))
    return " ".join(p for p in parts if p) or data.get("addressing_name")


def _age(cpr: str | None) -> int | None:
    if not cpr:
        return None
    try:
        return CprNumber(cpr).age_on(datetime.now(COPENHAGEN).date())
    except ValueError:
        return None


@dataclass(frozen=True)
class Relative:
    relation: str
    cpr: str | None
    name: str | None
    age: int | None = None
    case_id: uuid.UUID | None = None
    case_number: str | None = None
    custody: bool = False


def _cases_in_scope(
    conn: Connection, principal: Principal, person_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    if not person_ids:
        return {}
    rows = conn.execute(
        select(case.c.id, case.c.case_number, case.c.child_id).where(
            case.c.child_id.in_(person_ids), principal.case_scope()
        )
    )
    return {r.child_id: r for r in rows}


def family(
    conn: Connection, principal: Principal, child_id: uuid.UUID, child: dict[str, Any]
) -> list[Relative]:
    """Parents and custody holders from the child's CPR answer; siblings are the children in the
    case store with the same mother or father whose case the caller may see. A relative's name
    is shown when the case store knows it (a mother of an unborn child, say); never an address."""
    row = conn.execute(select(person).where(person.c.id == child_id)).one()
    data = dict(row.cpr_data or {})
    mother_cpr = data.get("mother_cpr")
    if row.unborn_mother_id is not None:
        mother = conn.execute(select(person).where(person.c.id == row.unborn_mother_id)).one()
        mother_cpr = mother.cpr
    holders = {c.get("holder_cpr") for c in child.get("custody", []) if c.get("holder_cpr")}
    parents = [("Mor", mother_cpr), ("Far", data.get("father_cpr"))]
    known = {
        p.cpr: p
        for p in conn.execute(
            select(person.c.cpr, person.c.cpr_data).where(
                person.c.cpr.in_([cpr for _, cpr in parents if cpr] + list(holders))
            )
        )
    }
    relatives = [
        Relative(
            label,
            cpr,
            full_name(known[cpr].cpr_data) if cpr in known else None,
            _age(cpr),
            custody=cpr in holders,
        )
        for label, cpr in parents
        if cpr
    ]
    for c in child.get("custody", []):
        holder = c.get("holder_cpr")
        if holder and holder not in {mother_cpr, data.get("father_cpr")}:
            name = full_name(known[holder].cpr_data) if holder in known else None
            label = CUSTODY_LABELS.get(str(c.get("kind")), "Indehaver af forældremyndighed")
            relatives.append(Relative(label, holder, name, _age(holder), custody=True))
    return relatives + _siblings(conn, principal, child_id, mother_cpr, data.get("father_cpr"))


def _siblings(
    conn: Connection,
    principal: Principal,
    child_id: uuid.UUID,
    mother_cpr: str | None,
    father_cpr: str | None,
) -> list[Relative]:
    same = [person.c.cpr_data["mother_cpr"].astext == cpr for cpr in [mother_cpr] if cpr] + [
        person.c.cpr_data["father_cpr"].astext == cpr for cpr in [father_cpr] if cpr
    ]
    if not same:
        return []
    rows = conn.execute(
        select(person.c.id, person.c.cpr, person.c.cpr_data).where(
            or_(*same), person.c.id != child_id
        )
    ).all()
    cases = _cases_in_scope(conn, principal, [r.id for r in rows])
    return [
        Relative(
            "Søskende",
            r.cpr,
            full_name(r.cpr_data),
            _age(r.cpr),
            case_id=cases[r.id].id,
            case_number=cases[r.id].case_number,
        )
        for r in rows
        if r.id in cases
    ]


def journal_notes(conn: Connection, case_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(journal_note, app_user.c.display_name)
        .join(app_user, app_user.c.id == journal_note.c.written_by)
        .where(journal_note.c.case_id == case_id)
        .order_by(journal_note.c.noted_on.desc(), journal_note.c.created_at.desc())
    )
    return [
        {
            "title": r.title,
            "text": r.text,
            "noted_on": r.noted_on,
            "written_by": r.display_name,
            "created_at": r.created_at,
        }
        for r in rows
    ]


def process_names(conn: Connection, process_ids: set[str]) -> dict[str, str]:
    """The processes' own names, from their newest deployed definition."""
    if not process_ids:
        return {}
    pd = rm.process_definition
    rows = conn.execute(
        select(pd.c.bpmn_process_id, pd.c.process_definition_key)
        .where(pd.c.bpmn_process_id.in_(process_ids))
        .order_by(pd.c.version)
    )
    newest = {r.bpmn_process_id: r.process_definition_key for r in rows}
    names = element_names(conn, set(newest.values()))
    return {p: names.get(key, {}).get(p, p) for p, key in newest.items()}


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    title: str
    detail: str = ""


def chronology(
    conn: Connection,
    case_id: uuid.UUID,
    documents: list[case_file.SourceDocument],
    view: dict[str, Any],
    names: dict[str, str],
) -> list[Entry]:
    """The case's history, newest first: reports and documents, decisions, measures, letters,
    processes started and ended, deadlines met or breached, and journal notes."""
    entries = [
        Entry(d.at, "Dokument", d.title)
        if d.reporter is None
        else Entry(
            d.at,
            "Underretning",
            "Underretning modtaget",
            case_file.REPORTER_TYPES.get(d.reporter.kind, d.reporter.kind),
        )
        for d in documents
    ]
    # The legal basis a measure started under, each change of it, and why it ended
    # (api.cases.statistics).
    noted: dict[uuid.UUID, list[Any]] = {}
    for e in conn.execute(
        select(statistics_event)
        .where(
            statistics_event.c.case_id == case_id,
            or_(
                statistics_event.c.event.in_(("start", "change"))
                & statistics_event.c.legal_basis.is_not(None),
                statistics_event.c.event == "end",
            ),
        )
        .order_by(statistics_event.c.occurred_on, statistics_event.c.recorded_at)
    ):
        noted.setdefault(e.subject_id, []).append(e)
    for m in conn.execute(select(measure).where(measure.c.case_id == case_id)):
        label = MEASURE_LABELS.get(m.kind, m.kind)
        events = noted.get(m.id, [])
        began = next((e.legal_basis for e in events if e.event == "start"), m.legal_basis)
        # A measure continued from the sending municipality's decision after a move (BL § 132).
        started = f"{label} videreført efter flytning" if m.transfer_id else f"{label} startet"
        entries.append(Entry(_day(m.started_on), "Indsats", started, began))
        for e in events:
            if e.event == "change":
                entries.append(
                    Entry(_day(e.occurred_on), "Indsats", f"{label}: hjemmel ændret", e.legal_basis)
                )
        if m.ended_on:
            moved = any(e.event == "end" and e.code == MOVED for e in events)
            ended = f"{label} afsluttet ved flytning" if moved else f"{label} afsluttet"
            entries.append(Entry(_day(m.ended_on), "Indsats", ended, m.legal_basis))
    for r in conn.execute(select(letter).where(letter.c.case_id == case_id)):
        entries.append(Entry(r.delivered_at, "Brev", LETTER_LABELS.get(r.kind, "Brev sendt")))
    for p in view["processes"]:
        name = names.get(p["bpmn_process_id"], p["bpmn_process_id"])
        if p["started_at"]:
            entries.append(Entry(p["started_at"], "Proces", f"{name} startet"))
    for a in conn.execute(select(advis).where(advis.c.case_id == case_id)):
        if a.kind.startswith("deadline_breached"):
            label = rule_label(a.rule_id)
            entries.append(Entry(a.created_at, "Frist", f"Frist overskredet: {label}", a.rule_id))
    for n in journal_notes(conn, case_id):
        entries.append(Entry(n["created_at"], "Journalnotat", n["title"], n["written_by"]))
    return sorted(entries, key=lambda e: e.at, reverse=True)


def rule_label(rule_id: str) -> str:
    for rule_set in RULE_SETS:
        rule = rule_set.get(rule_id)
        if rule:
            return rule.label
    return rule_id


def _day(value: date) -> datetime:
    """A day on the chronology: its start in Copenhagen."""
    return datetime(value.year, value.month, value.day, tzinfo=COPENHAGEN)


def due_moment(value: str | None) -> datetime | None:
    """A user task's due date (ISO text from the engine) as a moment; naive means UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
