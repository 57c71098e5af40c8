"""Retention: which closed cases are due, and deleting or anonymising one case everywhere.

A case is due when it is closed (or handed over to another municipality) and its retention
rule's years have passed since it closed: the DST end event's date, or the handover's. The rule
is the municipality's own if it has one, else the national one; the longest KLE prefix wins,
then a rule naming the case's handlingsfacet.

Each case is handled in its own transaction, with its report row: the case store, its engine
history in the read model and the raw exporter records (`retention_purge_case`, migration
0023_retention) go together or not at all.

- delete: every row of the case, the case, and its child (and an unborn child's mother) when no
  other case or person needs them.
- anonymise: the case keeps its skeleton for statistics (dates, kinds, KLE, measures, letters
  sent, DST events, amounts); it is moved to a new anonymous person, and every text, document,
  note, draft and identifying field is removed.
- Files to Danmarks Statistik: DST's answer drops a stored file (api.dst.delivery), so only a
  file awaiting its answer holds CPR numbers; a case with an event in one is skipped until the
  answer comes (`awaiting_dst`), so no stored file keeps the CPR number of a case retention took.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError

from api.admin.service import record
from api.admin.tables import case_restriction
from api.audit.tables import audit_event
from api.auth.principal import Principal
from api.cases.tables import (
    advis,
    aktindsigt_request,
    appeal,
    case,
    case_access,
    deadline_history,
    form_document,
    hearing,
    hearing_response,
    letter,
    measure,
    outbox,
    person,
    statement_request,
    statistics_event,
    underretning,
)
from api.dst.tables import dst_delivery, dst_delivery_event
from api.esdh.tables import esdh_document, journal_note
from api.finance.tables import grant_award, grant_payment, grant_revision
from api.projector import tables as rm
from api.retention.tables import retention_rule, retention_run, retention_run_case
from api.transfers.tables import transfer_document, transfer_in, transfer_out

RETAINED_STATUSES = ("closed", "transferred")


@dataclass(frozen=True)
class Rule:
    id: str
    municipality_id: str | None
    kle_prefix: str
    handlingsfacet: str | None
    years: int
    action: str
    basis: str


@dataclass(frozen=True)
class Candidate:
    case_id: uuid.UUID
    municipality_id: str
    kle_subject: str
    closed_on: date


@dataclass(frozen=True)
class Outcome:
    case_id: uuid.UUID
    rule_id: str
    action: str
    outcome: str
    raw_records: int = 0
    detail: str | None = None


@dataclass(frozen=True)
class RunResult:
    run_id: uuid.UUID
    outcomes: tuple[Outcome, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)


def load_rules(conn: Connection) -> list[Rule]:
    return [
        Rule(r.id, r.municipality_id, r.kle_prefix, r.handlingsfacet, r.years, r.action, r.basis)
        for r in conn.execute(select(retention_rule).order_by(retention_rule.c.id))
    ]


def _covers(prefix: str, kle: str) -> bool:
    return kle == prefix or kle.startswith(prefix + ".")


def within_kle(kle_subject: str, prefixes: Sequence[str]) -> bool:
    """Whether a caller limited to KLE prefixes (none: no limit) may see a case's KLE subject."""
    return not prefixes or any(_covers(p, kle_subject) for p in prefixes)


def rule_for(
    rules: Iterable[Rule], municipality_id: str, kle_subject: str, handlingsfacet: str
) -> Rule | None:
    """The rule of a case: the municipality's own before the national ones, then the longest
    KLE prefix, then one naming the facet before one for any facet."""
    matching = [
        r
        for r in rules
        if r.municipality_id in (None, municipality_id)
        and _covers(r.kle_prefix, kle_subject)
        and r.handlingsfacet in (None, handlingsfacet)
    ]
    if not matching:
        return None
    return max(
        matching,
        key=lambda r: (
            r.municipality_id is not None,
            len(r.kle_prefix.split(".")),
            r.handlingsfacet is not None,
        ),
    )


