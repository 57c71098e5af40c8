"""Event files for DST from the case store's statistics events, and the bookkeeping of each
delivery: what is new since the last accepted delivery, what was sent, accepted or rejected.

An event is new while no accepted delivery carries it: the events of a rejected delivery are
new again and go with the next run. A delivery is recorded (`sent`, with its exact file) before
it is sent, so a retry finds it and sends the same bytes under the same LeveringID. Nobody types
statistics: every variable comes from the case store, coded by the list valid on the event date.

Events: START and SLUT of an underretning, indsats or anbringelse, and AENDRING when a running
indsats or anbringelse changes a variable DST is told: today its legal basis (Paragraf), when
the Børn og unge-udvalg decides a placement after the chair's urgent decision (§ 143 → § 47,
api.cases.placements.committee_decided), with the reason (Aarsag) from the ændringsårsag list.
A start or change reports the legal basis noted with it, an end the measure's latest. Grant
revisions (price, unit, expected end) change nothing DST is told, and no step changes a
provider or place type of a running measure, so neither makes a change event.

Stored files (retention): a file is kept only while DST's answer is awaited (`sent`), because
that exact file is what is sent again. When DST answers, accepted or rejected, the file is
dropped and its sha256, size and event count stay for the audit trail (a rejected delivery's
events go in a new file; its own file is never sent again). The only CPR numbers left in stored
files are those of deliveries awaiting an answer, and retention skips a case with an event in
one (api.retention.service.awaiting_dst) until the next run has its answer.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, or_, select, update
from sqlalchemy.sql import Select

from adapters.dst import Delivery, Receipt, ReportEvent, delivery_xml
from api.audit.tables import audit_event
from api.cases.tables import case, measure, person, statistics_event, underretning
from api.dst.codes import CodeLists
from api.dst.tables import dst_delivery, dst_delivery_event

REPORTED_SUBJECTS = {
    "underretning": "UNDERRETNING",
    "indsats": "INDSATS",
    "anbringelse": "ANBRINGELSE",
}
EVENT_KINDS: dict[str, Literal["START", "AENDRING", "SLUT"]] = {
    "start": "START",
    "change": "AENDRING",
    "end": "SLUT",
}
_PARAGRAPH = re.compile(r"§\s*(\d+)(?:\s*,\s*stk\.\s*(\d+))?(?:\s*,\s*nr\.\s*(\d+))?")
_MUNICIPALITY = re.compile(r"\d{3}")
DEFAULT_END_REASON = "afgoerelse"


@dataclass(frozen=True)
class Held:
    """An event that cannot be reported yet, and why (no personal data)."""

    event_id: uuid.UUID
    reason: str


def paragraph_keys(legal_basis: str) -> list[str]:
    """The code-list keys of a legal basis, most specific first: "BL § 32, stk. 1, nr. 3" →
    ["32.1.3", "32.1", "32"]."""
    found = _PARAGRAPH.search(legal_basis)
    if found is None:
        return []
    parts = [part for part in found.groups() if part]
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


def settled_events(statuses: Iterable[str], deliveries: Iterable[uuid.UUID] = ()) -> Select[Any]:
    """Events carried by a delivery in one of `statuses`, or by one of `deliveries`."""
    listed = list(deliveries)
    chosen: ColumnElement[bool] = dst_delivery.c.status.in_(list(statuses))
    if listed:
        chosen = or_(chosen, dst_delivery.c.id.in_(listed))
    return (
        select(dst_delivery_event.c.event_id)
        .join(dst_delivery, dst_delivery.c.id == dst_delivery_event.c.delivery_id)
        .where(chosen)
    )


def new_events(conn: Connection, *, skip_deliveries: Iterable[uuid.UUID] = ()) -> list[Any]:
    """The reportable events no accepted delivery carries (nor one still waiting for its
    answer, nor one of `skip_deliveries`), oldest first, with what the file needs."""
    child = person.alias("child")
    mother = person.alias("mother")
    query = (
        select(
            statistics_event.c.id,
            statistics_event.c.subject,
            statistics_event.c.subject_id,
            statistics_event.c.event,
            statistics_event.c.occurred_on,
            statistics_event.c.code,
            statistics_event.c.legal_basis.label("event_legal_basis"),
            statistics_event.c.case_id,
            case.c.municipality_id,
            child.c.cpr.label("child_cpr"),
            mother.c.cpr.label("mother_cpr"),
            underretning.c.reporter_type,
            underretning.c.concerns_abuse,
            measure.c.legal_basis,
        )
        .join(case, case.c.id == statistics_event.c.case_id)
        .join(child, child.c.id == case.c.child_id)
        .outerjoin(mother, mother.c.id == child.c.unborn_mother_id)
        .outerjoin(
            underretning,
            (underretning.c.id == statistics_event.c.subject_id)
            & (statistics_event.c.subject == "underretning"),
        )
        .outerjoin(measure, measure.c.id == statistics_event.c.subject_id)
        .where(
            statistics_event.c.subject.in_(list(REPORTED_SUBJECTS)),
            statistics_event.c.id.not_in(settled_events(("accepted", "sent"), skip_deliveries)),
        )
        .order_by(
            statistics_event.c.occurred_on, statistics_event.c.recorded_at, statistics_event.c.id
        )
    )
    return list(conn.execute(query))


def report_event(row: Any, codes: CodeLists) -> ReportEvent | Held:
    """The event as DST gets it, coded by the lists valid on its date; or why it cannot be."""
    day = row.occurred_on
    if not _MUNICIPALITY.fullmatch(row.municipality_id):
        return Held(row.id, f"kommunen {row.municipality_id} har ingen tre-cifret kommunekode")
    cpr = row.child_cpr or row.mother_cpr
    if not cpr:
        return Held(row.id, "barnet har intet CPR-nummer og ingen mor med CPR-nummer")
    common: dict[str, Any] = {
        "event_id": str(row.id),
        "course_id": str(row.subject_id),
        "subject": REPORTED_SUBJECTS[row.subject],
        "kind": EVENT_KINDS[row.event],
        "on": day,
        "child_cpr": cpr,
        "unborn": row.child_cpr is None,
        "code_list_version": codes.version(day),
    }
    if row.subject == "underretning":
        reporter = codes.resolve("underretter", row.reporter_type or "", day)
        reason_key = "overgreb" if row.concerns_abuse else "uoplyst"
        reason = codes.resolve("underretningsaarsag", reason_key, day)
        if reporter is None or reason is None:
            return Held(row.id, f"ingen gyldig underretterkode eller årsagskode den {day}")
        return ReportEvent(**common, reporter=reporter, reasons=(reason,))
    # A start or a change reports the legal basis noted with it; an end the measure's latest.
    basis = (row.event != "end" and row.event_legal_basis) or row.legal_basis or ""
    keys = paragraph_keys(basis)
    paragraph = next(
        (code for key in keys if (code := codes.resolve("paragraf", key, day)) is not None), None
    )
    if paragraph is None:
        return Held(row.id, f"hjemlen {basis!r} har ingen gyldig DST-kode den {day}")
    reason = None
    if row.event == "end":
        reason = codes.resolve("ophoersaarsag", row.code or DEFAULT_END_REASON, day)
        if reason is None:
            return Held(row.id, f"ophørsårsagen {row.code!r} har ingen gyldig DST-kode den {day}")
    elif row.event == "change" and row.code:
        reason = codes.resolve("aendringsaarsag", row.code, day)
        if reason is None:
            return Held(row.id, f"ændringsårsagen {row.code!r} har ingen gyldig DST-kode den {day}")
    return ReportEvent(**common, paragraph=paragraph, reason=reason)


def prepare(
    conn: Connection,
    codes: CodeLists,
    *,
    run_key: str,
    now: datetime,
    skip_deliveries: Iterable[uuid.UUID] = (),
) -> tuple[list[uuid.UUID], list[Held]]:
    """Record one delivery per municipality with the new events (status `sent`), each with its
    file; returns their ids and the events held back."""
    by_municipality: dict[str, list[ReportEvent]] = {}
    held: list[Held] = []
    for row in new_events(conn, skip_deliveries=skip_deliveries):
        made = report_event(row, codes)
        if isinstance(made, Held):
            held.append(made)
        else:
            by_municipality.setdefault(row.municipality_id, []).append(made)
    prepared = []
    for municipality_id, events in sorted(by_municipality.items()):
        existing = conn.execute(
            select(dst_delivery.c.id).where(
                dst_delivery.c.run_key == run_key,
                dst_delivery.c.municipality_id == municipality_id,
            )
        ).scalar()
        if existing is not None:  # this run already delivered for the municipality
            continue
        row_id = uuid.uuid4()
        delivery = Delivery(
            delivery_id=f"{municipality_id}-{now:%Y%m%d}-{row_id.hex[:12]}",
            municipality=municipality_id,
            created=now.astimezone(UTC),
            events=tuple(events),
        )
        content = delivery_xml(delivery)
        conn.execute(
            dst_delivery.insert().values(
                id=row_id,
                delivery_id=delivery.delivery_id,
                municipality_id=municipality_id,
                run_key=run_key,
                status="sent",
                content=content,
                content_sha256=hashlib.sha256(content).hexdigest(),
                content_size=len(content),
                event_count=len(events),
            )
        )
        conn.execute(
            dst_delivery_event.insert(),
            [{"delivery_id": row_id, "event_id": uuid.UUID(e.event_id)} for e in events],
        )
        prepared.append(row_id)
    return prepared, held


def unanswered(conn: Connection) -> list[Any]:
    """Deliveries recorded as sent whose answer we never got (a timeout, a crash): sent again."""
    return list(
        conn.execute(
            select(dst_delivery.c.id, dst_delivery.c.delivery_id, dst_delivery.c.content)
            .where(dst_delivery.c.status == "sent")
            .order_by(dst_delivery.c.created_at)
        )
    )


class AlreadyAnswered(LookupError):
    """The delivery has DST's answer; its file is no longer kept (nor sent)."""


