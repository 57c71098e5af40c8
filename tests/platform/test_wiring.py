"""The platform end to end: deploy, start, run a job, and see it all in the read model."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.projector import tables as t
from tests.harness.platform import FIXTURES, Ids, Platform
from tests.harness.readmodel import live_and_replayed, process_instance, rows, snapshot
from tests.harness.waiting import eventually


def completed(platform: Platform, key: int) -> bool:
    row = process_instance(platform.db, key)
    return row is not None and row.state == "COMPLETED"


def test_job_runs_on_worker_and_instance_reaches_read_model(platform: Platform, ids: Ids) -> None:
    """A deployed process runs its service task on our worker; every layer shows the result."""
    key = platform.engine.start("platform_smoke", {"token": ids.case_id})
    eventually(lambda: completed(platform, key), what="instance completed in read model")
    (job,) = rows(platform.db, t.job, process_instance_key=key)
    assert (job.job_type, job.state, job.element_id) == (
        "platform.echo-token",
        "COMPLETED",
        "echo_token",
    )
    variables = {
        v.name: json.loads(v.value) for v in rows(platform.db, t.variable, process_instance_key=key)
    }
    assert variables["echoedToken"] == ids.case_id
    elements = {
        e.element_id: e.state
        for e in rows(platform.db, t.element_instance, process_instance_key=key)
    }
    assert elements == {
        "platform_smoke": "COMPLETED",
        "smoke_started": "COMPLETED",
        "echo_token": "COMPLETED",
        "smoke_done": "COMPLETED",
    }
    (definition,) = [
        d
        for d in rows(platform.db, t.process_definition, bpmn_process_id="platform_smoke")
        if d.process_definition_key == process_instance(platform.db, key).process_definition_key
    ]
    assert "platform.echo-token" in definition.bpmn_xml


def test_user_task_links_exact_form_version_and_timer_carries_rule(
    platform: Platform, ids: Ids, tmp_path: Path
) -> None:
    """A user task points at the form version active when it was created; its deadline timer
    carries the rule id from the BPMN; completing the task cancels the timer."""
    changed = json.loads((FIXTURES / "forms/platform_ack.form").read_text())
    changed["components"][0]["label"] = f"Kvitteret ({ids.case_id})"
    new_form = tmp_path / "platform_ack.form"
    new_form.write_text(json.dumps(changed))
    platform.engine.deploy(new_form)
    deadline = datetime.now(UTC) + timedelta(days=30)
    key = platform.engine.start(
        "timer_deadline", {"token": ids.case_id, "deadlineAt": deadline.isoformat()}
    )

    def user_task() -> object:
        tasks = rows(platform.db, t.user_task, process_instance_key=key)
        return tasks[0] if tasks and tasks[0].state == "CREATED" else None

    task = eventually(user_task, what="user task projected")
    (form,) = rows(platform.db, t.form, form_key=task.form_key)
    assert form.form_id == "platform_ack"
    assert form.schema["components"][0]["label"] == f"Kvitteret ({ids.case_id})"
    assert form.version == max(f.version for f in rows(platform.db, t.form, form_id="platform_ack"))
    assert task.candidate_groups == ["platform-testers"]

    (timer,) = eventually(lambda: rows(platform.db, t.timer, process_instance_key=key))
    assert timer.deadline_rule == "D1"
    assert timer.target_element_id == "deadline_passed"
    assert abs((timer.due_at - deadline).total_seconds()) < 1

    platform.engine.complete_user_task(task.user_task_key, {"acknowledged": True})
    eventually(lambda: completed(platform, key))
    eventually(lambda: rows(platform.db, t.timer, process_instance_key=key)[0].state == "CANCELED")
    assert rows(platform.db, t.user_task, process_instance_key=key)[0].state == "COMPLETED"


def test_health_shows_projector_position_and_lag(platform: Platform, ids: Ids) -> None:
    """/health reports the database, the broker and the projector's position and lag."""
    key = platform.engine.start("platform_smoke", {"token": ids.case_id})
    eventually(lambda: completed(platform, key))
    url = f"http://127.0.0.1:{platform.stack.ports.api}/health"

    def healthy() -> dict:
        body = httpx.get(url, timeout=5).json()
        assert body["status"] == "UP", body
        return body

    body = eventually(healthy, what="API healthy")
    assert body["broker"]["gatewayVersion"].startswith("8.5.")
    assert body["projector"]["position"] > 0
    assert f"{platform.prefix}:JOB" in body["projector"]["streams"]
    page = httpx.get(f"http://127.0.0.1:{platform.stack.ports.api}/status", timeout=5)
    assert "Procesmotor (Zeebe): kører" in page.text


def test_rebuild_command_reproduces_the_read_model(platform: Platform, ids: Ids) -> None:
    """A fresh replay of the raw table equals the live read model, and the rebuild command
    replaces the projections with exactly that."""
    key = platform.engine.start("platform_smoke", {"token": ids.case_id})
    eventually(lambda: completed(platform, key))
    platform.wait_projected()
    live, replayed = live_and_replayed(platform.db)
    assert live == replayed
    assert live["process_instance"], "the comparison must not be vacuous"
    platform.stack.run_step("rebuild", [sys.executable, "-m", "api.projector", "rebuild"])
    with platform.db.connect() as conn:
        assert snapshot(conn) == live


def test_no_component_logs_the_redis_or_database_password(platform: Platform, ids: Ids) -> None:
    """After real traffic, neither password appears in any component's log."""
    key = platform.engine.start("platform_smoke", {"token": ids.case_id})
    eventually(lambda: completed(platform, key))
    secrets = [f.read_text().strip() for f in (platform.stack.root / "secrets").iterdir()]
    assert len(secrets) >= 4, "Redis, postgres, schema owner and app role passwords"
    logs = list(platform.stack.root.glob("logs/*.log")) + list(
        platform.stack.root.glob("data/*.log")
    )
    assert logs
    for log in logs:
        text = log.read_text(errors="replace")
        assert not [s for s in secrets if s in text], f"a password is in {log.name}"
    # The broker holds the Redis password in its environment: its actuator must not show it.
    for endpoint in ("env", "configprops", "heapdump"):
        response = httpx.get(f"{platform.endpoints.management_url}/actuator/{endpoint}", timeout=5)
        assert response.status_code == 404, endpoint


def test_raw_record_table_refuses_updates_and_deletes(platform: Platform, ids: Ids) -> None:
    """The table every projection is rebuilt from cannot be edited after the fact."""
    key = platform.engine.start("platform_smoke", {"token": ids.case_id})
    eventually(lambda: completed(platform, key))
    for statement in (
        "UPDATE raw_record SET intent = 'X' WHERE record_key = :key",
        "DELETE FROM raw_record WHERE record_key = :key",
    ):
        with platform.db.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(statement), {"key": key})


def test_services_role_has_no_ddl(platform: Platform) -> None:
    """The role the services connect as can write rows but cannot change the schema."""
    with platform.app_db.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
        conn.execute(text("CREATE TABLE sneaky (id int)"))
    with platform.app_db.connect() as conn, pytest.raises(DBAPIError, match="must be owner"):
        conn.execute(text("ALTER TABLE raw_record ADD COLUMN sneaky int"))


def test_the_migrations_match_the_tables(platform: Platform) -> None:
    """`alembic check` against the migrated database: no table, column or constraint of the
    code is missing from the migrations (and nothing is there that the code lacks)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(Path(__file__).resolve().parents[2] / "alembic.ini"))
    config.attributes["url"] = platform.endpoints.owner_database_url
    command.check(config)