def due_on(closed_on: date, years: int) -> date:
    """The day the retention period ends (29 February closes on 28 February)."""
    try:
        return closed_on.replace(year=closed_on.year + years)
    except ValueError:
        return closed_on.replace(year=closed_on.year + years, day=28)


def candidates(conn: Connection) -> list[Candidate]:
    """Closed and handed-over cases with the date they closed."""
    ended = (
        select(statistics_event.c.occurred_on)
        .where(
            statistics_event.c.case_id == case.c.id,
            statistics_event.c.subject == "sag",
            statistics_event.c.event == "end",
        )
        .scalar_subquery()
    )
    handed_over = (
        select(func.max(transfer_out.c.handed_over_on))
        .where(transfer_out.c.case_id == case.c.id)
        .scalar_subquery()
    )
    closed_on = func.coalesce(ended, handed_over)
    query = (
        select(case.c.id, case.c.municipality_id, case.c.kle_subject, closed_on.label("closed"))
        .where(case.c.status.in_(RETAINED_STATUSES), closed_on.is_not(None))
        .order_by(case.c.id)
    )
    return [
        Candidate(r.id, r.municipality_id, r.kle_subject, r.closed) for r in conn.execute(query)
    ]


def due(
    found: Sequence[Candidate], rules: Sequence[Rule], handlingsfacet: str, today: date
) -> list[tuple[Candidate, Rule]]:
    """The candidates whose retention period has ended, with their rule."""
    result = []
    for c in found:
        rule = rule_for(rules, c.municipality_id, c.kle_subject, handlingsfacet)
        if rule is not None and due_on(c.closed_on, rule.years) <= today:
            result.append((c, rule))
    return result


def unended_instances(conn: Connection, case_id: uuid.UUID) -> int:
    """Process instances of the case (or called by its instances) that have not ended."""
    tree = (
        select(rm.process_instance.c.process_instance_key)
        .where(rm.process_instance.c.case_id == case_id)
        .cte("tree", recursive=True)
    )
    child = rm.process_instance.alias("child")
    tree = tree.union(
        select(child.c.process_instance_key).where(
            child.c.parent_process_instance_key == tree.c.process_instance_key
        )
    )
    return int(
        conn.execute(
            select(func.count())
            .select_from(rm.process_instance)
            .where(
                rm.process_instance.c.process_instance_key.in_(select(tree.c.process_instance_key)),
                rm.process_instance.c.state.not_in(("COMPLETED", "TERMINATED")),
            )
        ).scalar_one()
    )


def awaiting_dst(conn: Connection, case_id: uuid.UUID) -> bool:
    """Whether an event of the case is in a file to Danmarks Statistik still awaiting its
    answer. That file holds the child's CPR number and must be sent again byte for byte, so
    the case waits until a DST run has the answer (and the file is dropped, api.dst.delivery).
    The case's events are locked first: a DST run cannot put them in a new file meanwhile."""
    conn.execute(
        select(statistics_event.c.id).where(statistics_event.c.case_id == case_id).with_for_update()
    ).all()
    return (
        conn.execute(
            select(dst_delivery.c.id)
            .join(dst_delivery_event, dst_delivery_event.c.delivery_id == dst_delivery.c.id)
            .join(statistics_event, statistics_event.c.id == dst_delivery_event.c.event_id)
            .where(statistics_event.c.case_id == case_id, dst_delivery.c.status == "sent")
            .limit(1)
        ).first()
        is not None
    )


def purge_engine_history(conn: Connection, run_id: uuid.UUID, case_id: uuid.UUID) -> int:
    """The case's process instances out of the read model and the raw records; returns how many
    raw records went. The database function records each instance in raw_record_purge."""
    return int(
        conn.execute(
            text("SELECT retention_purge_case(:run, :case)"), {"run": run_id, "case": case_id}
        ).scalar_one()
    )


