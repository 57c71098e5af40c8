"""Budget and forecast per funktion (5.28.xx), org unit and year, with drill-down to the child
and the grant.

For a year and a day (`as_of`, today in Copenhagen):
- **spent**: the payments of the year's periods that are posted (posted, matched or mismatch),
  at the amount the finance system booked when it was read back, else the amount sent;
- **committed**: the projection of every grant (`api.finance.projection`, as of its latest
  revision and its measure's end) for the months of the year from `as_of`'s month on that are
  not posted yet; none for a past year, the whole year for a coming one. A grant ended, or a
  measure ended, projects nothing after its end, so only active grants commit;
- **forecast**: spent + committed, the expected spend at year end;
- **variance**: budget - forecast (negative: over budget).

The sums run in SQL over `grant_forecast`, each grant's projection per month, recomputed by
`refresh` for every grant whose latest revision or measure end differs from what its rows were
computed from: by the reading request itself for a few (a grant decided or revised), by a
background refresh the request never waits for after a bulk import (the page then says
"Tallene opdateres" with the time of the last computation; `freshen`), or ahead by
`python -m api.finance.budget`. A line's children are summed, ordered and paged in one SQL
statement (`children`).

A team leader sees the budget of their own org unit, finance (and auditors) the whole
municipality's, each summed only over the cases under their KLE constraint; the
drill-down to children and grants reads cases, in the caller's case scope, and the caller
records them for the audit row. The sums include the restricted cases (beskyttede sager), so
the budget adds up for every reader; a reader not named on one sees its money in the
drill-down only as one anonymous "Beskyttede sager" row (`hidden_restricted`).
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    delete,
    exists,
    false,
    func,
    select,
    text,
    true,
    union,
)
from sqlalchemy.dialects.postgresql import insert

from api.auth.principal import MUNICIPALITY_WIDE, Principal
from api.cases.tables import case, measure, person
from api.classification.tables import classification
from api.finance.budget_tables import budget_line, grant_forecast, grant_forecast_basis
from api.finance.grants import terms
from api.finance.projection import Terms, projection
from api.finance.tables import grant_award, grant_payment, grant_revision
from api.org.tables import org_unit
from api.web.case_data import full_name

READERS = ("team_leader", "finance", "auditor", "admin")
SETTERS = ("team_leader", "finance", "admin")
# Who sees and sets every unit's lines: finance and auditors (municipality-wide case roles) and
# the municipality's admin (no cases: the drill-down shows an admin no children).
WHOLE_MUNICIPALITY = MUNICIPALITY_WIDE | {"admin"}
POSTED = ("posted", "matched", "mismatch")
FUNKTION = re.compile(r"5\.28\.\d{2}")
ZERO = Decimal("0.00")
CHUNK = 2000
# A request computes up to this many stale grants itself (a grant decided or revised since the
# last read); more (a bulk import) go to a background refresh the request does not wait for.
INLINE = 500

log = logging.getLogger(__name__)
# Starts a background refresh of a municipality's stale grants (`refresh_in_background`).
Background = Callable[[str], object]


class BudgetInvalid(ValueError):
    """A budget line that cannot be set; the message is Danish."""


@dataclass
class Figures:
    budget: Decimal | None = None
    spent: Decimal = ZERO
    committed: Decimal = ZERO
    grants: int = 0

    @property
    def forecast(self) -> Decimal:
        return self.spent + self.committed

    @property
    def variance(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.forecast

    def as_json(self) -> dict[str, Any]:
        return {
            "budget": None if self.budget is None else f"{self.budget:.2f}",
            "spent": f"{self.spent:.2f}",
            "committed": f"{self.committed:.2f}",
            "forecast": f"{self.forecast:.2f}",
            "variance": None if self.variance is None else f"{self.variance:.2f}",
            "grants": self.grants,
        }


@dataclass
class Line:
    key: tuple[Any, ...]
    figures: Figures = field(default_factory=Figures)


def first_committed_month(year: int, as_of: date) -> date | None:
    """The first month of `year` whose projection counts as committed on `as_of`."""
    if year < as_of.year:
        return None
    if year > as_of.year:
        return date(year, 1, 1)
    return as_of.replace(day=1)


# -- the forecast cache --------------------------------------------------------------------------


def stale_grants(
    conn: Connection, municipality_id: str, among: Sequence[uuid.UUID] | None = None
) -> list[tuple[uuid.UUID, date | None]]:
    """Grants whose forecast rows are missing or were computed from older terms: no basis, a
    revision newer than the basis's, or another end of the measure (only those `among`, if
    given)."""
    rows = conn.execute(
        text(
            """
            SELECT g.id, m.ended_on
              FROM grant_award g
              JOIN measure m ON m.id = g.measure_id
              LEFT JOIN grant_forecast_basis b ON b.grant_id = g.id
             WHERE g.municipality_id = :municipality
               AND (CAST(:among AS uuid[]) IS NULL OR g.id = ANY(CAST(:among AS uuid[])))
               AND (b.grant_id IS NULL
                    OR b.ended_on IS DISTINCT FROM m.ended_on
                    OR EXISTS (SELECT 1 FROM grant_revision r
                                WHERE r.grant_id = g.id AND r.revision > b.revision))
            """
        ),
        {"municipality": municipality_id, "among": None if among is None else list(among)},
    ).all()
    return [(r.id, r.ended_on) for r in rows]


def _copy(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Rows into one of our tables by COPY (tens of thousands at a time)."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def refresh(
    conn: Connection, municipality_id: str, among: Sequence[uuid.UUID] | None = None
) -> int:
    """Recompute the projection rows of the municipality's stale grants (only those `among`,
    if given); how many. Serialised per municipality, so two readers never write the same rows
    at once (and a grant's rows are replaced, deleted and copied in, under that lock; which
    grants are stale is read under it)."""
    conn.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(f"grant_forecast:{municipality_id}")))
    )
    stale = stale_grants(conn, municipality_id, among)
    for start in range(0, len(stale), CHUNK):
        chunk = dict(stale[start : start + CHUNK])
        history: dict[uuid.UUID, list[Terms]] = {}
        for r in conn.execute(
            select(grant_revision)
            .where(grant_revision.c.grant_id.in_(list(chunk)))
            .order_by(grant_revision.c.grant_id, grant_revision.c.revision)
        ):
            history.setdefault(r.grant_id, []).append(
                Terms(r.revision, r.price, r.unit, r.starts_on, r.expected_end, r.effective_from)
            )
        ids = list(chunk)
        conn.execute(delete(grant_forecast).where(grant_forecast.c.grant_id.in_(ids)))
        conn.execute(delete(grant_forecast_basis).where(grant_forecast_basis.c.grant_id.in_(ids)))
        rows: list[tuple[uuid.UUID, date, Decimal]] = []
        basis: list[tuple[Any, ...]] = []
        for grant_id, revisions in history.items():
            months = projection(revisions, chunk[grant_id])
            rows += [(grant_id, month, amount) for month, amount in months.items()]
            basis.append(
                (
                    grant_id,
                    revisions[-1].revision,
                    chunk[grant_id],
                    min(months, default=None),
                    max(months, default=None),
                )
            )
        _copy(conn, "grant_forecast", ("grant_id", "month", "amount"), rows)
        _copy(
            conn,
            "grant_forecast_basis",
            ("grant_id", "revision", "ended_on", "first_month", "last_month"),
            basis,
        )
    return len(stale)


def refresh_all(engine: Engine, municipality_id: str) -> int:
    """Every stale grant of the municipality, CHUNK at a time, each chunk its own transaction
    (so readers meanwhile see the chunks done and are never held up longer than one chunk);
    how many."""
    with engine.connect() as conn:
        stale = [grant_id for grant_id, _ in stale_grants(conn, municipality_id)]
    total = 0
    for start in range(0, len(stale), CHUNK):
        with engine.begin() as conn:
            total += refresh(conn, municipality_id, stale[start : start + CHUNK])
    # Grants that went stale meanwhile (a revision while it ran): the next reader's.
    return total


_running: set[str] = set()
_running_guard = threading.Lock()


def refresh_in_background(engine: Engine, municipality_id: str) -> bool:
    """Start `refresh_all` in a thread of this process unless one already runs for the
    municipality; whether one was started. The caller does not wait for it."""
    with _running_guard:
        if municipality_id in _running:
            return False
        _running.add(municipality_id)
    threading.Thread(
        target=_background_refresh,
        args=(engine, municipality_id),
        name=f"budget-refresh-{municipality_id}",
        daemon=True,
    ).start()
    return True


def _background_refresh(engine: Engine, municipality_id: str) -> None:
    try:
        done = refresh_all(engine, municipality_id)
        log.info("budget refresh: municipality %s, %d grants computed", municipality_id, done)
    except Exception:
        # Ids only; the next reader starts it again.
        log.exception("budget refresh failed: municipality %s", municipality_id)
    finally:
        with _running_guard:
            _running.discard(municipality_id)


def running(municipality_id: str) -> bool:
    with _running_guard:
        return municipality_id in _running


@dataclass(frozen=True)
class Freshness:
    """Whether the figures read were computed from every grant's current terms: `stale`
    grants were not yet (their background refresh runs), `computed_at` is when a projection of
    the municipality was last computed (None: never)."""

    stale: int
    computed_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "refreshing": self.stale > 0,
            "stale_grants": self.stale,
            "computed_at": None if self.computed_at is None else self.computed_at.isoformat(),
        }


def last_computed(conn: Connection, municipality_id: str) -> datetime | None:
    return conn.execute(
        select(func.max(grant_forecast_basis.c.computed_at))
        .select_from(
            grant_forecast_basis.join(
                grant_award, grant_award.c.id == grant_forecast_basis.c.grant_id
            )
        )
        .where(grant_award.c.municipality_id == municipality_id)
    ).scalar()


def freshen(
    conn: Connection, municipality_id: str, background: Background | None = None
) -> Freshness:
    """Bring the projections up to date before a read, as far as a request may: a few stale
    grants (INLINE; a grant decided or revised) are computed here; more (a bulk import) are
    left to `background` (started, never awaited), and the figures read meanwhile are the
    ones computed so far. Without `background` (a command, a test) everything is computed
    here."""
    stale = len(stale_grants(conn, municipality_id))
    if stale == 0:
        return Freshness(0, None)
    if background is None or stale <= INLINE:
        refresh(conn, municipality_id)
        return Freshness(0, None)
    background(municipality_id)
    return Freshness(stale, last_computed(conn, municipality_id))


# -- scope -----------------------------------------------------------------------------------------


def unit_scope(principal: Principal) -> ColumnElement[bool]:
    """The cases whose sums a reader sees (counts and amounts only): the municipality's, of
    their own org unit unless their role is municipality-wide, and under their KLE constraint
    (a case outside it adds nothing to any sum or count, so no total betrays it)."""
    unit = (
        true()
        if principal.roles & WHOLE_MUNICIPALITY
        else case.c.org_unit_id == principal.org_unit_id
    )
    return and_(case.c.municipality_id == principal.municipality_id, unit, principal.kle_scope())


def may_see_unit(principal: Principal, org_unit_id: uuid.UUID) -> bool:
    return bool(principal.roles & WHOLE_MUNICIPALITY) or principal.org_unit_id == org_unit_id


# -- sums ------------------------------------------------------------------------------------------


def _sums(
    conn: Connection,
    where: Sequence[ColumnElement[bool]],
    keys: Sequence[Any],
    year: int,
    as_of: date,
) -> dict[tuple[Any, ...], Figures]:
    """Spent, committed and the number of grants, grouped by `keys` (columns of grant_award
    and case), over the grants matching `where`."""
    found: dict[tuple[Any, ...], Figures] = {}
    joined = grant_award.join(case, case.c.id == grant_award.c.case_id)
    spent = conn.execute(
        select(
            *keys,
            func.sum(func.coalesce(grant_payment.c.posted_amount, grant_payment.c.amount)),
        )
        .select_from(joined.join(grant_payment, grant_payment.c.grant_id == grant_award.c.id))
        .where(
            *where,
            grant_payment.c.status.in_(POSTED),
            grant_payment.c.period.between(date(year, 1, 1), date(year, 12, 1)),
        )
        .group_by(*keys)
    )
    for row in spent:
        found.setdefault(tuple(row[: len(keys)]), Figures()).spent = Decimal(row[-1])
    first = first_committed_month(year, as_of)
    if first is not None:
        posted = exists().where(
            grant_payment.c.grant_id == grant_forecast.c.grant_id,
            grant_payment.c.period == grant_forecast.c.month,
            grant_payment.c.status.in_(POSTED),
        )
        committed = conn.execute(
            select(*keys, func.sum(grant_forecast.c.amount))
            .select_from(joined.join(grant_forecast, grant_forecast.c.grant_id == grant_award.c.id))
            .where(*where, grant_forecast.c.month.between(first, date(year, 12, 1)), ~posted)
            .group_by(*keys)
        )
        for row in committed:
            found.setdefault(tuple(row[: len(keys)]), Figures()).committed = Decimal(row[-1])
    # Grants with a projected month in the year.
    counted = conn.execute(
        select(*keys, func.count())
        .select_from(
            joined.join(grant_forecast_basis, grant_forecast_basis.c.grant_id == grant_award.c.id)
        )
        .where(
            *where,
            grant_forecast_basis.c.first_month <= date(year, 12, 1),
            grant_forecast_basis.c.last_month >= date(year, 1, 1),
        )
        .group_by(*keys)
    )
    for row in counted:
        found.setdefault(tuple(row[: len(keys)]), Figures()).grants = int(row[-1])
    return found


def _total(figures: Iterable[Figures]) -> Figures:
    total = Figures()
    for f in figures:
        if f.budget is not None:
            total.budget = (total.budget or ZERO) + f.budget
        total.spent += f.spent
        total.committed += f.committed
        total.grants += f.grants
    return total


def funktion_names(conn: Connection) -> dict[str, str]:
    return {
        r.key: r.title
        for r in conn.execute(
            select(classification.c.key, classification.c.title).where(
                classification.c.facet == "funktion", classification.c.key.like("5.28.%")
            )
        )
    }


def unit_names(conn: Connection, municipality_id: str) -> dict[uuid.UUID, str]:
    return {
        r.id: r.name
        for r in conn.execute(
            select(org_unit.c.id, org_unit.c.name).where(
                org_unit.c.municipality_id == municipality_id
            )
        )
    }


def overview(
    conn: Connection,
    principal: Principal,
    year: int,
    as_of: date,
    background: Background | None = None,
) -> dict[str, Any]:
    """Every budget line and every funktion and org unit with spend in the reader's scope."""
    state = freshen(conn, principal.municipality_id, background)
    keys = [grant_award.c.funktion, case.c.org_unit_id]
    lines = _sums(conn, [unit_scope(principal)], keys, year, as_of)
    budgets = select(budget_line).where(
        budget_line.c.municipality_id == principal.municipality_id, budget_line.c.year == year
    )
    if not principal.roles & WHOLE_MUNICIPALITY:
        budgets = budgets.where(budget_line.c.org_unit_id == principal.org_unit_id)
    for b in conn.execute(budgets):
        lines.setdefault((b.funktion, b.org_unit_id), Figures()).budget = Decimal(b.amount)
    names = funktion_names(conn)
    units = unit_names(conn, principal.municipality_id)
    ordered = sorted(lines.items(), key=lambda item: (item[0][0], units.get(item[0][1], "")))
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "committed_from": _month_text(first_committed_month(year, as_of)),
        **state.as_json(),
        "lines": [
            {
                "funktion": funktion,
                "funktion_name": names.get(funktion, ""),
                "org_unit_id": str(unit),
                "org_unit_name": units.get(unit, ""),
                **figures.as_json(),
            }
            for (funktion, unit), figures in ordered
        ],
        "total": _total(lines.values()).as_json(),
    }


