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
from typing import Any

import pytest
from sqlalchemy import select

from api.monitor.tables import monitor_action
from api.testdata.cpr import synthetic_child_cpr
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually

PROCESS = "monitor_repair"


@pytest.fixture(scope="module")
def operator(platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "operator")
    yield client
    client.close()


@pytest.fixture(scope="module")
def case_id(caseworker: ApiClient) -> str:
    """A case of the operator's municipality (Nord, 901) for the fixture instances to belong to."""
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
        lambda: set(keys_of(operator, started_from=since, element="monitor_wait")) == set(waiting)
        and set(keys_of(operator, started_from=since, incident=True)) == set(failing),
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
