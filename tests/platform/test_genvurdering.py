"""D4 (BL § 137): a new underretning on a child with an open indsats or anbringelse is
re-assessed within 24 hours by someone who has not worked the case."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from api.cases.tables import measure
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually
from tests.platform.test_afgoerelse import DECISION, to_decision
from tests.platform.test_investigation import ASSESSMENT, complete, letters, open_tasks, task_named


@pytest.fixture
def colleague(platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "caseworker3")
    yield client
    client.close()


def measures(platform: Platform, case_id: str) -> list[object]:
    with platform.db.connect() as conn:
        return list(conn.execute(select(measure).where(measure.c.case_id == uuid.UUID(case_id))))


def test_new_report_during_an_indsats_goes_to_an_uninvolved_colleague(
    platform: Platform, caseworker: ApiClient, colleague: ApiClient
) -> None:
    case_id = to_decision(caseworker, "stoettende_indsats")
    complete(caseworker, task_named(caseworker, case_id, "Afgørelse"), DECISION)
    eventually(lambda: letters(platform, case_id, "afgoerelse"), what="decision sent")
    (granted,) = eventually(lambda: measures(platform, case_id))
    assert (granted.kind, granted.ended_on) == ("indsats", None)

    child_cpr = caseworker.get(f"/api/cases/{case_id}").json()["child"]["cpr"]
    again = caseworker.post(
        "/api/underretninger",
        {
            "child_cpr": child_cpr,
            "received_at": datetime.now(UTC).isoformat(),
            "reporter_type": "private",
            "concern": "Naboen hører råb fra lejligheden om natten.",
        },
    )
    assert again.status_code == 201, again.text
    assert again.json()["case_id"] == case_id
    task = task_named(caseworker, case_id, "Genvurdering ved ny underretning")
    assert "24-timers vurdering" not in open_tasks(caseworker, case_id)
    assert task["due_at"] is not None

    data = {**ASSESSMENT, "outcome": "close"}
    claimed = caseworker.post(f"/api/tasks/{task['id']}/claim", {})
    assert claimed.status_code == 403 and "§ 137" in claimed.json()["detail"]
    refused = caseworker.post(f"/api/tasks/{task['id']}/complete", data)
    assert refused.status_code == 403
    assert colleague.post(f"/api/tasks/{task['id']}/claim", {}).status_code == 200
    complete(colleague, task, data)
    eventually(lambda: "Genvurdering ved ny underretning" not in open_tasks(colleague, case_id))
