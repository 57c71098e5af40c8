"""The management figures, each a list of rows ready for a chart and its CSV:

- caseload per team: open cases, and children with a measure in force;
- deadline compliance as the leader's page measures it (`api.web.compliance`);
- spend per team and month, and per municipality and month (posted payments by period);
- spend per child per indsats type over the last 12 months (posted payments / children paid for).

A reader sees their own team (team leader) or the municipality (finance, auditor), each only
over the cases under their KLE constraint (`Principal.kle`); no figure names a case or a child.
Restricted cases (beskyttede sager) count in the caseload and spend like any other, for
readers named on them or not, so those figures are the same for both and betray nothing to
either; compliance is the leader page's Børnesagsbarometer over the reader's case scope, so a
reader not named on a restricted case counts its deadlines no more than they see them.
`snapshot` gathers them as of a day; the go-live baseline is one snapshot kept in
`figures_baseline` (per municipality and per team, and both again per KLE subject) to measure
gains against.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, distinct, func, or_, select, true
from sqlalchemy.dialects.postgresql import insert

from api.auth.principal import MUNICIPALITY_WIDE, Principal, kle_covers, kle_predicate
from api.calendar.months import add_months
from api.cases.tables import case, measure
from api.figures.tables import figures_baseline
from api.finance.budget import POSTED, unit_names
from api.finance.kontostreng import INDSATS_TYPES
from api.finance.projection import month_of
from api.finance.tables import grant_award, grant_payment
from api.org.tables import org_unit
from api.web import compliance

READERS = ("team_leader", "finance", "auditor")
BASELINE_TAKERS = ("finance",)
MONTHS = 12
TYPE_NAMES = {k: v for types in INDSATS_TYPES.values() for k, v in types.items()}


class BaselineExists(RuntimeError):
    """The municipality's baseline was taken already; it is taken once."""


def units_in_scope(conn: Connection, principal: Principal) -> list[uuid.UUID] | None:
    """None: the whole municipality; else the reader's own org unit."""
    if principal.roles & MUNICIPALITY_WIDE:
        return None
    return [principal.org_unit_id]


def _unit_filter(
    units: Sequence[uuid.UUID] | None, kle: frozenset[str] = frozenset()
) -> ColumnElement[bool]:
    """The units' cases (None: every unit's) under the KLE prefixes (none: no KLE limit)."""
    unit = true() if units is None else case.c.org_unit_id.in_(list(units))
    return and_(unit, kle_predicate(kle))


def month_range(as_of: date, months: int = MONTHS) -> list[date]:
    """The `months` calendar months up to and including `as_of`'s."""
    last = month_of(as_of)
    return [add_months(last, -n) for n in range(months - 1, -1, -1)]


def complete_months(as_of: date) -> list[date]:
    """The 12 whole months before `as_of`'s: the month under way is not paid yet."""
    return month_range(add_months(month_of(as_of), -1))


