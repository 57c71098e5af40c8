"""Case-store steps of the afgørelse process: approval rule, hearing period, letters, appeals."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select, update
from sqlalchemy.dialects.postgresql import insert

from api.calendar.working_days import COPENHAGEN
from api.cases.cpr import CprNumber
from api.cases.statistics import note_event
from api.cases.tables import appeal, case, measure, person
from api.cases.workflow import latest_submitted
from api.finance import grants
from api.org.tables import municipality

CHILD_PARTY_AGE = 10  # BL § 3: partsbeføjelser from the 10th birthday
APPEAL_WINDOW = timedelta(weeks=4)  # D16: 4 weeks from delivery (FVL, Ankestyrelsen)
REASSESSMENT = timedelta(weeks=4)  # D17: genvurdering within 4 weeks (RSL § 66)


def approval_required(conn: Connection, case_id: uuid.UUID, subject: str) -> bool:
    """Whether the municipality's rules put this decision subject before a team leader."""
    subjects = conn.execute(
        select(municipality.c.approval_subjects)
        .join(case, case.c.municipality_id == municipality.c.id)
        .where(case.c.id == case_id)
    ).scalar()
    return subject in {s.strip() for s in (subjects or "").split(",") if s.strip()}


def latest_document(conn: Connection, case_id: uuid.UUID, form_id: str) -> dict[str, Any]:
    row = latest_submitted(conn, case_id, form_id)
    if row is None:
        raise LookupError(f"the case has no submitted {form_id} document")
    return dict(row.data)


def decision_letter(
    conn: Connection, case_id: uuid.UUID, *, to_child: bool = False
) -> tuple[str, str, bool]:
    """Subject, body and whether the Børn og Unge-udvalg decided (then appeals go straight to
    Ankestyrelsen). Legal basis, reasons and klagevejledning as FVL §§ 22-25 require; the
    child's own letter (from 10, BL § 3) tells the child it may appeal itself."""
    decision = latest_document(conn, case_id, "afgoerelse")
    by_buu = decision.get("decided_by") == "buu"
    verdict = "bevilget" if decision["decision"] == "grant" else "afslået"
    where = (
        "Ankestyrelsen"
        if by_buu
        else "kommunen, som genvurderer afgørelsen inden 4 uger og "
        "sender klagen videre til Ankestyrelsen, hvis afgørelsen fastholdes"
    )
    own_appeal = (
        "Du kan selv klage, fordi du er fyldt 10 år."
        if to_child
        else "Barnet kan selv klage fra det fyldte 10. år."
    )
    body = (
        f"Afgørelse: Det ansøgte er {verdict}.\n\n"
        f"Hjemmel: {decision['legal_basis']}.\n\n"
        f"Begrundelse: {decision['reasoning']}\n\n"
        f"Vi har lagt vægt på: {decision['main_facts']}\n\n"
        "Klagevejledning: Du kan klage over afgørelsen inden 4 uger efter, at du har modtaget "
        f"den. Klagen sendes til {where}. {own_appeal}\n"
    )
    subject = "Afgørelse i din sag" if to_child else "Afgørelse i sagen om dit barn"
    return subject, body, by_buu


def custody_recipients(conn: Connection, case_id: uuid.UUID) -> list[str]:
    """The parties who get the letter: the child's custody holders from CPR."""
    data = (
        conn.execute(
            select(person.c.cpr_data)
            .join(case, case.c.child_id == person.c.id)
            .where(case.c.id == case_id)
        ).scalar()
        or {}
    )
    holders = [c.get("holder_cpr") for c in data.get("custody", []) if c.get("holder_cpr")]
    parents = [data.get("mother_cpr"), data.get("father_cpr")]
    return sorted({cpr for cpr in holders or parents if cpr})


def child_is_party(cpr: str | None, cpr_data: Mapping[str, Any], on: date) -> bool:
    """BL § 3: from the 10th birthday the child is a party and gets the decision letter with
    its klagevejledning. Not an unborn child, nor one CPR reports dead or missing."""
    if cpr is None or cpr_data.get("status") in ("dead", "missing"):
        return False
    return CprNumber(cpr).age_on(on) >= CHILD_PARTY_AGE


def decision_recipients(conn: Connection, case_id: uuid.UUID, on: date) -> list[tuple[str, bool]]:
    """(CPR number, is the child) for each party of a decision: the custody holders, then the
    child from age 10 on the day the letter is sent. The child comes last, so the holders'
    letters keep their numbers (and idempotency keys)."""
    parties = [(cpr, False) for cpr in custody_recipients(conn, case_id)]
    child = conn.execute(
        select(person.c.cpr, person.c.cpr_data)
        .join(case, case.c.child_id == person.c.id)
        .where(case.c.id == case_id)
    ).one()
    if child_is_party(child.cpr, child.cpr_data or {}, on) and child.cpr not in dict(parties):
        parties.append((child.cpr, True))
    return parties