def content_of(conn: Connection, delivery: uuid.UUID) -> bytes:
    """The stored file of a delivery awaiting DST's answer."""
    value: bytes | None = conn.execute(
        select(dst_delivery.c.content).where(dst_delivery.c.id == delivery)
    ).scalar_one()
    if value is None:
        raise AlreadyAnswered(f"leveringen {delivery} er besvaret; filen er ikke gemt")
    return value


def record_answer(
    conn: Connection,
    delivery: uuid.UUID,
    *,
    accepted: bool,
    reason: str | None,
    answered_at: datetime,
    receipt: Receipt | None = None,
) -> None:
    """DST's answer, and the audit row of the delivery (it sent the cases' data). Accepted
    events are stamped delivered. The file is dropped: an answered file is never sent again
    (a rejected delivery's events go in a new one); its hash and size stay."""
    conn.execute(
        update(dst_delivery)
        .where(dst_delivery.c.id == delivery)
        .values(
            status="accepted" if accepted else "rejected",
            reason=reason,
            answered_at=receipt.received_at if receipt else answered_at,
            content=None,
        )
    )
    events = select(dst_delivery_event.c.event_id).where(
        dst_delivery_event.c.delivery_id == delivery
    )
    if accepted:
        conn.execute(
            update(statistics_event)
            .where(statistics_event.c.id.in_(events), statistics_event.c.delivered_at.is_(None))
            .values(delivered_at=answered_at)
        )
    row = conn.execute(
        select(dst_delivery.c.municipality_id).where(dst_delivery.c.id == delivery)
    ).one()
    case_ids = sorted(
        set(
            conn.execute(
                select(statistics_event.c.case_id).where(statistics_event.c.id.in_(events))
            ).scalars()
        )
    )
    conn.execute(
        audit_event.insert().values(
            username="system:dst",
            roles=[],
            municipality_id=row.municipality_id,
            action="dst.levering",
            method="POST",
            path="/dst",
            status_code=200 if accepted else 422,
            case_ids=case_ids,
        )
    )


def deliveries_view(
    conn: Connection, municipality_id: str, limit: int = 50
) -> list[dict[str, Any]]:
    """The municipality's latest deliveries, newest first, without their files (the sha256
    and size of each identify what was sent)."""
    rows = conn.execute(
        select(
            dst_delivery.c.delivery_id,
            dst_delivery.c.municipality_id,
            dst_delivery.c.status,
            dst_delivery.c.reason,
            dst_delivery.c.event_count,
            dst_delivery.c.content_sha256,
            dst_delivery.c.content_size,
            dst_delivery.c.created_at,
            dst_delivery.c.answered_at,
        )
        .where(dst_delivery.c.municipality_id == municipality_id)
        .order_by(dst_delivery.c.created_at.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]