def _case_outbox(case_id: uuid.UUID) -> Any:
    key = str(case_id)
    return and_(
        outbox.c.sent_at.is_not(None),
        or_(outbox.c.correlation_key == key, outbox.c.variables["caseId"].astext == key),
    )


def _grants(case_id: uuid.UUID) -> Any:
    return select(grant_award.c.id).where(grant_award.c.case_id == case_id)


def _hearings(case_id: uuid.UUID) -> Any:
    return select(hearing.c.id).where(hearing.c.case_id == case_id)


def _transfers_in(case_id: uuid.UUID) -> Any:
    return select(transfer_in.c.id).where(transfer_in.c.case_id == case_id)


def _drop_person_if_unused(conn: Connection, person_id: uuid.UUID | None) -> None:
    """A person no case has as its child and no unborn child has as its mother goes; an unborn
    child's mother then goes the same way."""
    if person_id is None:
        return
    used = conn.execute(
        select(
            exists().where(case.c.child_id == person_id)
            | exists().where(person.c.unborn_mother_id == person_id)
        )
    ).scalar_one()
    if used:
        return
    mother = conn.execute(
        select(person.c.unborn_mother_id).where(person.c.id == person_id)
    ).scalar_one_or_none()
    conn.execute(delete(person).where(person.c.id == person_id))
    _drop_person_if_unused(conn, mother)


def delete_case(conn: Connection, case_id: uuid.UUID) -> None:
    """Every row of the case in the case store, then the case and its people if unused."""
    child = conn.execute(select(case.c.child_id).where(case.c.id == case_id)).scalar_one()
    events = select(statistics_event.c.id).where(statistics_event.c.case_id == case_id)
    conn.execute(delete(dst_delivery_event).where(dst_delivery_event.c.event_id.in_(events)))
    conn.execute(delete(statistics_event).where(statistics_event.c.case_id == case_id))
    conn.execute(delete(grant_payment).where(grant_payment.c.grant_id.in_(_grants(case_id))))
    conn.execute(delete(grant_revision).where(grant_revision.c.grant_id.in_(_grants(case_id))))
    conn.execute(delete(grant_award).where(grant_award.c.case_id == case_id))
    conn.execute(
        delete(hearing_response).where(hearing_response.c.hearing_id.in_(_hearings(case_id)))
    )
    conn.execute(
        delete(transfer_document).where(transfer_document.c.transfer_id.in_(_transfers_in(case_id)))
    )
    for table in (
        measure,
        hearing,
        statement_request,
        aktindsigt_request,
        appeal,
        letter,
        advis,
        deadline_history,
        form_document,
        underretning,
        journal_note,
        esdh_document,
        transfer_in,
        transfer_out,
        case_access,
        case_restriction,
    ):
        conn.execute(delete(table).where(table.c.case_id == case_id))
    conn.execute(delete(outbox).where(_case_outbox(case_id)))
    conn.execute(delete(case).where(case.c.id == case_id))
    _drop_person_if_unused(conn, child)


