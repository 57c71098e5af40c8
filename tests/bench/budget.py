"""`make bench`: the budget page at 50,000 grants.

Seeds a municipality directly (`api.demo.synthetic`, no engine) on a PostgreSQL of its own: a
year of synthetic children, each with a measure and its grants (a foster family's two), every
past month posted. Then times what the budget API and page run (`api.finance.budget`): the
first overview after the import (which leaves every grant's projection to the background
refresh and does not wait), that refresh on its own, the overview again (sums only), after one
grant's revision, a line's children, one child's grants, and the page's template rendered from
the overview. Prints the median and the slowest of several runs; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, func, insert, select, text

from api.auth.principal import Principal
from api.calendar.working_days import COPENHAGEN
from api.demo.seed import unit_id
from api.demo.synthetic import seed_budgets, seed_year
from api.figures import csv_export, dst_export, service
from api.finance import budget
from api.finance.tables import grant_award, grant_revision
from api.web.budget_page import kr
from api.web.figures_page import comparison
from api.web.render import templates
from tests.bench.database import database_stack, timed

# Children per grant: a foster family's placement gives two grants (fee and expenses).
GRANTS_PER_CHILD = 1.22


def reader(municipality_id: str, roles: set[str], kle: frozenset[str] = frozenset()) -> Principal:
    return Principal(
        uuid.uuid4(),
        "bench",
        "Bench",
        municipality_id,
        unit_id(municipality_id),
        frozenset(roles),
        kle,
    )


# A KLE constraint that covers every synthetic case (34.10.10), so the sums are as large as the
# unconstrained reader's while the SQL filters each case by its KLE subject.
KLE = frozenset({"34.10.10", "27.24"})


def page(view: dict[str, Any]) -> str:
    """The budget page's template over an overview (what GET /budget renders)."""
    return templates.get_template("budget.html").render(
        view=view,
        years=[view["year"]],
        funktioner=[],
        units_settable=[],
        message=None,
        error="",
        kr=kr,
        principal=None,
        nav=[],
        csrf_token="",
        current_path="/budget",
    )


def figures_page_html(snapshot: dict[str, Any]) -> str:
    view = {"now": snapshot, "baseline": snapshot, "baseline_taken_at": "2026-01-01T00:00:00+00:00"}
    return templates.get_template("noegletal.html").render(
        view=view,
        rows=comparison(view),
        charts=[(name, title) for name, (title, _, _) in csv_export.CHARTS.items()],
        may_take_baseline=True,
        may_export=True,
        year=date.today().year,
        message=None,
        kr=kr,
        principal=reader("901", {"finance"}),
        nav=[],
        csrf_token="",
        current_path="/noegletal",
    )


def revise_one(conn: Connection, today: date) -> None:
    """A new revision on one grant: the next overview recomputes that grant only."""
    grant_id = conn.execute(select(grant_award.c.id).limit(1)).scalar_one()
    latest = conn.execute(
        select(grant_revision)
        .where(grant_revision.c.grant_id == grant_id)
        .order_by(grant_revision.c.revision.desc())
        .limit(1)
    ).one()
    conn.execute(
        insert(grant_revision).values(
            grant_id=grant_id,
            revision=latest.revision + 1,
            price=latest.price + 100,
            unit=latest.unit,
            starts_on=latest.starts_on,
            expected_end=latest.expected_end,
            effective_from=max(today, latest.effective_from),
            reason="bench",
        )
    )