def _month_text(month: date | None) -> str | None:
    return None if month is None else f"{month:%Y-%m}"


PAGE = 200


def _children_query(
    where: Sequence[ColumnElement[bool]], year: int, as_of: date
) -> tuple[Any, ColumnElement[Any], ColumnElement[Any], ColumnElement[Any], Any]:
    """Spent, committed and the number of grants per case over the grants matching `where`, the
    same sums as `_sums` grouped by case (a case is there if it has any of them), as one
    statement's parts: the case ids and the three figures' columns, over the joined keys."""
    lined = (
        select(grant_award.c.id, grant_award.c.case_id)
        .select_from(grant_award.join(case, case.c.id == grant_award.c.case_id))
        .where(*where)
        .cte("lined")
    )
    spent = (
        select(
            lined.c.case_id,
            func.sum(func.coalesce(grant_payment.c.posted_amount, grant_payment.c.amount)).label(
                "amount"
            ),
        )
        .select_from(lined.join(grant_payment, grant_payment.c.grant_id == lined.c.id))
        .where(
            grant_payment.c.status.in_(POSTED),
            grant_payment.c.period.between(date(year, 1, 1), date(year, 12, 1)),
        )
        .group_by(lined.c.case_id)
        .cte("spent")
    )
    first = first_committed_month(year, as_of)
    posted = exists().where(
        grant_payment.c.grant_id == grant_forecast.c.grant_id,
        grant_payment.c.period == grant_forecast.c.month,
        grant_payment.c.status.in_(POSTED),
    )
    committed = (
        select(lined.c.case_id, func.sum(grant_forecast.c.amount).label("amount"))
        .select_from(lined.join(grant_forecast, grant_forecast.c.grant_id == lined.c.id))
        .where(
            # No month is committed in a past year.
            true() if first is not None else false(),
            grant_forecast.c.month.between(first or date(year, 1, 1), date(year, 12, 1)),
            ~posted,
        )
        .group_by(lined.c.case_id)
        .cte("committed")
    )
    counted = (
        select(lined.c.case_id, func.count().label("grants"))
        .select_from(
            lined.join(grant_forecast_basis, grant_forecast_basis.c.grant_id == lined.c.id)
        )
        .where(
            grant_forecast_basis.c.first_month <= date(year, 12, 1),
            grant_forecast_basis.c.last_month >= date(year, 1, 1),
        )
        .group_by(lined.c.case_id)
        .cte("counted")
    )
    keys = union(
        select(spent.c.case_id), select(committed.c.case_id), select(counted.c.case_id)
    ).cte("keys")
    joined = (
        keys.outerjoin(spent, spent.c.case_id == keys.c.case_id)
        .outerjoin(committed, committed.c.case_id == keys.c.case_id)
        .outerjoin(counted, counted.c.case_id == keys.c.case_id)
    )
    return (
        keys,
        func.coalesce(spent.c.amount, ZERO),
        func.coalesce(committed.c.amount, ZERO),
        func.coalesce(counted.c.grants, 0),
        joined,
    )


