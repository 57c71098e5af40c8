"""Access control from the first query, and the audit row of every request.

Table-driven over every endpoint, every role and both municipalities. Someone outside the scope
gets exactly the answer a non-existent case gets.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from api.app import create_app
from api.audit.tables import audit_event
from api.auth.service import hash_password
from api.auth.tables import user_kle
from api.cases.tables import case, case_access, measure
from api.demo.seed import unit_id, user_id
from api.dst.tables import dst_delivery
from api.finance.tables import grant_award, grant_revision
from api.org.tables import app_user, org_unit, user_role
from api.projector import tables as rm
from api.settings import Settings
from api.testdata.cpr import synthetic_cpr
from api.tilbud.tables import tilbud_offer
from api.web.session import COOKIE, CSRF_HEADER, csrf_token
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
            # 403 for roles that do not work tasks, whatever the task.
            assert client.post(f"/api/tasks/{task_id}/{action}", {}).status_code in (403, 404)
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


# --- The role x scope matrix (issue 10, item 2) -------------------------------------------------
#
# Every route of the app, taken from the app itself: a route without an entry in ROUTES fails
# `tests/unit/test_access_matrix.py` (no stack needed) and the matrix here. Seven users, one per
# role, all in Nord's (901) own unit and all with the FK data constraint KLE 34.10 (the intake's
# 34.10.10 falls under it). Five cases:
#   own                 Nord, the users' own unit, KLE 34.10.10
#   other_unit          Nord, another unit (Nord B)
#   other_municipality  Syd (902)
#   restricted          Nord, own unit, restricted and named on the team leader only
#   other_kle           Nord, own unit, KLE 34.15.25 (forældrepålæg): outside the constraint
# Each case has its 24-hour task, a `monitor_repair` instance with an incident (the target of the
# operators' routes, so cancelling it leaves the case alone) and a grant on an old, open measure
# (which also keeps the case from being closed by the close route).
#
# The rule for a route about one case (its id, task, instance, incident or grant): whoever may not
# see it gets exactly the answer an id that does not exist gets (status, body, redirect); whoever
# may see it gets something else, and no 5xx. A list shows what is in scope and omits the rest.

MATRIX_KLE = "34.10"
OTHER_KLE = "34.15.25"
SCOPES = ("own", "other_unit", "other_municipality", "restricted", "other_kle")
MATRIX_ROLES = ("caseworker", "team_leader", "auditor", "finance", "analyst", "operator", "admin")
WORKERS = frozenset({"caseworker", "team_leader"})
CASE_READERS = WORKERS | {"auditor", "finance"}
EVERYONE = CASE_READERS | {"analyst", "operator", "admin"}
ADMINS = frozenset({"admin"})
OPERATORS = frozenset({"operator"})
MODEL_READERS = frozenset({"analyst", "operator"})
UNIT_B = uuid.uuid5(uuid.NAMESPACE_URL, "boernesag:test:kle-matrix:unit-b")
NOBODY = "00000000-0000-0000-0000-000000000000"


def matrix_user(role: str) -> str:
    return f"kle-matrix-{role.replace('_', '-')}"


def case_visible(role: str, scope: str) -> bool:
    """Who sees a case: municipality, org unit (auditors and finance: the whole municipality),
    restricted (only the named team leader) and KLE (34.10 does not cover 34.15.25)."""
    if role not in CASE_READERS or scope in ("other_municipality", "other_kle"):
        return False
    if scope == "restricted":
        return role == "team_leader"
    return scope == "own" or role in ("auditor", "finance")


def technical_visible(role: str, scope: str) -> bool:
    """Who sees a case's process instances: operators and analysts their municipality's under
    their KLE constraint (restricted cases too: ids and states only); case roles their cases."""
    if role in ("operator", "analyst"):
        return scope in ("own", "other_unit", "restricted")
    return case_visible(role, scope)


def admin_visible(role: str, scope: str) -> bool:
    """The municipality's administrator finds any case of the municipality under their KLE
    constraint by its number (to restrict it)."""
    return role == "admin" and scope in ("own", "other_unit", "restricted")


def admin_restricted_visible(role: str, scope: str) -> bool:
    """... and lists the restricted ones (only the restricted case is)."""
    return role == "admin" and scope == "restricted"


VISIBILITY = {
    "case": case_visible,
    "technical": technical_visible,
    "admin": admin_visible,
    "admin_restricted": admin_restricted_visible,
}


@dataclass(frozen=True)
class Target:
    case_id: str
    case_number: str
    cpr: str
    task_id: int
    instance: int
    incident: int
    grant_id: str

    def ids(self) -> dict[str, str]:
        return {
            "case_id": self.case_id,
            "task_id": str(self.task_id),
            "instance": str(self.instance),
            "incident": str(self.incident),
            "grant_id": self.grant_id,
            "case_number": self.case_number,
        }


# Engine keys are far above these (2^51 and up): no task, instance or incident has them.
MISSING = Target(
    str(uuid.uuid4()), "901-2000-MISSING", "", 999999991, 999999992, 999999993, str(uuid.uuid4())
)


@dataclass(frozen=True)
class Keyed:
    """A route about one case: `of` names the target id in the route's first path parameter
    (none: the id goes in `params`, `json` or `form`, as "{case_id}" and the like)."""

    roles: frozenset[str]
    of: str | None = "case_id"
    visible: str = "case"
    json: Any = None
    form: dict[str, str] | None = None
    path: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] | None = None


@dataclass(frozen=True)
class Listed:
    """A list or search: it shows the target when in scope and omits it otherwise.
    `omits_only`: a capped list where only the omission can be checked."""

    roles: frozenset[str]
    shows: Callable[[httpx.Response, Target], bool]
    visible: str = "case"
    params: Callable[[Target], dict[str, Any]] | None = None
    json: Callable[[Target], Any] | None = None
    form: Callable[[Target], dict[str, str]] | None = None
    path: dict[str, str] = field(default_factory=dict)
    omits_only: bool = False


@dataclass(frozen=True)
class Unscoped:
    """No case data, or the caller's own: why, who passes the role check, and a call to check
    that with (None: not called here, `why` says where it is tested)."""

    why: str
    roles: frozenset[str] | None
    call: str | None = None
    json: Any = None
    ok: int = 200


def _json_ids(response: httpx.Response, key: str) -> set[str]:
    if response.status_code != 200:
        return set()
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {str(item[key]) for item in items}


def _count(response: httpx.Response) -> int:
    return int(response.json().get("count", 0)) if response.status_code == 200 else 0


def _future() -> str:
    return (datetime.now(UTC) + timedelta(days=30)).isoformat()


NOW = datetime.now(UTC).isoformat()
AUDIT_VIEWERS = frozenset({"team_leader", "auditor"})
BUDGET_READERS = frozenset({"team_leader", "finance", "auditor", "admin"})
# The budget readers who see cases (the admin reads sums only: no case scope).
BUDGET_CASES = BUDGET_READERS - {"admin"}
FIGURE_READERS = frozenset({"team_leader", "finance", "auditor"})
FIGURES = "counts and amounts per team and month (no case ids)"
RETENTION_READERS = frozenset({"admin", "team_leader", "auditor"})
ADMIN_CHANGE = (
    "a change to the municipality's own organisation or rules (tests/platform/test_admin.py)"
)

ROUTES: dict[tuple[str, str], Keyed | Listed | Unscoped] = {
    ("POST", "/api/auth/token"): Unscoped("the sign-in itself", None),
    ("GET", "/api/auth/me"): Unscoped("the caller's own identity", EVERYONE, "/api/auth/me"),
    ("POST", "/api/underretninger"): Unscoped(
        "creates a case in the caller's own unit (refused outside the KLE constraint: "
        "test_intake_outside_the_kle_constraint_is_refused)",
        WORKERS,
        "/api/underretninger",
        json="body",
        ok=201,
    ),
    ("GET", "/api/tasks"): Listed(EVERYONE, lambda r, t: str(t.task_id) in _json_ids(r, "id")),
    ("POST", "/api/tasks/{task_id}/claim"): Keyed(WORKERS, "task_id", json={}),
    ("POST", "/api/tasks/{task_id}/unclaim"): Keyed(WORKERS, "task_id", json={}),
    ("GET", "/api/tasks/{task_id}/form"): Keyed(CASE_READERS, "task_id"),
    # An empty submission is refused by the form's required fields: nothing is completed.
    ("POST", "/api/tasks/{task_id}/complete"): Keyed(WORKERS, "task_id", json={}),
    ("GET", "/api/cases/{case_id}"): Keyed(CASE_READERS),
    ("POST", "/api/cases/{case_id}/appeals"): Keyed(
        WORKERS, json={"decision_instance_key": "1", "received_at": NOW}
    ),
    ("POST", "/api/cases/{case_id}/statements/{request_id}/reply"): Keyed(
        WORKERS,
        json={"received_at": NOW, "reply": "Barnet trives i skolen."},
        path={"request_id": NOBODY},
    ),
    ("POST", "/api/cases/{case_id}/hearings/{hearing_id}/responses"): Keyed(
        WORKERS,
        json={"party": 1, "received_at": NOW, "comments": "Ingen bemærkninger."},
        path={"hearing_id": NOBODY},
    ),
    ("POST", "/api/cases/{case_id}/decisions"): Keyed(
        WORKERS, json={"subject": "stoettende_indsats"}
    ),
    # Refused in scope too (409): the case has an open measure.
    ("POST", "/api/cases/{case_id}/close"): Keyed(WORKERS, json={}),
    ("GET", "/api/processes/definitions"): Unscoped(
        "counts per process version over the caller's technical scope, no case ids",
        OPERATORS,
        "/api/processes/definitions",
    ),
    ("GET", "/api/processes/instances"): Listed(
        OPERATORS,
        lambda r, t: str(t.instance) in _json_ids(r, "key"),
        "technical",
        params=lambda t: {"case_id": t.case_id},
    ),
    ("GET", "/api/processes/instances/{key}/view"): Keyed(OPERATORS, "instance", "technical"),
    ("GET", "/api/incidents"): Listed(
        OPERATORS,
        lambda r, t: str(t.incident) in _json_ids(r, "key"),
        "technical",
        params=lambda t: {"instance": t.instance},
    ),
    # Without expected_count a batch is only previewed: the count is the list.
    ("POST", "/api/incidents/batch/retry"): Listed(
        OPERATORS, lambda r, t: _count(r) > 0, "technical", json=lambda t: {"instance": t.instance}
    ),
    ("POST", "/api/incidents/{key}/retry"): Keyed(OPERATORS, "incident", "technical", json={}),
    ("POST", "/api/incidents/{key}/resolve"): Keyed(OPERATORS, "incident", "technical", json={}),
    ("POST", "/api/processes/instances/batch/cancel"): Listed(
        OPERATORS, lambda r, t: _count(r) > 0, "technical", json=lambda t: {"case_id": t.case_id}
    ),
    # In scope this cancels the monitor_repair instance (not the case's own processes).
    ("POST", "/api/processes/instances/{key}/cancel"): Keyed(OPERATORS, "instance", "technical"),
    ("POST", "/api/processes/instances/{key}/variables"): Keyed(
        OPERATORS, "instance", "technical", json={"variables": {"kleMatrixProbe": 1}}
    ),
    ("POST", "/api/processes/instances/{key}/modify"): Keyed(
        OPERATORS, "instance", "technical", json={}
    ),
    ("POST", "/api/processes/instances/{key}/migrate"): Keyed(
        OPERATORS, "instance", "technical", json={"target_version": 999}
    ),
    ("GET", "/api/processes/instances/{key}"): Keyed(EVERYONE, "instance", "technical"),
    ("GET", "/api/rules"): Unscoped("the deadline rules", EVERYONE, "/api/rules"),
    # A receipt time in the future is refused after the scope check: nothing is registered.
    ("POST", "/api/cases/{case_id}/aktindsigt"): Keyed(
        WORKERS, json={"requester_cpr": "0202149911", "received_at": _future()}
    ),
    ("GET", "/api/cases/{case_id}/aktindsigt/{request_id}/export"): Keyed(
        WORKERS, path={"request_id": NOBODY}
    ),
    ("POST", "/api/cases/{case_id}/journal-notes"): Keyed(
        WORKERS, json={"title": "Adgangstest", "text": "Notat fra adgangstesten."}
    ),
    ("GET", "/api/dst/leveringer"): Unscoped(
        "the municipality's deliveries to DST (status, reasons, counts; no case ids)",
        OPERATORS,
        "/api/dst/leveringer",
    ),
    ("POST", "/api/dst/koersler"): Unscoped(
        "starts the reporting run now (tests/platform/test_dst.py)", OPERATORS
    ),
    ("GET", "/api/cases/{case_id}/transfers"): Keyed(CASE_READERS),
    ("GET", "/api/classifications"): Unscoped(
        "the classification from SF1510", EVERYONE, "/api/classifications?facet=kle"
    ),
    ("POST", "/api/deployments"): Unscoped(
        "deploys process models (tests/platform/test_deployments.py)", frozenset({"analyst"})
    ),
    ("GET", "/api/deployments"): Unscoped("process models", MODEL_READERS, "/api/deployments"),
    ("GET", "/api/modeler/processes"): Unscoped(
        "process models", MODEL_READERS, "/api/modeler/processes"
    ),
    ("GET", "/api/modeler/processes/{bpmn_process_id}/versions"): Unscoped(
        "process models", MODEL_READERS, "/api/modeler/processes/underretning/versions"
    ),
    ("GET", "/api/modeler/processes/{bpmn_process_id}/versions/{version}"): Unscoped(
        "process models", MODEL_READERS, "/api/modeler/processes/underretning/versions/1"
    ),
    ("GET", "/api/modeler/files"): Unscoped("process models", MODEL_READERS, "/api/modeler/files"),
    ("GET", "/api/modeler/files/{name}"): Unscoped(
        "process models", MODEL_READERS, "/api/modeler/files/underretning.bpmn"
    ),
    ("GET", "/api/modeler/element-templates"): Unscoped(
        "the modeller's element templates", MODEL_READERS, "/api/modeler/element-templates"
    ),
    ("GET", "/api/modeler/registry"): Unscoped(
        "the job type registry", MODEL_READERS, "/api/modeler/registry"
    ),
    ("GET", "/api/cases/{case_id}/grants"): Keyed(CASE_READERS),
    # An unknown price unit is refused after the scope check: no revision is made.
    ("POST", "/api/grants/{grant_id}/revisions"): Keyed(
        WORKERS,
        "grant_id",
        json={"effective_from": "2000-06-01", "reason": "Adgangstest", "unit": "ukendt"},
    ),
    ("POST", "/api/payments/runs"): Unscoped(
        "starts the municipality's payment run; the answer names the period only "
        "(tests/platform/test_payments.py)",
        frozenset({"finance", "team_leader"}),
    ),
    ("GET", "/health"): Unscoped("the stack's health", None),
    ("GET", "/metrics"): Unscoped(
        "Prometheus counters by route template, no ids; the scraper's own bearer token", None
    ),
    ("GET", "/log-ind"): Unscoped("the sign-in page", None),
    ("POST", "/log-ind"): Unscoped("the sign-in", None),
    ("POST", "/log-ud"): Unscoped("ends the caller's own session (tests/browser)", EVERYONE),
    ("GET", "/status"): Unscoped("the stack's health", None),
    ("GET", "/"): Listed(WORKERS, lambda r, t: f"/opgaver/{t.task_id}" in r.text),
    ("POST", "/opgaver/{task_id}/tag"): Keyed(WORKERS, "task_id", form={}),
    ("POST", "/opgaver/{task_id}/slip"): Keyed(WORKERS, "task_id", form={}),
    ("POST", "/opgaver/{task_id}/tildel"): Keyed(
        frozenset({"team_leader"}), "task_id", form={"assignee": ""}
    ),
    ("POST", "/filtre"): Unscoped("the caller's own saved filters (tests/browser)", WORKERS),
    ("POST", "/filtre/{filter_id}/slet"): Unscoped(
        "the caller's own saved filters (tests/browser)", WORKERS
    ),
    ("GET", "/opgaver/{task_id}"): Keyed(CASE_READERS, "task_id"),
    ("POST", "/opgaver/{task_id}/udkast"): Keyed(CASE_READERS, "task_id", json={}),
    ("POST", "/opgaver/{task_id}/afslut"): Keyed(CASE_READERS, "task_id", json={}),
    ("GET", "/sager/{case_id}"): Keyed(CASE_READERS),
    # No kind chosen: the page comes back with the error, nothing is written.
    ("POST", "/sager/{case_id}/notater"): Keyed(WORKERS, form={"kind": ""}),
    # Nothing typed: the page comes back with the field errors, nothing is registered.
    ("POST", "/sager/{case_id}/statusudtalelser/{request_id}"): Keyed(
        WORKERS, form={"svar": ""}, path={"request_id": NOBODY}
    ),
    ("POST", "/sager/{case_id}/hoeringer/{hearing_id}"): Keyed(
        WORKERS, form={"part": ""}, path={"hearing_id": NOBODY}
    ),
    ("POST", "/sager/{case_id}/klager"): Keyed(WORKERS, form={"afgoerelse": ""}),
    ("GET", "/underretninger/ny"): Unscoped(
        "the intake's empty form", WORKERS, "/underretninger/ny"
    ),
    ("POST", "/underretninger/ny/find"): Listed(
        WORKERS, lambda r, t: t.case_number in r.text, form=lambda t: {"cpr": t.cpr}
    ),
    ("POST", "/underretninger/ny"): Unscoped(
        "creates a case through POST /api/underretninger (tests/browser/test_intake.py)", WORKERS
    ),
    ("GET", "/soeg"): Unscoped("the empty search page", WORKERS, "/soeg"),
    ("POST", "/soeg"): Listed(
        WORKERS, lambda r, t: f"/sager/{t.case_id}" in r.text, form=lambda t: {"q": t.cpr}
    ),
    ("GET", "/leder"): Listed(
        frozenset({"team_leader"}), lambda r, t: f"/sager/{t.case_id}" in r.text, omits_only=True
    ),
    ("POST", "/leder/opgaver/{task_id}/tildel"): Keyed(
        frozenset({"team_leader"}), "task_id", form={"assignee": matrix_user("caseworker")}
    ),
    ("POST", "/leder/daekning"): Unscoped(
        "moves a colleague's tasks found through the caller's case scope (tests/browser)",
        frozenset({"team_leader"}),
    ),
    ("GET", "/drift"): Listed(
        OPERATORS,
        lambda r, t: f"/drift/instanser/{t.instance}" in r.text,
        "technical",
        params=lambda t: {"sag": t.case_id},
    ),
    ("GET", "/drift/instanser/{key}"): Keyed(OPERATORS, "instance", "technical"),
    ("GET", "/drift/static/dist/{name}"): Unscoped("the viewer's script", None),
    ("POST", "/drift/instanser/{key}/annuller"): Keyed(OPERATORS, "instance", "technical", form={}),
    ("POST", "/drift/instanser/{key}/variabler"): Keyed(
        OPERATORS, "instance", "technical", form={"navn": "kleMatrixProbe", "vaerdi": "2"}
    ),
    ("POST", "/drift/instanser/{key}/aendr"): Keyed(
        OPERATORS, "instance", "technical", form={"afbryd": "1"}
    ),
    ("POST", "/drift/instanser/{key}/flyt"): Keyed(
        OPERATORS, "instance", "technical", form={"version": "999"}
    ),
    ("POST", "/drift/haendelser/{incident}/{action}"): Keyed(
        OPERATORS, "incident", "technical", form={}, path={"action": "loes"}
    ),
    ("POST", "/drift/batch/{action}"): Listed(
        OPERATORS,
        lambda r, t: 'id="antal"' in r.text,
        "technical",
        form=lambda t: {"sag": t.case_id},
        path={"action": "annuller"},
    ),
    ("GET", "/modellering"): Unscoped("the modeller page", frozenset({"analyst"}), "/modellering"),
    ("GET", "/modellering/static/dist/{name}"): Unscoped("the modeller's script", None),
    # The offer catalogue (issue 11): offers are the municipality's, not a case's; a case id
    # (distances from the child's address) and a task (the decision form's panel) are scoped.
    ("GET", "/api/tilbud"): Keyed(CASE_READERS, None, params={"case_id": "{case_id}"}),
    ("GET", "/api/tilbud/koder"): Unscoped(
        "the catalogue's code lists", CASE_READERS, "/api/tilbud/koder"
    ),
    ("GET", "/api/tilbud/{offer_id}"): Keyed(CASE_READERS, None, params={"case_id": "{case_id}"}),
    ("POST", "/api/tilbud/{offer_id}/priser"): Unscoped(
        "the municipality's negotiated price of an offer (tests/platform/test_tilbud.py)",
        frozenset({"team_leader", "finance"}),
    ),
    ("POST", "/api/tilbud/{offer_id}/erfaringer"): Unscoped(
        "the municipality's experience of an offer (tests/platform/test_tilbud.py)", WORKERS
    ),
    ("GET", "/opgaver/{task_id}/tilbud"): Keyed(CASE_READERS, "task_id"),
    ("GET", "/opgaver/{task_id}/tilbud/sammenlign"): Keyed(
        CASE_READERS, "task_id", params={"id": "{offer_id}"}
    ),
    ("GET", "/tilbud/{offer_id}"): Unscoped(
        "an offer with the municipality's prices and experiences (tests/platform/test_tilbud.py)",
        CASE_READERS,
    ),
    ("POST", "/tilbud/{offer_id}/erfaringer"): Unscoped(
        "the municipality's experience of an offer (tests/browser)", WORKERS
    ),
    ("POST", "/tilbud/{offer_id}/priser"): Unscoped(
        "the municipality's negotiated price of an offer (tests/browser)",
        frozenset({"team_leader", "finance"}),
    ),
    # Municipal administration (issue 10, item 5): the restricted cases are case data, found by
    # number within the municipality and the admin's KLE constraint; the rest is organisation.
    ("GET", "/api/admin"): Listed(ADMINS, lambda r, t: t.case_number in r.text, "admin_restricted"),
    ("GET", "/api/admin/restricted-cases"): Listed(
        ADMINS, lambda r, t: t.case_number in r.text, "admin_restricted"
    ),
    # Without a reason nothing is changed: in scope the only complaint is the reason.
    ("POST", "/api/admin/restricted-cases"): Keyed(
        ADMINS, None, "admin", json={"case_number": "{case_number}", "reason": ""}
    ),
    ("POST", "/api/admin/restricted-cases/{case_number}/lift"): Keyed(
        ADMINS, "case_number", "admin_restricted", json={"reason": ""}
    ),
    ("GET", "/administration"): Listed(
        ADMINS, lambda r, t: t.case_number in r.text, "admin_restricted"
    ),
    ("POST", "/administration/beskyttede"): Keyed(
        ADMINS, None, "admin", form={"case_number": "{case_number}", "reason": ""}
    ),
    ("POST", "/administration/beskyttede/{case_number}/ophaev"): Keyed(
        ADMINS, "case_number", "admin_restricted", form={"reason": ""}
    ),
    ("GET", "/api/admin/units"): Unscoped("the municipality's teams", ADMINS, "/api/admin/units"),
    ("POST", "/api/admin/units"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("PUT", "/api/admin/units/{unit_id}"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("DELETE", "/api/admin/units/{unit_id}"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("PUT", "/api/admin/users/{username}/org-unit"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("GET", "/api/admin/fk-roles"): Unscoped(
        "the municipality's FK role mapping", ADMINS, "/api/admin/fk-roles"
    ),
    ("POST", "/api/admin/fk-roles"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("DELETE", "/api/admin/fk-roles"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("GET", "/api/admin/approval"): Unscoped(
        "the municipality's approval rules", ADMINS, "/api/admin/approval"
    ),
    ("PUT", "/api/admin/approval"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("GET", "/api/admin/calendar"): Unscoped(
        "the municipality's closing days", ADMINS, "/api/admin/calendar"
    ),
    ("POST", "/api/admin/calendar/closing-days"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("DELETE", "/api/admin/calendar/closing-days/{day}"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("GET", "/api/admin/changes"): Unscoped(
        "the municipality's change log: who changed what (ids, no case data)",
        ADMINS,
        "/api/admin/changes",
    ),
    ("POST", "/administration/enheder"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("POST", "/administration/enheder/{unit_id}"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("POST", "/administration/enheder/{unit_id}/slet"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("POST", "/administration/medarbejdere/{username}"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("POST", "/administration/roller"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("POST", "/administration/roller/fjern"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("POST", "/administration/godkendelse"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("POST", "/administration/lukkedage"): Unscoped(ADMIN_CHANGE, ADMINS),
    ("POST", "/administration/lukkedage/{day}/fjern"): Unscoped(ADMIN_CHANGE, ADMINS),
    # Who has seen the case (issue 10, item 3): leaders and auditors, in their case scope.
    ("GET", "/api/cases/{case_id}/audit"): Keyed(AUDIT_VIEWERS),
    ("GET", "/sager/{case_id}/adgang"): Keyed(AUDIT_VIEWERS),
    ("POST", "/api/audit/export"): Keyed(
        frozenset({"auditor"}), None, json={"case_id": "{case_id}"}
    ),
    # Budgets (issue 11): a child's grants and a line's children are case data (case scope);
    # the overview is sums per funktion and org unit. The grants are from 2000.
    ("GET", "/api/budget"): Unscoped(
        "sums per funktion and org unit (amounts and counts, no case ids)",
        BUDGET_READERS,
        "/api/budget?year=2000",
    ),
    ("GET", "/api/budget/{year}/{funktion}/cases/{case_id}"): Keyed(
        BUDGET_CASES, path={"year": "2000", "funktion": "5.28.21"}
    ),
    ("GET", "/api/budget/{year}/{funktion}/{org_unit_id}"): Listed(
        BUDGET_CASES,
        lambda r, t: t.case_id in r.text,
        path={"year": "2000", "funktion": "5.28.21"},
        omits_only=True,
    ),
    ("PUT", "/api/budget/{year}/{funktion}/{org_unit_id}"): Unscoped(
        "sets a budget line (tests/platform/test_budget.py)", BUDGET_READERS - {"auditor"}
    ),
    ("GET", "/budget"): Unscoped(
        "sums per funktion and org unit (amounts and counts, no case ids)",
        BUDGET_READERS,
        "/budget?year=2000",
    ),
    ("POST", "/budget/saet"): Unscoped(
        "sets a budget line (tests/browser/test_budget.py)", BUDGET_READERS - {"auditor"}
    ),
    ("GET", "/budget/{year}/{funktion}/sager/{case_id}"): Keyed(
        BUDGET_CASES, path={"year": "2000", "funktion": "5.28.21"}
    ),
    ("GET", "/budget/{year}/{funktion}/{org_unit_id}"): Listed(
        BUDGET_CASES,
        lambda r, t: t.case_id in r.text,
        path={"year": "2000", "funktion": "5.28.21"},
        omits_only=True,
    ),
    # Key figures: counts and amounts per team and month, no case ids.
    ("GET", "/api/figures"): Unscoped(FIGURES, FIGURE_READERS, "/api/figures"),
    ("GET", "/api/figures/csv/{name}"): Unscoped(
        FIGURES, FIGURE_READERS, "/api/figures/csv/frister"
    ),
    ("POST", "/api/figures/baseline"): Unscoped(
        "takes the go-live baseline once (tests/platform/test_figures.py)",
        frozenset({"finance"}),
    ),
    ("GET", "/api/figures/dst-udgifter"): Unscoped(
        "the municipality's expenses for DST (amounts per funktion)",
        frozenset({"finance"}),
        "/api/figures/dst-udgifter?year=2000",
    ),
    ("GET", "/noegletal"): Unscoped(FIGURES + " (tests/browser)", FIGURE_READERS),
    ("GET", "/noegletal/csv/{name}.csv"): Unscoped(FIGURES + " (tests/browser)", FIGURE_READERS),
    ("POST", "/noegletal/baseline"): Unscoped(
        "takes the go-live baseline once (tests/browser)", frozenset({"finance"})
    ),
    ("GET", "/noegletal/dst-udgifter.xml"): Unscoped(
        "the municipality's expenses for DST (tests/browser)", frozenset({"finance"})
    ),
    ("GET", "/noegletal/static/dist/{name}"): Unscoped("the charts' script", None),
    # Retention (issue 10, item 4): rules and runs of the municipality; a run's report lists
    # its cases under the reader's KLE constraint (tests/platform/test_retention.py).
    ("GET", "/api/retention/regler"): Unscoped(
        "the KLE retention rules", RETENTION_READERS, "/api/retention/regler"
    ),
    ("PUT", "/api/retention/regler/{kle_prefix}"): Unscoped(
        "the municipality's own retention rule (tests/platform/test_retention.py)", ADMINS
    ),
    ("DELETE", "/api/retention/regler/{kle_prefix}"): Unscoped(
        "the municipality's own retention rule (tests/platform/test_retention.py)", ADMINS
    ),
    ("GET", "/api/retention/koersler"): Unscoped(
        "the municipality's retention runs (counts)", RETENTION_READERS, "/api/retention/koersler"
    ),
    ("GET", "/api/retention/koersler/{run_id}"): Unscoped(
        "a run's report, its rows under the reader's KLE constraint "
        "(tests/platform/test_retention.py)",
        RETENTION_READERS,
    ),
    ("POST", "/api/retention/koersler"): Unscoped(
        "starts a retention run (tests/platform/test_retention.py)",
        frozenset({"admin", "operator"}),
    ),
    ("GET", "/saml/metadata"): Unscoped("the SP's SAML metadata", None),
    ("GET", "/saml/login"): Unscoped("starts an SSO sign-in", None),
    ("POST", "/saml/acs"): Unscoped("the IdP's answer", None),
    ("GET", "/saml/logout"): Unscoped("the IdP's logout answer", None),
}


def app_routes() -> list[tuple[str, str]]:
    """Every method and path the app serves (FastAPI 0.163 keeps included routers nested)."""
    app = create_app(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))

    def walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
        for route in routes:
            if isinstance(route, APIRoute):
                for method in sorted(route.methods or ()):
                    yield method, prefix + route.path
            elif hasattr(route, "original_router"):
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)

    return sorted(set(walk(list(app.routes))))


class MatrixClient:
    """One signed-in user for the API (bearer) and the pages (session cookie and CSRF header)."""

    def __init__(self, base: str, username: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        token = self.http.post("/api/auth/token", data={"username": username, "password": "demo"})
        assert token.status_code == 200, token.text
        value = token.json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {value}"
        self.http.headers[CSRF_HEADER] = csrf_token(value)
        self.http.cookies.set(COOKIE, value)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        form: dict[str, str] | None = None,
    ) -> httpx.Response:
        if form is not None:
            return self.http.request(method, path, params=params, data=form)
        if json is not None:
            return self.http.request(method, path, params=params, json=json)
        return self.http.request(method, path, params=params)


def _seed_matrix(conn: Any) -> None:
    conn.execute(
        pg_insert(org_unit)
        .values(
            id=UNIT_B,
            municipality_id="901",
            name="Børne- og ungerådgivningen Nord B (adgangstest)",
            duty_group="901-adgangstest-b",
            leader_group="901-adgangstest-b-ledere",
        )
        .on_conflict_do_nothing()
    )
    password = hash_password("demo")
    users = [(matrix_user(r), r, MATRIX_KLE) for r in MATRIX_ROLES]
    # A caseworker of the same unit whose constraint is the other KLE subject's group only.
    users.append(("kle-matrix-paalaeg", "caseworker", "34.15"))
    for username, role, kle in users:
        uid = user_id(username)
        conn.execute(
            pg_insert(app_user)
            .values(
                id=uid,
                username=username,
                display_name=f"Adgangstest {role}",
                municipality_id="901",
                org_unit_id=unit_id("901"),
                password_hash=password,
            )
            .on_conflict_do_nothing()
        )
        conn.execute(pg_insert(user_role).values(user_id=uid, role=role).on_conflict_do_nothing())
        conn.execute(pg_insert(user_kle).values(user_id=uid, kle=kle).on_conflict_do_nothing())


def _grant(conn: Any, case_id: uuid.UUID) -> str:
    """An old grant on an open measure of the case (2000: no payment run of today pays it)."""
    measure_id, grant_id = uuid.uuid4(), uuid.uuid4()
    conn.execute(
        insert(measure).values(
            id=measure_id,
            case_id=case_id,
            kind="indsats",
            legal_basis="BL § 32, stk. 1, nr. 1",
            decision_instance_key=-int(uuid.uuid4().int % 10**15) - 1,
            started_on=date(2000, 1, 1),
        )
    )
    conn.execute(
        insert(grant_award).values(
            id=grant_id,
            case_id=case_id,
            measure_id=measure_id,
            municipality_id=conn.execute(
                select(case.c.municipality_id).where(case.c.id == case_id)
            ).scalar_one(),
            component="ydelse",
            indsats_type="familiebehandling",
            provider_type="privat",
            provider_name="Adgangstest ApS",
            creditor_kind="CVR",
            creditor_number="12345678",
            service="Familiebehandling",
            funktion="5.28.21",
            dranst="1",
            art="5.9",
        )
    )
    conn.execute(
        insert(grant_revision).values(
            grant_id=grant_id,
            revision=1,
            price=Decimal("1000.00"),
            unit="maaned",
            starts_on=date(2000, 1, 1),
            expected_end=date(2000, 3, 31),
            effective_from=date(2000, 1, 1),
            reason="Adgangstest",
        )
    )
    return str(grant_id)


@pytest.fixture(scope="module")
def matrix(platform: Platform) -> Iterator[dict[str, Any]]:
    """The five cases and a signed-in client per role (see the comment above ROUTES)."""
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    with platform.db.begin() as conn:
        _seed_matrix(conn)
    makers = {
        "caseworker": ApiClient(base, "caseworker"),
        "caseworker2": ApiClient(base, "caseworker2"),
    }
    made: dict[str, dict[str, Any]] = {}
    for scope in SCOPES:
        maker = makers["caseworker2" if scope == "other_municipality" else "caseworker"]
        sent = body()
        response = maker.post("/api/underretninger", sent)
        assert response.status_code == 201, response.text
        made[scope] = {"case_id": response.json()["case_id"], "cpr": sent["child_cpr"]}
    for scope, facts in made.items():
        maker = makers["caseworker2" if scope == "other_municipality" else "caseworker"]

        def task(maker: ApiClient = maker, case_id: str = facts["case_id"]) -> Any:
            tasks = maker.get("/api/tasks", case_id=case_id).json()
            return tasks[0] if tasks else None

        facts["task"] = eventually(task, what=f"the 24-hour task of the {scope} case")
        facts["instance"] = platform.engine.start("monitor_repair", {"caseId": facts["case_id"]})
    for maker in makers.values():
        maker.close()
    targets: dict[str, Target] = {}
    with platform.db.begin() as conn:
        for scope, facts in made.items():
            cid = uuid.UUID(facts["case_id"])
            if scope == "other_unit":
                conn.execute(update(case).where(case.c.id == cid).values(org_unit_id=UNIT_B))
            if scope == "restricted":
                conn.execute(update(case).where(case.c.id == cid).values(restricted=True))
                leader = user_id(matrix_user("team_leader"))
                conn.execute(insert(case_access).values(case_id=cid, user_id=leader))
            if scope == "other_kle":
                conn.execute(update(case).where(case.c.id == cid).values(kle_subject=OTHER_KLE))
            facts["grant_id"] = _grant(conn, cid)
            facts["case_number"] = conn.execute(
                select(case.c.case_number).where(case.c.id == cid)
            ).scalar_one()

    def incident(key: int) -> Any:
        with platform.db.connect() as conn:
            return conn.execute(
                select(rm.incident.c.incident_key).where(
                    rm.incident.c.process_instance_key == key, rm.incident.c.state == "ACTIVE"
                )
            ).scalar()

    for scope, facts in made.items():
        key = facts["instance"]
        found = eventually(partial(incident, key), what=f"the {scope} probe's incident")
        targets[scope] = Target(
            case_id=facts["case_id"],
            case_number=facts["case_number"],
            cpr=facts["cpr"],
            task_id=int(facts["task"]["id"]),
            instance=key,
            incident=int(found),
            grant_id=facts["grant_id"],
        )
    clients = {role: MatrixClient(base, matrix_user(role)) for role in MATRIX_ROLES}
    with platform.db.connect() as conn:
        offer = conn.execute(select(tilbud_offer.c.id).limit(1)).scalar_one()
    context = {"offer_id": str(offer), "org_unit_id": str(unit_id("901"))}
    yield {"targets": targets, "clients": clients, "context": context}
    for client in clients.values():
        client.http.close()
    # The probe instances that no matrix operator could cancel (Syd's, the other KLE's).
    for target in targets.values():
        with contextlib.suppress(Exception):  # cancelled already, by the matrix
            platform.engine.cancel(target.instance)


def _values(spec: Keyed | Listed, target: Target, context: dict[str, str]) -> dict[str, str]:
    return {**target.ids(), **context, **spec.path}


def _format(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _format(v, values) for k, v in value.items()}
    return value.format(**values) if isinstance(value, str) else value


def _fill(path: str, spec: Keyed | Listed, target: Target, context: dict[str, str]) -> str:
    values = _values(spec, target, context)
    if isinstance(spec, Keyed) and spec.of is not None and f"{{{spec.of}}}" not in path:
        # {key}: an instance or an incident.
        first = path.split("{", 1)[1].split("}", 1)[0]
        values[first] = target.ids()[spec.of]
    return path.format(**values)


def _call(
    client: MatrixClient,
    method: str,
    path: str,
    spec: Keyed | Listed,
    target: Target,
    context: dict[str, str],
) -> httpx.Response:
    url = _fill(path, spec, target, context)
    if isinstance(spec, Keyed):
        values = _values(spec, target, context)
        return client.call(
            method,
            url,
            params=_format(spec.params, values),
            json=_format(spec.json, values),
            form=_format(spec.form, values),
        )
    return client.call(
        method,
        url,
        params=spec.params(target) if spec.params else None,
        json=spec.json(target) if spec.json else None,
        form=spec.form(target) if spec.form else None,
    )


def _seen(response: httpx.Response, target: Target) -> tuple[int, str, str]:
    """The answer with the target's own ids taken out, to compare with a missing id's answer."""
    text, location = response.text, response.headers.get("location", "")
    for value in sorted(target.ids().values(), key=len, reverse=True):
        text, location = text.replace(value, "{id}"), location.replace(value, "{id}")
    return response.status_code, text, location


def _probe_route(method: str, path: str, spec: Keyed | Listed, matrix: dict[str, Any]) -> list[str]:
    wrong: list[str] = []
    outcomes: set[bool] = set()
    context: dict[str, str] = matrix["context"]
    for role, client in matrix["clients"].items():
        missing = (0, "", "")
        if isinstance(spec, Keyed):
            missing = _seen(_call(client, method, path, spec, MISSING, context), MISSING)
        for scope, target in matrix["targets"].items():
            sees = role in spec.roles and VISIBILITY[spec.visible](role, scope)
            outcomes.add(sees)
            response = _call(client, method, path, spec, target, context)
            where = f"{method} {path} as {role} on {scope}: {response.status_code}"
            if response.status_code >= 500:
                wrong.append(f"{where} (server error) {response.text[:200]}")
            elif isinstance(spec, Keyed):
                answer = _seen(response, target)
                if sees and answer == missing:
                    wrong.append(f"{where}, answered as for a missing id")
                if not sees and answer != missing:
                    wrong.append(
                        f"{where}, not the missing id's {missing[0]}: {response.text[:200]}"
                    )
            else:
                shown = spec.shows(response, target)
                if shown and not sees:
                    wrong.append(f"{where}, lists a case out of scope")
                if sees and not shown and not spec.omits_only:
                    wrong.append(f"{where}, omits a case in scope")
    # Each route is tried both by someone who sees the case and by someone who does not.
    if outcomes != {True, False}:
        wrong.append(f"{method} {path}: the matrix never expects {not outcomes.pop()}")
    return wrong


def test_the_role_scope_matrix(matrix: dict[str, Any]) -> None:
    """Every route about cases, for every role and every scope. In sorted order: the GETs (the
    lists among them) before the POSTs, and each batch preview before the cancel or resolve
    that changes its target."""
    wrong: list[str] = []
    for method, path in app_routes():
        spec = ROUTES[(method, path)]
        if isinstance(spec, Keyed | Listed):
            wrong += _probe_route(method, path, spec, matrix)
    assert not wrong, "\n".join(wrong)


def test_routes_without_case_data_check_the_role(matrix: dict[str, Any]) -> None:
    wrong: list[str] = []
    for (method, _path), spec in ROUTES.items():
        if not isinstance(spec, Unscoped) or spec.call is None or spec.roles is None:
            continue
        for role, client in matrix["clients"].items():
            payload = body() if spec.json == "body" else spec.json
            response = client.call(method, spec.call, json=payload)
            expected = spec.ok if role in spec.roles else 403
            if response.status_code != expected:
                wrong.append(
                    f"{method} {spec.call} as {role}: {response.status_code} != {expected}"
                )
    assert not wrong, "\n".join(wrong)


def test_without_a_kle_constraint_there_is_no_kle_limit(
    clients: dict[str, ApiClient], matrix: dict[str, Any]
) -> None:
    """The development users have no KLE constraint (as an FK role without a data constraint):
    they see the other KLE subject's case and instance, the matrix users do not."""
    target: Target = matrix["targets"]["other_kle"]
    assert clients["caseworker"].get(f"/api/cases/{target.case_id}").status_code == 200
    assert clients["auditor"].get(f"/api/cases/{target.case_id}").status_code == 200
    assert clients["operator"].get(f"/api/processes/instances/{target.instance}").status_code == 200
    matrix_caseworker = matrix["clients"]["caseworker"]
    assert matrix_caseworker.call("GET", f"/api/cases/{target.case_id}").status_code == 404


