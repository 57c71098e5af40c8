"""Budget and forecast, management figures and the DST expenditure file, on the running API
over hand-made grants in a municipality of their own (907), so the sums below are computed by
hand and no other test's grants count.

Year 2030 lies ahead: everything not posted is committed. Year 2024 lies behind: only what
was posted counts.

- G1 (team A, 5.28.21, case C1): 10,000.00 a month 2030-01-01..06-30, from 04-01 12,000.00
  (revision 2): 30,000 + 36,000 = 66,000. January posted, booked at 9,990.00 (mismatch).
  Spent 9,990.00; committed February..June 56,000.00; forecast 65,990.00.
- G2 (team A, 5.28.22, C2): 7,000.00 a week 2030-02-15..03-10 = 1,000 a day: 14,000 + 10,000.
  February awaits approval (not posted): committed 24,000.00.
- G3 (team B, 5.28.21, C3): 1,500.00 a døgn 2030-01-01..12-31, the measure ended 2030-01-20:
  20 days = 30,000.00 committed.
- G4 (team A, 5.28.21, C4, restricted; leader A named): 3,100.00 a month in May 2030.
- G5 (team A, 5.28.23, C5): 5,000.00 a month 2024-11..12, both posted: spent 10,000.00 in 2024.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert

from adapters.dst.expenditure import schema
from api.audit.tables import audit_event
from api.auth.service import hash_password
from api.cases.tables import case, case_access, measure, person
from api.demo.synthetic import unique_cprs
from api.finance.budget_tables import grant_forecast, grant_forecast_basis
from api.finance.tables import grant_award, grant_payment, grant_revision
from api.org.tables import app_user, municipality, org_unit, user_role
from tests.harness.api import ApiClient
from tests.harness.platform import Platform

M = "907"
NS = uuid.UUID("5d8a9e0c-6f43-4c1b-8f0e-2b7a3c9d1e55")


def _id(name: str) -> uuid.UUID:
    return uuid.uuid5(NS, name)


UNIT_A, UNIT_B = _id("unit-a"), _id("unit-b")
USERS = {
    "budget-leder-a": (UNIT_A, "team_leader"),
    "budget-leder-b": (UNIT_B, "team_leader"),
    "budget-oekonomi": (UNIT_A, "finance"),
    "budget-raadgiver": (UNIT_A, "caseworker"),
    "budget-admin": (UNIT_A, "admin"),
}
# name: (unit, funktion, art, kind, legal basis, price, unit of price, starts, expected end)
GRANTS: dict[str, tuple[uuid.UUID, str, str, str, str, str, str, date, date]] = {
    "G1": (
        UNIT_A,
        "5.28.21",
        "4.9",
        "indsats",
        "BL § 32, stk. 1, nr. 3",
        "10000.00",
        "maaned",
        date(2030, 1, 1),
        date(2030, 6, 30),
    ),
    "G2": (
        UNIT_A,
        "5.28.22",
        "5.2",
        "anbringelse",
        "BL § 46",
        "7000.00",
        "uge",
        date(2030, 2, 15),
        date(2030, 3, 10),
    ),
    "G3": (
        UNIT_B,
        "5.28.21",
        "4.7",
        "indsats",
        "BL § 32, stk. 1, nr. 1",
        "1500.00",
        "doegn",
        date(2030, 1, 1),
        date(2030, 12, 31),
    ),
    "G4": (
        UNIT_A,
        "5.28.21",
        "4.9",
        "indsats",
        "BL § 32, stk. 1, nr. 3",
        "3100.00",
        "maaned",
        date(2030, 5, 1),
        date(2030, 5, 31),
    ),
    "G5": (
        UNIT_A,
        "5.28.23",
        "4.8",
        "anbringelse",
        "BL § 46",
        "5000.00",
        "maaned",
        date(2024, 11, 1),
        date(2024, 12, 31),
    ),
}
ENDED = {"G3": date(2030, 1, 20)}
PAYMENTS = [
    # grant, period, amount, status, booked
    ("G1", date(2030, 1, 1), "10000.00", "mismatch", "9990.00"),
    ("G2", date(2030, 2, 1), "14000.00", "awaiting_approval", None),
    ("G5", date(2024, 11, 1), "5000.00", "matched", "5000.00"),
    ("G5", date(2024, 12, 1), "5000.00", "matched", "5000.00"),
]


def _fixtures(conn: Connection) -> dict[str, str]:
    conn.execute(insert(municipality).values(id=M, name="Budgettest Kommune", cvr="90700007"))
    for unit, name in ((UNIT_A, "Team A"), (UNIT_B, "Team B")):
        conn.execute(
            insert(org_unit).values(
                id=unit,
                municipality_id=M,
                name=name,
                duty_group=f"{M}-{name}",
                leader_group=f"{M}-{name}-ledere",
            )
        )
    password = hash_password("demo")
    for username, (unit, role) in USERS.items():
        conn.execute(
            insert(app_user).values(
                id=_id(username),
                username=username,
                display_name=username,
                municipality_id=M,
                org_unit_id=unit,
                password_hash=password,
            )
        )
        conn.execute(insert(user_role).values(user_id=_id(username), role=role))
    cprs = unique_cprs(conn, len(GRANTS), "budget-test")
    for (name, (unit, funktion, art, kind, basis, price, per, starts, ends)), cpr in zip(
        GRANTS.items(), cprs, strict=True
    ):
        conn.execute(
            insert(person).values(
                id=_id(f"p{name}"),
                cpr=cpr,
                cpr_status="found",
                cpr_data={"first_names": "Barn", "last_name": name},
            )
        )
        conn.execute(
            insert(case).values(
                id=_id(f"c{name}"),
                case_number=f"BUDGET-{name}",
                municipality_id=M,
                org_unit_id=unit,
                child_id=_id(f"p{name}"),
                kle_subject="34.10.10",
                restricted=name == "G4",
            )
        )
        conn.execute(
            insert(measure).values(
                id=_id(f"m{name}"),
                case_id=_id(f"c{name}"),
                kind=kind,
                legal_basis=basis,
                decision_instance_key=-(int(_id(f"k{name}").int % 10**15)),
                started_on=starts,
                ended_on=ENDED.get(name),
            )
        )
        conn.execute(
            insert(grant_award).values(
                id=_id(name),
                case_id=_id(f"c{name}"),
                measure_id=_id(f"m{name}"),
                municipality_id=M,
                component="ydelse",
                indsats_type="kontaktperson",
                provider_type="privat",
                provider_name=f"Leverandør {name}",
                creditor_kind="CVR",
                creditor_number="29100001",
                service=f"Ydelse {name}",
                funktion=funktion,
                dranst="1",
                art=art,
            )
        )
        conn.execute(
            insert(grant_revision).values(
                grant_id=_id(name),
                revision=1,
                price=Decimal(price),
                unit=per,
                starts_on=starts,
                expected_end=ends,
                effective_from=starts,
                reason="Afgørelse",
            )
        )
    conn.execute(
        insert(grant_revision).values(
            grant_id=_id("G1"),
            revision=2,
            price=Decimal("12000.00"),
            unit="maaned",
            starts_on=date(2030, 1, 1),
            expected_end=date(2030, 6, 30),
            effective_from=date(2030, 4, 1),
            reason="Ny takst",
        )
    )
    conn.execute(insert(case_access).values(case_id=_id("cG4"), user_id=_id("budget-leder-a")))
    for grant, period, amount, status, booked in PAYMENTS:
        conn.execute(
            insert(grant_payment).values(
                id=uuid.uuid4(),
                grant_id=_id(grant),
                period=period,
                amount=Decimal(amount),
                posting_id=f"{_id(grant)}-{period:%Y-%m}",
                voucher=f"BT-{grant}-{period:%Y%m}",
                status=status,
                run_key=0,
                posted_amount=None if booked is None else Decimal(booked),
            )
        )
    return dict(zip(GRANTS, cprs, strict=True))


@pytest.fixture(scope="module")
def cprs(platform: Platform) -> dict[str, str]:
    with platform.db.begin() as conn:
        return _fixtures(conn)


@pytest.fixture(scope="module")
def users(platform: Platform, cprs: dict[str, str]) -> Iterator[dict[str, ApiClient]]:
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    clients = {name: ApiClient(base, name) for name in USERS}
    yield clients
    for client in clients.values():
        client.close()


def lines(view: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(line["funktion"], line["org_unit_id"]): line for line in view["lines"]}


def figures(line: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("budget", "spent", "committed", "forecast", "variance", "grants")
    return tuple(line[k] for k in keys)


def test_setting_a_budget_is_for_leaders_of_the_unit_and_finance(
    users: dict[str, ApiClient],
) -> None:
    finance, leader = users["budget-oekonomi"], users["budget-leder-a"]
    put = finance.http.put
    assert put(f"/api/budget/2030/5.28.21/{UNIT_A}", json={"amount": "100000"}).status_code == 200
    set_a = leader.http.put(f"/api/budget/2030/5.28.22/{UNIT_A}", json={"amount": 20000})
    assert set_a.status_code == 200, set_a.text
    # Another team's line, a caseworker, a funktion outside 5.28, a negative amount.
    assert (
        leader.http.put(f"/api/budget/2030/5.28.21/{UNIT_B}", json={"amount": 1}).status_code == 403
    )
    worker = users["budget-raadgiver"].http.put(
        f"/api/budget/2030/5.28.21/{UNIT_A}", json={"amount": 1}
    )
    assert worker.status_code == 403
    wrong = put(f"/api/budget/2030/5.99.99/{UNIT_A}", json={"amount": 1})
    assert wrong.status_code == 422 and "5.28" in wrong.json()["detail"]
    unknown = put(f"/api/budget/2030/5.28.99/{UNIT_A}", json={"amount": 1})
    assert unknown.status_code == 422 and "kontoplan" in unknown.json()["detail"]
    assert put(f"/api/budget/2030/5.28.21/{UNIT_A}", json={"amount": -5}).status_code == 422
    assert put(f"/api/budget/2030/5.28.21/{uuid.uuid4()}", json={"amount": 5}).status_code == 422


def test_the_municipality_admin_sets_any_units_budget_but_sees_no_child(
    users: dict[str, ApiClient],
) -> None:
    admin = users["budget-admin"]
    answer = admin.http.put(f"/api/budget/2031/5.28.21/{UNIT_B}", json={"amount": "5000.50"})
    assert answer.status_code == 200, answer.text
    mine = lines(admin.get("/api/budget", year=2031).json())
    assert mine[("5.28.21", str(UNIT_B))]["budget"] == "5000.50"
    line = admin.get(f"/api/budget/2030/5.28.21/{UNIT_A}").json()
    assert line["children"] == [] and line["count"] == 0


def test_the_budget_sums_are_the_hand_computed_ones(users: dict[str, ApiClient]) -> None:
    test_setting_a_budget_is_for_leaders_of_the_unit_and_finance(users)
    view = users["budget-oekonomi"].get("/api/budget", year=2030).json()
    assert view["committed_from"] == "2030-01"
    found = lines(view)
    assert figures(found[("5.28.21", str(UNIT_A))]) == (
        "100000.00",
        "9990.00",
        "59100.00",
        "69090.00",
        "30910.00",
        2,
    )
    assert figures(found[("5.28.22", str(UNIT_A))]) == (
        "20000.00",
        "0.00",
        "24000.00",
        "24000.00",
        "-4000.00",
        1,
    )
    assert figures(found[("5.28.21", str(UNIT_B))]) == (
        None,
        "0.00",
        "30000.00",
        "30000.00",
        None,
        1,
    )
    assert len(found) == 3
    assert figures(view["total"]) == (
        "120000.00",
        "9990.00",
        "113100.00",
        "123090.00",
        "-3090.00",
        4,
    )
    past = users["budget-oekonomi"].get("/api/budget", year=2024).json()
    assert past["committed_from"] is None
    assert figures(lines(past)[("5.28.23", str(UNIT_A))]) == (
        None,
        "10000.00",
        "0.00",
        "10000.00",
        None,
        1,
    )


def test_a_leader_sees_their_own_unit_and_no_other_municipality(
    users: dict[str, ApiClient], leader: ApiClient
) -> None:
    mine = lines(users["budget-leder-a"].get("/api/budget", year=2030).json())
    assert {unit for _, unit in mine} == {str(UNIT_A)}
    assert {
        unit for _, unit in lines(users["budget-leder-b"].get("/api/budget", year=2030).json())
    } == {str(UNIT_B)}
    nord = lines(leader.get("/api/budget", year=2030).json())
    assert not {unit for _, unit in nord} & {str(UNIT_A), str(UNIT_B)}
    assert users["budget-raadgiver"].get("/api/budget").status_code == 403
    # Another unit's line and another municipality's are not found.
    assert users["budget-leder-b"].get(f"/api/budget/2030/5.28.21/{UNIT_A}").status_code == 404
    assert leader.get(f"/api/budget/2030/5.28.21/{UNIT_A}").status_code == 404


def test_the_drill_down_goes_to_the_child_and_the_grant_and_is_audited(
    platform: Platform, users: dict[str, ApiClient]
) -> None:
    leader, finance = users["budget-leder-a"], users["budget-oekonomi"]
    line = leader.get(f"/api/budget/2030/5.28.21/{UNIT_A}").json()
    children = {c["case_number"]: c for c in line["children"]}
    # The restricted case shows only to the leader named on it.
    assert set(children) == {"BUDGET-G1", "BUDGET-G4"}
    assert (children["BUDGET-G1"]["forecast"], children["BUDGET-G4"]["committed"]) == (
        "65990.00",
        "3100.00",
    )
    assert children["BUDGET-G1"]["child_name"] == "Barn G1"
    assert line["count"] == 2
    second = leader.get(f"/api/budget/2030/5.28.21/{UNIT_A}", offset=1).json()
    assert [c["case_number"] for c in second["children"]] == ["BUDGET-G4"]
    assert second["total"] == line["total"] and second["count"] == 2
    seen_by_finance = finance.get(f"/api/budget/2030/5.28.21/{UNIT_A}").json()
    assert [c["case_number"] for c in seen_by_finance["children"]] == ["BUDGET-G1"]
    c1 = str(_id("cG1"))
    grants = leader.get(f"/api/budget/2030/5.28.21/cases/{c1}").json()
    (g1,) = grants["grants"]
    months = {m["month"]: m for m in g1["months"]}
    assert list(months) == [f"2030-0{n}" for n in range(1, 7)]
    assert months["2030-01"] == {
        "month": "2030-01",
        "projected": "10000.00",
        "payment_status": "mismatch",
        "paid": "9990.00",
        "committed": False,
    }
    assert months["2030-04"]["projected"] == "12000.00" and months["2030-04"]["committed"]
    assert (g1["spent"], g1["committed"], g1["forecast"], g1["revisions"]) == (
        "9990.00",
        "56000.00",
        "65990.00",
        2,
    )
    assert users["budget-leder-b"].get(f"/api/budget/2030/5.28.21/cases/{c1}").status_code == 404
    with platform.db.connect() as conn:
        rows = conn.execute(
            select(audit_event.c.path, audit_event.c.status_code, audit_event.c.case_ids)
            .where(
                audit_event.c.username == "budget-leder-a",
                audit_event.c.method == "GET",
                audit_event.c.path.like("/api/budget/2030/5.28.21/%"),
            )
            .order_by(audit_event.c.id)
        ).all()
    audited = [r.case_ids for r in rows]
    assert len(rows) == 3, rows
    assert sorted(map(str, audited[0])) == sorted([c1, str(_id("cG4"))])
    assert [str(c) for c in audited[1]] == [str(_id("cG4"))]  # the second page shows G4 only
    assert [str(c) for c in audited[-1]] == [c1]


def test_a_grant_revised_changes_the_forecast(
    platform: Platform, users: dict[str, ApiClient]
) -> None:
    finance = users["budget-oekonomi"]
    before = lines(finance.get("/api/budget", year=2030).json())[("5.28.21", str(UNIT_B))]
    with platform.db.begin() as conn:
        conn.execute(
            insert(grant_revision).values(
                grant_id=_id("G3"),
                revision=2,
                price=Decimal("2000.00"),
                unit="doegn",
                starts_on=date(2030, 1, 1),
                expected_end=date(2030, 12, 31),
                effective_from=date(2030, 1, 11),
                reason="Ny takst",
            )
        )
    after = lines(finance.get("/api/budget", year=2030).json())[("5.28.21", str(UNIT_B))]
    # 10 days at 1,500 and 10 at 2,000 (the measure ended on the 20th).
    assert (before["committed"], after["committed"]) == ("30000.00", "35000.00")


def test_baseline_figures_and_csv(users: dict[str, ApiClient]) -> None:
    finance, leader = users["budget-oekonomi"], users["budget-leder-a"]
    assert finance.get("/api/figures").json()["baseline"] is None
    assert leader.post("/api/figures/baseline", {"note": "x"}).status_code == 403
    taken = finance.post("/api/figures/baseline", {"note": "Go-live"})
    assert taken.status_code == 201, taken.text
    caseload = {r["team"]: r for r in taken.json()["caseload"]}
    assert caseload["Team A"]["open_cases"] == 4 and caseload["Team B"]["open_cases"] == 1
    assert finance.post("/api/figures/baseline", {}).status_code == 409
    view = finance.get("/api/figures").json()
    assert view["baseline"]["caseload"] == view["now"]["caseload"]
    # A team leader compares their own team with its own baseline.
    mine = leader.get("/api/figures").json()
    assert [r["team"] for r in mine["now"]["caseload"]] == ["Team A"]
    assert [r["team"] for r in mine["baseline"]["caseload"]] == ["Team A"]
    csv = finance.get("/api/figures/csv/sagsbelastning")
    assert csv.headers["content-type"].startswith("text/csv")
    assert 'filename="sagsbelastning.csv"' in csv.headers["content-disposition"]
    rows = csv.content.decode("utf-8-sig").split("\r\n")
    assert rows[0] == "Opgørelse;Team;Åbne sager;Børn med foranstaltning"
    assert "Nu;Team A;4;" in rows[1] and any(r.startswith("Baseline;Team B;1;") for r in rows)
    for name in ("frister", "forbrug-pr-maaned", "forbrug-pr-team", "forbrug-pr-barn"):
        assert finance.get(f"/api/figures/csv/{name}").status_code == 200
    assert finance.get("/api/figures/csv/findes-ikke").status_code == 404
    assert users["budget-raadgiver"].get("/api/figures").status_code == 403


def test_the_dst_expenditure_file(
    platform: Platform, users: dict[str, ApiClient], cprs: dict[str, str]
) -> None:
    finance = users["budget-oekonomi"]
    assert users["budget-leder-a"].get("/api/figures/dst-udgifter", year=2024).status_code == 403
    answer = finance.get("/api/figures/dst-udgifter", year=2024)
    assert answer.status_code == 200, answer.text
    root = etree.fromstring(answer.content)
    assert schema().validate(root)
    ns = {"u": "https://boernesag.dk/schemas/dst/udgifter/1.0"}
    assert root.findtext("u:Kommune", namespaces=ns) == M
    assert root.findtext("u:Total", namespaces=ns) == "10000.00"
    (child,) = root.findall("u:Barn", ns)
    assert child.findtext("u:CPR", namespaces=ns) == cprs["G5"]
    assert [
        child.findtext(f"u:Udgift/u:{k}", namespaces=ns)
        for k in ("Foranstaltning", "Paragraf", "Funktion", "Art", "Beloeb")
    ] == ["ANBRINGELSE", "46", "5.28.23", "4.8", "10000.00"]
    # 2030: G1's January was booked (mismatch counts as posted); G2's February was not.
    later = etree.fromstring(finance.get("/api/figures/dst-udgifter", year=2030).content)
    assert later.findtext("u:Total", namespaces=ns) == "9990.00"
    with platform.db.connect() as conn:
        audited = (
            conn.execute(
                select(audit_event.c.case_ids)
                .where(
                    audit_event.c.username == "budget-oekonomi",
                    audit_event.c.path == "/api/figures/dst-udgifter",
                )
                .order_by(audit_event.c.id)
            )
            .scalars()
            .all()
        )
    assert [str(c) for c in audited[-2]] == [str(_id("cG5"))]


def test_a_deleted_grant_takes_its_forecast_rows_with_it(
    platform: Platform, users: dict[str, ApiClient]
) -> None:
    """grant_forecast is derived: deleting a grant (retention) is not blocked by it."""
    finance = users["budget-oekonomi"]
    before = lines(finance.get("/api/budget", year=2030).json())[("5.28.21", str(UNIT_A))]
    with platform.db.begin() as conn:
        assert conn.execute(
            select(grant_forecast.c.month).where(grant_forecast.c.grant_id == _id("G4"))
        ).all()
        conn.execute(delete(grant_revision).where(grant_revision.c.grant_id == _id("G4")))
        conn.execute(delete(grant_award).where(grant_award.c.id == _id("G4")))
    with platform.db.connect() as conn:
        left = conn.execute(
            select(grant_forecast.c.month).where(grant_forecast.c.grant_id == _id("G4"))
        ).all()
        basis = conn.execute(
            select(grant_forecast_basis.c.grant_id).where(
                grant_forecast_basis.c.grant_id == _id("G4")
            )
        ).all()
    assert left == [] and basis == []
    after = lines(finance.get("/api/budget", year=2030).json())[("5.28.21", str(UNIT_A))]
    assert Decimal(before["committed"]) - Decimal(after["committed"]) == Decimal("3100.00")
