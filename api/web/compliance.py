"""Deadline compliance as Ankestyrelsen's Børnesagsbarometer measures it, for the leader's page.

Four measures, each over the cases in the leader's scope:
- BFU inden for 4 måneder: the investigations' D5 deadlines (BL § 20, stk. 3);
- børnesamtale før afgørelsen: each decision made, and whether a samtale with the child was
  held on the case before it (BL § 5, stk. 3; a samtale left out with reasons does not count);
- barnets plan inden for 3 måneder: the D6 and D8 deadlines (BL § 91);
- første opfølgning inden for 3 måneder: the D9 deadlines (BL § 95).

A deadline counts as met when its timer was cancelled because the work was done in time, as
breached when the timer fired or is past due, and as running while it is still ahead. A timer
cancelled because its process was cancelled (a case moved away, say) is left out: nothing was
done, and nothing was late.

Deadlines kept outside the engine (`deadline_history`: the synthetic year, imported history)
count beside the timers, as of the moment asked: met when the work was done by its due time,
breached when done later or not done by a due time passed, running while neither; a deadline
that started after the moment is left out. The pure rules are here; `gather` reads the facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, and_, func, select
from sqlalchemy import case as sa_case

from api.auth.principal import Principal
from api.cases.tables import case, deadline_history, form_document
from api.projector import tables as rm

Outcome = Literal["met", "breached", "running"]


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    basis: str
    rules: tuple[str, ...]


MEASURES = (
    Measure("bfu", "Børnefaglig undersøgelse inden for 4 måneder", "BL § 20, stk. 3", ("D5",)),
    Measure("samtale", "Børnesamtale holdt før afgørelsen", "BL § 5, stk. 3", ()),
    Measure("plan", "Barnets plan inden for 3 måneder", "BL § 91", ("D6", "D8")),
    Measure("opfoelgning", "Første opfølgning inden for 3 måneder", "BL § 95", ("D9",)),
)


@dataclass(frozen=True)
class Figure:
    measure: Measure
    met: int
    breached: int
    running: int

    @property
    def evaluated(self) -> int:
        return self.met + self.breached

    @property
    def percent(self) -> int | None:
        """The share met of those decided, rounded to whole percent; None when none are."""
        if not self.evaluated:
            return None
        return round(100 * self.met / self.evaluated)


def timer_outcome(
    state: str, due_at: datetime, instance_state: str | None, now: datetime
) -> Outcome | None:
    """One deadline timer's outcome (see the module text); None when it does not count."""
    if state == "TRIGGERED":
        return "breached"
    if state == "CANCELED":
        return None if instance_state == "TERMINATED" else "met"
    if state == "CREATED":
        return "breached" if due_at <= now else "running"
    return None


def samtale_outcome(decided_at: datetime, samtaler: Iterable[tuple[datetime, str]]) -> Outcome:
    """A decision is met when a samtale was held (`held` = yes) on the case before it."""
    held = any(at <= decided_at and answer == "yes" for at, answer in samtaler)
    return "met" if held else "breached"


def history_outcome(
    started_at: datetime, due_at: datetime, done_at: datetime | None, now: datetime
) -> Outcome | None:
    """One kept deadline's outcome as of `now` (see the module text); None when it had not
    started by then. `history_counts` counts by this rule in SQL (the tests hold the two
    equal), so a municipality's whole history is not read row by row."""
    if started_at > now:
        return None
    if done_at is not None and done_at <= now:
        return "met" if done_at <= due_at else "breached"
    return "breached" if due_at <= now else "running"


def figure(measure: Measure, outcomes: Iterable[Outcome | None]) -> Figure:
    counted = [o for o in outcomes if o is not None]
    return Figure(
        measure,
        met=counted.count("met"),
        breached=counted.count("breached"),
        running=counted.count("running"),
    )


