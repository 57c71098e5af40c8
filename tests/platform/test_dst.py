"""Reporting to Danmarks Statistik on the platform: an operator asks for a run now (the same
process as the nightly D27 run, started by its message), and the new events go in an accepted
file; only operators may do so."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually
from tests.platform.test_investigation import start_underretning


@pytest.fixture
def operator(platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "operator")
    yield client
    client.close()


def test_an_operator_runs_the_dst_reporting_now(
    platform: Platform, caseworker: ApiClient, operator: ApiClient
) -> None:
    case_id, _ = start_underretning(caseworker, "afdaekning")
    assert caseworker.post("/api/dst/koersler").status_code == 403
    assert caseworker.get("/api/dst/leveringer").status_code == 403
    known = {d["delivery_id"] for d in operator.get("/api/dst/leveringer").json()}
    assert operator.post("/api/dst/koersler").status_code == 202

    def reported() -> Any:
        events = caseworker.get(f"/api/cases/{case_id}").json()["statistics_events"]
        (received,) = [e for e in events if e["subject"] == "underretning"]
        return received["delivered_at"]

    eventually(reported, what="the underretning reported to DST")
    new = [d for d in operator.get("/api/dst/leveringer").json() if d["delivery_id"] not in known]
    assert [d["status"] for d in new] == ["accepted"] * len(new) and new
    assert all(set(d) >= {"delivery_id", "status", "reason", "event_count"} for d in new)
