"""The case page registers what arrives by letter, mail or phone: statusudtalelser, a party's
comments in a partshøring, and a klage in the appeal window. Bad input comes back at its field
with what was typed, and nothing is registered; the process goes on as through the API."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.harness.api import ApiClient, page_client
from tests.harness.platform import Platform
from tests.harness.readmodel import deadline_timer
from tests.harness.waiting import eventually
from tests.platform.test_afgoerelse import DECISION, to_decision
from tests.platform.test_investigation import (
    BFU,
    STATEMENTS,
    TALK,
    complete,
    instances,
    open_tasks,
    start_underretning,
    task_named,
)

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(scope="module")
def page(platform: Platform, caseworker: ApiClient) -> Iterator[httpx.Client]:
    with page_client(f"http://127.0.0.1:{platform.stack.ports.api}", caseworker) as client:
        yield client


def post(page: httpx.Client, path: str, **data: str) -> httpx.Response:
    return page.post(path, data={"csrf_token": page.headers["x-test-csrf"], **data})


def local(moment: datetime) -> str:
    return moment.astimezone(COPENHAGEN).strftime("%Y-%m-%dT%H:%M")


def text_of(response: httpx.Response) -> str:
    return html.unescape(response.text)


def case_json(client: ApiClient, case_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/cases/{case_id}").json())


def test_statusudtalelser_and_partshoering_registered_on_the_case_page(
    platform: Platform, caseworker: ApiClient, page: httpx.Client
) -> None:
    case_id, _ = start_underretning(caseworker, "bfu")
    complete(caseworker, task_named(caseworker, case_id, "Børnesamtale"), TALK)
    complete(caseworker, task_named(caseworker, case_id, "Indhent statusudtalelser"), STATEMENTS)
    requests = eventually(
        lambda: (s := case_json(caseworker, case_id)["statements"]) and len(s) == 2 and s
    )
    school = next(r for r in requests if r["institution_kind"] == "school")
    daycare = next(r for r in requests if r["institution_kind"] == "daycare")
    shown = text_of(page.get(f"/sager/{case_id}"))
    assert "Registrér statusudtalelse fra Testskolen" in shown
    assert "Registrér statusudtalelse fra Testfritidshjemmet" in shown

    url = f"/sager/{case_id}/statusudtalelser/{school['id']}"
    empty = post(page, url, modtaget=local(datetime.now(UTC)), svar="Kort")
    assert empty.status_code == 400
    assert "Skriv eller indsæt statusudtalelsen" in text_of(empty)
    future = local(datetime.now(UTC) + timedelta(days=2))
    reply = "Barnet trives, men er træt om morgenen."
    later = post(page, url, modtaget=future, svar=reply)
    assert later.status_code == 400
    assert "kan ikke ligge i fremtiden" in text_of(later)
    assert reply in text_of(later), "what was typed comes back"
    garbled = post(page, url, modtaget="i går", svar=reply)
    assert garbled.status_code == 400 and "Angiv dato og klokkeslæt" in text_of(garbled)
    assert {r["status"] for r in case_json(caseworker, case_id)["statements"]} == {"requested"}

    received = datetime.now(UTC) - timedelta(hours=3)
    done = post(page, url, modtaget=local(received), svar=reply)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/sager/{case_id}?besked=statusudtalelse#svar"
    again = post(page, url, modtaget=local(received), svar=reply)
    assert again.status_code == 409 and "allerede registreret" in text_of(again)
    (answered,) = [
        r for r in case_json(caseworker, case_id)["statements"] if r["id"] == school["id"]
    ]
    assert answered["status"] == "answered"
    assert abs(datetime.fromisoformat(answered["replied_at"]) - received) < timedelta(minutes=1)
    platform.wait_projected()
    assert "Børnefaglig undersøgelse" not in open_tasks(caseworker, case_id)
    daycare_url = f"/sager/{case_id}/statusudtalelser/{daycare['id']}"
    assert post(page, daycare_url, modtaget="", svar=reply).status_code == 303
    complete(caseworker, task_named(caseworker, case_id, "Børnefaglig undersøgelse"), BFU)

    material = "Udkast til undersøgelsen: barnet har behov for støtte i hjemmet."
    complete(
        caseworker,
        task_named(caseworker, case_id, "Partshøring"),
        {"material": material, "hearing_days": 10},
    )
    hearing = eventually(lambda: (h := case_json(caseworker, case_id)["hearings"]) and h[0])
    shown = text_of(page.get(f"/sager/{case_id}"))
    assert "Registrér bemærkninger i partshøringen" in shown
    assert f"0 af {hearing['parties']}" in shown
    assert "Mor" in shown or "Far" in shown or "forældremyndighed" in shown
    url = f"/sager/{case_id}/hoeringer/{hearing['id']}"
    comment = "Vi er enige i beskrivelsen."
    nobody = post(page, url, part="", modtaget="", bemaerkninger=comment, endelig="ja")
    assert nobody.status_code == 400 and "Vælg den part" in text_of(nobody)
    beyond = post(page, url, part=str(hearing["parties"] + 1), modtaget="", bemaerkninger=comment)
    assert beyond.status_code == 422 and "Parten findes ikke" in text_of(beyond)
    blank = post(page, url, part="1", modtaget="", bemaerkninger="  ", endelig="ja")
    assert blank.status_code == 400 and "Skriv partens bemærkninger" in text_of(blank)
    assert case_json(caseworker, case_id)["hearings"][0]["responses"] == 0

    # A first, not final word from party 1 does not end the hearing.
    first = post(page, url, part="1", modtaget="", bemaerkninger="Vi vender tilbage.")
    assert first.headers["location"].endswith("besked=hoering#svar")
    for party in range(1, hearing["parties"] + 1):
        platform.wait_projected()
        assert "Konklusion og anbefaling" not in open_tasks(caseworker, case_id)
        answer = post(page, url, part=str(party), modtaget="", bemaerkninger=comment, endelig="ja")
        assert answer.status_code == 303, answer.text
    assert answer.headers["location"].endswith("besked=hoering-afsluttet#svar")
    task_named(caseworker, case_id, "Konklusion og anbefaling")
    (closed,) = case_json(caseworker, case_id)["hearings"]
    assert (closed["state"], closed["responses"]) == ("all_answered", hearing["parties"] + 1)
    late = post(page, url, part="1", modtaget="", bemaerkninger=comment, endelig="ja")
    assert late.status_code == 409 and "Partshøringen er afsluttet" in text_of(late)
    assert "Alle parter har svaret" in text_of(page.get(f"/sager/{case_id}"))


def test_a_klage_in_the_appeal_window_registered_on_the_case_page(
    platform: Platform, caseworker: ApiClient, page: httpx.Client
) -> None:
    case_id = to_decision(caseworker, "stoettende_indsats")
    complete(caseworker, task_named(caseworker, case_id, "Afgørelse"), DECISION)
    (decision,) = eventually(lambda: instances(platform, case_id, "afgoerelse"))
    key = decision.process_instance_key
    eventually(lambda: deadline_timer(platform.db, key, "D16"), what="appeal window")
    shown = text_of(page.get(f"/sager/{case_id}"))
    assert "Registrér klage over en afgørelse" in shown and f'value="{key}"' in shown

    other_case = start_underretning(caseworker, "close")[0]
    wrong = post(page, f"/sager/{other_case}/klager", afgoerelse=str(key), modtaget="")
    assert wrong.status_code == 422
    assert "Der findes ingen afgørelse med det nummer på sagen" in text_of(wrong)
    closed = post(page, f"/sager/{case_id}/klager", afgoerelse="999999991", modtaget="")
    assert closed.status_code == 400 and "Klagefristen for den afgørelse" in text_of(closed)
    unchosen = post(page, f"/sager/{case_id}/klager", afgoerelse="", modtaget="")
    assert unchosen.status_code == 400 and "Vælg den afgørelse" in text_of(unchosen)
    platform.wait_projected()
    assert "Genvurdering af klage" not in open_tasks(caseworker, case_id)

    done = post(page, f"/sager/{case_id}/klager", afgoerelse=str(key), modtaget="")
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/sager/{case_id}?besked=klage#svar"
    task_named(caseworker, case_id, "Genvurdering af klage")
    # The appeal window closed with the klage: the form is gone.
    eventually(
        lambda: "Registrér klage over en afgørelse" not in text_of(page.get(f"/sager/{case_id}")),
        what="the klage form gone",
    )