def test_intake_outside_the_kle_constraint_is_refused(
    platform: Platform, matrix: dict[str, Any]
) -> None:
    """A caseworker whose constraint is 34.15 sees the 34.15.25 case, not the 34.10.10 one, and
    cannot receive an underretning (it would be filed under 34.10.10, out of their sight)."""
    client = MatrixClient(f"http://127.0.0.1:{platform.stack.ports.api}", "kle-matrix-paalaeg")
    try:
        targets: dict[str, Target] = matrix["targets"]
        assert client.call("GET", f"/api/cases/{targets['other_kle'].case_id}").status_code == 200
        assert client.call("GET", f"/api/cases/{targets['own'].case_id}").status_code == 404
        refused = client.call("POST", "/api/underretninger", json=body())
        assert refused.status_code == 403
        assert "34.10.10" in refused.json()["detail"]
    finally:
        client.http.close()


@pytest.mark.parametrize(("method", "path"), app_routes())
def test_every_route_needs_a_signed_in_user(platform: Platform, method: str, path: str) -> None:
    """Without a token (or with a wrong one) an API route answers 401 and a page sends the
    browser to the sign-in; only the routes the matrix calls public answer anyone."""
    spec = ROUTES[(method, path)]
    if isinstance(spec, Unscoped) and spec.roles is None:
        return
    url = f"http://127.0.0.1:{platform.stack.ports.api}" + path.format(
        **{p: "1" for p in re.findall(r"{(\w+)}", path)}
    )
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = httpx.request(method, url, headers=headers, json={}, timeout=10)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
        else:
            assert response.status_code in (303, 401, 403), (method, path)
            if response.status_code == 303:
                assert response.headers["location"].startswith("/log-ind")


