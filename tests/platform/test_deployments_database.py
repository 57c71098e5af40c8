"""POST /api/deployments with the database unreachable: before the deploy, and after the engine
accepted it. Never a 500, and no deployment without a record.

The API runs in the test process (as in test_task_completion_uncertain.py) on an engine of its
own, so the test can cut exactly its database connections (pg_terminate_backend on its
application_name) or point it at a port where nothing listens."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyzeebe.errors import ProcessDefinitionNotFoundError
from sqlalchemy import Engine, create_engine, event, select, text

import api.modeler.checks
import api.modeler.engine
from api.app import create_app
from api.audit.tables import audit_event
from api.clock import current
from api.modeler import records
from api.modeler.tables import deployment, deployment_file
from api.projector.tables import process_definition
from api.settings import get_settings
from tests.harness import models as m
from tests.harness.platform import Platform
from tests.harness.sso import settings_for
from tests.harness.waiting import eventually

APP_NAME = "deploy-db-test"


class App:
    def __init__(self, platform: Platform, client: TestClient, own: Engine) -> None:
        self.platform = platform
        self.client = client
        self.down = False

        @event.listens_for(own, "do_connect")
        def refused_while_down(dialect: Any, conn_rec: Any, cargs: Any, cparams: Any) -> None:
            if self.down:  # a port where nothing listens: a real refused connection
                cparams.update(host="127.0.0.1", port=1)

    def cut(self) -> None:
        """Drops every database connection the in-process API holds."""
        with self.platform.app_db.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": APP_NAME},
            )

    def unreachable(self) -> None:
        """The database is gone for the API: its connections dropped, new ones refused."""
        self.down = True
        self.cut()

    def reachable(self) -> None:
        self.down = False

    def deploy(self, *files: tuple[str, str]) -> Any:
        return self.client.post(
            "/api/deployments",
            files=[("files", (name, content.encode())) for name, content in files],
        )


@pytest.fixture()
def app(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    env = platform.stack.app_env()
    for name, value in env.items():
        if name.startswith("BS_") or name == "DATABASE_URL":
            monkeypatch.setenv(name, value)
    monkeypatch.setattr(records, "RETRY_DELAYS", (0.05, 0.1))
    get_settings.cache_clear()
    current.cache_clear()
    try:
        with TestClient(create_app(settings_for(env))) as client:
            own = create_engine(
                env["DATABASE_URL"],
                pool_size=2,
                pool_pre_ping=True,
                connect_args={"application_name": APP_NAME},
            )
            client.app.state.engine = own  # type: ignore[attr-defined]
            token = client.post(
                "/api/auth/token", data={"username": "analyst", "password": "demo"}
            ).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            found = App(platform, client, own)
            yield found
            own.dispose()
    finally:
        get_settings.cache_clear()
        current.cache_clear()


def model(prefix: str) -> tuple[str, str]:
    process_id = f"{prefix}_{uuid.uuid4().hex[:8]}"
    return process_id, m.process(process_id, m.service_task(f"{process_id}_step", "platform.noop"))


def rows_for(platform: Platform, content: str) -> list[Any]:
    digest = hashlib.sha256(content.encode()).hexdigest()
    with platform.db.connect() as conn:
        return list(
            conn.execute(
                select(deployment)
                .join(deployment_file, deployment_file.c.deployment_id == deployment.c.id)
                .where(deployment_file.c.sha256 == digest)
            ).all()
        )


def engine_records(platform: Platform, process_id: str) -> list[Any]:
    """What the read model holds of the process, to show when the record stays pending."""
    pd = process_definition
    with platform.db.connect() as conn:
        return list(
            conn.execute(
                select(pd.c.resource_name, pd.c.checksum, pd.c.version).where(
                    pd.c.bpmn_process_id == process_id
                )
            ).all()
        )


def assert_not_deployed(platform: Platform, process_id: str) -> None:
    with pytest.raises(ProcessDefinitionNotFoundError):
        platform.engine.start(process_id)


def test_database_unreachable_before_the_deploy_is_503_and_deploys_nothing(
    platform: Platform, app: App
) -> None:
    process_id, bpmn = model("db_down_before")
    app.unreachable()
    response = app.deploy(("ny.bpmn", bpmn))
    assert response.status_code == 503, response.text
    assert "Databasen kan ikke nås" in response.json()["detail"]
    listed = app.client.get("/api/deployments")
    assert listed.status_code == 503, listed.text
    assert_not_deployed(platform, process_id)
    assert rows_for(platform, bpmn) == []


def test_database_lost_after_the_checks_deploys_nothing(
    platform: Platform, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection drops after the checks, when the pending record is to be written."""
    process_id, bpmn = model("db_down_checks")
    real = api.modeler.checks.check

    def check_then_lose_the_database(*args: Any) -> Any:
        found = real(*args)
        app.unreachable()
        return found

    monkeypatch.setattr(api.modeler.checks, "check", check_then_lose_the_database)
    response = app.deploy(("ny.bpmn", bpmn))
    assert response.status_code == 503, response.text
    assert "intet er udrullet" in response.json()["detail"]
    assert_not_deployed(platform, process_id)
    assert rows_for(platform, bpmn) == []


