"""The underretning flow survives a broker down at intake and a worker killed mid-job."""

from __future__ import annotations

import signal
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from api.cases.tables import outbox
from api.projector import tables as rm
from api.testdata.cpr import SLOW as CPR_SLOW
from api.testdata.cpr import synthetic_cpr
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually

pytestmark = pytest.mark.chaos


def body(cpr: str | None = None) -> dict[str, Any]:
    return {
        "child_cpr": cpr or synthetic_cpr(uuid.uuid4().hex),
        "received_at": datetime.now(UTC).isoformat(),
        "reporter_type": "private",
        "concern": "Barnet har blå mærker på armene.",
    }


def instances_for(platform: Platform, underretning_id: str) -> int:
    with platform.db.connect() as conn:
        return int(
            conn.execute(
                select(func.count(func.distinct(rm.variable.c.process_instance_key))).where(
                    rm.variable.c.name == "underretningId",
                    rm.variable.c.value == f'"{underretning_id}"',
                )
            ).scalar()
            or 0
        )


def test_broker_down_at_intake_starts_exactly_once_when_back(
    platform: Platform, caseworker: ApiClient
) -> None:
    """The report is taken while the broker is down; the instance starts once it is back,
    once, even when the relay publishes the same message again."""
    platform.require_local()
    broker = platform.stack.broker
    broker.kill()
    try:
        response = caseworker.post("/api/underretninger", body())
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["process_instance_key"] is None

        def failed_attempt() -> bool:
            with platform.db.connect() as conn:
                row = conn.execute(
                    select(outbox).where(outbox.c.correlation_key == created["underretning_id"])
                ).one()
            return row.sent_at is None and row.attempts >= 1

        eventually(failed_attempt, what="the relay tried and failed while the broker is down")
    finally:
        broker.start(platform.stack.logs / "broker.log")
        broker.wait_ready()
    eventually(lambda: instances_for(platform, created["underretning_id"]) == 1, timeout=90)
    # A relay that crashed after publishing would publish again: the engine refuses it.
    with platform.db.begin() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.correlation_key == created["underretning_id"])
            .values(sent_at=None)
        )

    def sent_again() -> bool:
        with platform.db.connect() as conn:
            return (
                conn.execute(
                    select(outbox.c.sent_at).where(
                        outbox.c.correlation_key == created["underretning_id"]
                    )
                ).scalar()
                is not None
            )

    eventually(sent_again, what="republished")
    platform.wait_projected()
    assert instances_for(platform, created["underretning_id"]) == 1


def test_worker_killed_mid_job_the_job_runs_again(
    platform: Platform, caseworker: ApiClient
) -> None:
    """SIGKILL of the workers while a CPR lookup is in flight: after the job's timeout the
    restarted workers take it again and the flow reaches the 24-hour task."""
    created = caseworker.post("/api/underretninger", body(CPR_SLOW)).json()
    workers = platform.stack.apps["workers"]
    log = platform.stack.logs / "workers.log"

    def started_key() -> int:
        with platform.db.connect() as conn:
            return int(
                conn.execute(
                    select(rm.variable.c.process_instance_key).where(
                        rm.variable.c.name == "underretningId",
                        rm.variable.c.value == f'"{created["underretning_id"]}"',
                    )
                ).scalar()
                or 0
            )

    key = eventually(started_key, what="instance started")

    def lookup_in_flight() -> bool:
        return any(
            "job started" in line and "cpr.lookup-person" in line and str(key) in line
            for line in log.read_text(errors="replace").splitlines()
        )

    eventually(lookup_in_flight, what="CPR lookup in flight")
    workers.signal(signal.SIGKILL)
    assert workers.popen is not None and workers.popen.wait(timeout=30) == -signal.SIGKILL
    workers.start()

    def assessment_task() -> Any:
        tasks = caseworker.get("/api/tasks", case_id=created["case_id"]).json()
        return [t for t in tasks if t["name"] == "24-timers vurdering"]

    eventually(assessment_task, timeout=120, what="flow resumed after the job timeout")
    with platform.db.connect() as conn:
        jobs = conn.execute(
            select(rm.job).where(
                rm.job.c.process_instance_key == key, rm.job.c.job_type == "cpr.lookup-person"
            )
        ).fetchall()
    states = {j.state for j in jobs}
    assert states == {"COMPLETED"}


def test_broker_down_at_completion_keeps_the_draft(
    platform: Platform, caseworker: ApiClient
) -> None:
    """Completing while the broker is down answers 503 and keeps what was typed as a draft;
    once the broker is back the same submission completes the task."""
    platform.require_local()
    created = caseworker.post("/api/underretninger", body()).json()

    def task() -> Any:
        tasks = caseworker.get("/api/tasks", case_id=created["case_id"]).json()
        return next((t for t in tasks if t["name"] == "24-timers vurdering"), None)

    found = eventually(task)
    submission = {
        "acute_risk": "no",
        "assessment": "Ingen grund til bekymring.",
        "outcome": "close",
    }
    broker = platform.stack.broker
    broker.kill()
    try:
        response = caseworker.post(f"/api/tasks/{found['id']}/complete", submission)
        assert response.status_code == 503
        assert "udkast er gemt" in response.json()["detail"]
        form = caseworker.get(f"/api/tasks/{found['id']}/form").json()
        assert (form["status"], form["data"]) == ("draft", submission)
    finally:
        broker.start(platform.stack.logs / "broker.log")
        broker.wait_ready()
    again = eventually(
        lambda: (
            caseworker.post(f"/api/tasks/{found['id']}/complete", submission).status_code == 204
        ),
        # A restarted broker replays its log before its gateway takes commands again; on a
        # loaded machine that can take longer than the usual wait.
        timeout=90,
        what="completion accepted after the broker is back",
    )
    assert again
    assert caseworker.get(f"/api/tasks/{found['id']}/form").json()["status"] == "submitted"