def children(
    conn: Connection,
    principal: Principal,
    year: int,
    funktion: str,
    org_unit_id: uuid.UUID,
    as_of: date,
    offset: int = 0,
    limit: int = PAGE,
    background: Background | None = None,
) -> tuple[dict[str, Any], list[uuid.UUID]]:
    """The children (cases) with grants under one budget line, in the reader's case scope,
    largest forecast first (then by case id), `limit` from `offset` (the totals and the count
    cover them all); and the case ids shown, for the audit row. Summed, ordered and paged in
    one SQL statement: only the page's rows leave the database."""
    state = freshen(conn, principal.municipality_id, background)
    where = [
        principal.case_scope(),
        grant_award.c.funktion == funktion,
        case.c.org_unit_id == org_unit_id,
    ]
    offset = max(offset, 0)
    keys, spent, committed, grants, joined = _children_query(where, year, as_of)
    rows = conn.execute(
        select(
            keys.c.case_id,
            spent.label("spent"),
            committed.label("committed"),
            grants.label("grants"),
            func.count().over().label("n"),
            func.sum(spent).over().label("all_spent"),
            func.sum(committed).over().label("all_committed"),
            func.sum(grants).over().label("all_grants"),
        )
        .select_from(joined)
        .order_by((spent + committed).desc(), keys.c.case_id)
        .limit(limit)
        .offset(offset)
    ).all()
    if rows:
        first = rows[0]
        count, total = (
            int(first.n),
            Figures(
                spent=Decimal(first.all_spent),
                committed=Decimal(first.all_committed),
                grants=int(first.all_grants),
            ),
        )
    else:  # past the last page (or none): the totals still count them all
        whole = conn.execute(
            select(
                func.count(), func.sum(spent), func.sum(committed), func.sum(grants)
            ).select_from(joined)
        ).one()
        count = int(whole[0])
        total = Figures(
            spent=Decimal(whole[1] or ZERO),
            committed=Decimal(whole[2] or ZERO),
            grants=int(whole[3] or 0),
        )
    shown = [r.case_id for r in rows]
    info = {
        r.id: r
        for r in conn.execute(
            select(case.c.id, case.c.case_number, person.c.cpr_data)
            .join(person, person.c.id == case.c.child_id)
            .where(case.c.id.in_(shown))
        )
    }
    line = _line(conn, principal, year, funktion, org_unit_id)
    protected = hidden_restricted(conn, principal, year, funktion, org_unit_id, as_of)
    return (
        {
            **line,
            "as_of": as_of.isoformat(),
            **state.as_json(),
            "count": count,
            "offset": offset,
            "limit": limit,
            "children": [
                {
                    "case_id": str(r.case_id),
                    "case_number": info[r.case_id].case_number,
                    "child_name": full_name(info[r.case_id].cpr_data) or "",
                    **Figures(
                        spent=Decimal(r.spent), committed=Decimal(r.committed), grants=int(r.grants)
                    ).as_json(),
                }
                for r in rows
            ],
            "protected": None if protected is None else protected.as_json(),
            "total": _total([total, *([] if protected is None else [protected])]).as_json(),
        },
        shown,
    )