def anonymise_case(conn: Connection, case_id: uuid.UUID) -> None:
    """Keep what the case was (kinds, dates, codes, amounts); remove who and what was said."""
    child = conn.execute(select(case.c.child_id).where(case.c.id == case_id)).scalar_one()
    anonymous = uuid.uuid4()
    conn.execute(insert(person).values(id=anonymous, cpr_status="anonymised"))
    conn.execute(
        update(case)
        .where(case.c.id == case_id)
        .values(child_id=anonymous, flags=[], status="anonymised")
    )
    _drop_person_if_unused(conn, child)
    conn.execute(
        update(underretning)
        .where(underretning.c.case_id == case_id)
        .values(reporter_name=None, reporter_organisation=None, reporter_email=None, concern="")
    )
    for table in (form_document, journal_note, esdh_document):
        conn.execute(delete(table).where(table.c.case_id == case_id))
    # When each deadline fell due and was met stays; the reason given for a late one is free
    # text and goes.
    conn.execute(
        update(deadline_history).where(deadline_history.c.case_id == case_id).values(reason=None)
    )
    conn.execute(
        update(hearing_response)
        .where(hearing_response.c.hearing_id.in_(_hearings(case_id)))
        .values(comments="")
    )
    conn.execute(
        update(hearing).where(hearing.c.case_id == case_id).values(material="", parties=[])
    )
    # Why the case was restricted may name people; that it was, and by whom, stays.
    conn.execute(
        update(case_restriction).where(case_restriction.c.case_id == case_id).values(reason="")
    )
    conn.execute(
        update(statement_request)
        .where(statement_request.c.case_id == case_id)
        .values(questions="", reply=None)
    )
    conn.execute(
        update(aktindsigt_request)
        .where(aktindsigt_request.c.case_id == case_id)
        .values(requester_cpr="", scope=None)
    )
    # A foster family is paid as a person: its name and CPR number go, the amounts stay.
    conn.execute(
        update(grant_award)
        .where(grant_award.c.case_id == case_id, grant_award.c.creditor_kind == "CPR")
        .values(provider_name="", creditor_number="")
    )
    conn.execute(
        delete(transfer_document).where(transfer_document.c.transfer_id.in_(_transfers_in(case_id)))
    )
    conn.execute(
        update(transfer_in)
        .where(transfer_in.c.case_id == case_id)
        .values(summary_pdf=b"", open_items=[])
    )
    conn.execute(delete(outbox).where(_case_outbox(case_id)))


ACTIONS: dict[str, Callable[[Connection, uuid.UUID], None]] = {
    "delete": delete_case,
    "anonymise": anonymise_case,
}

# Every case-store table that refers to a case or a person, and which of the above handles it;
# tests/unit/test_retention.py fails when a table with such a reference is not listed here.
HANDLED = frozenset(
    {
        "case",
        "case_access",
        "case_restriction",
        "underretning",
        "form_document",
        "advis",
        "deadline_history",
        "letter",
        "appeal",
        "hearing",
        "hearing_response",
        "statement_request",
        "measure",
        "aktindsigt_request",
        "statistics_event",
        "dst_delivery_event",
        "esdh_document",
        "journal_note",
        "grant_award",
        "grant_revision",
        "grant_payment",
        "transfer_out",
        "transfer_in",
        "transfer_document",
        "person",
    }
)


def failure_detail(exc: BaseException) -> str:
    """What failed, without a value: the error class and the database's SQLSTATE."""
    if isinstance(exc, DBAPIError):
        state = getattr(exc.orig, "sqlstate", None)
        return f"{type(exc.orig).__name__} (SQLSTATE {state})"
    return type(exc).__name__


def start_run(conn: Connection, run_key: str, now: datetime) -> uuid.UUID:
    """The run of this process instance, marked running; a retried job continues it."""
    found = conn.execute(
        select(retention_run.c.id).where(retention_run.c.run_key == run_key)
    ).scalar_one_or_none()
    if found is None:
        run_id = uuid.uuid4()
        conn.execute(insert(retention_run).values(id=run_id, run_key=run_key, started_at=now))
        return run_id
    conn.execute(
        update(retention_run)
        .where(retention_run.c.id == found)
        .values(status="running", attempts=retention_run.c.attempts + 1, finished_at=None)
    )
    return uuid.UUID(str(found))


def _report(
    conn: Connection, run_id: uuid.UUID, c: Candidate, rule: Rule, outcome: Outcome, now: datetime
) -> None:
    conn.execute(
        insert(retention_run_case).values(
            run_id=run_id,
            case_id=c.case_id,
            municipality_id=c.municipality_id,
            kle_subject=c.kle_subject,
            rule_id=rule.id,
            action=rule.action,
            closed_on=c.closed_on,
            outcome=outcome.outcome,
            raw_records=outcome.raw_records,
            detail=outcome.detail,
            at=now,
        )
    )