@dataclass(frozen=True)
class Facts:
    """What the measures are computed from: (rule, timer state, due, instance state) per
    deadline timer, per decision its moment with the case's samtaler (moment, held), and
    (rule, outcome, how many) of the kept deadlines (`deadline_history`, `history_counts`)."""

    timers: Sequence[tuple[str, str, datetime, str | None]]
    decisions: Sequence[tuple[datetime, Sequence[tuple[datetime, str]]]]
    history: Sequence[tuple[str, Outcome, int]] = ()


def figures(facts: Facts, now: datetime) -> list[Figure]:
    result = []
    for measure in MEASURES:
        if measure.key == "samtale":
            outcomes: list[Outcome | None] = [
                samtale_outcome(at, samtaler) for at, samtaler in facts.decisions
            ]
        else:
            outcomes = [
                timer_outcome(state, due, instance_state, now)
                for rule, state, due, instance_state in facts.timers
                if rule in measure.rules
            ]
        found = figure(measure, outcomes)
        kept = {"met": 0, "breached": 0, "running": 0}
        for rule, outcome, count in facts.history:
            if rule in measure.rules or (measure.key == "samtale" and rule == "samtale"):
                kept[outcome] += count
        result.append(
            Figure(
                measure,
                met=found.met + kept["met"],
                breached=found.breached + kept["breached"],
                running=found.running + kept["running"],
            )
        )
    return result


RULES = tuple(rule for m in MEASURES for rule in m.rules)


def history_counts(
    conn: Connection, scope: ColumnElement[bool], now: datetime
) -> list[tuple[str, Outcome, int]]:
    """The kept deadlines of the cases in `scope` counted per rule and outcome as of `now`,
    by `history_outcome`'s rule (those not started by then left out)."""
    h = deadline_history
    done = and_(h.c.done_at.is_not(None), h.c.done_at <= now)
    outcome = sa_case(
        (and_(done, h.c.done_at <= h.c.due_at), "met"),
        (done, "breached"),
        (h.c.due_at <= now, "breached"),
        else_="running",
    ).label("outcome")
    each = (
        select(h.c.rule, outcome)
        .join(case, case.c.id == h.c.case_id)
        .where(h.c.started_at <= now, scope)
        .subquery()
    )
    rows = conn.execute(
        select(each.c.rule, each.c.outcome, func.count()).group_by(each.c.rule, each.c.outcome)
    ).all()
    return [(r[0], r[1], int(r[2])) for r in rows]


def gather(conn: Connection, principal: Principal, now: datetime | None = None) -> Facts:
    """The facts for the cases in the caller's scope (counts only: no case is shown); the
    kept deadlines counted as of `now` (the wall clock's if not given; the pages pass the
    app clock's)."""
    moment = datetime.now(UTC) if now is None else now
    timers = conn.execute(
        select(
            rm.timer.c.deadline_rule,
            rm.timer.c.state,
            rm.timer.c.due_at,
            rm.process_instance.c.state.label("instance_state"),
        )
        .join(
            rm.process_instance,
            rm.process_instance.c.process_instance_key == rm.timer.c.process_instance_key,
        )
        .join(case, case.c.id == rm.process_instance.c.case_id)
        .where(rm.timer.c.deadline_rule.in_(RULES), principal.case_scope())
    ).all()
    documents = conn.execute(
        select(
            form_document.c.case_id,
            form_document.c.form_id,
            form_document.c.saved_at,
            form_document.c.data["held"].astext.label("held"),
        )
        .join(case, case.c.id == form_document.c.case_id)
        .where(
            form_document.c.form_id.in_(("afgoerelse", "boernesamtale")),
            form_document.c.status == "submitted",
            principal.case_scope(),
        )
    ).all()
    samtaler: dict[Any, list[tuple[datetime, str]]] = {}
    for d in documents:
        if d.form_id == "boernesamtale":
            samtaler.setdefault(d.case_id, []).append((d.saved_at, d.held or ""))
    decisions = [
        (d.saved_at, samtaler.get(d.case_id, [])) for d in documents if d.form_id == "afgoerelse"
    ]
    return Facts(
        timers=[(t.deadline_rule, t.state, t.due_at, t.instance_state) for t in timers],
        decisions=decisions,
        history=history_counts(conn, principal.case_scope(), moment),
    )