def hidden_restricted(
    conn: Connection,
    principal: Principal,
    year: int,
    funktion: str,
    org_unit_id: uuid.UUID,
    as_of: date,
) -> Figures | None:
    """The restricted cases (beskyttede sager) of one budget line that the reader sums but may
    not see (`unit_scope` without `case_scope`), as one anonymous figure: money and grants,
    never a case, a child or how many children (one would point at a single child). None if
    there are none, so the line's children and this add up to the overview's line."""
    where = [
        unit_scope(principal),
        case.c.restricted.is_(True),
        principal.case_scope().is_not(True),
        grant_award.c.funktion == funktion,
        case.c.org_unit_id == org_unit_id,
    ]
    # Grouped by the line's one unit: without a group an empty sum would still be a row.
    return _sums(conn, where, [case.c.org_unit_id], year, as_of).get((org_unit_id,))


def _line(
    conn: Connection, principal: Principal, year: int, funktion: str, org_unit_id: uuid.UUID
) -> dict[str, Any]:
    amount = conn.execute(
        select(budget_line.c.amount).where(
            budget_line.c.municipality_id == principal.municipality_id,
            budget_line.c.year == year,
            budget_line.c.funktion == funktion,
            budget_line.c.org_unit_id == org_unit_id,
        )
    ).scalar()
    return {
        "year": year,
        "funktion": funktion,
        "funktion_name": funktion_names(conn).get(funktion, ""),
        "org_unit_id": str(org_unit_id),
        "org_unit_name": unit_names(conn, principal.municipality_id).get(org_unit_id, ""),
        "budget": None if amount is None else f"{amount:.2f}",
    }


