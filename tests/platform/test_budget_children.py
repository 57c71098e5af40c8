"""A budget line's children summed, ordered and paged in SQL (`api.finance.budget.children`)
give the numbers of the Python rule (each grant's projection from its revisions and its
measure's end, its payments), page by page; and a bulk import's stale projections are
computed in the background, never by the page request that finds them.

Municipality 911 (the comparison): one team's 5.28.21 line in 2031 with hand-made edge cases
(partial months, price revisions mid-month, ended measures, grants across both year ends,
payments posted, booked at another amount, not posted, a grant at 0 kr., a restricted case,
another KLE subject, ties in forecast, another funktion and another team beside it) and 60
random cases. Municipality 912 (the bulk import): a synthetic year seeded directly, no
precompute.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert

from api.auth.principal import Principal
from api.auth.service import hash_password
from api.calendar.working_days import COPENHAGEN
from api.cases.tables import case, case_access, measure, person
from api.demo.synthetic import seed_year, unique_cprs
from api.finance import budget
from api.finance.budget_tables import grant_forecast_basis
from api.finance.grants import terms
from api.finance.projection import projection
from api.finance.tables import grant_award, grant_payment, grant_revision
from api.org.tables import app_user, municipality, org_unit, user_role
from api.web.session import COOKIE, CSRF_HEADER, csrf_token
from tests.harness.platform import Platform

M, BULK = "911", "912"
NS = uuid.UUID("0b6f3c1e-2d4a-4e8b-9c7d-5a1f2e3d4c5b")
YEAR, FUNKTION = 2031, "5.28.21"


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NS, ":".join(map(str, parts)))


UNIT, OTHER_UNIT, BULK_UNIT = _id("unit"), _id("other-unit"), _id("bulk-unit")
LEADER = _id("drill-leder")
# name: (unit, funktion, KLE, restricted, ended_on, [(price, unit, starts, ends, effective)],
#        [(period, amount, status, booked)]); several grants of a case share its name's prefix.
Revision = tuple[str, str, date, date, date]
Payment = tuple[date, str, str, str | None]
Grant = tuple[uuid.UUID, str, str, bool, date | None, Sequence[Revision], Sequence[Payment]]
D = date
HAND: dict[str, Grant] = {
    # A month's price from mid-March to early August: partial first and last months.
    "partial": (
        UNIT,
        FUNKTION,
        "34.10.10",
        False,
        None,
        [("9000.00", "maaned", D(2031, 3, 17), D(2031, 8, 9), D(2031, 3, 17))],
        [(D(2031, 3, 1), "4064.52", "posted", None), (D(2031, 4, 1), "9000.00", "planned", None)],
    ),
    # A weekly price revised on the 10th of June, with January to May posted (one mismatch).
    "revised": (
        UNIT,
        FUNKTION,
        "34.10.10",
        False,
        None,
        [
            ("3500.00", "uge", D(2031, 1, 1), D(2031, 12, 31), D(2031, 1, 1)),
            ("4200.00", "uge", D(2031, 1, 1), D(2031, 12, 31), D(2031, 6, 10)),
        ],
        [(D(2031, m, 1), "15000.00", "matched", "15000.00") for m in range(1, 5)]
        + [(D(2031, 5, 1), "15500.00", "mismatch", "15250.75")],
    ),
    # A døgn price, the measure ended on the 20th of September.
    "ended": (
        UNIT,
        FUNKTION,
        "34.10.10",
        False,
        D(2031, 9, 20),
        [("1850.50", "doegn", D(2031, 2, 14), D(2031, 12, 31), D(2031, 2, 14))],
        [(D(2031, 2, 1), "27757.50", "posted", "27757.50")],
    ),
    # Across both year ends, revised in the next year: only 2031's months count.
    "across": (
        UNIT,
        FUNKTION,
        "34.10.10",
        False,
        None,
        [
            ("12000.00", "maaned", D(2030, 11, 15), D(2032, 2, 10), D(2030, 11, 15)),
            ("13000.00", "maaned", D(2030, 11, 15), D(2032, 2, 10), D(2032, 1, 16)),
        ],
        [
            (D(2030, 12, 1), "12000.00", "posted", None),
            (D(2031, 1, 1), "12000.00", "posted", None),
            (D(2031, 2, 1), "12000.00", "rejected", None),
        ],
    ),
    # Ended before the year: paid in 2031 for nothing projected there (a late posting).
    "before": (
        UNIT,
        FUNKTION,
        "34.10.10",
        False,
        D(2030, 10, 31),
        [("5000.00", "maaned", D(2030, 1, 1), D(2030, 12, 31), D(2030, 1, 1))],
        [(D(2031, 1, 1), "5000.00", "posted", "4990.00")],
    ),
    # Only in another year: not a child of the line in 2031.
    "elsewhen": (
        UNIT,
        FUNKTION,
        "34.10.10",
        False,
        None,
        [("5000.00", "maaned", D(2029, 1, 1), D(2029, 12, 31), D(2029, 1, 1))],
        [],
    ),
    # Zero kroner: counted, forecast 0.
    "zero": (
        UNIT,
        FUNKTION,
        "34.10.10",
        False,
        None,
        [("0.00", "maaned", D(2031, 5, 1), D(2031, 5, 31), D(2031, 5, 1))],
        [],
    ),
    # Three cases with the same forecast: ordered by case id.
    **{
        f"tie{n}": (
            UNIT,
            FUNKTION,
            "34.10.10",
            False,
            None,
            [("2000.00", "maaned", D(2031, 10, 1), D(2031, 10, 31), D(2031, 10, 1))],
            [],
        )
        for n in range(3)
    },
    # A foster family's two grants on one case.
    "family-fee": (
        UNIT,
        FUNKTION,
        "34.10.10",
        False,
        None,
        [("21000.00", "maaned", D(2031, 1, 10), D(2031, 12, 31), D(2031, 1, 10))],
        [(D(2031, 1, 1), "14903.23", "posted", None)],
    ),
    "family-expenses": (
        UNIT,
        FUNKTION,
        "34.10.10",
        False,
        None,
        [("3100.00", "maaned", D(2031, 1, 10), D(2031, 12, 31), D(2031, 1, 10))],
        [],
    ),
    # Restricted, the leader named on it: finance does not see it.
    "restricted": (
        UNIT,
        FUNKTION,
        "34.10.10",
        True,
        None,
        [("7000.00", "maaned", D(2031, 1, 1), D(2031, 12, 31), D(2031, 1, 1))],
        [],
    ),
    # Another KLE subject: outside a 34.10 constraint.
    "subject": (
        UNIT,
        FUNKTION,
        "34.15.25",
        False,
        None,
        [("8000.00", "maaned", D(2031, 1, 1), D(2031, 12, 31), D(2031, 1, 1))],
        [],
    ),
    # Another funktion and another team: other lines.
    "funktion": (
        UNIT,
        "5.28.22",
        "34.10.10",
        False,
        None,
        [("9999.00", "maaned", D(2031, 1, 1), D(2031, 12, 31), D(2031, 1, 1))],
        [],
    ),
    "team": (
        OTHER_UNIT,
        FUNKTION,
        "34.10.10",
        False,
        None,
        [("9999.00", "maaned", D(2031, 1, 1), D(2031, 12, 31), D(2031, 1, 1))],
        [],
    ),
}


def _random(rng: random.Random, n: int) -> dict[str, Grant]:
    found: dict[str, Grant] = {}
    for i in range(n):
        start = D(2030, 6, 1) + timedelta(days=rng.randrange(0, 900))
        end = start + timedelta(days=rng.randrange(0, 500))
        per = rng.choice(["maaned", "uge", "doegn"])
        price = Decimal(rng.randrange(10_000, 4_000_000)) / 100
        revisions = [(f"{price:.2f}", per, start, end, start)]
        if rng.random() < 0.4:
            revisions.append(
                (
                    f"{price + rng.randrange(1, 3000):.2f}",
                    per,
                    start,
                    end,
                    start + timedelta(days=rng.randrange(1, 200)),
                )
            )
        ended = start + timedelta(days=rng.randrange(0, 400)) if rng.random() < 0.2 else None
        payments: list[Payment] = []
        month = start.replace(day=1)
        while month <= min(end, D(2031, 8, 1)):
            status = rng.choice(["posted", "matched", "mismatch", "planned", "awaiting_approval"])
            booked = f"{price - 1:.2f}" if status == "mismatch" else None
            payments.append((month, f"{price:.2f}", status, booked))
            month = (month + timedelta(days=32)).replace(day=1)
        found[f"random{i}"] = (UNIT, FUNKTION, "34.10.10", False, ended, revisions, payments)
    return found


GRANTS = {**HAND, **_random(random.Random(911), 60)}


def _case_of(name: str) -> str:
    return name.split("-")[0]


def _users(conn: Connection, municipality_id: str, unit: uuid.UUID, names: dict[str, str]) -> None:
    password = hash_password("demo")
    for username, role in names.items():
        conn.execute(
            insert(app_user).values(
                id=_id(username),
                username=username,
                display_name=username,
                municipality_id=municipality_id,
                org_unit_id=unit,
                password_hash=password,
            )
        )
        conn.execute(insert(user_role).values(user_id=_id(username), role=role))


def _unit(conn: Connection, municipality_id: str, unit: uuid.UUID, name: str) -> None:
    conn.execute(
        insert(org_unit).values(
            id=unit,
            municipality_id=municipality_id,
            name=name,
            duty_group=f"{municipality_id}-{name}",
            leader_group=f"{municipality_id}-{name}-ledere",
        )
    )


def _fixtures(conn: Connection) -> None:
    conn.execute(insert(municipality).values(id=M, name="Drilldown Kommune", cvr="91100001"))
    _unit(conn, M, UNIT, "Team D")
    _unit(conn, M, OTHER_UNIT, "Team E")
    _users(conn, M, UNIT, {"drill-leder": "team_leader"})
    cases = sorted({_case_of(name) for name in GRANTS})
    cprs = dict(zip(cases, unique_cprs(conn, len(cases), "budget-children"), strict=True))
    first_grant = {_case_of(name): name for name in reversed(list(GRANTS))}
    for name, (unit, funktion, subject, restricted, ended, revisions, payments) in GRANTS.items():
        key = _case_of(name)
        if first_grant[key] == name:
            conn.execute(
                insert(person).values(
                    id=_id("p", key),
                    cpr=cprs[key],
                    cpr_status="found",
                    cpr_data={"first_names": "Barn", "last_name": key},
                )
            )
            conn.execute(
                insert(case).values(
                    id=_id("c", key),
                    case_number=f"DRILL-{key}",
                    municipality_id=M,
                    org_unit_id=unit,
                    child_id=_id("p", key),
                    kle_subject=subject,
                    restricted=restricted,
                )
            )
            if restricted:
                conn.execute(insert(case_access).values(case_id=_id("c", key), user_id=LEADER))
        conn.execute(
            insert(measure).values(
                id=_id("m", name),
                case_id=_id("c", key),
                kind="indsats",
                legal_basis="BL § 32, stk. 1, nr. 3",
                decision_instance_key=-(int(_id("k", name).int % 10**15)),
                started_on=revisions[0][2],
                ended_on=ended,
            )
        )
        conn.execute(
            insert(grant_award).values(
                id=_id("g", name),
                case_id=_id("c", key),
                measure_id=_id("m", name),
                municipality_id=M,
                component="ydelse",
                indsats_type="kontaktperson",
                provider_type="privat",
                provider_name="Leverandør",
                creditor_kind="CVR",
                creditor_number="29100001",
                service="Ydelse",
                funktion=funktion,
                dranst="1",
                art="4.9",
            )
        )
        for number, (price, per, starts, ends, effective) in enumerate(revisions, start=1):
            conn.execute(
                insert(grant_revision).values(
                    grant_id=_id("g", name),
                    revision=number,
                    price=Decimal(price),
                    unit=per,
                    starts_on=starts,
                    expected_end=ends,
                    effective_from=effective,
                    reason="Afgørelse",
                )
            )
        for period, amount, status, booked in payments:
            conn.execute(
                insert(grant_payment).values(
                    id=uuid.uuid4(),
                    grant_id=_id("g", name),
                    period=period,
                    amount=Decimal(amount),
                    posting_id=f"{_id('g', name)}-{period:%Y-%m}",
                    voucher=f"DR-{name}-{period:%Y%m}",
                    status=status,
                    run_key=0,
                    posted_amount=None if booked is None else Decimal(booked),
                )
            )


@pytest.fixture(scope="module")
def seeded(platform: Platform) -> None:
    with platform.db.begin() as conn:
        _fixtures(conn)


def reader(
    roles: set[str], kle: frozenset[str] = frozenset(), user: uuid.UUID | None = None
) -> Principal:
    return Principal(user or uuid.uuid4(), "t", "T", M, UNIT, frozenset(roles), kle)


def python_rule(
    conn: Connection, principal: Principal, year: int, as_of: date
) -> list[tuple[str, str, str, int]]:
    """The line's children by the Python rule, largest forecast first, then by case id: for
    each case in scope, spent (posted payments of the year, as booked), committed (the
    projection's months of the year from the first committed month, not posted) and the
    grants with a projected month in the year."""
    first = budget.first_committed_month(year, as_of)
    rows = conn.execute(
        select(grant_award.c.id, grant_award.c.case_id, measure.c.ended_on)
        .join(case, case.c.id == grant_award.c.case_id)
        .join(measure, measure.c.id == grant_award.c.measure_id)
        .where(
            principal.case_scope(), grant_award.c.funktion == FUNKTION, case.c.org_unit_id == UNIT
        )
    ).all()
    found: dict[uuid.UUID, list[Any]] = {}
    for g in rows:
        months = {m: a for m, a in projection(terms(conn, g.id), g.ended_on).items()}
        payments = conn.execute(select(grant_payment).where(grant_payment.c.grant_id == g.id)).all()
        posted = {p.period: p for p in payments if p.status in budget.POSTED}
        in_year = [p for m, p in posted.items() if m.year == year]
        committed = [
            a
            for m, a in months.items()
            if first is not None and m.year == year and m >= first and m not in posted
        ]
        counted = any(m.year == year for m in months)
        if not (in_year or committed or counted):
            continue
        figures = found.setdefault(g.case_id, [Decimal(0), Decimal(0), 0])
        figures[0] += sum(
            (p.posted_amount if p.posted_amount is not None else p.amount for p in in_year),
            Decimal(0),
        )
        figures[1] += sum(committed, Decimal(0))
        figures[2] += int(counted)
    ordered = sorted(found.items(), key=lambda item: (-(item[1][0] + item[1][1]), str(item[0])))
    return [(str(c), f"{s:.2f}", f"{k:.2f}", n) for c, (s, k, n) in ordered]


def _paged(
    conn: Connection, principal: Principal, year: int, as_of: date, limit: int
) -> tuple[list[tuple[str, str, str, int]], list[dict[str, Any]]]:
    shown: list[tuple[str, str, str, int]] = []
    views = []
    offset = 0
    while True:
        view, read = budget.children(
            conn, principal, year, FUNKTION, UNIT, as_of, offset=offset, limit=limit
        )
        views.append(view)
        assert [str(r) for r in read] == [c["case_id"] for c in view["children"]]
        shown += [(c["case_id"], c["spent"], c["committed"], c["grants"]) for c in view["children"]]
        if not view["children"]:
            return shown, views
        offset += limit


@pytest.mark.parametrize(
    "as_of",
    [D(2031, 7, 15), D(2031, 1, 1), D(2031, 12, 31), D(2030, 6, 1), D(2032, 3, 1)],
    ids=["mid-year", "new-year", "year-end", "year-ahead", "year-behind"],
)
def test_the_sql_drill_down_is_the_python_rule_page_by_page(
    platform: Platform, seeded: None, as_of: date
) -> None:
    readers = [
        reader({"finance"}),
        reader({"finance"}, frozenset({"34.10"})),
        reader({"team_leader"}, user=LEADER),
    ]
    with platform.db.begin() as conn:
        for principal in readers:
            expected = python_rule(conn, principal, YEAR, as_of)
            assert len(expected) > 40  # the hand-made cases and most random ones
            shown, views = _paged(conn, principal, YEAR, as_of, limit=7)
            assert shown == expected
            count = {v["count"] for v in views}
            assert count == {len(expected)}
            spent = sum((Decimal(s) for _, s, _, _ in expected), Decimal(0))
            committed = sum((Decimal(k) for _, _, k, _ in expected), Decimal(0))
            grants = sum(n for *_, n in expected)
            # The restricted case a reader not named on it sums but does not see: one
            # anonymous row (`hidden_restricted`), in the totals.
            hidden = [
                row
                for row in python_rule(conn, reader({"team_leader"}, user=LEADER), YEAR, as_of)
                if row[0] == str(_id("c", "restricted"))
            ]
            protected = views[0]["protected"]
            if principal.user_id == LEADER or not hidden:
                assert protected is None
            else:
                ((_, s, k, n),) = hidden
                assert (protected["spent"], protected["committed"], protected["grants"]) == (
                    s,
                    k,
                    n,
                )
                spent, committed, grants = spent + Decimal(s), committed + Decimal(k), grants + n
            for view in views:  # the past-the-end page too
                total = view["total"]
                assert (total["spent"], total["committed"], total["grants"]) == (
                    f"{spent:.2f}",
                    f"{committed:.2f}",
                    grants,
                )
                assert total["forecast"] == f"{spent + committed:.2f}"
            if principal.has("team_leader"):
                # The leader named on the restricted case sees every case of the unit: the
                # children's totals are the overview's line.
                line = next(
                    x
                    for x in budget.overview(conn, principal, YEAR, as_of)["lines"]
                    if x["funktion"] == FUNKTION and x["org_unit_id"] == str(UNIT)
                )
                total = views[0]["total"]
                keys = ("spent", "committed", "forecast", "grants")
                assert [line[k] for k in keys] == [total[k] for k in keys]


def test_the_edge_cases_are_where_they_belong(platform: Platform, seeded: None) -> None:
    with platform.db.begin() as conn:
        view, _ = budget.children(conn, reader({"finance"}), YEAR, FUNKTION, UNIT, D(2031, 7, 15))
        kle, _ = budget.children(
            conn, reader({"finance"}, frozenset({"34.10"})), YEAR, FUNKTION, UNIT, D(2031, 7, 15)
        )
        leader, _ = budget.children(
            conn, reader({"team_leader"}, user=LEADER), YEAR, FUNKTION, UNIT, D(2031, 7, 15)
        )
    numbers = {c["case_number"]: c for c in view["children"]}
    assert "DRILL-elsewhen" not in numbers and "DRILL-team" not in numbers
    assert "DRILL-funktion" not in numbers and "DRILL-restricted" not in numbers
    assert "DRILL-restricted" in {c["case_number"] for c in leader["children"]}
    assert "DRILL-subject" in numbers
    assert "DRILL-subject" not in {c["case_number"] for c in kle["children"]}
    assert numbers["DRILL-zero"]["forecast"] == "0.00" and numbers["DRILL-zero"]["grants"] == 1
    assert numbers["DRILL-family"]["grants"] == 2
    assert numbers["DRILL-before"] == {**numbers["DRILL-before"], "spent": "4990.00", "grants": 0}
    ties = [c["case_id"] for c in view["children"] if c["case_number"].startswith("DRILL-tie")]
    assert ties == sorted(ties) and len(ties) == 3
    # 2031-01 posted at 12,000.00; February rejected, so committed from July: 6 x 12,000.
    assert (numbers["DRILL-across"]["spent"], numbers["DRILL-across"]["committed"]) == (
        "12000.00",
        "72000.00",
    )
    assert view["count"] == len(view["children"]) <= budget.PAGE
    assert view["refreshing"] is False


# -- the bulk import -----------------------------------------------------------------------------

BULK_USER = "drill-bulk-oekonomi"


@pytest.fixture(scope="module")
def bulk(platform: Platform) -> date:
    today = datetime.now(COPENHAGEN).date()
    with platform.db.begin() as conn:
        conn.execute(
            insert(municipality).values(id=BULK, name="Masseimport Kommune", cvr="91200002")
        )
        _unit(conn, BULK, BULK_UNIT, "Team M")
        _users(conn, BULK, BULK_UNIT, {BULK_USER: "finance"})
        seed_year(conn, BULK, BULK_UNIT, children=500, today=today, budgets=False)
    return today


def _stale(platform: Platform) -> int:
    with platform.db.connect() as conn:
        return len(budget.stale_grants(conn, BULK))


def test_a_request_leaves_a_bulk_import_to_the_background(platform: Platform, bulk: date) -> None:
    """In process, with the background starter recorded: the read starts it, computes nothing
    itself and says the figures are being updated."""
    stale = _stale(platform)
    assert stale > budget.INLINE
    started: list[str] = []
    finance = Principal(uuid.uuid4(), "t", "T", BULK, BULK_UNIT, frozenset({"finance"}))
    with platform.db.begin() as conn:
        view = budget.overview(conn, finance, bulk.year, bulk, background=started.append)
        computed = conn.execute(
            select(func.count())
            .select_from(grant_forecast_basis.join(grant_award))
            .where(grant_award.c.municipality_id == BULK)
        ).scalar()
        conn.rollback()
    assert started == [BULK]
    assert computed == 0
    assert (view["refreshing"], view["stale_grants"], view["computed_at"]) == (True, stale, None)
    assert view["total"]["committed"] == "0.00"  # nothing projected yet, and it says so


class Client:
    def __init__(self, base: str, username: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        token = self.http.post("/api/auth/token", data={"username": username, "password": "demo"})
        assert token.status_code == 200, token.text
        value = token.json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {value}"
        self.http.headers[CSRF_HEADER] = csrf_token(value)
        self.http.cookies.set(COOKIE, value)


@pytest.fixture(scope="module")
def bulk_client(platform: Platform, bulk: date) -> Iterator[Client]:
    client = Client(f"http://127.0.0.1:{platform.stack.ports.api}", BULK_USER)
    yield client
    client.http.close()


def test_the_page_after_a_bulk_import_answers_and_the_background_catches_up(
    platform: Platform, bulk: date, bulk_client: Client
) -> None:
    """On the running app: the first page after the import answers with the stale grants
    left to the background ("Tallene opdateres"), the background computes them all, and then
    the figures are the full computation's."""
    stale = _stale(platform)
    page = bulk_client.http.get("/budget")
    assert page.status_code == 200, page.text
    assert "Tallene opdateres" in page.text and "endnu ikke beregnet" in page.text
    deadline = time.monotonic() + 180
    while True:
        view = bulk_client.http.get("/api/budget").json()
        if not view["refreshing"]:
            break
        assert time.monotonic() < deadline, view["stale_grants"]
        assert view["stale_grants"] <= stale
        time.sleep(1)
    assert _stale(platform) == 0
    finance = Principal(uuid.uuid4(), "t", "T", BULK, BULK_UNIT, frozenset({"finance"}))
    with platform.db.begin() as conn:
        full = budget.overview(conn, finance, view["year"], D.fromisoformat(view["as_of"]))
    assert full["lines"] == view["lines"] and full["total"] == view["total"]
    assert Decimal(view["total"]["forecast"]) > 0
    again = bulk_client.http.get("/budget")
    assert again.status_code == 200 and "Tallene opdateres" not in again.text