def test_database_lost_after_the_engine_accepted_keeps_a_pending_record(
    platform: Platform, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    process_id, bpmn = model("db_down_after")
    real = api.modeler.engine.deploy

    def deploy_then_lose_the_database(*args: Any) -> Any:
        deployed = real(*args)
        app.unreachable()
        return deployed

    monkeypatch.setattr(api.modeler.engine, "deploy", deploy_then_lose_the_database)
    response = app.deploy(("ny.bpmn", bpmn))
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["record"] == "pending"
    assert "Udrulningen er gennemført" in body["detail"]
    assert [d["bpmn_process_id"] for d in body["deployed"]] == [process_id]
    platform.engine.start(process_id)  # deployed indeed

    # The trace written before the engine was asked: who, when, which file and its hash.
    [row] = rows_for(platform, bpmn)
    assert (row.state, row.deployment_key, row.username) == ("pending", None, "analyst")
    assert str(row.id) == body["id"]

    # The database is back: listing the deployments completes the record from the engine's own.
    app.reachable()

    def recorded() -> dict[str, Any]:
        listed = app.client.get("/api/deployments")
        assert listed.status_code == 200, listed.text
        found: dict[str, Any] = next(d for d in listed.json() if d["id"] == body["id"])
        assert found["state"] == "recorded", (found, engine_records(platform, process_id))
        return found

    found = eventually(recorded, what="the pending deployment completed from the read model")
    # The versions as the engine answered; its deployment key is not in the read model.
    assert found["deployed"] == body["deployed"]
    assert found["deployment_key"] is None
    assert found["username"] == "analyst"
    assert found["files"] == [
        {"name": "ny.bpmn", "sha256": hashlib.sha256(bpmn.encode()).hexdigest(), "size": len(bpmn)}
    ]


def test_a_brief_database_loss_after_the_deploy_is_retried(
    platform: Platform, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    process_id, bpmn = model("db_blip_after")
    real = api.modeler.engine.deploy

    def deploy_then_drop_the_connection(*args: Any) -> Any:
        deployed = real(*args)
        app.cut()  # the request's connection dies; new ones can be made
        return deployed

    monkeypatch.setattr(api.modeler.engine, "deploy", deploy_then_drop_the_connection)
    response = app.deploy(("ny.bpmn", bpmn))
    assert response.status_code == 201, response.text
    body = response.json()
    [row] = rows_for(platform, bpmn)
    assert row.state == "recorded"
    assert str(row.deployment_key) == body["deployment_key"]
    assert [d["bpmn_process_id"] for d in row.result["deployed"]] == [process_id]
    with platform.db.connect() as conn:
        audited = conn.execute(
            select(audit_event.c.status_code)
            .where(audit_event.c.action == "create_deployment")
            .order_by(audit_event.c.id.desc())
            .limit(1)
        ).scalar_one()
    assert audited == 201


def test_an_engine_rejection_leaves_no_pending_record(platform: Platform, app: App) -> None:
    process_id, bpmn = model("db_rejected")
    response = app.deploy(("a.bpmn", bpmn), ("b.bpmn", bpmn.replace("Testproces", "Anden")))
    assert response.status_code == 422, response.text
    assert_not_deployed(platform, process_id)
    assert rows_for(platform, bpmn) == []


@pytest.mark.parametrize("loss", ["brief", "lasting"])
def test_an_engine_rejection_with_the_database_lost_still_shows_the_problems(
    platform: Platform, app: App, monkeypatch: pytest.MonkeyPatch, loss: str
) -> None:
    """The engine refuses while the database is gone: the analyst still gets the engine's
    problems (422). A brief loss: the pending row is removed on a fresh connection and the
    refusal audited. A lasting one: the pending row stays (the engine deployed none of it)."""
    process_id, bpmn = model(f"db_rejected_{loss}")
    real = api.modeler.engine.deploy

    def lose_the_database_then_deploy(*args: Any) -> Any:
        if loss == "brief":
            app.cut()
        else:
            app.unreachable()
        return real(*args)

    monkeypatch.setattr(api.modeler.engine, "deploy", lose_the_database_then_deploy)
    response = app.deploy(("a.bpmn", bpmn), ("b.bpmn", bpmn.replace("Testproces", "Anden")))
    assert response.status_code == 422, response.text
    assert [p["rule"] for p in response.json()["problems"]] == ["engine"]
    assert_not_deployed(platform, process_id)
    left = rows_for(platform, bpmn)
    if loss == "brief":
        assert left == []
        with platform.db.connect() as conn:
            audited = conn.execute(
                select(audit_event.c.status_code)
                .where(audit_event.c.action == "create_deployment")
                .order_by(audit_event.c.id.desc())
                .limit(1)
            ).scalar_one()
        assert audited == 422
    else:
        assert [r.state for r in left] == ["pending"]