def measure(engine: Engine, conn: Connection, runs: int, today: date) -> None:
    finance = reader("901", {"finance"})
    leader = reader("901", {"team_leader"})
    finance_kle = reader("901", {"finance"}, KLE)
    leader_kle = reader("901", {"team_leader"}, KLE)
    year = today.year
    print(f"{'query':<52} {'median ms':>10} {'max ms':>8}  rows")
    # The first overview after the import: the stale grants are left to the background (here
    # started by hand, below, so it is timed on its own); the page does not wait for them.
    started: list[str] = []
    t0 = time.perf_counter()
    first = budget.overview(conn, finance, year, today, background=started.append)
    cold = (time.perf_counter() - t0) * 1000
    print(
        f"{'first overview after the import (not waiting)':<52} {cold:>10.1f} "
        f"{cold:>8.1f}  {first['stale_grants']} grants left to the background"
    )
    t0 = time.perf_counter()
    stale = budget.refresh_all(engine, "901")
    took = (time.perf_counter() - t0) * 1000
    print(
        f"{'background refresh: every grant projected':<52} {took:>10.1f} "
        f"{took:>8.1f}  {stale} grants"
    )
    seed_budgets(conn, "901", unit_id("901"), today, random.Random(1))
    overview = budget.overview(conn, finance, year, today)
    biggest = max(overview["lines"], key=lambda line: float(line["forecast"]))
    children, _ = budget.children(
        conn, finance, year, biggest["funktion"], uuid.UUID(biggest["org_unit_id"]), today
    )
    a_case = uuid.UUID(children["children"][0]["case_id"])
    cases: list[tuple[str, Callable[[], Any]]] = [
        (
            "overview (finance: the municipality)",
            lambda: budget.overview(conn, finance, year, today),
        ),
        (
            "overview (finance, under a KLE constraint)",
            lambda: budget.overview(conn, finance_kle, year, today),
        ),
        ("overview (team leader: own unit)", lambda: budget.overview(conn, leader, year, today)),
        (
            "overview (team leader, under a KLE constraint)",
            lambda: budget.overview(conn, leader_kle, year, today),
        ),
        ("overview, last year", lambda: budget.overview(conn, finance, year - 1, today)),
        (
            f"children of the largest line ({biggest['funktion']})",
            lambda: budget.children(
                conn, finance, year, biggest["funktion"], uuid.UUID(biggest["org_unit_id"]), today
            )[0]["children"],
        ),
        (
            "children of the largest line, under a KLE constraint",
            lambda: budget.children(
                conn,
                finance_kle,
                year,
                biggest["funktion"],
                uuid.UUID(biggest["org_unit_id"]),
                today,
            )[0]["children"],
        ),
        (
            "one child's grants",
            lambda: budget.case_grants(conn, finance, year, biggest["funktion"], a_case, today),
        ),
        (
            "budget page (overview + template)",
            lambda: page(budget.overview(conn, finance, year, today)),
        ),
    ]
    for name, fn in cases:
        median, worst, result = timed(runs, fn)
        if isinstance(result, dict):
            size = len(result.get("lines", result.get("grants", [])))
        elif isinstance(result, str):
            size = len(result)
        else:
            size = len(result)
        print(f"{name:<52} {median:>10.1f} {worst:>8.1f}  {size}")

    now = datetime.now(UTC)
    others: list[tuple[str, Callable[[], Any]]] = [
        (
            "figures (finance: the municipality)",
            lambda: service.snapshot(conn, finance, None, today, now),
        ),
        (
            "figures (finance, under a KLE constraint)",
            lambda: service.snapshot(conn, finance_kle, None, today, now),
        ),
        (
            "figures page (figures + comparison + template)",
            lambda: figures_page_html(service.snapshot(conn, finance, None, today, now)),
        ),
        ("DST expenditure file, this year", lambda: dst_export.export(conn, "901", year, now)[0]),
        (
            "DST file's coverage check (finance)",
            lambda: str(dst_export.uncovered(conn, finance, year)),
        ),
        (
            "DST file's coverage check, under a KLE constraint",
            lambda: str(dst_export.uncovered(conn, finance_kle, year)),
        ),
    ]
    for name, fn in others:
        median, worst, result = timed(runs, fn)
        size = len(result) if isinstance(result, bytes | str) else len(result["caseload"])
        print(f"{name:<52} {median:>10.1f} {worst:>8.1f}  {size}")
    t0 = time.perf_counter()
    service.take_baseline(conn, "901", today, now=now)
    took = (time.perf_counter() - t0) * 1000
    print(f"{'go-live baseline (whole, per team, per KLE subject)':<52} {took:>10.1f} {took:>8.1f}")

    revise_one(conn, today)
    t0 = time.perf_counter()
    budget.overview(conn, finance, year, today)
    after = (time.perf_counter() - t0) * 1000
    print(f"{'overview after one grant is revised':<52} {after:>10.1f} {after:>8.1f}")
    total = overview["total"]
    print(
        f"year {year}: {total['grants']} grants with months in the year; spent {total['spent']}, "
        f"committed {total['committed']}, forecast {total['forecast']} kr."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grants", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    today = datetime.now(COPENHAGEN).date()
    with database_stack("bench-budget") as stack:
        db = create_engine(stack.owner_database_url)
        t0 = time.monotonic()
        children = round(args.grants / GRANTS_PER_CHILD)
        with db.begin() as conn:
            made = seed_year(
                conn, "901", unit_id("901"), children=children, today=today, budgets=False
            )
            conn.execute(text("ANALYZE"))
        print(f"seeded {made} in {time.monotonic() - t0:.0f}s")
        with db.begin() as conn:
            grants = conn.execute(select(func.count()).select_from(grant_award)).scalar()
            print(f"grants: {grants}")
            measure(db, conn, args.runs, today)
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
