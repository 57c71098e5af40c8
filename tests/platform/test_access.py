"""Access control from the first query, and the audit row of every request.

Table-driven over every endpoint, every role and both municipalities. Someone outside the scope
gets exactly the answer a non-existent case gets.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select, update

from api.audit.tables import audit_event
from api.cases.tables import case, case_access
from api.demo.seed import user_id
from api.testdata.cpr import synthetic_cpr
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually

USERS = (
    "caseworker",
    "leader",
    "analyst",
    "operator",
    "auditor",
    "finance",
    "caseworker2",
    "admin",
)
CASE_ROLES_901 = {"caseworker", "leader", "auditor", "finance"}


def body() -> dict[str, Any]:
    return {
        "child_cpr": synthetic_cpr(uuid.uuid4().hex),
        "received_at": datetime.now(UTC).isoformat(),
        "reporter_type": "anonymous",
        "concern": "Barnet kommer ofte sultent i skole.",
    }


@pytest.fixture(scope="module")
def clients(platform: Platform) -> Iterator[dict[str, ApiClient]]:
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    made = {u: ApiClient(base, u) for u in USERS}
    yield made
    for client in made.values():
        client.close()


@pytest.fixture(scope="module")
def world(platform: Platform, clients: dict[str, ApiClient]) -> dict[str, Any]:
    """A case in each municipality, each with its open 24-hour task, and a restricted case."""
    made: dict[str, Any] = {}
    for name, user in (("north", "caseworker"), ("south", "caseworker2"), ("secret", "caseworker")):
        response = clients[user].post("/api/underretninger", body())
        assert response.status_code == 201, response.text
        case_id = response.json()["case_id"]

        def task(user: str = user, case_id: str = case_id) -> dict[str, Any] | None:
            tasks = clients[user].get("/api/tasks", case_id=case_id).json()
            return tasks[0] if tasks else None

        made[name] = {"case_id": case_id, "task": eventually(task)}
    with platform.db.begin() as conn:
        secret = uuid.UUID(made["secret"]["case_id"])
        conn.execute(update(case).where(case.c.id == secret).values(restricted=True))
        conn.execute(insert(case_access).values(case_id=secret, user_id=user_id("leader")))
    return made


def visible(name: str, user: str) -> bool:
    if name == "south":
        return user == "caseworker2"
    if name == "secret":
        return user == "leader"
    return user in CASE_ROLES_901


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("name", ["north", "south", "secret"])
def test_case_task_and_instance_reads_are_scoped(
    clients: dict[str, ApiClient], world: dict[str, Any], user: str, name: str
) -> None:
    """Case page, task list, task form and claim: in scope it works, outside it is a 404
    identical to the answer for an id that does not exist."""
    client = clients[user]
    target = world[name]
    task_id = target["task"]["id"]
    case_page = client.get(f"/api/cases/{target['case_id']}")
    listed = {t["id"] for t in client.get("/api/tasks").json()}
    form = client.get(f"/api/tasks/{task_id}/form")
    # Who has seen the case: leaders and auditors only (403 for every case alike), in scope.
    audit = client.get(f"/api/cases/{target['case_id']}/audit")
    exported = client.post("/api/audit/export", {"case_id": target["case_id"]})
    if user not in ("leader", "auditor"):
        assert audit.status_code == 403
    else:
        assert audit.status_code == (200 if visible(name, user) else 404)
    assert exported.status_code == (
        (200 if visible(name, user) else 404) if user == "auditor" else 403
    )
    if visible(name, user):
        assert case_page.status_code == 200
        assert task_id in listed
        assert form.status_code == 200 and form.json()["schema"]["id"] == "underretning_vurdering"
        assert client.get(f"/api/cases/{target['case_id']}/transfers").status_code == 200
    else:
        nobody = client.get(f"/api/cases/{uuid.uuid4()}")
        assert case_page.status_code == 404 and case_page.json() == nobody.json()
        assert task_id not in listed
        assert form.status_code == 404
        assert client.get(f"/api/cases/{target['case_id']}/transfers").status_code == 404
        for action in ("claim", "unclaim", "complete"):
            assert client.post(f"/api/tasks/{task_id}/{action}", {}).status_code == 404
        now = datetime.now(UTC).isoformat()
        case_url = f"/api/cases/{target['case_id']}"
        writes = {
            f"{case_url}/appeals": {"decision_instance_key": "1", "received_at": now},
            f"{case_url}/statements/{uuid.uuid4()}/reply": {
                "received_at": now,
                "reply": "Barnet trives i skolen.",
            },
            f"{case_url}/hearings/{uuid.uuid4()}/responses": {
                "party": 1,
                "received_at": now,
                "comments": "Ingen bemærkninger.",
            },
        }
        for url, payload in writes.items():
            assert client.post(url, payload).status_code in (403, 404), url


@pytest.mark.parametrize("user", USERS)
def test_process_instances_are_scoped_by_municipality(
    clients: dict[str, ApiClient], world: dict[str, Any], user: str
) -> None:
    """Operators and analysts see their own municipality's instances, never another's."""
    for name in ("north", "south"):
        key = world[name]["task"]["process_instance_key"]
        response = clients[user].get(f"/api/processes/instances/{key}")
        technical = user in ("operator", "analyst") and name == "north"
        assert response.status_code == (200 if technical or visible(name, user) else 404)


@pytest.mark.parametrize("user", USERS)
def test_only_caseworkers_and_leaders_receive_underretninger(
    clients: dict[str, ApiClient], user: str
) -> None:
    """Intake is for the people who work cases; other roles get 403."""
    response = clients[user].post("/api/underretninger", body())
    allowed = user in ("caseworker", "leader", "caseworker2")
    assert response.status_code == (201 if allowed else 403)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/tasks"),
        ("GET", "/api/cases/00000000-0000-0000-0000-000000000000"),
        ("POST", "/api/underretninger"),
        ("POST", "/api/tasks/1/claim"),
        ("POST", "/api/tasks/1/unclaim"),
        ("GET", "/api/tasks/1/form"),
        ("POST", "/api/tasks/1/complete"),
        ("GET", "/api/processes/instances/1"),
        ("GET", "/api/auth/me"),
        ("GET", "/api/rules"),
        ("GET", "/api/classifications?facet=funktion"),
        ("POST", "/api/cases/00000000-0000-0000-0000-000000000000/appeals"),
        (
            "POST",
            "/api/cases/00000000-0000-0000-0000-000000000000/statements/"
            "00000000-0000-0000-0000-000000000000/reply",
        ),
        (
            "POST",
            "/api/cases/00000000-0000-0000-0000-000000000000/hearings/"
            "00000000-0000-0000-0000-000000000000/responses",
        ),
        ("POST", "/api/cases/00000000-0000-0000-0000-000000000000/aktindsigt"),
        ("GET", "/api/cases/00000000-0000-0000-0000-000000000000/transfers"),
        ("GET", "/api/admin"),
        ("POST", "/api/admin/restricted-cases"),
        ("GET", "/api/cases/00000000-0000-0000-0000-000000000000/audit"),
        ("POST", "/api/audit/export"),
        ("GET", "/api/budget"),
        ("PUT", "/api/budget/2026/5.28.21/00000000-0000-0000-0000-000000000000"),
        ("GET", "/api/budget/2026/5.28.21/00000000-0000-0000-0000-000000000000"),
        ("GET", "/api/budget/2026/5.28.21/cases/00000000-0000-0000-0000-000000000000"),
        ("GET", "/api/figures"),
        ("GET", "/api/figures/csv/frister"),
        ("POST", "/api/figures/baseline"),
        ("GET", "/api/figures/dst-udgifter?year=2026"),
        (
            "GET",
            "/api/cases/00000000-0000-0000-0000-000000000000/aktindsigt/"
            "00000000-0000-0000-0000-000000000000/export",
        ),
    ],
)
def test_every_endpoint_needs_a_signed_in_user(platform: Platform, method: str, path: str) -> None:
    """Without a token, or with a wrong one, every endpoint answers 401."""
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = httpx.request(method, base + path, headers=headers, json={}, timeout=10)
        assert response.status_code == 401


def test_every_request_is_audited_with_the_cases_it_showed(
    platform: Platform, clients: dict[str, ApiClient], world: dict[str, Any]
) -> None:
    """A list records every case id it showed; a refused read is recorded without one."""
    client = clients["caseworker"]
    client.get("/api/tasks")
    client.get(f"/api/cases/{world['south']['case_id']}")
    with platform.db.connect() as conn:
        last_two = conn.execute(
            select(audit_event)
            .where(audit_event.c.username == "caseworker")
            .order_by(audit_event.c.id.desc())
            .limit(2)
        ).fetchall()
    refused, listed = last_two
    assert listed.action == "list_tasks" and listed.status_code == 200
    assert uuid.UUID(world["north"]["case_id"]) in listed.case_ids
    assert refused.action == "read_case" and refused.status_code == 404
    assert refused.case_ids == [] and refused.roles == ["caseworker"]
