"""Prometheus metrics (issue 9, "Metrics") against the running stack: the API's /metrics, the
workers' and the projector's loopback endpoints serve Prometheus text with their families; a job
that ran counts as handled for its type and a failed one as failed; a projected record moves the
projector's figures; the broker's own metrics are at the actuator; and no label anywhere carries
a CPR-like number, even after requests with one in the path."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import func, select

from api.audit.tables import audit_event
from api.testdata.cpr import synthetic_cpr
from tests.harness.api import ApiClient
from tests.harness.platform import Ids, Platform
from tests.harness.waiting import eventually

CPR_LIKE = re.compile(r"\d{6}-?\d{4}")
JOB_TYPE = "platform.echo-token"


def scrape(url: str) -> list[Sample]:
    try:
        answer = httpx.get(url, timeout=10)
    except httpx.TransportError as exc:
        raise AssertionError(f"{url}: {exc!r}") from exc
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return [s for f in text_string_to_metric_families(answer.text) for s in f.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    return sum(
        s.value
        for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def names(samples: list[Sample]) -> set[str]:
    return {s.name for s in samples}


@pytest.fixture(scope="module")
def urls(platform: Platform) -> dict[str, str]:
    ports = platform.stack.ports
    return {
        "api": f"http://127.0.0.1:{ports.api}/metrics",
        "workers": f"http://127.0.0.1:{ports.workers_metrics}/metrics",
        "projector": f"http://127.0.0.1:{ports.projector_metrics}/metrics",
    }


@pytest.fixture(scope="module")
def caseworker(platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "caseworker")
    yield client
    client.close()


def test_a_handled_and_a_failed_job_are_counted_per_type(
    platform: Platform, urls: dict[str, str], ids: Ids
) -> None:
    before = eventually(lambda: scrape(urls["workers"]), what="the workers' metrics")
    handled = value(before, "boernesag_jobs_handled_total", job_type=JOB_TYPE)
    failed = value(before, "boernesag_jobs_failed_total", job_type=JOB_TYPE)
    # With a token the echo completes; without one the task has no argument and fails (retries 1).
    platform.engine.start("monitor_repair", {"token": ids.case_id, "caseId": ids.case_id})
    platform.engine.start("monitor_repair", {"caseId": f"{ids.case_id}-no-token"})

    def counted() -> list[Sample]:
        now = scrape(urls["workers"])
        assert value(now, "boernesag_jobs_handled_total", job_type=JOB_TYPE) >= handled + 2
        assert value(now, "boernesag_jobs_failed_total", job_type=JOB_TYPE) >= failed + 1
        return now

    after = eventually(counted, what="the two jobs counted")
    assert value(after, "boernesag_job_duration_seconds_count", job_type=JOB_TYPE) >= handled + 2
    assert {
        "boernesag_jobs_handled_total",
        "boernesag_jobs_failed_total",
        "boernesag_job_duration_seconds_bucket",
    } <= names(after)


def test_the_projector_reports_lag_records_and_backlog(
    platform: Platform, urls: dict[str, str], ids: Ids
) -> None:
    before = scrape(urls["projector"])
    jobs = value(before, "boernesag_projector_records_total", value_type="JOB")
    platform.engine.start("monitor_repair", {"token": ids.case_id, "caseId": ids.case_id})
    platform.wait_projected()

    def projected() -> list[Sample]:
        now = scrape(urls["projector"])
        assert value(now, "boernesag_projector_records_total", value_type="JOB") > jobs
        return now

    after = eventually(projected, what="the new records counted")
    assert {
        "boernesag_projector_lag_seconds",
        "boernesag_projector_record_lag_seconds_count",
        "boernesag_projector_last_commit_timestamp_seconds",
        "boernesag_projector_stream_pending_entries",
    } <= names(after)
    lag = value(after, "boernesag_projector_lag_seconds")
    assert 0 <= lag < 300
    assert value(after, "boernesag_projector_record_lag_seconds_count") > 0
    pending = {
        s.labels["value_type"]
        for s in after
        if s.name == "boernesag_projector_stream_pending_entries"
    }
    assert "JOB" in pending and "PROCESS_INSTANCE" in pending


def test_the_api_times_requests_by_route_template_without_sign_in_or_audit(
    platform: Platform, urls: dict[str, str], caseworker: ApiClient
) -> None:
    cpr = synthetic_cpr("metrics-platform")
    caseworker.get(f"/api/cases/{cpr}")
    caseworker.get("/api/tasks", case_id=cpr)
    assert caseworker.get("/api/tasks").status_code == 200
    httpx.get(f"http://127.0.0.1:{platform.stack.ports.api}/{cpr}", timeout=10)
    samples = scrape(urls["api"])  # no sign-in: Prometheus scrapes without a user
    assert (
        value(
            samples,
            "boernesag_http_requests_total",
            method="GET",
            route="/api/cases/{case_id}",
            status="4xx",
        )
        >= 1
    )
    assert value(samples, "boernesag_http_requests_total", route="/api/tasks", status="2xx") >= 1
    assert value(samples, "boernesag_http_requests_total", route="/api/tasks") >= 2
    assert value(samples, "boernesag_http_request_duration_seconds_count", route="/api/tasks") >= 1
    assert value(samples, "boernesag_http_requests_total", route="unmatched") >= 1
    with platform.db.connect() as conn:
        audited = conn.execute(
            select(func.count()).select_from(audit_event).where(audit_event.c.path == "/metrics")
        ).scalar_one()
    assert audited == 0


def test_no_label_on_any_endpoint_carries_a_cpr_like_number(
    platform: Platform, urls: dict[str, str], caseworker: ApiClient
) -> None:
    cpr = synthetic_cpr("metrics-labels")
    caseworker.get(f"/api/cases/{cpr}")
    httpx.get(f"http://127.0.0.1:{platform.stack.ports.api}/sag/{cpr}", timeout=10)
    for name, url in urls.items():
        samples = scrape(url)
        assert samples, name
        for sample in samples:
            for label, text in sample.labels.items():
                assert not CPR_LIKE.search(text), f"{name}: {sample.name} {label}={text}"
    assert cpr not in (platform.stack.logs / "api.log").read_text(errors="replace")


def test_the_brokers_own_metrics_are_at_the_actuator(platform: Platform) -> None:
    """README, "Metrics": scraped beside ours from the management port."""
    url = f"{platform.endpoints.management_url}/actuator/prometheus"
    samples = scrape(url)
    assert any(n.startswith("zeebe_") for n in names(samples))