def case_grants(
    conn: Connection,
    principal: Principal,
    year: int,
    funktion: str,
    case_id: uuid.UUID,
    as_of: date,
    background: Background | None = None,
) -> dict[str, Any] | None:
    """One child's grants under a funktion, each with its months of the year: projected,
    paid (status and amount) and whether the month counts as committed. None outside the
    reader's case scope."""
    row = conn.execute(
        select(case.c.id, case.c.case_number, case.c.org_unit_id, person.c.cpr_data)
        .join(person, person.c.id == case.c.child_id)
        .where(case.c.id == case_id, principal.case_scope())
    ).first()
    if row is None:
        return None
    state = freshen(conn, principal.municipality_id, background)
    where = [case.c.id == case_id, grant_award.c.funktion == funktion]
    sums = _sums(conn, where, [grant_award.c.id], year, as_of)
    first = first_committed_month(year, as_of)
    grants = []
    for g in conn.execute(
        select(grant_award, measure.c.ended_on)
        .join(measure, measure.c.id == grant_award.c.measure_id)
        .where(grant_award.c.case_id == case_id, grant_award.c.funktion == funktion)
        .order_by(grant_award.c.created_at, grant_award.c.component)
    ):
        history = terms(conn, g.id)
        projected = {m: a for m, a in projection(history, g.ended_on).items() if m.year == year}
        paid = {
            p.period: p
            for p in conn.execute(
                select(grant_payment).where(
                    grant_payment.c.grant_id == g.id,
                    grant_payment.c.period.between(date(year, 1, 1), date(year, 12, 1)),
                )
            )
        }
        months = []
        for month in sorted(set(projected) | set(paid)):
            p = paid.get(month)
            posted = p is not None and p.status in POSTED
            booked = None
            if p is not None and posted:
                booked = p.posted_amount if p.posted_amount is not None else p.amount
            months.append(
                {
                    "month": f"{month:%Y-%m}",
                    "projected": f"{projected.get(month, ZERO):.2f}",
                    "payment_status": None if p is None else p.status,
                    "paid": None if booked is None else f"{booked:.2f}",
                    "committed": first is not None and month >= first and not posted,
                }
            )
        latest = history[-1] if history else None
        grants.append(
            {
                "id": str(g.id),
                "component": g.component,
                "indsats_type": g.indsats_type,
                "provider_name": g.provider_name,
                "service": g.service,
                "kontostreng": {"funktion": g.funktion, "dranst": g.dranst, "art": g.art},
                "price": None if latest is None else f"{latest.price:.2f}",
                "unit": None if latest is None else latest.unit,
                "starts_on": None if latest is None else latest.starts_on.isoformat(),
                "expected_end": None if latest is None else latest.expected_end.isoformat(),
                "ended_on": None if g.ended_on is None else g.ended_on.isoformat(),
                "revisions": len(history),
                "months": months,
                **sums.get((g.id,), Figures()).as_json(),
            }
        )
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "funktion": funktion,
        "funktion_name": funktion_names(conn).get(funktion, ""),
        "org_unit_id": str(row.org_unit_id),
        "case_id": str(row.id),
        "case_number": row.case_number,
        "child_name": full_name(row.cpr_data) or "",
        **state.as_json(),
        "grants": grants,
        "total": _total(sums.values()).as_json(),
    }