def retain_case(
    engine: Engine, run_id: uuid.UUID, c: Candidate, rule: Rule, now: datetime
) -> Outcome:
    """One case in one transaction: the engine history, the case store and the report row."""
    try:
        with engine.begin() as conn:
            if unended_instances(conn, c.case_id):
                outcome = Outcome(
                    c.case_id, rule.id, rule.action, "skipped", detail="procesinstanser i gang"
                )
            elif awaiting_dst(conn, c.case_id):
                outcome = Outcome(
                    c.case_id,
                    rule.id,
                    rule.action,
                    "skipped",
                    detail="en levering til Danmarks Statistik venter på svar",
                )
            else:
                raw = purge_engine_history(conn, run_id, c.case_id)
                ACTIONS[rule.action](conn, c.case_id)
                # The case's audit trail ends with what retention did to it.
                conn.execute(
                    insert(audit_event).values(
                        user_id=None,
                        username="system",
                        roles=["system"],
                        municipality_id=c.municipality_id,
                        action=f"retention.{rule.action}",
                        method="JOB",
                        path="job:retention.run",
                        status_code=200,
                        case_ids=[c.case_id],
                    )
                )
                outcome = Outcome(c.case_id, rule.id, rule.action, "done", raw_records=raw)
            _report(conn, run_id, c, rule, outcome, now)
            return outcome
    except Exception as exc:  # recorded in the report; the run fails afterwards
        outcome = Outcome(c.case_id, rule.id, rule.action, "failed", detail=failure_detail(exc))
    with engine.begin() as conn:
        _report(conn, run_id, c, rule, outcome, now)
    return outcome


def run(engine: Engine, run_key: str, now: datetime, today: date, handlingsfacet: str) -> RunResult:
    """One run: every due case, each on its own; the run is failed if any case failed."""
    with engine.begin() as conn:
        run_id = start_run(conn, run_key, now)
        rules = load_rules(conn)
        found = due(candidates(conn), rules, handlingsfacet, today)
    outcomes = tuple(retain_case(engine, run_id, c, rule, now) for c, rule in found)
    failed = any(o.outcome == "failed" for o in outcomes)
    with engine.begin() as conn:
        conn.execute(
            update(retention_run)
            .where(retention_run.c.id == run_id)
            .values(status="failed" if failed else "done", finished_at=now)
        )
    return RunResult(run_id, outcomes)


def rules_view(conn: Connection, municipality_id: str) -> list[dict[str, Any]]:
    """The national rules and the municipality's own."""
    query = (
        select(retention_rule)
        .where(
            or_(
                retention_rule.c.municipality_id.is_(None),
                retention_rule.c.municipality_id == municipality_id,
            )
        )
        .order_by(retention_rule.c.kle_prefix, retention_rule.c.id)
    )
    return [
        {
            "id": r.id,
            "municipality_id": r.municipality_id,
            "kle_prefix": r.kle_prefix,
            "handlingsfacet": r.handlingsfacet,
            "years": r.years,
            "action": r.action,
            "basis": r.basis,
        }
        for r in conn.execute(query)
    ]