def caseload(
    conn: Connection,
    municipality_id: str,
    units: Sequence[uuid.UUID] | None,
    as_of: date,
    kle: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Per team: cases open on `as_of` (created by then, not closed), and children with a
    measure in force that day."""
    moment = datetime.combine(as_of, time.max, UTC)
    names = unit_names(conn, municipality_id)
    scope = and_(case.c.municipality_id == municipality_id, _unit_filter(units, kle))
    open_cases: dict[Any, int] = dict(
        conn.execute(
            select(case.c.org_unit_id, func.count())
            .where(scope, case.c.created_at <= moment, case.c.status == "open")
            .group_by(case.c.org_unit_id)
        ).all()
    )
    in_force = and_(
        measure.c.started_on <= as_of,
        or_(measure.c.ended_on.is_(None), measure.c.ended_on >= as_of),
    )
    children: dict[Any, int] = dict(
        conn.execute(
            select(case.c.org_unit_id, func.count(distinct(case.c.child_id)))
            .join(measure, measure.c.case_id == case.c.id)
            .where(scope, in_force)
            .group_by(case.c.org_unit_id)
        ).all()
    )
    wanted = list(units) if units is not None else sorted(names, key=lambda u: names[u])
    return [
        {
            "org_unit_id": str(u),
            "team": names.get(u, ""),
            "open_cases": int(open_cases.get(u, 0)),
            "children_with_measures": int(children.get(u, 0)),
        }
        for u in wanted
    ]


def deadline_compliance(
    conn: Connection, principal: Principal, now: datetime
) -> list[dict[str, Any]]:
    """The Børnesagsbarometer measures over the reader's cases (`api.web.compliance`)."""
    return [
        {
            "key": f.measure.key,
            "measure": f.measure.label,
            "basis": f.measure.basis,
            "met": f.met,
            "breached": f.breached,
            "running": f.running,
            "percent": f.percent,
        }
        for f in compliance.figures(compliance.gather(conn, principal, now), now)
    ]


def spend_per_team_month(
    conn: Connection,
    municipality_id: str,
    units: Sequence[uuid.UUID] | None,
    as_of: date,
    kle: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Posted spend per team and month, the 12 whole months before `as_of`'s (zeros
    included)."""
    months = complete_months(as_of)
    names = unit_names(conn, municipality_id)
    rows = conn.execute(
        select(
            case.c.org_unit_id,
            grant_payment.c.period,
            func.sum(func.coalesce(grant_payment.c.posted_amount, grant_payment.c.amount)),
        )
        .select_from(
            grant_payment.join(grant_award, grant_award.c.id == grant_payment.c.grant_id).join(
                case, case.c.id == grant_award.c.case_id
            )
        )
        .where(
            case.c.municipality_id == municipality_id,
            _unit_filter(units, kle),
            grant_payment.c.status.in_(POSTED),
            grant_payment.c.period.between(months[0], months[-1]),
        )
        .group_by(case.c.org_unit_id, grant_payment.c.period)
    ).all()
    amounts = {(r[0], r[1]): Decimal(r[2]) for r in rows}
    wanted = list(units) if units is not None else sorted(names, key=lambda u: names[u])
    return [
        {
            "month": f"{m:%Y-%m}",
            "org_unit_id": str(u),
            "team": names.get(u, ""),
            "amount": f"{amounts.get((u, m), Decimal(0)):.2f}",
        }
        for u in wanted
        for m in months
    ]


def spend_per_month(per_team: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The teams' monthly spend summed: the municipality's (or the reader's scope's)."""
    totals: dict[str, Decimal] = {}
    for row in per_team:
        totals[row["month"]] = totals.get(row["month"], Decimal(0)) + Decimal(row["amount"])
    return [{"month": m, "amount": f"{a:.2f}"} for m, a in sorted(totals.items())]


def spend_per_child(
    conn: Connection,
    municipality_id: str,
    units: Sequence[uuid.UUID] | None,
    as_of: date,
    kle: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Per indsats type over the 12 whole months before `as_of`'s: posted spend, the children
    it was paid for, and the spend per child."""
    months = complete_months(as_of)
    rows = conn.execute(
        select(
            grant_award.c.indsats_type,
            func.sum(func.coalesce(grant_payment.c.posted_amount, grant_payment.c.amount)),
            func.count(distinct(case.c.child_id)),
        )
        .select_from(
            grant_payment.join(grant_award, grant_award.c.id == grant_payment.c.grant_id).join(
                case, case.c.id == grant_award.c.case_id
            )
        )
        .where(
            case.c.municipality_id == municipality_id,
            _unit_filter(units, kle),
            grant_payment.c.status.in_(POSTED),
            grant_payment.c.period.between(months[0], months[-1]),
        )
        .group_by(grant_award.c.indsats_type)
        .order_by(grant_award.c.indsats_type)
    ).all()
    return [
        {
            "indsats_type": r[0],
            "name": TYPE_NAMES.get(r[0], r[0]),
            "spent": f"{Decimal(r[1]):.2f}",
            "children": int(r[2]),
            "per_child": f"{(Decimal(r[1]) / r[2]).quantize(Decimal('0.01')):.2f}",
        }
        for r in rows
        if r[2]
    ]


def snapshot(
    conn: Connection,
    principal: Principal,
    units: Sequence[uuid.UUID] | None,
    as_of: date,
    now: datetime,
) -> dict[str, Any]:
    """Every figure for the units (None: the municipality) as of `as_of`. Compliance is the
    read model's as of `now` for the principal's cases."""
    kle = principal.kle
    per_team = spend_per_team_month(conn, principal.municipality_id, units, as_of, kle)
    return {
        "as_of": as_of.isoformat(),
        "caseload": caseload(conn, principal.municipality_id, units, as_of, kle),
        "compliance": deadline_compliance(conn, principal, now),
        "spend_per_team_month": per_team,
        "spend_per_month": spend_per_month(per_team),
        "spend_per_child": spend_per_child(conn, principal.municipality_id, units, as_of, kle),
    }


def system_principal(municipality_id: str) -> Principal:
    """A municipality-wide reader for the baseline command (no user: counts only)."""
    return Principal(
        uuid.UUID(int=0),
        "baseline",
        "Baseline",
        municipality_id,
        uuid.UUID(int=0),
        frozenset({"finance"}),
    )


def take_baseline(
    conn: Connection,
    municipality_id: str,
    as_of: date,
    *,
    taken_by: uuid.UUID | None = None,
    note: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The go-live baseline: the municipality's figures and each team's, and the same again
    per KLE subject of the municipality's cases (`kle`), so a reader under a KLE constraint
    compares with the cases they may see (`in_scope`); kept once. BaselineExists if it was
    taken already."""
    moment = now or datetime.now(UTC)
    reader = system_principal(municipality_id)
    units = [
        r.id
        for r in conn.execute(
            select(org_unit.c.id).where(org_unit.c.municipality_id == municipality_id)
        )
    ]
    subjects = (
        conn.execute(
            select(case.c.kle_subject)
            .distinct()
            .where(case.c.municipality_id == municipality_id)
            .order_by(case.c.kle_subject)
        )
        .scalars()
        .all()
    )

    def scopes(kle: frozenset[str]) -> dict[str, Any]:
        whole = replace(reader, kle=kle)
        return {
            "municipality": snapshot(conn, whole, None, as_of, moment),
            "units": {
                str(u): snapshot(
                    conn,
                    replace(whole, org_unit_id=u, roles=frozenset({"team_leader"})),
                    [u],
                    as_of,
                    moment,
                )
                for u in units
            },
        }

    figures = {
        **scopes(frozenset()),
        "kle": {subject: scopes(frozenset({subject})) for subject in subjects},
    }
    taken = conn.execute(
        insert(figures_baseline)
        .values(municipality_id=municipality_id, taken_by=taken_by, note=note, figures=figures)
        .on_conflict_do_nothing(index_elements=["municipality_id"])
        .returning(figures_baseline.c.taken_at)
    ).scalar()
    if taken is None:
        raise BaselineExists(municipality_id)
    return figures


def in_scope(figures: dict[str, Any], principal: Principal) -> dict[str, Any] | None:
    """The baseline figures in the reader's scope: the municipality's or their team's, and
    under a KLE constraint those of the cases they may see. The baseline is kept whole and per
    KLE subject, so a constraint that covers every subject there was gets the whole figures
    and one that covers exactly one subject gets that subject's. Any other constraint (some
    subjects of several, or a baseline taken before it was kept per subject) gets None: no
    baseline rather than one with cases the reader may not see, or children counted twice
    across subjects."""
    if principal.kle:
        kept = figures.get("kle")
        if kept is None:
            return None
        covered = [s for s in kept if kle_covers(principal.kle, s)]
        if len(covered) < len(kept):
            if len(covered) != 1:
                return None
            figures = kept[covered[0]]
    if principal.roles & MUNICIPALITY_WIDE:
        return dict(figures["municipality"])
    mine = figures.get("units", {}).get(str(principal.org_unit_id))
    return None if mine is None else dict(mine)


def take_baseline_if_missing(conn: Connection, municipality_id: str, as_of: date) -> bool:
    """The synthetic year's baseline as of a past day (`make run`): its deadline compliance as
    things stood at that day's end (the kept deadlines, `api.web.compliance`)."""
    moment = datetime.combine(as_of, time(23, 59), UTC)
    try:
        take_baseline(
            conn, municipality_id, as_of, note="Syntetisk baseline (make run)", now=moment
        )
    except BaselineExists:
        return False
    return True


def baseline_for(
    conn: Connection, principal: Principal
) -> tuple[dict[str, Any] | None, datetime] | None:
    """The baseline figures in the reader's scope (None if it has none: `in_scope`), and when
    they were taken; None if no baseline was taken."""
    row = conn.execute(
        select(figures_baseline).where(
            figures_baseline.c.municipality_id == principal.municipality_id
        )
    ).first()
    if row is None:
        return None
    return in_scope(dict(row.figures), principal), row.taken_at