# -- setting a budget ----------------------------------------------------------------------------


def set_budget(
    conn: Connection,
    principal: Principal,
    *,
    year: int,
    funktion: str,
    org_unit_id: uuid.UUID,
    amount: Decimal,
) -> None:
    """Set (or change) a budget line. A team leader for their own org unit, finance for any
    of the municipality's. BudgetInvalid (Danish) for a wrong funktion, unit, year or amount;
    PermissionError for another team's line."""
    if not FUNKTION.fullmatch(funktion):
        raise BudgetInvalid(f"Funktionen '{funktion}' er ikke en funktion under 5.28 (5.28.xx)")
    if funktion not in funktion_names(conn):
        raise BudgetInvalid(f"Funktionen {funktion} findes ikke i den indlæste kontoplan")
    if not 2000 <= year <= 2100:
        raise BudgetInvalid("Året skal ligge mellem 2000 og 2100")
    if amount < 0:
        raise BudgetInvalid("Budgettet må ikke være negativt")
    if amount >= Decimal("1e12"):
        raise BudgetInvalid("Budgettet er for stort")
    unit = conn.execute(
        select(org_unit.c.municipality_id).where(org_unit.c.id == org_unit_id)
    ).scalar()
    if unit != principal.municipality_id:
        raise BudgetInvalid("Enheden findes ikke i kommunen")
    if not principal.has(*SETTERS) or not may_see_unit(principal, org_unit_id):
        raise PermissionError("Du kan kun sætte budget for din egen enhed")
    statement = insert(budget_line).values(
        municipality_id=principal.municipality_id,
        year=year,
        funktion=funktion,
        org_unit_id=org_unit_id,
        amount=amount.quantize(Decimal("0.01")),
        updated_by=principal.user_id,
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["municipality_id", "year", "funktion", "org_unit_id"],
            set_={
                "amount": statement.excluded.amount,
                "updated_by": statement.excluded.updated_by,
                "updated_at": func.now(),
            },
        )
    )


def units_for(conn: Connection, principal: Principal) -> list[tuple[uuid.UUID, str]]:
    """The org units whose budget the reader may set."""
    query = select(org_unit.c.id, org_unit.c.name).where(
        org_unit.c.municipality_id == principal.municipality_id
    )
    if not principal.roles & WHOLE_MUNICIPALITY:
        query = query.where(org_unit.c.id == principal.org_unit_id)
    return [(r.id, r.name) for r in conn.execute(query.order_by(org_unit.c.name))]


def main() -> int:
    """`python -m api.finance.budget`: compute every municipality's stale grant projections now
    (after a large import or at go-live), so the first budget page need not."""
    from api.db import make_engine
    from api.org.tables import municipality
    from api.settings import get_settings

    engine = make_engine(get_settings())
    with engine.connect() as conn:
        ids = [r.id for r in conn.execute(select(municipality.c.id).order_by(municipality.c.id))]
    for municipality_id in ids:
        print(f"{municipality_id}: {refresh_all(engine, municipality_id)} grants computed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
