"""Metrics without a stack: the route-template labels of the API's requests, /metrics and its
token, the workers' job counters, the projector's lag and backlog, and the loopback server."""

from __future__ import annotations

import asyncio
import re
import socket
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from pyzeebe.errors import BusinessError

from api.app import create_app
from api.metrics import serve_loopback
from api.metrics.http import UNMATCHED, RouteLabels, method_label, status_class
from api.projector import metrics as projector_metrics
from api.settings import Settings
from api.testdata.cpr import synthetic_cpr
from workers import base
from workers import metrics as worker_metrics

DB = "postgresql+psycopg://nobody@127.0.0.1:1/none"
CASE = "0b0e4f7e-2f5c-4b8e-9a51-1d2a3b4c5d6e"
CPR_LIKE = re.compile(r"\d{6}-?\d{4}")


def app(**extra: Any) -> Any:
    return create_app(Settings.model_validate({"database_url": DB, "dev_users": True, **extra}))


@pytest.fixture(scope="module")
def labels() -> RouteLabels:
    return RouteLabels(app().routes)


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", f"/api/cases/{CASE}", "/api/cases/{case_id}"),
        ("POST", f"/api/cases/{CASE}/statements/{CASE}/reply", None),
        ("POST", "/api/tasks/2251799813685312/claim", "/api/tasks/{task_id}/claim"),
        ("GET", "/api/tasks", "/api/tasks"),
        ("GET", "/metrics", "/metrics"),
        ("GET", "/health", "/health"),
        # A mount (static files) is its prefix and {path}.
        ("GET", "/static/app.css", "/static/{path}"),
        # The route exists for another method: its template (the answer is a 405).
        ("DELETE", "/api/tasks", "/api/tasks"),
        # No route: one label for every such path, so scanning cannot grow the label set.
        ("GET", "/wp-admin/setup.php", UNMATCHED),
    ],
)
def test_a_request_is_labelled_by_its_route_template(
    labels: RouteLabels, method: str, path: str, expected: str | None
) -> None:
    label = labels.label(method, path)
    if expected is None:
        assert label == "/api/cases/{case_id}/statements/{request_id}/reply"
    else:
        assert label == expected
    assert CASE not in label


def test_a_cpr_number_in_a_path_never_becomes_a_label(labels: RouteLabels) -> None:
    cpr = synthetic_cpr("metrics")
    for path in (f"/api/cases/{cpr}", f"/{cpr}", f"/api/tasks/{cpr}/form", f"/sag/{cpr}"):
        assert not CPR_LIKE.search(labels.label("GET", path)), path


def test_every_route_of_the_app_has_a_template(labels: RouteLabels) -> None:
    """The walk goes into FastAPI's included routers (they are not flattened in 0.163)."""
    found = {t.label for t in labels.templates}
    assert len(found) > 100
    assert {"/api/processes/instances", "/api/deployments", "/metrics"} <= found


def test_method_and_status_class() -> None:
    assert method_label("GET") == "GET" and method_label("FOO") == "OTHER"
    assert [status_class(s) for s in (200, 201, 302, 404, 503, 42)] == [
        "2xx",
        "2xx",
        "3xx",
        "4xx",
        "5xx",
        "other",
    ]


def _samples(text: str, name: str) -> list[Any]:
    return [
        s
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    ]


def test_metrics_counts_requests_by_template_and_shows_no_id() -> None:
    cpr = synthetic_cpr("metrics-path")
    with TestClient(app()) as client:
        client.get(f"/wp-admin/{cpr}")
        client.get("/metrics")
        answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    requests = _samples(answer.text, "boernesag_http_requests_total")
    by_labels = {(s.labels["method"], s.labels["route"], s.labels["status"]) for s in requests}
    assert ("GET", "/metrics", "2xx") in by_labels
    assert ("GET", UNMATCHED, "4xx") in by_labels
    assert _samples(answer.text, "boernesag_http_request_duration_seconds_count")
    values = {v for s in requests for v in s.labels.values()}
    assert not any(CPR_LIKE.search(v) for v in values)
    assert cpr not in answer.text


def test_metrics_token_is_required_when_set() -> None:
    with TestClient(app(metrics_token=SecretStr("scrape-secret"))) as client:
        assert client.get("/metrics").status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert client.get("/metrics", headers=wrong).status_code == 401
        right = {"Authorization": "Bearer scrape-secret"}
        answer = client.get("/metrics", headers=right)
    assert answer.status_code == 200 and "boernesag_http_requests_total" in answer.text


def test_metrics_is_not_in_the_openapi_schema() -> None:
    """Not a JSON API operation: the fuzzer and the API docs leave it out."""
    assert "/metrics" not in app().openapi()["paths"]


# -- workers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeJob:
    key: int = 1
    type: str = "test.metrics-thing"
    process_instance_key: int = 2
    retries: int = 3


class FakeController:
    async def set_error_status(self, message: str, error_code: str = "") -> None:
        pass

    async def set_failure_status(self, message: str, retry_back_off_ms: int = 0) -> None:
        pass


class BrokenController(FakeController):
    async def set_failure_status(self, message: str, retry_back_off_ms: int = 0) -> None:
        raise ConnectionError("gateway gone")


def value(counter: Counter, job_type: str) -> float:
    return counter.labels(job_type)._value.get()


