"""A completion whose answer from the engine is lost (a timeout after the request went out).

The engine may or may not have completed the task. The submitted document must stay submitted,
so the process's next step finds it, and the caseworker's retry must end in 204 either way."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.cases.tables import form_document
from api.clock import current
from api.engine.user_tasks import EngineUncertain, UserTasks
from api.settings import get_settings
from api.testdata.cpr import synthetic_cpr
from tests.harness.platform import Platform
from tests.harness.sso import settings_for
from tests.harness.waiting import eventually

SUBMISSION = {"acute_risk": "no", "assessment": "Ingen grund til bekymring.", "outcome": "close"}


class LosingAnswers:
    """The engine client, except that the next completion's answer is lost: with `reach` the
    request reaches the engine first (it completes the task), without it the request is lost."""

    def __init__(self, real: UserTasks) -> None:
        self.real = real
        self.lose_next: bool | None = None  # None: behave; True: reach then lose; False: lose

    def complete(self, key: int, variables: dict[str, Any]) -> None:
        reach, self.lose_next = self.lose_next, None
        if reach is None:
            self.real.complete(key, variables)
            return
        if reach:
            self.real.complete(key, variables)
        raise EngineUncertain("ReadTimeout")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture()
def app_client(platform: Platform) -> Iterator[tuple[TestClient, LosingAnswers]]:
    env = platform.stack.app_env()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            if name.startswith("BS_") or name == "DATABASE_URL":
                patch.setenv(name, value)
        get_settings.cache_clear()
        current.cache_clear()
        try:
            with TestClient(create_app(settings_for(env))) as client:
                engine = LosingAnswers(client.app.state.user_tasks)  # type: ignore[attr-defined]
                client.app.state.user_tasks = engine  # type: ignore[attr-defined]
                token = client.post(
                    "/api/auth/token", data={"username": "caseworker", "password": "demo"}
                ).json()["access_token"]
                client.headers["Authorization"] = f"Bearer {token}"
                yield client, engine
        finally:
            get_settings.cache_clear()
            current.cache_clear()


def open_assessment(client: TestClient) -> dict[str, Any]:
    created = client.post(
        "/api/underretninger",
        json={
            "child_cpr": synthetic_cpr(uuid.uuid4().hex),
            "received_at": datetime.now(UTC).isoformat(),
            "reporter_type": "private",
            "concern": "Barnet har blå mærker på armene.",
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]

    def task() -> Any:
        tasks = client.get("/api/tasks", params={"case_id": case_id}).json()
        return next((t for t in tasks if t["name"] == "24-timers vurdering"), None)

    found: dict[str, Any] = eventually(task, what="the 24-hour assessment task")
    return found


def status_of(platform: Platform, key: int) -> str:
    with platform.db.connect() as conn:
        return str(
            conn.execute(
                select(form_document.c.status).where(form_document.c.user_task_key == key)
            ).scalar()
        )


@pytest.mark.parametrize("reached", [True, False], ids=["engine-completed", "request-lost"])
def test_a_lost_answer_keeps_the_submission_and_the_retry_completes(
    platform: Platform, app_client: tuple[TestClient, LosingAnswers], reached: bool
) -> None:
    client, engine = app_client
    task = open_assessment(client)
    engine.lose_next = reached
    response = client.post(f"/api/tasks/{task['id']}/complete", json=SUBMISSION)
    assert response.status_code == 503
    assert "det indsendte er gemt" in response.json()["detail"]
    # Submitted, not a draft: if the engine went on, its next step finds the document.
    assert status_of(platform, int(task["id"])) == "submitted"

    again = eventually(
        lambda: (
            client.post(f"/api/tasks/{task['id']}/complete", json=SUBMISSION).status_code == 204
        ),
        what="the retry accepted",
    )
    assert again
    assert status_of(platform, int(task["id"])) == "submitted"
    form = client.get(f"/api/tasks/{task['id']}/form").json()
    assert (form["status"], form["data"]) == ("submitted", SUBMISSION)


def test_another_users_unconfirmed_submission_is_not_sent_again(
    platform: Platform, app_client: tuple[TestClient, LosingAnswers]
) -> None:
    """Only the user who submitted may resend it; anyone else is told the task is taken."""
    client, engine = app_client
    task = open_assessment(client)
    engine.lose_next = False
    assert client.post(f"/api/tasks/{task['id']}/complete", json=SUBMISSION).status_code == 503
    # A colleague in the same team, who sees the task.
    other = client.post(
        "/api/auth/token", data={"username": "caseworker3", "password": "demo"}
    ).json()
    response = client.post(
        f"/api/tasks/{task['id']}/complete",
        json=SUBMISSION,
        headers={"Authorization": f"Bearer {other['access_token']}"},
    )
    assert response.status_code == 409, response.text
    assert status_of(platform, int(task["id"])) == "submitted"
