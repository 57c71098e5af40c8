"""The synthetic year's deadline compliance (issue 11, item 5): a small synthetic year seeded as
`make run` seeds Demo Nord, in a municipality of its own (909), shows on the leader's page and
on Nøgletal the compliance figures of the deadlines it generated: the counts it says it made,
shares in whole percent, the late ones with their reasons, and a baseline as of 9 months ago.
Retention takes a case's kept deadlines with it, and anonymising keeps them without reasons."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from api.auth.service import hash_password
from api.calendar.months import add_months
from api.cases.tables import case, deadline_history
from api.demo import synthetic
from api.figures.service import take_baseline_if_missing
from api.org.tables import app_user, municipality, org_unit, user_role
from api.retention.service import anonymise_case, delete_case
from api.web.compliance import history_counts, history_outcome
from api.web.session import COOKIE
from tests.harness.api import ApiClient
from tests.harness.platform import Platform

M = "909"
NS = uuid.UUID("3c0f7a51-2b8e-4d09-a1c6-5e7d9b2f4a18")
UNIT = uuid.uuid5(NS, "unit")
USERS = {"frister-leder": "team_leader", "frister-oekonomi": "finance"}
CHILDREN = 60


@pytest.fixture(scope="module")
def made(platform: Platform) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    with platform.db.begin() as conn:
        conn.execute(insert(municipality).values(id=M, name="Fristtest Kommune", cvr="90900009"))
        conn.execute(
            insert(org_unit).values(
                id=UNIT,
                municipality_id=M,
                name="Team Frister",
                duty_group=f"{M}-frister",
                leader_group=f"{M}-frister-ledere",
            )
        )
        for username, role in USERS.items():
            user = uuid.uuid5(NS, username)
            conn.execute(
                insert(app_user).values(
                    id=user,
                    username=username,
                    display_name=username,
                    municipality_id=M,
                    org_unit_id=UNIT,
                    password_hash=hash_password("demo"),
                )
            )
            conn.execute(insert(user_role).values(user_id=user, role=role))
        made = synthetic.seed_year(conn, M, UNIT, children=CHILDREN, today=today, budgets=False)
        assert take_baseline_if_missing(conn, M, add_months(today, -9))
    return made


@pytest.fixture(scope="module")
def users(platform: Platform, made: dict[str, Any]) -> Iterator[dict[str, ApiClient]]:
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    clients = {name: ApiClient(base, name) for name in USERS}
    for client in clients.values():
        # The pages read the session cookie (the same token).
        token = client.http.headers["Authorization"].removeprefix("Bearer ")
        client.http.cookies.set(COOKIE, token)
    yield clients
    for client in clients.values():
        client.close()


def counts(compliance: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    return {
        r["key"]: {"met": r["met"], "breached": r["breached"], "running": r["running"]}
        for r in compliance
    }


@pytest.mark.parametrize("username", list(USERS))
def test_the_figures_count_the_generated_deadlines(
    users: dict[str, ApiClient], made: dict[str, Any], username: str
) -> None:
    assert made["deadlines"] == 4 * CHILDREN
    view = users[username].get("/api/figures").json()
    compliance = view["now"]["compliance"]
    assert counts(compliance) == made["compliance"]
    for r in compliance:
        # Every measure has a share, and most deadlines were met, but not all.
        assert r["percent"] is not None and 50 <= r["percent"] < 100, r
        assert r["met"] + r["breached"] + r["running"] >= CHILDREN // 2, r


def test_the_baseline_counts_the_deadlines_as_they_stood_9_months_ago(
    users: dict[str, ApiClient],
) -> None:
    view = users["frister-oekonomi"].get("/api/figures").json()
    now, before = counts(view["now"]["compliance"]), counts(view["baseline"]["compliance"])
    assert sum(before["bfu"].values()) > 0 and before["bfu"]["met"] > 0
    # Fewer had started then than now.
    for key, figures in now.items():
        assert sum(before[key].values()) < sum(figures.values()), key


@pytest.mark.parametrize("months_ago", [0, 4, 9, 14])
def test_the_kept_deadlines_are_counted_in_sql_by_the_rule(
    platform: Platform, made: dict[str, Any], months_ago: int
) -> None:
    """`history_counts` (SQL) counts as `history_outcome` (Python) says, at moments when
    deadlines had not started, were open, or were done only later."""
    moment = datetime.combine(add_months(datetime.now(UTC).date(), -months_ago), time(12), UTC)
    with platform.db.connect() as conn:
        in_sql = history_counts(conn, case.c.municipality_id == M, moment)
        rows = conn.execute(
            select(deadline_history)
            .join(case, case.c.id == deadline_history.c.case_id)
            .where(case.c.municipality_id == M)
        ).all()
    by_rule: dict[tuple[str, str], int] = {}
    for r in rows:
        outcome = history_outcome(r.started_at, r.due_at, r.done_at, moment)
        if outcome is not None:
            by_rule[(r.rule, outcome)] = by_rule.get((r.rule, outcome), 0) + 1
    assert {(rule, outcome): n for rule, outcome, n in in_sql} == by_rule
    assert by_rule or months_ago == 14


def test_the_leader_page_shows_the_shares_and_the_reasons_for_late_deadlines(
    platform: Platform, users: dict[str, ApiClient], made: dict[str, Any]
) -> None:
    page = users["frister-leder"].get("/leder")
    assert page.status_code == 200, page.text
    for key, figures in made["compliance"].items():
        row = re.search(rf'<tr data-maal="{key}">(.*?)</tr>', page.text, re.S)
        assert row is not None, key
        cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
        decided = figures["met"] + figures["breached"]
        assert cells[1:] == [
            str(figures["met"]),
            str(figures["breached"]),
            str(figures["running"]),
            f"{round(100 * figures['met'] / decided)} %",
        ], key
    # The late deadlines are listed with the reasons kept, on the synthetic cases.
    assert any(reason in page.text for reason in synthetic.LATE_REASONS)
    assert "SYN-909-" in page.text
    figures_page = users["frister-leder"].get("/noegletal")
    assert figures_page.status_code == 200
    assert "Ingen endnu" not in figures_page.text
    csv = users["frister-leder"].get("/api/figures/csv/frister").content.decode("utf-8-sig")
    assert "Nu;Børnefaglig undersøgelse inden for 4 måneder;BL § 20, stk. 3;" in csv


def test_retention_takes_the_kept_deadlines_with_the_case(
    platform: Platform, made: dict[str, Any]
) -> None:
    with platform.db.begin() as conn:
        first, second = conn.execute(
            select(case.c.id)
            .where(case.c.municipality_id == M)
            .order_by(case.c.case_number)
            .limit(2)
        ).scalars()
        # Give the second a reason to lose.
        conn.execute(
            deadline_history.update()
            .where(deadline_history.c.case_id == second)
            .values(reason="Afventede udtalelse fra skolen")
        )
        delete_case(conn, first)
        anonymise_case(conn, second)
    with platform.db.connect() as conn:
        kept = conn.execute(
            select(deadline_history.c.case_id, deadline_history.c.reason).where(
                deadline_history.c.case_id.in_([first, second])
            )
        ).all()
    assert {r.case_id for r in kept} == {second} and len(kept) == 4
    assert all(r.reason is None for r in kept)