def runs_view(conn: Connection, municipality_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The latest runs, newest first, with the municipality's counts per outcome."""
    mine = retention_run_case.c.municipality_id == municipality_id
    counts = {
        outcome: func.count().filter(and_(mine, retention_run_case.c.outcome == outcome))
        for outcome in ("done", "failed", "skipped")
    }
    query = (
        select(
            retention_run,
            *(value.label(name) for name, value in counts.items()),
        )
        .select_from(
            retention_run.outerjoin(
                retention_run_case, retention_run_case.c.run_id == retention_run.c.id
            )
        )
        .group_by(retention_run.c.id)
        .order_by(retention_run.c.started_at.desc(), retention_run.c.id)
        .limit(limit)
    )
    return [
        {
            "id": str(r.id),
            "run_key": r.run_key,
            "status": r.status,
            "attempts": r.attempts,
            "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "cases": {name: getattr(r, name) for name in counts},
        }
        for r in conn.execute(query)
    ]


def report_view(
    conn: Connection, run_id: uuid.UUID, municipality_id: str, kle: Iterable[str] = ()
) -> list[dict[str, Any]] | None:
    """The report rows of one run for the municipality, within the caller's KLE prefixes if it
    has any; None when there is no such run."""
    if (
        conn.execute(
            select(retention_run.c.id).where(retention_run.c.id == run_id)
        ).scalar_one_or_none()
        is None
    ):
        return None
    query = (
        select(retention_run_case)
        .where(
            retention_run_case.c.run_id == run_id,
            retention_run_case.c.municipality_id == municipality_id,
        )
        .order_by(retention_run_case.c.id)
    )
    prefixes = list(kle)
    return [
        {
            "case_id": str(r.case_id),
            "kle_subject": r.kle_subject,
            "rule_id": r.rule_id,
            "action": r.action,
            "closed_on": r.closed_on.isoformat(),
            "outcome": r.outcome,
            "raw_records": r.raw_records,
            "detail": r.detail,
            "at": r.at.isoformat(),
        }
        for r in conn.execute(query)
        if within_kle(r.kle_subject, prefixes)
    ]


KLE_PREFIX = re.compile(r"\d{2}(\.\d{2}){0,2}")
FACET = re.compile(r"[A-ZÆØÅ]\d{2}")


def own_rule_id(municipality_id: str, kle_prefix: str, handlingsfacet: str | None) -> str:
    return "-".join(p for p in (municipality_id, kle_prefix, handlingsfacet) if p)


def _rule_dict(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"years": row.years, "action": row.action, "basis": row.basis}


def set_own_rule(
    conn: Connection,
    principal: Principal,
    kle_prefix: str,
    handlingsfacet: str | None,
    years: int,
    action: str,
    basis: str,
) -> dict[str, Any]:
    """The municipality's own rule for a KLE prefix (and facet), made or changed, with a row in
    the administrator's change log (before and after)."""
    rule_id = own_rule_id(principal.municipality_id, kle_prefix, handlingsfacet)
    before = conn.execute(
        select(retention_rule).where(retention_rule.c.id == rule_id)
    ).one_or_none()
    values = {"years": years, "action": action, "basis": basis}
    conn.execute(
        pg_insert(retention_rule)
        .values(
            id=rule_id,
            municipality_id=principal.municipality_id,
            kle_prefix=kle_prefix,
            handlingsfacet=handlingsfacet,
            **values,
        )
        .on_conflict_do_update(index_elements=["id"], set_={**values, "updated_at": func.now()})
    )
    record(conn, principal, "retention_rule.update", rule_id, _rule_dict(before), values)
    return {"id": rule_id, "kle_prefix": kle_prefix, "handlingsfacet": handlingsfacet, **values}


def delete_own_rule(
    conn: Connection, principal: Principal, kle_prefix: str, handlingsfacet: str | None
) -> bool:
    """The municipality's own rule removed (the national one applies again); False if none."""
    rule_id = own_rule_id(principal.municipality_id, kle_prefix, handlingsfacet)
    before = conn.execute(
        delete(retention_rule)
        .where(
            retention_rule.c.id == rule_id,
            retention_rule.c.municipality_id == principal.municipality_id,
        )
        .returning(retention_rule.c.years, retention_rule.c.action, retention_rule.c.basis)
    ).one_or_none()
    if before is None:
        return False
    record(conn, principal, "retention_rule.delete", rule_id, _rule_dict(before), None)
    return True