def test_a_job_counts_as_handled_with_its_duration_and_a_failure_as_failed() -> None:
    job: Any = FakeJob(type="test.metrics-handled")
    handled, failed = (
        value(worker_metrics.HANDLED, job.type),
        value(worker_metrics.FAILED, job.type),
    )
    asyncio.run(worker_metrics.job_started(job))
    asyncio.run(base.failure_handler(RuntimeError("x"), job, FakeController()))  # type: ignore[arg-type]
    asyncio.run(worker_metrics.job_finished(job))
    assert value(worker_metrics.HANDLED, job.type) == handled + 1
    assert value(worker_metrics.FAILED, job.type) == failed + 1
    duration = worker_metrics.DURATION.labels(job.type)._sum.get()
    assert duration >= 0 and job.key not in worker_metrics._started


def test_a_bpmn_error_is_not_a_failure() -> None:
    job: Any = FakeJob(type="test.metrics-bpmn")
    asyncio.run(base.failure_handler(BusinessError("NOPE", "nej"), job, FakeController()))  # type: ignore[arg-type]
    assert value(worker_metrics.BPMN_ERRORS, job.type) == 1
    assert value(worker_metrics.FAILED, job.type) == 0


def test_a_failure_the_engine_never_got_is_not_counted() -> None:
    job: Any = FakeJob(type="test.metrics-unsent")
    with pytest.raises(ConnectionError):
        asyncio.run(base.failure_handler(RuntimeError("x"), job, BrokenController()))  # type: ignore[arg-type]
    assert value(worker_metrics.FAILED, job.type) == 0


def test_tasks_carry_the_metrics_decorators() -> None:
    from pyzeebe import ZeebeTaskRouter

    router = ZeebeTaskRouter()

    @base.task(router, "test.metrics-decorated", label="Test")
    async def thing() -> dict[str, Any]:
        return {}

    (registered,) = router.tasks
    assert worker_metrics.job_started in registered.config.before
    assert worker_metrics.job_finished in registered.config.after
    del base.REGISTRY["test.metrics-decorated"]


# -- projector ----------------------------------------------------------------------------------


def test_projector_lag_is_the_newest_records_age_and_never_negative() -> None:
    now = 1_800_000_000.0
    records = [
        {"valueType": "JOB", "timestamp": int((now - 4.0) * 1000)},
        {"valueType": "JOB", "timestamp": int((now - 1.5) * 1000)},
        {"valueType": "SOMETHING_NEW", "timestamp": int((now - 9.0) * 1000)},
    ]
    jobs = projector_metrics.RECORDS.labels("JOB")._value.get()
    observed = projector_metrics.RECORD_LAG._sum.get()
    projector_metrics.observe_batch(records, now)
    assert projector_metrics.LAG._value.get() == pytest.approx(1.5)
    assert projector_metrics.RECORDS.labels("JOB")._value.get() == jobs + 2
    assert projector_metrics.RECORDS.labels("other")._value.get() >= 1
    assert projector_metrics.RECORD_LAG._sum.get() - observed == pytest.approx(14.5)
    assert projector_metrics.LAST_COMMIT._value.get() == now
    # A broker clock moved forward (the clock tests): the record looks younger than now.
    projector_metrics.observe_batch(
        [{"valueType": "JOB", "timestamp": int(now * 1000) + 60_000}], now
    )
    assert projector_metrics.LAG._value.get() == 0


class FakePipeline:
    def __init__(self, answers: list[Any], fail: bool = False) -> None:
        self.answers, self.fail = answers, fail

    def xinfo_groups(self, stream: str) -> None:
        pass

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        if self.fail:
            raise redis.ConnectionError("down")
        return self.answers


class FakeRedis:
    def __init__(self, answers: list[Any], fail: bool = False) -> None:
        self.answers, self.fail = answers, fail

    def pipeline(self, transaction: bool = True) -> FakePipeline:
        return FakePipeline(self.answers, self.fail)


def backlog(client: FakeRedis) -> dict[str, dict[str, float]]:
    registry = CollectorRegistry()
    streams = ["zeebe:JOB", "zeebe:INCIDENT", "zeebe:TIMER"]
    registry.register(projector_metrics.StreamBacklog(client, "projector", streams, "zeebe"))  # type: ignore[arg-type]
    found: dict[str, dict[str, float]] = {}
    for family in registry.collect():
        for s in family.samples:
            found.setdefault(s.name, {})[s.labels["value_type"]] = s.value
    return found


def test_stream_backlog_reads_the_projectors_group_only() -> None:
    answers = [
        [
            {"name": "other", "pending": 99, "lag": 99},
            {"name": "projector", "pending": 3, "lag": 7},
        ],
        [{"name": "projector", "pending": 0, "lag": None}],  # Redis cannot tell the lag
        redis.ResponseError("no such key"),  # the stream does not exist yet
    ]
    found = backlog(FakeRedis(answers))
    assert found["boernesag_projector_stream_lag_entries"] == {"JOB": 7}
    assert found["boernesag_projector_stream_pending_entries"] == {"JOB": 3, "INCIDENT": 0}


def test_stream_backlog_without_redis_is_empty_not_an_error() -> None:
    assert backlog(FakeRedis([], fail=True)) == {}


# -- the loopback server ------------------------------------------------------------------------


def test_serve_loopback_serves_on_127_0_0_1_and_survives_a_taken_port() -> None:
    registry = CollectorRegistry()
    Counter("boernesag_test_things", "A test counter.", registry=registry).inc()
    assert serve_loopback(0, "test", registry) is None
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert serve_loopback(taken.getsockname()[1], "test", registry) is None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = serve_loopback(port, "test", registry)
    assert server is not None
    try:
        assert server.server_address[0] == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            assert "boernesag_test_things_total 1.0" in resp.read().decode()
    finally:
        server.shutdown()
        server.server_close()
