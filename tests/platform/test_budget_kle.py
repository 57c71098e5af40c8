"""KLE scoping of the aggregates (issue 10, item 2): the budget, its drill-down, the management
figures, their CSV and the go-live baseline count only the cases under the reader's KLE
constraint. Two users of each role differ by their KLE constraint alone.

Restricted cases (beskyttede sager, issue 10, item 5; issue 11, items 4-5): their money counts
in every sum, for a reader named on the case and one not named alike, but the drill-down shows
them to a reader not named only as one anonymous "Beskyttede sager" row, and their grants not at
all. The DST expenditure file is whole or refused: only a finance reader whose case scope covers
every case it needs (no KLE limit that leaves one out, named on the restricted one) gets it.

A municipality of its own (908), one team, last year (everything posted, nothing committed),
each grant paid for December only (so the month is also among the figures' 12 whole months):

- C1: KLE 34.10.10, 5.28.21, kontaktperson, 10,000.00;
- C2: KLE 34.15.25, 5.28.21, kontaktperson, 4,000.00;
- C3: KLE 34.15.25, 5.28.22, plejefamilie, 7,000.00;
- C4: KLE 34.20.02, no grant (open, a fourth case for the caseload only);
- C5: KLE 34.20.02, 5.28.21, kontaktperson, 3,000.00, restricted, named on the two
  "navngivet" users only.

A reader without a constraint sees 24,000.00 over four grants and five open cases; a reader
limited to 34.10 sees C1 alone: 10,000.00, one grant, one open case, and no 5.28.22 line.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from lxml import etree
from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert

from api.audit.tables import audit_event
from api.auth.service import hash_password
from api.auth.tables import user_kle
from api.calendar.working_days import COPENHAGEN
from api.cases.tables import case, case_access, measure, person
from api.demo.synthetic import unique_cprs
from api.finance.tables import grant_award, grant_payment, grant_revision
from api.org.tables import app_user, municipality, org_unit, user_role
from api.web.session import COOKIE, CSRF_HEADER, csrf_token
from tests.harness.platform import Platform

M = "908"
NS = uuid.UUID("8f1c2d3e-4a5b-4c6d-9e7f-0a1b2c3d4e5f")


def _id(name: str) -> uuid.UUID:
    return uuid.uuid5(NS, name)


UNIT = _id("unit")
YEAR = datetime.now(COPENHAGEN).year - 1
DECEMBER = date(YEAR, 12, 1)
# username: (role, KLE prefixes)
USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "kle5-oekonomi-alle": ("finance", ()),
    "kle5-oekonomi-3410": ("finance", ("34.10",)),
    "kle5-leder-alle": ("team_leader", ()),
    "kle5-leder-3410": ("team_leader", ("34.10",)),
    # Covers every KLE subject there is: the whole baseline.
    "kle5-oekonomi-34": ("finance", ("34",)),
    # Two subjects of three: no baseline of its own.
    "kle5-oekonomi-to": ("finance", ("34.10", "34.15")),
    # No subject at all: sees nothing, and no baseline.
    "kle5-oekonomi-27": ("finance", ("27",)),
    # Named on the restricted case C5, no KLE constraint.
    "kle5-oekonomi-navngivet": ("finance", ()),
    "kle5-leder-navngivet": ("team_leader", ()),
}
NAMED = ("kle5-oekonomi-navngivet", "kle5-leder-navngivet")
RESTRICTED = "C5"
# name: (KLE subject, funktion, indsats type, monthly price); None: no grant
CASES: dict[str, tuple[str, tuple[str, str, str] | None]] = {
    "C1": ("34.10.10", ("5.28.21", "kontaktperson", "10000.00")),
    "C2": ("34.15.25", ("5.28.21", "kontaktperson", "4000.00")),
    "C3": ("34.15.25", ("5.28.22", "plejefamilie", "7000.00")),
    "C4": ("34.20.02", None),
    "C5": ("34.20.02", ("5.28.21", "kontaktperson", "3000.00")),
}


def _fixtures(conn: Connection) -> dict[str, str]:
    conn.execute(insert(municipality).values(id=M, name="KLE-budgettest Kommune", cvr="90800008"))
    conn.execute(
        insert(org_unit).values(
            id=UNIT,
            municipality_id=M,
            name="Team KLE",
            duty_group=f"{M}-kle",
            leader_group=f"{M}-kle-ledere",
        )
    )
    password = hash_password("demo")
    for username, (role, kle) in USERS.items():
        conn.execute(
            insert(app_user).values(
                id=_id(username),
                username=username,
                display_name=username,
                municipality_id=M,
                org_unit_id=UNIT,
                password_hash=password,
            )
        )
        conn.execute(insert(user_role).values(user_id=_id(username), role=role))
        for prefix in kle:
            conn.execute(insert(user_kle).values(user_id=_id(username), kle=prefix))
    cprs = unique_cprs(conn, len(CASES), "kle5-budget")
    for (name, (subject, grant)), cpr in zip(CASES.items(), cprs, strict=True):
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
                case_number=f"KLE5-{name}",
                municipality_id=M,
                org_unit_id=UNIT,
                child_id=_id(f"p{name}"),
                kle_subject=subject,
                restricted=name == RESTRICTED,
            )
        )
        if name == RESTRICTED:
            for username in NAMED:
                conn.execute(
                    insert(case_access).values(case_id=_id(f"c{name}"), user_id=_id(username))
                )
        if grant is None:
            continue
        funktion, indsats_type, price = grant
        anbringelse = indsats_type == "plejefamilie"
        conn.execute(
            insert(measure).values(
                id=_id(f"m{name}"),
                case_id=_id(f"c{name}"),
                kind="anbringelse" if anbringelse else "indsats",
                legal_basis="BL § 46" if anbringelse else "BL § 32, stk. 1, nr. 3",
                decision_instance_key=-(int(_id(f"k{name}").int % 10**15)),
                started_on=DECEMBER,
            )
        )
        conn.execute(
            insert(grant_award).values(
                id=_id(name),
                case_id=_id(f"c{name}"),
                measure_id=_id(f"m{name}"),
                municipality_id=M,
                component="ydelse",
                indsats_type=indsats_type,
                provider_type="privat",
                provider_name=f"Leverandør {name}",
                creditor_kind="CVR",
                creditor_number="29100001",
                service=f"Ydelse {name}",
                funktion=funktion,
                dranst="1",
                art="4.9",
            )
        )
        conn.execute(
            insert(grant_revision).values(
                grant_id=_id(name),
                revision=1,
                price=Decimal(price),
                unit="maaned",
                starts_on=DECEMBER,
                expected_end=date(YEAR, 12, 31),
                effective_from=DECEMBER,
                reason="Afgørelse",
            )
        )
        conn.execute(
            insert(grant_payment).values(
                id=uuid.uuid4(),
                grant_id=_id(name),
                period=DECEMBER,
                amount=Decimal(price),
                posting_id=f"{_id(name)}-{DECEMBER:%Y-%m}",
                voucher=f"KLE5-{name}",
                status="matched",
                run_key=0,
                posted_amount=Decimal(price),
            )
        )
    return dict(zip(CASES, cprs, strict=True))


class Client:
    """One signed-in user for the API (bearer) and the pages (session cookie, CSRF header)."""

    def __init__(self, base: str, username: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        token = self.http.post("/api/auth/token", data={"username": username, "password": "demo"})
        assert token.status_code == 200, token.text
        value = token.json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {value}"
        self.http.headers[CSRF_HEADER] = csrf_token(value)
        self.http.cookies.set(COOKIE, value)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params)

    def json(self, path: str, **params: Any) -> Any:
        answer = self.get(path, **params)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def cprs(platform: Platform) -> dict[str, str]:
    with platform.db.begin() as conn:
        return _fixtures(conn)


@pytest.fixture(scope="module")
def users(platform: Platform, cprs: dict[str, str]) -> Iterator[dict[str, Client]]:
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    clients = {name: Client(base, name) for name in USERS}
    yield clients
    for client in clients.values():
        client.http.close()


def sums(view: dict[str, Any]) -> dict[str, tuple[str, int]]:
    return {line["funktion"]: (line["spent"], line["grants"]) for line in view["lines"]}


@pytest.mark.parametrize("role", ["oekonomi", "leder"])
def test_the_budget_overview_sums_only_the_cases_under_the_kle_constraint(
    users: dict[str, Client], role: str
) -> None:
    whole = users[f"kle5-{role}-alle"].json("/api/budget", year=YEAR)
    limited = users[f"kle5-{role}-3410"].json("/api/budget", year=YEAR)
    # C5 (restricted, not named on this reader) counts in the line and the total.
    assert sums(whole) == {"5.28.21": ("17000.00", 3), "5.28.22": ("7000.00", 1)}
    assert (whole["total"]["spent"], whole["total"]["grants"]) == ("24000.00", 4)
    # C2's money is not in the line, and C3's line (34.15 only) is not there at all.
    assert sums(limited) == {"5.28.21": ("10000.00", 1)}
    assert (limited["total"]["spent"], limited["total"]["grants"]) == ("10000.00", 1)
    assert users["kle5-oekonomi-27"].json("/api/budget", year=YEAR)["lines"] == []


def test_the_budget_page_shows_the_kle_scoped_totals(users: dict[str, Client]) -> None:
    whole = users["kle5-leder-alle"].get("/budget", aar=YEAR)
    limited = users["kle5-leder-3410"].get("/budget", aar=YEAR)
    assert whole.status_code == limited.status_code == 200
    line = f'data-funktion="5.28.22" data-enhed="{UNIT}"'
    assert "24.000,00" in whole.text and "17.000,00" in whole.text and line in whole.text
    assert "10.000,00" in limited.text and line not in limited.text
    assert "24.000,00" not in limited.text and "17.000,00" not in limited.text
    assert "7.000,00" not in limited.text


def test_the_drill_down_lists_only_the_children_under_the_kle_constraint(
    platform: Platform, users: dict[str, Client]
) -> None:
    path = f"/api/budget/{YEAR}/5.28.21/{UNIT}"
    whole = users["kle5-oekonomi-alle"].json(path)
    limited = users["kle5-oekonomi-3410"].json(path)
    assert sorted(c["case_number"] for c in whole["children"]) == ["KLE5-C1", "KLE5-C2"]
    # The restricted C5 is summed anonymously (see the restricted tests below).
    assert (whole["count"], whole["total"]["spent"]) == (2, "17000.00")
    assert [c["case_number"] for c in limited["children"]] == ["KLE5-C1"]
    assert (limited["count"], limited["total"]["spent"]) == (1, "10000.00")
    assert limited["protected"] is None
    # The line of C3's funktion has no child for the limited reader.
    other = users["kle5-oekonomi-3410"].json(f"/api/budget/{YEAR}/5.28.22/{UNIT}")
    assert (other["children"], other["count"], other["total"]["grants"]) == ([], 0, 0)
    # The child outside the constraint is not found, on the API and on the page.
    c2 = _id("cC2")
    assert users["kle5-oekonomi-alle"].get(f"/api/budget/{YEAR}/5.28.21/cases/{c2}").is_success
    assert (
        users["kle5-oekonomi-3410"].get(f"/api/budget/{YEAR}/5.28.21/cases/{c2}").status_code == 404
    )
    assert users["kle5-leder-3410"].get(f"/budget/{YEAR}/5.28.21/sager/{c2}").status_code == 404
    page = users["kle5-leder-3410"].get(f"/budget/{YEAR}/5.28.21/{UNIT}")
    assert page.status_code == 200 and "KLE5-C1" in page.text and "KLE5-C2" not in page.text
    # The audit row of the limited reader's drill-down names C1 only.
    with platform.db.connect() as conn:
        audited = conn.execute(
            select(audit_event.c.case_ids)
            .where(
                audit_event.c.username == "kle5-oekonomi-3410",
                audit_event.c.path == path,
            )
            .order_by(audit_event.c.id.desc())
            .limit(1)
        ).scalar_one()
    assert [str(c) for c in audited] == [str(_id("cC1"))]


def test_the_restricted_case_counts_in_the_line_but_shows_only_to_the_users_named_on_it(
    platform: Platform, users: dict[str, Client]
) -> None:
    path = f"/api/budget/{YEAR}/5.28.21/{UNIT}"
    c5 = str(_id("cC5"))
    for role in ("oekonomi", "leder"):
        named = users[f"kle5-{role}-navngivet"].json(path)
        other = users[f"kle5-{role}-alle"].json(path)
        # The same line, the same total: the budget adds up for both.
        assert named["total"] == other["total"]
        assert (other["total"]["spent"], other["total"]["grants"]) == ("17000.00", 3)
        line = sums(users[f"kle5-{role}-alle"].json("/api/budget", year=YEAR))["5.28.21"]
        assert line == (other["total"]["spent"], other["total"]["grants"])
        # Named: C5 is a child like the others, with its name.
        assert sorted(c["case_number"] for c in named["children"]) == [
            "KLE5-C1",
            "KLE5-C2",
            "KLE5-C5",
        ]
        assert (named["count"], named["protected"]) == (3, None)
        # Not named: C5's money in one anonymous row, no case, no child, no count of children.
        assert sorted(c["case_number"] for c in other["children"]) == ["KLE5-C1", "KLE5-C2"]
        assert other["count"] == 2
        assert other["protected"] == {
            "budget": None,
            "spent": "3000.00",
            "committed": "0.00",
            "forecast": "3000.00",
            "variance": None,
            "grants": 1,
        }
        assert c5 not in str(other) and "KLE5-C5" not in str(other)
        # The grants of C5: the named reader's, not found for the other, API and page alike.
        c5_path = f"/api/budget/{YEAR}/5.28.21/cases/{c5}"
        assert users[f"kle5-{role}-navngivet"].json(c5_path)["case_number"] == "KLE5-C5"
        assert users[f"kle5-{role}-alle"].get(c5_path).status_code == 404
        assert (
            users[f"kle5-{role}-alle"].get(f"/budget/{YEAR}/5.28.21/sager/{c5}").status_code == 404
        )
        assert last_audit(platform, f"kle5-{role}-alle", c5_path) == (404, [])
    # The audit row of the reader not named names the children shown, not C5.
    assert sorted(last_audit(platform, "kle5-oekonomi-alle", path)[1]) == sorted(
        str(_id(n)) for n in ("cC1", "cC2")
    )
    assert c5 in last_audit(platform, "kle5-oekonomi-navngivet", path)[1]
    # The pages: the named leader sees C5 and its child's name and link; the other an
    # anonymous row "Beskyttede sager" with its money and no link, name or case number.
    named_page = users["kle5-leder-navngivet"].get(f"/budget/{YEAR}/5.28.21/{UNIT}")
    assert named_page.status_code == 200
    assert "KLE5-C5" in named_page.text and "Barn C5" in named_page.text
    assert 'id="beskyttede-sager"' not in named_page.text
    page = users["kle5-leder-alle"].get(f"/budget/{YEAR}/5.28.21/{UNIT}")
    assert page.status_code == 200
    assert 'id="beskyttede-sager"' in page.text and "3.000,00" in page.text
    assert "17.000,00" in page.text and "(2 børn og beskyttede sager)" in page.text
    assert "KLE5-C5" not in page.text and "Barn C5" not in page.text and c5 not in page.text


def test_the_figures_and_their_csv_are_the_same_whether_named_on_the_restricted_case(
    users: dict[str, Client],
) -> None:
    for role in ("oekonomi", "leder"):
        named = users[f"kle5-{role}-navngivet"].json("/api/figures")["now"]
        other = users[f"kle5-{role}-alle"].json("/api/figures")["now"]
        for key in ("caseload", "spend_per_team_month", "spend_per_month", "spend_per_child"):
            assert named[key] == other[key], key
        assert december(other) == "24000.00"
        for chart in ("sagsbelastning", "forbrug-pr-team", "forbrug-pr-barn"):
            assert csv_rows(users[f"kle5-{role}-navngivet"], chart) == csv_rows(
                users[f"kle5-{role}-alle"], chart
            )
        # Spend per child per type counts C5 among the children, and names none of them.
        assert csv_rows(users[f"kle5-{role}-alle"], "forbrug-pr-barn")[0] == (
            "Nu;Fast kontaktperson;17000,00;3;5666,67"
        )


def csv_rows(client: Client, name: str) -> list[str]:
    answer = client.get(f"/api/figures/csv/{name}")
    assert answer.status_code == 200, answer.text
    return [r for r in answer.content.decode("utf-8-sig").split("\r\n") if r.startswith("Nu;")]


def december(figures: dict[str, Any]) -> str:
    (row,) = [r for r in figures["spend_per_month"] if r["month"] == f"{DECEMBER:%Y-%m}"]
    return str(row["amount"])


@pytest.mark.parametrize("role", ["oekonomi", "leder"])
def test_the_figures_and_their_csv_count_only_the_cases_under_the_kle_constraint(
    users: dict[str, Client], role: str
) -> None:
    whole = users[f"kle5-{role}-alle"].json("/api/figures")["now"]
    limited = users[f"kle5-{role}-3410"].json("/api/figures")["now"]
    caseload = {
        r["team"]: (r["open_cases"], r["children_with_measures"]) for r in whole["caseload"]
    }
    assert caseload == {"Team KLE": (5, 4)}
    assert [(r["open_cases"], r["children_with_measures"]) for r in limited["caseload"]] == [(1, 1)]
    assert (december(whole), december(limited)) == ("24000.00", "10000.00")
    per_child = {r["indsats_type"]: (r["spent"], r["children"]) for r in whole["spend_per_child"]}
    assert per_child == {"kontaktperson": ("17000.00", 3), "plejefamilie": ("7000.00", 1)}
    assert [(r["indsats_type"], r["spent"], r["children"]) for r in limited["spend_per_child"]] == [
        ("kontaktperson", "10000.00", 1)
    ]
    # The CSV downloads, API and page, say the same.
    assert csv_rows(users[f"kle5-{role}-alle"], "sagsbelastning") == ["Nu;Team KLE;5;4"]
    assert csv_rows(users[f"kle5-{role}-3410"], "sagsbelastning") == ["Nu;Team KLE;1;1"]
    assert csv_rows(users[f"kle5-{role}-3410"], "forbrug-pr-barn") == [
        "Nu;Fast kontaktperson;10000,00;1;10000,00"
    ]
    assert len(csv_rows(users[f"kle5-{role}-alle"], "forbrug-pr-barn")) == 2
    page = users[f"kle5-{role}-3410"].get("/noegletal/csv/forbrug-pr-team.csv")
    assert page.status_code == 200
    december_row = f"Nu;{DECEMBER:%Y-%m};Team KLE;10000,00"
    assert december_row in page.content.decode("utf-8-sig").split("\r\n")


def test_the_baseline_is_kept_per_kle_subject_and_shown_in_the_readers_scope(
    users: dict[str, Client],
) -> None:
    # Taken by a reader limited to 34.10: the whole municipality's, but the answer is theirs.
    taken = users["kle5-oekonomi-3410"].http.post("/api/figures/baseline", json={"note": "KLE"})
    assert taken.status_code == 201, taken.text
    assert [r["open_cases"] for r in taken.json()["caseload"]] == [1]

    def baseline(username: str) -> Any:
        return users[username].json("/api/figures")["baseline"]

    assert [r["open_cases"] for r in baseline("kle5-oekonomi-alle")["caseload"]] == [5]
    assert [r["open_cases"] for r in baseline("kle5-leder-alle")["caseload"]] == [5]
    # Exactly one subject covered: that subject's figures.
    assert [r["open_cases"] for r in baseline("kle5-oekonomi-3410")["caseload"]] == [1]
    assert [r["open_cases"] for r in baseline("kle5-leder-3410")["caseload"]] == [1]
    assert december(baseline("kle5-leder-3410")) == "10000.00"
    # Every subject covered: the whole baseline.
    assert [r["open_cases"] for r in baseline("kle5-oekonomi-34")["caseload"]] == [5]
    # Two of three subjects, or none: no baseline rather than one with others' cases.
    for username in ("kle5-oekonomi-to", "kle5-oekonomi-27"):
        view = users[username].json("/api/figures")
        assert view["baseline"] is None and view["baseline_taken_at"] is not None
        csv = users[username].get("/api/figures/csv/sagsbelastning").content.decode("utf-8-sig")
        assert not [r for r in csv.split("\r\n") if r.startswith("Baseline;")]
    page = users["kle5-oekonomi-to"].get("/noegletal")
    assert page.status_code == 200
    assert "ikke for netop de KLE-emner, du har adgang til" in page.text
    assert "Tag baseline nu" not in page.text
    # The limited reader's CSV carries the baseline of their own subject.
    rows = users["kle5-leder-3410"].get("/api/figures/csv/sagsbelastning").content
    assert "Baseline;Team KLE;1;1" in rows.decode("utf-8-sig").split("\r\n")


DST_NS = {"u": "https://boernesag.dk/schemas/dst/udgifter/1.0"}


def last_audit(platform: Platform, username: str, path: str) -> tuple[int, list[str]]:
    with platform.db.connect() as conn:
        row = conn.execute(
            select(audit_event.c.status_code, audit_event.c.case_ids)
            .where(audit_event.c.username == username, audit_event.c.path == path)
            .order_by(audit_event.c.id.desc())
            .limit(1)
        ).one()
    return row.status_code, [str(c) for c in row.case_ids]


def test_the_dst_expenditure_file_is_whole_for_a_reader_who_covers_every_case(
    platform: Platform, users: dict[str, Client], cprs: dict[str, str]
) -> None:
    answer = users["kle5-oekonomi-navngivet"].get("/api/figures/dst-udgifter", year=YEAR)
    assert answer.status_code == 200, answer.text
    whole = etree.fromstring(answer.content)
    # Every child with spend, the restricted C5 included, whatever its KLE subject.
    assert whole.findtext("u:Total", namespaces=DST_NS) == "24000.00"
    assert sorted(
        b.findtext("u:CPR", namespaces=DST_NS) for b in whole.findall("u:Barn", DST_NS)
    ) == sorted([cprs["C1"], cprs["C2"], cprs["C3"], cprs["C5"]])
    status_code, audited = last_audit(
        platform, "kle5-oekonomi-navngivet", "/api/figures/dst-udgifter"
    )
    assert status_code == 200
    assert sorted(audited) == sorted(str(_id(f"c{n}")) for n in ("C1", "C2", "C3", "C5"))
    figures_page = users["kle5-oekonomi-navngivet"].get("/noegletal")
    assert "Filen er komplet eller dannes ikke" in figures_page.text
    page = users["kle5-oekonomi-navngivet"].get("/noegletal/dst-udgifter.xml", aar=YEAR)
    assert page.status_code == 200 and cprs["C5"].encode() in page.content


@pytest.mark.parametrize(
    "username",
    [
        # KLE-limited: the file would hold C1 alone.
        "kle5-oekonomi-3410",
        # Every KLE subject, but not named on the restricted C5.
        "kle5-oekonomi-34",
        # No KLE limit, not named on C5.
        "kle5-oekonomi-alle",
        # No subject at all.
        "kle5-oekonomi-27",
    ],
)
def test_the_dst_expenditure_file_is_refused_to_a_reader_who_would_leave_a_case_out(
    platform: Platform, users: dict[str, Client], cprs: dict[str, str], username: str
) -> None:
    answer = users[username].get("/api/figures/dst-udgifter", year=YEAR)
    assert answer.status_code == 403
    assert "skal omfatte alle kommunens børn" in answer.json()["detail"]
    assert not any(cpr.encode() in answer.content for cpr in cprs.values())
    # The refusal is audited, naming no case.
    assert last_audit(platform, username, "/api/figures/dst-udgifter") == (403, [])
    page = users[username].http.get(
        "/noegletal/dst-udgifter.xml", params={"aar": YEAR}, headers={"Accept": "text/html"}
    )
    assert page.status_code == 403 and "beskyttede sager" in page.text
    assert last_audit(platform, username, "/noegletal/dst-udgifter.xml") == (403, [])


def test_the_dst_expenditure_file_of_a_year_without_spend_is_written_for_a_limited_reader(
    users: dict[str, Client],
) -> None:
    # Nothing the file needs is outside their scope: an empty file is a whole one.
    answer = users["kle5-oekonomi-3410"].get("/api/figures/dst-udgifter", year=YEAR - 5)
    assert answer.status_code == 200, answer.text
    assert etree.fromstring(answer.content).findall("u:Barn", DST_NS) == []


def test_a_reader_outside_every_subject_sees_no_money_and_no_case(
    users: dict[str, Client],
) -> None:
    nobody = users["kle5-oekonomi-27"]
    figures = nobody.json("/api/figures")["now"]
    assert [(r["open_cases"], r["children_with_measures"]) for r in figures["caseload"]] == [(0, 0)]
    assert figures["spend_per_child"] == []
    assert all(r["amount"] == "0.00" for r in figures["spend_per_month"])
    assert nobody.json(f"/api/budget/{YEAR}/5.28.21/{UNIT}")["count"] == 0
    # Nor the restricted C5's money: it lies outside their KLE constraint.
    assert nobody.json(f"/api/budget/{YEAR}/5.28.21/{UNIT}")["protected"] is None