def test_dst_deliveries_are_the_operators_municipalitys_only(
    platform: Platform, clients: dict[str, ApiClient]
) -> None:
    """The operators' list of DST deliveries shows their own municipality's, not another's."""
    ids = {mid: f"adgangstest-{mid}-{uuid.uuid4().hex[:8]}" for mid in ("901", "902")}
    with platform.db.begin() as conn:
        for mid, delivery_id in ids.items():
            conn.execute(
                insert(dst_delivery).values(
                    id=uuid.uuid4(),
                    delivery_id=delivery_id,
                    municipality_id=mid,
                    run_key=delivery_id,
                    status="accepted",
                    content_sha256="",
                    content_size=0,
                    event_count=0,
                )
            )
    try:
        shown = {d["delivery_id"] for d in clients["operator"].get("/api/dst/leveringer").json()}
        assert ids["901"] in shown and ids["902"] not in shown
    finally:
        with platform.db.begin() as conn:
            conn.execute(delete(dst_delivery).where(dst_delivery.c.delivery_id.in_(ids.values())))


def test_a_task_is_never_handed_to_a_colleague_who_cannot_see_the_case(
    matrix: dict[str, Any],
) -> None:
    """A team leader hands the 34.10.10 case's task to a colleague of the same team whose KLE
    constraint is 34.15: refused with the reason, from the leader page and the overview alike;
    to a colleague under 34.10 it goes."""
    leader: MatrixClient = matrix["clients"]["team_leader"]
    task = matrix["targets"]["own"].task_id
    for path, back in (
        (f"/leder/opgaver/{task}/tildel", "/leder"),
        (f"/opgaver/{task}/tildel", "/"),
    ):
        refused = leader.call("POST", path, form={"assignee": "kle-matrix-paalaeg"})
        assert refused.status_code == 303, refused.text
        assert refused.headers["location"].startswith(f"{back}?besked=uden_adgang")
    handed = leader.call(
        "POST", f"/leder/opgaver/{task}/tildel", form={"assignee": matrix_user("caseworker")}
    )
    assert handed.headers["location"].startswith("/leder?besked=tildelt")
