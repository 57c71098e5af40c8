"""Aktindsigt: the request, D19 (7 arbejdsdage), the fristbrev, the decision and the redacted
case file the requester gets by Digital Post."""

from __future__ import annotations

import re
import uuid
import zlib
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from api.calendar import COPENHAGEN, add_working_days
from api.cases.tables import aktindsigt_request
from api.projector import tables as rm
from api.testdata.cpr import synthetic_child_cpr, synthetic_cpr
from api.underretninger.service import municipality_calendar
from tests.harness.api import ApiClient
from tests.harness.digitalpost import sent_message
from tests.harness.platform import Platform
from tests.harness.readmodel import process_instance, rows
from tests.harness.waiting import eventually
from tests.platform.test_investigation import (
    ASSESSMENT,
    complete,
    instances,
    letters,
    start_underretning,
)

REPORTER = "Grete Naboersen"
GRANT = {"decision": "grant", "reasoning": "Du er part i sagen og har ret til aktindsigt."}
REFUSE = {"decision": "refuse", "reasoning": "Du er ikke part i sagen, og akterne er fortrolige."}


def pdf_text(pdf: bytes) -> str:
    """Every text the PDF draws, in the core fonts' encoding (as the unit tests read it)."""
    # The end-of-line before `endstream` stays with the data: compressed bytes may themselves end
    # in CR or LF, and a decompress object leaves whatever follows the stream's end unused.
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL)
    shown = [
        t
        for s in streams
        for t in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", zlib.decompressobj().decompress(s))
    ]
    return " ".join(t.decode("cp1252") for t in shown)


def parents(client: ApiClient, case_id: str) -> tuple[str, str]:
    """The child's mother and father from CPR, once the lookup has answered."""
    child = eventually(
        lambda: (c := client.get(f"/api/cases/{case_id}").json()["child"])["mother_cpr"] and c,
        what="the child's parents from CPR",
    )
    return child["mother_cpr"], child["father_cpr"]