def register_appeal(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    decision_key: int,
    received_at: datetime,
    user_id: uuid.UUID,
) -> tuple[uuid.UUID, datetime]:
    appeal_id = uuid.uuid4()
    conn.execute(
        insert(appeal).values(
            id=appeal_id,
            case_id=case_id,
            decision_instance_key=decision_key,
            received_at=received_at,
            registered_by=user_id,
        )
    )
    return appeal_id, received_at + REASSESSMENT


MEASURE_KINDS = {
    "stoettende_indsats": "indsats",
    "anbringelse": "anbringelse",
    "anbringelse_uden_samtykke": "anbringelse",
}


def is_grant(conn: Connection, case_id: uuid.UUID) -> bool:
    return bool(latest_document(conn, case_id, "afgoerelse")["decision"] == "grant")


def record_measure(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    subject: str,
    decision_instance_key: int,
    delivered: datetime,
) -> bool:
    """A granted indsats or anbringelse starts when the decision is delivered (appeals do not
    suspend it), with the grants its form asks for (api.finance.grants). Once per decision;
    False when the decision grants no measure."""
    kind = MEASURE_KINDS.get(subject)
    decision = latest_document(conn, case_id, "afgoerelse")
    if kind is None or decision["decision"] != "grant":
        return False
    conn.execute(
        insert(measure)
        .values(
            id=uuid.uuid4(),
            case_id=case_id,
            kind=kind,
            legal_basis=decision["legal_basis"],
            decision_instance_key=decision_instance_key,
            started_on=delivered.astimezone(COPENHAGEN).date(),
        )
        .on_conflict_do_nothing(index_elements=["decision_instance_key"])
    )
    row = conn.execute(
        select(measure.c.id, measure.c.started_on).where(
            measure.c.decision_instance_key == decision_instance_key
        )
    ).one()
    note_event(
        conn,
        case_id=case_id,
        subject=kind,
        subject_id=row.id,
        event="start",
        occurred_on=row.started_on,
        code=decision["legal_basis"],
        legal_basis=decision["legal_basis"],
    )
    grants.create_for_decision(
        conn,
        case_id=case_id,
        measure_id=row.id,
        kind=kind,
        starts_on=row.started_on,
        at=delivered,
    )
    end_continued(conn, case_id=case_id, kind=kind, on=row.started_on)
    return True


def end_continued(conn: Connection, *, case_id: uuid.UUID, kind: str, on: date) -> int:
    """The municipality's own granted decision replaces the measure of that kind it continued
    from the sending municipality after a move (BL § 132: continued until it decides
    otherwise): the continued measure ends the day the new one starts (DST: SLUT, ended after a
    decision). Once: an ended measure is left alone. The number ended now."""
    return end_running(
        conn, case_id, on, measure.c.kind == kind, measure.c.transfer_id.is_not(None)
    )


def end_running(
    conn: Connection, case_id: uuid.UUID, on: date, *where: Any, reason: str = ""
) -> int:
    """Every running measure of the case (narrowed by `where`) ends on `on`, never before it
    started, each end noted once for DST with `reason`. A measure ended already (by a retried
    job too) is left alone, and its end is not noted twice. The number ended now."""
    running = conn.execute(
        select(measure.c.id, measure.c.kind, measure.c.started_on).where(
            measure.c.case_id == case_id, measure.c.ended_on.is_(None), *where
        )
    ).all()
    for row in running:
        ended_on = max(on, row.started_on)
        conn.execute(
            update(measure)
            .where(measure.c.id == row.id, measure.c.ended_on.is_(None))
            .values(ended_on=ended_on)
        )
        note_event(
            conn,
            case_id=case_id,
            subject=row.kind,
            subject_id=row.id,
            event="end",
            occurred_on=ended_on,
            code=reason,
        )
    return len(running)


def has_open_measure(conn: Connection, case_id: uuid.UUID, today: date) -> bool:
    """Whether the case's child has an indsats or anbringelse that has not ended, on any of
    the child's cases in the municipality (BL § 137)."""
    this = select(case.c.child_id, case.c.municipality_id).where(case.c.id == case_id).subquery()
    found = conn.execute(
        select(measure.c.id)
        .join(case, case.c.id == measure.c.case_id)
        .join(
            this,
            (this.c.child_id == case.c.child_id)
            & (this.c.municipality_id == case.c.municipality_id),
        )
        .where(or_(measure.c.ended_on.is_(None), measure.c.ended_on >= today))
        .limit(1)
    ).first()
    return found is not None


def buu_gate(conn: Connection, case_id: uuid.UUID) -> tuple[bool, datetime]:
    """D7 (BL § 91): the indstilling to the Børn og unge-udvalg must hold barnets plan before
    the meeting. Whether a plan is on the case, and the meeting (the start of its day)."""
    indstilling = latest_document(conn, case_id, "buu_indstilling")
    meeting = datetime.combine(
        date.fromisoformat(indstilling["meeting_date"]), time(0), tzinfo=COPENHAGEN
    )
    return latest_submitted(conn, case_id, "barnets_plan") is not None, meeting
