"""The operators' monitor on the real engine: definitions with counts, instances with filters and
keyset paging, and the repairs (retry, set variables, modify, cancel, batch cancel and retry,
moving to a new version), each recorded; only for operators.

The fixture process `monitor_repair` runs `platform.echo-token` once (retries 1): started
without a `token` the job fails and becomes an incident at once; with one it goes on to wait for
a message (`monitor_wait`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from api.audit.tables import audit_event
from api.auth.service import hash_password
from api.demo.seed import unit_id, user_id
from api.monitor.tables import monitor_action
from api.org.tables import app_user, user_role
from api.testdata.cpr import synthetic_child_cpr
from tests.harness.api import ApiClient
from tests.harness.platform import FIXTURES, Platform
from tests.harness.waiting import eventually

PROCESS = "monitor_repair"


@pytest.fixture(scope="module")
def operator(platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "operator")
    yield client
    client.close()


def new_case(caseworker: ApiClient) -> str:
    """A case of the operator's municipality (Nord, 901), from an underretning."""
    now = datetime.now(UTC)
    created = caseworker.post(
        "/api/underretninger",
        {
            "child_cpr": synthetic_child_cpr(uuid.uuid4().hex, now.date()),
            "received_at": now.isoformat(),
            "reporter_type": "private",
            "concern": "Barnet kommer ofte for sent i skole.",
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["case_id"])


@pytest.fixture(scope="module")
def case_id(caseworker: ApiClient) -> str:
    """The case the fixture instances belong to."""
    return new_case(caseworker)


def start(platform: Platform, case_id: str, token: str | None = None) -> int:
    variables: dict[str, Any] = {"caseId": case_id}
    if token is not None:
        variables["token"] = token
    return platform.engine.start(PROCESS, variables)


def listing(operator: ApiClient, **params: Any) -> dict[str, Any]:
    response = operator.get("/api/processes/instances", process=PROCESS, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def keys_of(operator: ApiClient, **params: Any) -> list[int]:
    return [int(i["key"]) for i in listing(operator, limit=500, **params)["items"]]


def view(operator: ApiClient, key: int) -> dict[str, Any]:
    response = operator.get(f"/api/processes/instances/{key}/view")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def active_at(operator: ApiClient, key: int, element_id: str) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        elements = view(operator, key)["elements"]
        return next(
            (e for e in elements if e["element_id"] == element_id and e["state"] == "ACTIVE"), None
        )

    return eventually(find, what=f"{key} active at {element_id}")


def open_incident(operator: ApiClient, key: int) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        items = operator.get("/api/incidents", instance=key).json()["items"]
        return items[0] if items else None

    return eventually(find, what=f"an incident on {key}")


def state_of(operator: ApiClient, key: int, state: str) -> dict[str, Any]:
    return eventually(lambda: (v := view(operator, key))["state"] == state and v, what=state)


def actions(platform: Platform, key: int) -> list[Any]:
    with platform.db.connect() as conn:
        return list(
            conn.execute(
                select(monitor_action)
                .where(monitor_action.c.process_instance_keys.contains([key]))
                .order_by(monitor_action.c.id)
            )
        )


def definition(operator: ApiClient) -> dict[str, Any]:
    rows = operator.get("/api/processes/definitions").json()
    latest: dict[str, Any] = max(
        (d for d in rows if d["bpmn_process_id"] == PROCESS), key=lambda d: d["version"]
    )
    return latest


def test_instances_filters_and_keyset_paging(
    platform: Platform, operator: ApiClient, case_id: str
) -> None:
    since = datetime.now(UTC).isoformat()
    waiting = [start(platform, case_id, token=f"t{i}") for i in range(5)]
    failing = [start(platform, case_id) for _ in range(2)]
    mine = set(waiting + failing)
    eventually(
        lambda: (
            set(keys_of(operator, started_from=since, element="monitor_wait")) == set(waiting)
            and set(keys_of(operator, started_from=since, incident=True)) == set(failing)
        ),
        what="five waiting and two with an incident",
    )

    seen: list[int] = []
    after = None
    pages = 0
    while True:
        page = listing(operator, started_from=since, limit=3, after=after)
        seen += [int(i["key"]) for i in page["items"]]
        pages += 1
        if page["next"] is None:
            break
        after = page["next"]
    assert pages == 3 and len(seen) == 7 and set(seen) == mine
    assert seen == sorted(seen, reverse=True)  # newest first, no row twice

    assert set(keys_of(operator, started_from=since, incident=False)) == set(waiting)
    assert set(keys_of(operator, started_from=since, element="monitor_echo")) == set(failing)
    assert set(keys_of(operator, started_from=since, case_id=case_id)) == mine
    assert keys_of(operator, started_from=since, case_id=str(uuid.uuid4())) == []
    assert keys_of(operator, started_to=since, started_from=since) == []
    assert keys_of(operator, started_from=since, state="COMPLETED") == []
    version = listing(operator, started_from=since)["items"][0]["version"]
    assert set(keys_of(operator, started_from=since, version=version)) == mine
    assert keys_of(operator, started_from=since, version=version + 100) == []
    item = listing(operator, started_from=since, limit=1)["items"][0]
    assert item["case_id"] == case_id and item["state"] == "ACTIVE"
    bad = operator.get("/api/processes/instances", state="RUNNING")
    assert bad.status_code == 422


def test_definitions_count_active_incident_and_terminated(
    platform: Platform, operator: ApiClient, case_id: str
) -> None:
    before = definition(operator)
    waiting = start(platform, case_id, token="t")
    failing = start(platform, case_id)
    open_incident(operator, failing)
    active_at(operator, waiting, "monitor_wait")
    after = definition(operator)
    assert after["active"] == before["active"] + 2
    assert after["incidents"] == before["incidents"] + 1
    assert operator.post(f"/api/processes/instances/{failing}/cancel").status_code == 200
    state_of(operator, failing, "TERMINATED")
    final = definition(operator)
    assert final["active"] == before["active"] + 1
    assert final["incidents"] == before["incidents"]  # a cancelled instance's incident resolves
    assert final["terminated"] == before["terminated"] + 1


def test_an_incident_is_repaired_by_setting_a_variable_and_retrying(
    platform: Platform, operator: ApiClient, case_id: str
) -> None:
    key = start(platform, case_id)
    incident = open_incident(operator, key)
    assert incident["element_id"] == "monitor_echo" and incident["job_key"]
    assert "Platform: ekko" in incident["message"]

    fixed = operator.post(
        f"/api/processes/instances/{key}/variables", {"variables": {"token": "repareret"}}
    )
    assert fixed.status_code == 200, fixed.text
    retried = operator.post(f"/api/incidents/{incident['key']}/retry", {"retries": 2})
    assert retried.status_code == 200, retried.text
    assert retried.json()["outcome"] == "ok"

    active_at(operator, key, "monitor_wait")  # the job ran again and the instance went on
    shown = view(operator, key)
    assert {"name": "echoedToken", "value": "repareret", "scope_key": str(key)} in shown[
        "variables"
    ]
    assert [i["state"] for i in shown["incidents"]] == ["RESOLVED"]
    assert [a["action"] for a in shown["actions"]] == ["retry", "set-variables"]
    assert {"handling: retry", "hændelse", "hændelse løst"} <= {
        h["event"] for h in shown["history"]
    }
    again = operator.post(f"/api/incidents/{incident['key']}/retry")
    assert again.status_code == 409

    rows = actions(platform, key)
    assert [(r.action, r.outcome, r.username) for r in rows] == [
        ("set-variables", "ok", "operator"),
        ("retry", "ok", "operator"),
    ]
    assert rows[0].parameters == {"names": ["token"], "scope_key": str(key)}  # names, no values
    assert rows[1].parameters["retries"] == 2 and rows[1].results == {str(key): "ok"}
    with platform.db.connect() as conn:
        audited = conn.execute(
            select(audit_event.c.path, audit_event.c.status_code, audit_event.c.case_ids).where(
                audit_event.c.username == "operator",
                audit_event.c.path == f"/api/incidents/{incident['key']}/retry",
            )
        ).all()
    assert sorted(a.status_code for a in audited) == [200, 409]
    assert any(str(c) == case_id for a in audited for c in a.case_ids)


@pytest.mark.parametrize(
    "variables",
    [
        {"note": "0101001234"},
        {"note": {"nested": ["Barnets CPR er 010100-1234"]}},
        {"barnetsNavn": "A"},
        {"caseId": str(uuid.UUID(int=1))},
        {"1bad": 1},
        {},
    ],
    ids=["cpr", "nested-cpr", "name", "reserved", "bad-name", "empty"],
)
def test_setting_variables_refuses_personal_data_and_sends_nothing(
    platform: Platform, operator: ApiClient, case_id: str, variables: dict[str, Any]
) -> None:
    key = start(platform, case_id, token="t")
    active_at(operator, key, "monitor_wait")
    refused = operator.post(f"/api/processes/instances/{key}/variables", {"variables": variables})
    assert refused.status_code == 422, refused.text
    assert actions(platform, key) == []


def test_modify_terminates_one_element_and_activates_another(
    platform: Platform, operator: ApiClient, case_id: str
) -> None:
    before = definition(operator)
    key = start(platform, case_id, token="t")
    waiting = active_at(operator, key, "monitor_wait")
    nothing = operator.post(f"/api/processes/instances/{key}/modify", {})
    assert nothing.status_code == 422
    unknown = operator.post(
        f"/api/processes/instances/{key}/modify", {"activate": [{"element_id": "no_such"}]}
    )
    assert unknown.status_code == 409, unknown.text
    assert unknown.json()["outcome"] == "refused"

    modified = operator.post(
        f"/api/processes/instances/{key}/modify",
        {"activate": [{"element_id": "monitor_done"}], "terminate": [int(waiting["key"])]},
    )
    assert modified.status_code == 200, modified.text
    state_of(operator, key, "COMPLETED")
    assert definition(operator)["completed"] == before["completed"] + 1
    assert [(r.action, r.outcome) for r in actions(platform, key)] == [
        ("modify", "refused"),
        ("modify", "ok"),
    ]


def test_cancel_and_its_refusals(platform: Platform, operator: ApiClient, case_id: str) -> None:
    key = start(platform, case_id, token="t")
    active_at(operator, key, "monitor_wait")
    assert operator.post(f"/api/processes/instances/{key}/cancel").status_code == 200
    state_of(operator, key, "TERMINATED")
    assert operator.post(f"/api/processes/instances/{key}/cancel").status_code == 409
    assert operator.post("/api/processes/instances/12345/cancel").status_code == 404


def cancel_all_running(operator: ApiClient) -> None:
    preview = operator.post("/api/processes/instances/batch/cancel", {"process": PROCESS})
    count = preview.json()["count"]
    if count:
        done = operator.post(
            "/api/processes/instances/batch/cancel", {"process": PROCESS, "expected_count": count}
        )
        assert done.status_code == 200, done.text
    eventually(lambda: keys_of(operator, state="ACTIVE") == [], what="none running")


def test_batch_cancel_previews_the_count_and_needs_it_confirmed(
    platform: Platform, operator: ApiClient, case_id: str
) -> None:
    since = datetime.now(UTC).isoformat()
    keys = {start(platform, case_id, token=f"b{i}") for i in range(3)}
    where = {"started_from": since, "element": "monitor_wait"}
    eventually(lambda: set(keys_of(operator, **where)) == keys, what="three waiting")
    flt = {"process": PROCESS, **where}

    preview = operator.post("/api/processes/instances/batch/cancel", flt)
    assert preview.status_code == 200
    assert preview.json()["preview"] is True and preview.json()["count"] == 3
    assert set(keys_of(operator, started_from=since, state="ACTIVE")) == keys  # nothing done

    stale = operator.post("/api/processes/instances/batch/cancel", {**flt, "expected_count": 2})
    assert stale.status_code == 409 and stale.json()["count"] == 3

    done = operator.post("/api/processes/instances/batch/cancel", {**flt, "expected_count": 3})
    assert done.status_code == 200, done.text
    assert done.json()["outcome"] == "ok"
    assert set(map(int, done.json()["results"])) == keys
    eventually(
        lambda: set(keys_of(operator, started_from=since, state="TERMINATED")) == keys,
        what="all three cancelled",
    )
    (row,) = {r.id: r for k in keys for r in actions(platform, k)}.values()
    assert row.action == "batch-cancel" and set(row.process_instance_keys) == keys
    assert row.parameters["filter"]["element"] == "monitor_wait"


def test_batch_retry_over_the_filtered_incidents(
    platform: Platform, operator: ApiClient, case_id: str
) -> None:
    cancel_all_running(operator)
    keys = {start(platform, case_id) for _ in range(2)}
    for key in keys:
        open_incident(operator, key)
        fixed = operator.post(
            f"/api/processes/instances/{key}/variables", {"variables": {"token": "igen"}}
        )
        assert fixed.status_code == 200
    flt = {"process": PROCESS, "element": "monitor_echo"}
    preview = operator.post("/api/incidents/batch/retry", flt)
    assert preview.json() == {"preview": True, "count": 2, "max": 1000}
    done = operator.post("/api/incidents/batch/retry", {**flt, "expected_count": 2})
    assert done.status_code == 200, done.text
    assert set(map(int, done.json()["results"])) == keys
    for key in keys:
        active_at(operator, key, "monitor_wait")
    cancel_all_running(operator)


@pytest.mark.parametrize("username", ["caseworker", "analyst", "leader"])
def test_only_operators(platform: Platform, username: str, case_id: str) -> None:
    key = start(platform, case_id, token="t")
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", username)
    try:
        for path in (
            "/api/processes/definitions",
            "/api/processes/instances",
            f"/api/processes/instances/{key}/view",
            "/api/incidents",
        ):
            assert client.get(path).status_code == 403, path
        for path, body in (
            (f"/api/processes/instances/{key}/cancel", None),
            (f"/api/processes/instances/{key}/variables", {"variables": {"x": 1}}),
            ("/api/processes/instances/batch/cancel", {"process": PROCESS}),
            ("/api/incidents/batch/retry", {"process": PROCESS}),
        ):
            assert client.post(path, body).status_code == 403, path
    finally:
        client.close()
    assert actions(platform, key) == []
    with platform.db.connect() as conn:
        refused = conn.execute(
            select(audit_event.c.status_code).where(
                audit_event.c.username == username,
                audit_event.c.path == f"/api/processes/instances/{key}/cancel",
            )
        ).scalars()
        assert list(refused) == [403]


def test_another_municipality_sees_none_of_it(
    platform: Platform, operator: ApiClient, case_id: str
) -> None:
    """An instance of a case in Nord is not found for an operator of Syd."""
    key = start(platform, case_id, token="t")
    active_at(operator, key, "monitor_wait")
    with platform.db.begin() as conn:
        conn.execute(
            insert(app_user)
            .values(
                id=user_id("operator-syd"),
                username="operator-syd",
                display_name="Otto Operatør Syd",
                municipality_id="902",
                org_unit_id=unit_id("902"),
                password_hash=hash_password("demo"),
            )
            .on_conflict_do_nothing()
        )
        conn.execute(
            insert(user_role)
            .values(user_id=user_id("operator-syd"), role="operator")
            .on_conflict_do_nothing()
        )
    syd = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "operator-syd")
    try:
        assert syd.get(f"/api/processes/instances/{key}/view").status_code == 404
        assert syd.post(f"/api/processes/instances/{key}/cancel").status_code == 404
        assert key not in keys_of(syd)
        # Other tests leave Syd instances of other processes (a transfer's receiving side);
        # the monitor's test process has none in Syd.
        ours = [
            d
            for d in syd.get("/api/processes/definitions").json()
            if d["bpmn_process_id"] == PROCESS
        ]
        assert ours and all(d["active"] == 0 for d in ours)
    finally:
        syd.close()


def test_moving_to_a_new_version_migrates_or_restarts_at_the_same_element(
    platform: Platform, operator: ApiClient, case_id: str, tmp_path: Path
) -> None:
    """A service task with an incident migrates; a waiting message catch event cannot (8.5), so
    it is restarted at the same element on the new version, with the instance's variables."""
    failing = start(platform, case_id)
    incident = open_incident(operator, failing)
    waiting = start(platform, case_id, token="flyt")
    active_at(operator, waiting, "monitor_wait")
    version = view(operator, waiting)["version"]
    source = (FIXTURES / "bpmn" / f"{PROCESS}.bpmn").read_text()
    changed = tmp_path / f"{PROCESS}.bpmn"
    changed.write_text(source.replace('name="Drift: reparation"', 'name="Drift: reparation 2"'))
    platform.engine.deploy(changed)
    eventually(lambda: definition(operator)["version"] == version + 1, what="version 2 projected")

    unknown = operator.post(
        f"/api/processes/instances/{failing}/migrate", {"target_version": version + 5}
    )
    assert unknown.status_code == 409 and unknown.json()["outcome"] == "refused"

    migrated = operator.post(
        f"/api/processes/instances/{failing}/migrate", {"target_version": version + 1}
    )
    assert migrated.status_code == 200, migrated.text
    eventually(lambda: view(operator, failing)["version"] == version + 1, what="migrated")
    assert open_incident(operator, failing)["key"] == incident["key"]  # the incident moved along

    tried = operator.post(
        f"/api/processes/instances/{waiting}/migrate", {"target_version": version + 1}
    )
    # Zeebe 8.5 cannot migrate a waiting catch event: refused, with a restart offered.
    assert tried.status_code == 409, tried.text
    assert tried.json()["restart_possible"] is True
    assert tried.json()["blockers"] == [
        "monitor_wait: Zeebe 8.5 kan ikke flytte denne slags element"
    ]
    restarted = operator.post(
        f"/api/processes/instances/{waiting}/migrate",
        {"target_version": version + 1, "mode": "restart"},
    )
    assert restarted.status_code == 200, restarted.text
    new_key = int(restarted.json()["new_key"])
    assert restarted.json()["started_at_elements"] == ["monitor_wait"]
    state_of(operator, waiting, "TERMINATED")
    active_at(operator, new_key, "monitor_wait")
    moved = view(operator, new_key)
    assert moved["version"] == version + 1 and moved["case_id"] == case_id
    values = {v["name"]: v["value"] for v in moved["variables"]}
    assert values["token"] == "flyt" and values["echoedToken"] == "flyt"
    assert [a["action"] for a in view(operator, waiting)["actions"]] == ["restart", "migrate"]
    cancel_all_running(operator)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/processes/definitions"),
        ("GET", "/api/processes/instances"),
        ("GET", "/api/processes/instances/1/view"),
        ("GET", "/api/incidents"),
        ("POST", "/api/incidents/1/retry"),
        ("POST", "/api/incidents/batch/retry"),
        ("POST", "/api/processes/instances/1/cancel"),
        ("POST", "/api/processes/instances/batch/cancel"),
        ("POST", "/api/processes/instances/1/migrate"),
    ],
)
def test_signed_out_gets_401(platform: Platform, method: str, path: str) -> None:
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = httpx.request(method, base + path, headers=headers, json={}, timeout=10)
        assert response.status_code == 401