def reported_case(client: ApiClient, neighbour_cpr: str) -> tuple[str, str, str]:
    """A case from a named neighbour whose report names the mother and another adult by CPR."""
    received = datetime.now(UTC) - timedelta(minutes=5)
    child = synthetic_child_cpr(uuid.uuid4().hex, received.date())
    created = client.post(
        "/api/underretninger",
        {
            "child_cpr": child,
            "received_at": received.isoformat(),
            "reporter_type": "private",
            "reporter_name": REPORTER,
            "reporter_email": "grete@example.dk",
            "concern": f"Jeg, {REPORTER}, hører råb om natten. Moren bor med en ven, "
            f"CPR {neighbour_cpr}.",
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    task = task_named(client, case_id, "24-timers vurdering")
    complete(client, task, {**ASSESSMENT, "outcome": "close", "close_reason": "Ingen grund."})
    mother, father = parents(client, case_id)
    return case_id, mother, father


def task_named(client: ApiClient, case_id: str, name: str, instance: int | None = None) -> Any:
    def find() -> dict[str, Any] | None:
        return next(
            (
                t
                for t in client.get("/api/tasks", case_id=case_id).json()
                if t["name"] == name
                and (instance is None or t["process_instance_key"] == str(instance))
            ),
            None,
        )

    return eventually(find, what=f"task {name!r}")


def request(client: ApiClient, case_id: str, cpr: str, received: datetime) -> dict[str, Any]:
    response = client.post(
        f"/api/cases/{case_id}/aktindsigt",
        {"requester_cpr": cpr, "received_at": received.isoformat(), "scope": "Hele sagen."},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def instance_of(platform: Platform, request_id: str) -> int:
    def find() -> int | None:
        with platform.db.connect() as conn:
            return conn.execute(
                select(rm.variable.c.process_instance_key).where(
                    rm.variable.c.name == "aktindsigtId",
                    rm.variable.c.value == f'"{request_id}"',
                )
            ).scalar()

    return int(eventually(find, what="the aktindsigt instance"))


def d19_timer(platform: Platform, key: int) -> Any:
    return eventually(
        lambda: next(
            (
                t
                for t in rows(platform.db, rm.timer, process_instance_key=key)
                if t.deadline_rule == "D19"
            ),
            None,
        ),
        what="the D19 timer",
    )


def d19_due(platform: Platform, received: datetime) -> datetime:
    with platform.db.connect() as conn:
        return add_working_days(received, 7, municipality_calendar(conn, "901"))


def delivered(platform: Platform, case_id: str, kind: str) -> dict[str, Any]:
    (sent,) = eventually(lambda: letters(platform, case_id, kind), what=f"the {kind} letter")
    assert sent.recipient_kind == "cpr"
    return sent_message(platform, sent.message_id)


def test_request_decided_in_time_sends_the_redacted_case_file(
    platform: Platform, caseworker: ApiClient
) -> None:
    """The request gets a task due in 7 arbejdsdage (D19); granted, the requester gets the case
    file by Digital Post, without the private reporter or another adult's CPR number; a second
    request on the same case runs beside it, and a refusal sends no file."""
    neighbour = synthetic_cpr(uuid.uuid4().hex)
    case_id, mother, father = reported_case(caseworker, neighbour)
    received = datetime.now(UTC)
    created = request(caseworker, case_id, mother, received)
    due = d19_due(platform, received)
    assert datetime.fromisoformat(created["due_at"]) == due
    key = instance_of(platform, created["aktindsigt_id"])
    choose = task_named(caseworker, case_id, "Anmodning om aktindsigt", key)
    assert datetime.fromisoformat(choose["due_at"]) == due
    assert choose["candidate_groups"] == ["901-modtagelse"]
    assert d19_timer(platform, key).due_at == due

    other = request(caseworker, case_id, father, received)
    other_key = instance_of(platform, other["aktindsigt_id"])
    assert len(instances(platform, case_id, "aktindsigt")) == 2

    preview = caseworker.get(f"/api/cases/{case_id}/aktindsigt/{created['aktindsigt_id']}/export")
    assert preview.status_code == 200 and preview.headers["content-type"] == "application/pdf"
    complete(caseworker, choose, {"answer": "decide"})
    complete(caseworker, task_named(caseworker, case_id, "Afgørelse om aktindsigt", key), GRANT)

    message = delivered(platform, case_id, "aktindsigt")
    assert message["recipient"] == {"kind": "cpr", "id": mother}
    assert "Dokumentliste:" in message["body"] and "1. " in message["body"]
    (attachment,) = message["attachments"]
    assert attachment["media_type"] == "application/pdf"
    text = pdf_text(attachment["content"])
    assert "Underretning" in text and "Undtaget" in text
    assert "Grete" not in text and "Naboersen" not in text and "grete@example.dk" not in text
    assert neighbour not in text and "[CPR-nr. udeladt]" in text
    assert "24-timers vurdering" in text, "the file holds the case's documents"
    shown = pdf_text(preview.content)
    assert "24-timers vurdering" in shown and "Grete" not in shown and neighbour not in shown

    eventually(lambda: process_instance(platform.db, key).state == "COMPLETED")
    assert d19_timer(platform, key).state == "CANCELED"
    page = caseworker.get(f"/api/cases/{case_id}").json()
    states = {r["id"]: r for r in page["aktindsigt"]}
    mine = states[created["aktindsigt_id"]]
    assert (mine["status"], mine["decision"], mine["requester"]) == ("decided", "grant", "parent")
    assert states[other["aktindsigt_id"]]["status"] == "received"
    assert mother not in str(page["aktindsigt"]), "the case page never shows who asked"

    complete(
        caseworker,
        task_named(caseworker, case_id, "Anmodning om aktindsigt", other_key),
        {"answer": "decide"},
    )
    complete(
        caseworker, task_named(caseworker, case_id, "Afgørelse om aktindsigt", other_key), REFUSE
    )
    eventually(lambda: len(letters(platform, case_id, "aktindsigt")) == 2, what="the refusal")
    refusal = next(
        sent_message(platform, s.message_id)
        for s in letters(platform, case_id, "aktindsigt")
        if sent_message(platform, s.message_id)["recipient"]["id"] == father
    )
    assert refusal["attachments"] == [] and "Du får ikke aktindsigt" in refusal["body"]
    assert "Klagevejledning" in refusal["body"]


def test_fristbrev_then_the_decision(platform: Platform, caseworker: ApiClient) -> None:
    """A fristbrev within the 7 days meets D19; it names the reason and the expected date, and
    the decision task is due by that date; the decision follows with the case file."""
    case_id, _ = start_underretning(caseworker, "close")
    _, father = parents(caseworker, case_id)
    created = request(caseworker, case_id, father, datetime.now(UTC))
    key = instance_of(platform, created["aktindsigt_id"])
    complete(
        caseworker,
        task_named(caseworker, case_id, "Anmodning om aktindsigt", key),
        {"answer": "fristbrev"},
    )
    expected = datetime.now(COPENHAGEN).date() + timedelta(days=14)
    fristbrev = task_named(caseworker, case_id, "Fristbrev", key)
    reason = "Sagen er omfattende, og akterne skal gennemgås for andres oplysninger."
    refused = caseworker.post(
        f"/api/tasks/{fristbrev['id']}/complete", {"reason": reason, "expected_by": "om 14 dage"}
    )
    assert refused.status_code == 422 and "expected_by" in refused.text
    complete(caseworker, fristbrev, {"reason": reason, "expected_by": expected.isoformat()})

    message = delivered(platform, case_id, "fristbrev")
    assert message["recipient"] == {"kind": "cpr", "id": father}
    assert reason in message["body"] and f"{expected:%d.%m.%Y}" in message["body"]
    assert message["attachments"] == []
    decide = task_named(caseworker, case_id, "Afgørelse om aktindsigt", key)
    end_of_expected = datetime.combine(expected + timedelta(days=1), time(), tzinfo=COPENHAGEN)
    assert datetime.fromisoformat(decide["due_at"]) == end_of_expected
    assert eventually(lambda: d19_timer(platform, key).state == "CANCELED"), "D19 is met"
    (request_view,) = caseworker.get(f"/api/cases/{case_id}").json()["aktindsigt"]
    assert request_view["status"] == "extended"
    assert request_view["expected_by"] == expected.isoformat()
    assert letters(platform, case_id, "aktindsigt") == []

    complete(caseworker, decide, GRANT)
    decision = delivered(platform, case_id, "aktindsigt")
    (attachment,) = decision["attachments"]
    assert attachment["content"].startswith(b"%PDF")
    eventually(lambda: process_instance(platform.db, key).state == "COMPLETED")
    ends = {e.element_id for e in rows(platform.db, rm.element_instance, process_instance_key=key)}
    assert "request_decided_after_fristbrev" in ends and "record_d19_breach" not in ends


def count_requests(platform: Platform, case_id: str) -> int:
    with platform.db.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(aktindsigt_request)
                .where(aktindsigt_request.c.case_id == uuid.UUID(case_id))
            ).scalar_one()
        )


def test_a_bad_request_is_refused_with_a_danish_reason(
    platform: Platform, caseworker: ApiClient
) -> None:
    """Each bad field is named in Danish with a 422, and nothing is registered."""
    case_id, _ = start_underretning(caseworker, "close")
    now = datetime.now(UTC)
    good = {"requester_cpr": synthetic_cpr(uuid.uuid4().hex), "received_at": now.isoformat()}
    cases = [
        ({"received_at": now.isoformat()}, "skal udfyldes"),
        ({**good, "requester_cpr": "12345"}, "CPR-nummer skal være 10 cifre"),
        ({**good, "requester_cpr": "3113999912"}, "fødselsdato findes ikke"),
        ({**good, "received_at": now.replace(tzinfo=None).isoformat()}, "tidszone"),
        ({**good, "received_at": "i går"}, "ISO 8601"),
        ({**good, "received_at": (now + timedelta(days=2)).isoformat()}, "fremtiden"),
        ({**good, "scope": "x" * 2001}, "2000 tegn"),
        ({**good, "requester_name": "Grete"}, "ukendte felter"),
    ]
    for body, reason in cases:
        response = caseworker.post(f"/api/cases/{case_id}/aktindsigt", body)
        assert response.status_code == 422, (body, response.text)
        assert reason in response.text, (reason, response.text)
    assert count_requests(platform, case_id) == 0


def test_outside_the_scope_the_case_does_not_exist(
    platform: Platform, caseworker: ApiClient
) -> None:
    """Another municipality's caseworker gets the 404 of a case that does not exist, for the
    request and the export; a role without case work gets 403; an unknown request is a 404."""
    case_id, _ = start_underretning(caseworker, "close")
    created = request(caseworker, case_id, synthetic_cpr(uuid.uuid4().hex), datetime.now(UTC))
    export = f"/api/cases/{case_id}/aktindsigt/{created['aktindsigt_id']}/export"
    body = {
        "requester_cpr": synthetic_cpr(uuid.uuid4().hex),
        "received_at": datetime.now(UTC).isoformat(),
    }
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    south, auditor = ApiClient(base, "caseworker2"), ApiClient(base, "auditor")
    try:
        nobody = south.get(f"/api/cases/{uuid.uuid4()}").json()
        refused = south.post(f"/api/cases/{case_id}/aktindsigt", body)
        assert refused.status_code == 404 and refused.json() == nobody
        assert south.get(export).status_code == 404 and south.get(export).json() == nobody
        assert auditor.post(f"/api/cases/{case_id}/aktindsigt", body).status_code == 403
        assert auditor.get(export).status_code == 403
    finally:
        south.close()
        auditor.close()
    unknown = caseworker.get(f"/api/cases/{case_id}/aktindsigt/{uuid.uuid4()}/export")
    assert unknown.status_code == 404 and "anmodning om aktindsigt" in unknown.json()["detail"]
    assert count_requests(platform, case_id) == 1
