"""The CPR event feed: client and simulator against the documented format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import httpx
import pytest

from adapters.cpr.events import (
    CREDENTIAL_HEADER,
    SCHEMA_FILE,
    TEST_CREDENTIAL,
    CprEvent,
    CprEventFeed,
    EventType,
    FeedPage,
    FeedSettings,
    create_app,
)
from adapters.errors import ContractViolation, Rejected, Unavailable
from api.testdata.cpr import synthetic_cpr
from tests.adapters.serving import free_port, serve

CHILD = synthetic_cpr("event-child")
MOTHER = synthetic_cpr("event-mother", female=True)


@pytest.fixture
def feed(tmp_path: Path) -> Iterator[str]:
    with serve(create_app(tmp_path)) as base:
        yield base + "/cpr-haendelser"


def publish(url: str, **event: object) -> httpx.Response:
    return httpx.post(url, json=event, headers={CREDENTIAL_HEADER: TEST_CREDENTIAL}, timeout=5)


def test_published_events_are_read_in_order_after_a_position(feed: str) -> None:
    assert (
        publish(
            feed, id="e1", type="flytning", personnummer=CHILD, dato="2026-11-20", kommunekode="902"
        ).status_code
        == 201
    )
    assert (
        publish(
            feed,
            id="e2",
            type="foedsel",
            personnummer=CHILD,
            dato="2026-11-21",
            morPersonnummer=MOTHER,
        ).status_code
        == 201
    )
    again = publish(
        feed, id="e1", type="flytning", personnummer=CHILD, dato="2026-11-20", kommunekode="902"
    )
    assert again.json()["sekvens"] == 1, "the same event id is published once"
    client = CprEventFeed(FeedSettings(endpoint=feed))
    page = client.fetch(0)
    assert [(e.id, e.sekvens, e.type) for e in page.haendelser] == [
        ("e1", 1, "flytning"),
        ("e2", 2, "foedsel"),
    ]
    assert page.sidsteSekvens == 2
    assert [e.id for e in client.fetch(1).haendelser] == ["e2"]
    assert client.fetch(2).haendelser == []


def test_events_survive_a_simulator_restart(tmp_path: Path) -> None:
    with serve(create_app(tmp_path)) as base:
        publish(
            base + "/cpr-haendelser",
            id="kept",
            type="doedsfald",
            personnummer=CHILD,
            dato="2026-11-20",
        )
    with serve(create_app(tmp_path)) as base:
        feed = CprEventFeed(FeedSettings(endpoint=base + "/cpr-haendelser"))
        assert [e.id for e in feed.fetch(0).haendelser] == ["kept"]


@pytest.mark.parametrize(
    "event",
    [
        {"id": "x", "type": "bryllup", "personnummer": CHILD, "dato": "2026-11-20"},
        {"id": "x", "type": "flytning", "personnummer": "12345", "dato": "2026-11-20"},
        {"id": "x", "type": "flytning", "personnummer": CHILD, "dato": "i går"},
        {"id": "x", "type": "flytning", "personnummer": CHILD, "dato": "2026-11-20", "navn": "X"},
    ],
)
def test_the_simulator_refuses_events_outside_the_format(
    feed: str, event: dict[str, object]
) -> None:
    response = publish(feed, **event)
    assert response.status_code == 400 and "formatet" in response.json()["fejl"]


def test_a_wrong_subscription_is_refused(feed: str) -> None:
    with pytest.raises(Rejected):
        CprEventFeed(FeedSettings(endpoint=feed, credential="forkert")).fetch(0)


def test_an_unreachable_feed_is_unavailable() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}/x"
    with pytest.raises(Unavailable):
        CprEventFeed(FeedSettings(endpoint=endpoint, timeout_seconds=1)).fetch(0)


def test_an_answer_outside_the_format_is_a_contract_violation(tmp_path: Path) -> None:
    from fastapi import FastAPI

    broken = FastAPI()

    @broken.get("/cpr-haendelser")
    def page() -> dict[str, object]:
        return {"haendelser": [{"id": "e", "type": "flytning"}], "sidsteSekvens": 1}

    with serve(broken) as base, pytest.raises(ContractViolation):
        CprEventFeed(FeedSettings(endpoint=base + "/cpr-haendelser")).fetch(0)


def test_the_json_schema_and_the_model_agree(feed: str) -> None:
    """The documented schema (served at ?schema) describes exactly what the model reads."""
    schema = json.loads(SCHEMA_FILE.read_text())
    served = httpx.get(feed, params={"schema": ""}, timeout=5).json()
    assert served == schema
    event = schema["$defs"]["haendelse"]
    assert set(event["properties"]) == set(CprEvent.model_fields)
    assert set(event["required"]) == {
        n for n, f in CprEvent.model_fields.items() if f.is_required()
    }
    assert set(event["properties"]["type"]["enum"]) == set(get_args(EventType))
    assert set(schema["required"]) == set(FeedPage.model_fields)
