"""The operator's instance page in the browser: a failing job shows as an incident on the diagram;
the operator sets the missing variable and retries, and the instance goes on (the token moves to
the next element). The instance is started through the gateway's synchronous gRPC API (the
Playwright loop rules out the harness's asyncio engine client)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from playwright.sync_api import Page, expect
from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc

from tests.browser.conftest import LogIn
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually
from tests.platform.test_monitor import new_case

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "drift.png"


@pytest.fixture(scope="module")
def operator_api(base_url: str) -> Iterator[ApiClient]:
    client = ApiClient(base_url, "operator")
    yield client
    client.close()


def start_failing(platform: Platform, case_id: str, token: str | None = None) -> int:
    """`monitor_repair` without a token: its echo job fails once and becomes an incident; with
    one it goes on to wait for a message."""
    variables = {"caseId": case_id, **({"token": token} if token else {})}
    with grpc.insecure_channel(platform.endpoints.gateway) as channel:
        response = gateway_pb2_grpc.GatewayStub(channel).CreateProcessInstance(
            gateway_pb2.CreateProcessInstanceRequest(
                bpmnProcessId="monitor_repair", version=-1, variables=json.dumps(variables)
            )
        )
    return int(response.processInstanceKey)


def refresh_until(page: Page, check: str) -> None:
    def shown() -> bool:
        page.reload()
        return page.locator(check).count() > 0

    eventually(shown, what=check)


def test_operator_retries_an_incident_from_the_instance_page(
    platform: Platform,
    signed_in: LogIn,
    base_url: str,
    caseworker_api: ApiClient,
    operator_api: ApiClient,
) -> None:
    key = start_failing(platform, new_case(caseworker_api))
    eventually(
        lambda: operator_api.get("/api/incidents", instance=key).json()["items"],
        what="the incident",
    )

    page = signed_in("operator")
    page.goto(f"{base_url}/drift?proces=monitor_repair&haendelse=ja")
    page.get_by_role("link", name=str(key)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Instans {key}")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    expect(page.locator(".bs-incident-badge")).to_have_count(1)
    expect(page.locator("#haendelse-tabel")).to_contain_text("Platform: ekko")

    page.get_by_label("Navn").fill("token")
    page.get_by_label("Værdi (JSON eller tekst)").fill("fra browseren")
    page.get_by_role("button", name="Sæt variabel").click()
    expect(page.get_by_role("status")).to_contain_text("Handlingen er udført")
    refresh_until(page, "#variabel-tabel th:text-is('token')")

    page.get_by_role("button", name="Genforsøg").click()
    expect(page.get_by_role("status")).to_contain_text("Handlingen er udført")
    refresh_until(page, ".bs-token")  # the token waits at the next element
    refresh_until(page, "#variabel-tabel th:text-is('echoedToken')")  # the job's output
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    expect(page.locator(".bs-incident-badge")).to_have_count(0)
    expect(page.locator("#haendelse-tabel")).to_contain_text("Løst")
    expect(page.locator("#handling-tabel")).to_contain_text(re.compile("retry"))
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    caseworker = signed_in("caseworker")
    response = caseworker.goto(f"{base_url}/drift")
    assert response is not None and response.status == 403


def test_operator_batch_cancels_after_seeing_the_count(
    platform: Platform,
    signed_in: LogIn,
    base_url: str,
    caseworker_api: ApiClient,
    operator_api: ApiClient,
) -> None:
    case_id = new_case(caseworker_api)
    keys = {start_failing(platform, case_id, token=f"b{i}") for i in range(2)}
    eventually(
        lambda: (
            {
                int(i["key"])
                for i in operator_api.get(
                    "/api/processes/instances", case_id=case_id, element="monitor_wait"
                ).json()["items"]
            }
            == keys
        ),
        what="two waiting",
    )
    page = signed_in("operator")
    page.goto(f"{base_url}/drift?sag={case_id}&element=monitor_wait")
    expect(page.locator("#instans-tabel tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Afbryd de aktive instanser …").click()
    expect(page.locator("#antal")).to_contain_text("Filteret rammer 2 instanser")
    page.get_by_role("button", name="Bekræft: afbryd 2").click()
    expect(page.get_by_role("status")).to_contain_text("Handlingen er udført. (2 instanser)")
    eventually(
        lambda: all(
            operator_api.get(f"/api/processes/instances/{k}/view").json()["state"] == "TERMINATED"
            for k in keys
        ),
        what="both cancelled",
    )
