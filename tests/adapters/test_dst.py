"""Danmarks Statistik: the client and the simulator against our own contract (dst.xsd)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import structlog
from lxml import etree

from adapters.dst import Delivery, DeliveryRejected, DstClient, DstSettings, ReportEvent
from adapters.dst.client import NS, delivery_xml, schema
from adapters.dst.simulator import create_app
from adapters.errors import ContractViolation, Rejected, Unavailable
from api.dst.codes import SHIPPED, CodeLists, parse
from api.dst.delivery import report_event
from api.testdata.cpr import synthetic_cpr
from tests.adapters.serving import free_port, serve

CHILD = synthetic_cpr("dst-child", birth_date=date(2014, 5, 6))
MOTHER = synthetic_cpr("dst-mother", birth_date=date(1990, 1, 2))
EVENTS = (
    ReportEvent(
        event_id="ev-1",
        course_id="underretning-1",
        subject="UNDERRETNING",
        kind="START",
        on=date(2027, 6, 29),
        child_cpr=MOTHER,
        unborn=True,
        code_list_version="2024-1",
        reporter="20",
        reasons=("11", "99"),
    ),
    ReportEvent(
        event_id="ev-2",
        course_id="indsats-1",
        subject="INDSATS",
        kind="START",
        on=date(2027, 6, 30),
        child_cpr=CHILD,
        code_list_version="2024-1",
        paragraph="BL32-1-3",
    ),
    ReportEvent(
        event_id="ev-3",
        course_id="anbringelse-1",
        subject="ANBRINGELSE",
        kind="AENDRING",
        on=date(2027, 6, 30),
        child_cpr=CHILD,
        code_list_version="2024-1",
        paragraph="BL46",
        placement_type="PF1",
    ),
    ReportEvent(
        event_id="ev-4",
        course_id="anbringelse-1",
        subject="ANBRINGELSE",
        kind="SLUT",
        on=date(2027, 7, 1),
        child_cpr=CHILD,
        code_list_version="2027-2",
        paragraph="BL46",
        reason="101",
    ),
)
DELIVERY = Delivery(
    delivery_id="901-20270702-a1",
    municipality="901",
    created=datetime(2027, 7, 2, 1, 0, tzinfo=UTC),
    events=EVENTS,
)


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    with serve(create_app(tmp_path)) as url:
        yield url


def client_for(base: str, **changes: object) -> DstClient:
    return DstClient(DstSettings(endpoint=base + "/dst", **changes))  # type: ignore[arg-type]


def received(base: str) -> list[dict[str, object]]:
    answer = httpx.get(base + "/dst/leveringer", timeout=5)
    assert answer.status_code == 200
    rows: list[dict[str, object]] = answer.json()
    return rows


def test_every_kind_of_event_validates_and_is_accepted(base: str) -> None:
    """Contract: a file with each subject and event type (an unborn child under its mother's
    CPR) validates against the XSD, and so does DST's receipt (the client checks it)."""
    content = delivery_xml(DELIVERY)
    root = etree.fromstring(content)
    assert schema().validate(root)
    assert root.findtext(f"{{{NS}}}Haendelse/{{{NS}}}Barn/{{{NS}}}UfoedtMorCPR") == MOTHER
    receipt = client_for(base).deliver(DELIVERY)
    assert (receipt.accepted, receipt.event_count, receipt.errors) == (True, 4, ())
    (kept,) = received(base)
    assert kept["status"] == "GODKENDT" and kept["kommune"] == "901"
    events = kept["haendelser"]
    assert isinstance(events, list)
    assert [(e["type"], e["kodelisteversion"]) for e in events][-1] == ("SLUT", "2027-2")
    assert events[-1]["koder"] == {"Paragraf": "BL46", "Aarsag": "101"}
    assert CHILD not in httpx.get(base + "/dst/leveringer", timeout=5).text


def test_a_change_carries_the_changed_variables_as_aendring(base: str) -> None:
    """A change noted in the case store (a placement's legal basis after the committee's
    decision) becomes an AENDRING in the file with the new paragraph and the ændringsårsag,
    in the same course as its start, and DST accepts it."""
    lists = CodeLists(parse(SHIPPED.read_text(encoding="utf-8")))
    course = uuid.uuid4()
    common = {
        "subject": "anbringelse",
        "subject_id": course,
        "municipality_id": "901",
        "child_cpr": CHILD,
        "mother_cpr": None,
        "reporter_type": None,
        "concerns_abuse": None,
        "legal_basis": "BL § 47",
    }
    start = SimpleNamespace(
        id=uuid.uuid4(),
        event="start",
        occurred_on=date(2027, 2, 1),
        code="BL § 143",
        event_legal_basis="BL § 143",
        **common,
    )
    change = SimpleNamespace(
        id=uuid.uuid4(),
        event="change",
        occurred_on=date(2027, 2, 20),
        code="udvalgets_afgoerelse",
        event_legal_basis="BL § 47",
        **common,
    )
    events = tuple(report_event(r, lists) for r in (start, change))
    assert all(isinstance(e, ReportEvent) for e in events)
    delivery = Delivery(
        delivery_id="901-20270221-c1",
        municipality="901",
        created=datetime(2027, 2, 21, 1, 0, tzinfo=UTC),
        events=events,  # type: ignore[arg-type]
    )
    assert client_for(base).deliver(delivery).accepted
    (kept,) = received(base)
    sent = kept["haendelser"]
    assert isinstance(sent, list)
    assert [(e["type"], e["forloeb"], e["dato"], e["koder"]) for e in sent] == [
        ("START", str(course), "2027-02-01", {"Paragraf": "BL143"}),
        ("AENDRING", str(course), "2027-02-20", {"Paragraf": "BL47", "Aarsag": "21"}),
    ]


def test_the_same_file_again_is_booked_once(base: str) -> None:
    """A retried job sends the recorded bytes again: DST answers with the first receipt."""
    client = client_for(base)
    first = client.deliver(DELIVERY)
    again = client.send(delivery_xml(DELIVERY))
    assert again == first
    assert len(received(base)) == 1


def test_other_content_under_a_used_id_is_refused(base: str) -> None:
    client = client_for(base)
    client.deliver(DELIVERY)
    with pytest.raises(ContractViolation, match="samme LeveringID"):
        client.deliver(dataclasses.replace(DELIVERY, events=EVENTS[:1]))


def test_a_rejection_carries_dsts_reasons_and_applies_once(base: str) -> None:
    client = client_for(base)
    told = httpx.post(base + "/dst/afvis-naeste", json={"reason": "Kommunekoden er ukendt"})
    assert told.status_code == 204
    with pytest.raises(DeliveryRejected) as raised:
        client.deliver(DELIVERY)
    assert isinstance(raised.value, Rejected)
    assert raised.value.receipt.errors == ("Kommunekoden er ukendt",)
    # The same events in a new file are accepted: the switch rejects one file only.
    resent = client.deliver(dataclasses.replace(DELIVERY, delivery_id="901-20270703-a2"))
    assert resent.accepted
    assert [row["status"] for row in received(base)] == ["AFVIST", "GODKENDT"]


def test_an_event_already_accepted_is_rejected_by_event(base: str) -> None:
    client = client_for(base)
    client.deliver(DELIVERY)
    with pytest.raises(DeliveryRejected) as raised:
        client.deliver(dataclasses.replace(DELIVERY, delivery_id="901-x", events=EVENTS[3:]))
    assert raised.value.receipt.errors == (
        "ev-4: Hændelsen er allerede modtaget i en godkendt levering",
    )


def test_a_file_outside_the_contract_is_not_sent(base: str) -> None:
    broken = dataclasses.replace(DELIVERY, municipality="9011")
    with pytest.raises(ContractViolation, match="XSD"):
        client_for(base).deliver(broken)
    with pytest.raises(ContractViolation):
        client_for(base).send(b"<Levering xmlns='https://boernesag.dk/schemas/dst/1.0'/>")
    bad_code = dataclasses.replace(EVENTS[1], paragraph="§ 32")
    with pytest.raises(ContractViolation):
        delivery_xml(dataclasses.replace(DELIVERY, events=(bad_code,)))
    assert received(base) == []


def test_the_simulator_refuses_what_breaks_the_xsd_and_unknown_senders(base: str) -> None:
    answer = httpx.post(
        base + "/dst",
        content=b"<Levering xmlns='https://boernesag.dk/schemas/dst/1.0'/>",
        headers={"X-DST-Afsender": "boernesag-test-dst"},
        timeout=5,
    )
    assert answer.status_code == 400 and "XSD" in answer.text
    with pytest.raises(Rejected, match="afsenderen"):
        client_for(base, credential="forkert").deliver(DELIVERY)
    assert received(base) == []


def test_the_certificate_variant_needs_a_certificate_and_sends_no_credential() -> None:
    with pytest.raises(ValueError, match="certificate"):
        DstSettings(endpoint="http://127.0.0.1/dst", variant="certificate")
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401)

    settings = DstSettings(endpoint="http://dst.test/dst", credential="hemmelig")
    client = DstClient(settings, transport=httpx.MockTransport(answer))
    with pytest.raises(Rejected):
        client.deliver(DELIVERY)
    assert seen[0].headers["X-DST-Afsender"] == "hemmelig"


def test_the_contract_is_served(base: str) -> None:
    answer = httpx.get(base + "/dst", params={"xsd": ""}, timeout=5)
    assert answer.status_code == 200 and b"Levering" in answer.content
    assert httpx.get(base + "/dst", timeout=5).status_code == 404


def test_an_unreachable_or_failing_system_is_unavailable() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(Unavailable):
        client_for(endpoint, timeout_seconds=1).deliver(DELIVERY)
    failing = DstClient(
        DstSettings(endpoint="http://dst.test/dst"),
        transport=httpx.MockTransport(lambda request: httpx.Response(503)),
    )
    with pytest.raises(Unavailable, match="503"):
        failing.deliver(DELIVERY)


def test_an_answer_outside_the_contract_is_a_contract_violation() -> None:
    answer = (
        b"<Kvittering xmlns='https://boernesag.dk/schemas/dst/1.0'><Status>OK</Status></Kvittering>"
    )
    client = DstClient(
        DstSettings(endpoint="http://dst.test/dst"),
        transport=httpx.MockTransport(lambda request: httpx.Response(200, content=answer)),
    )
    with pytest.raises(ContractViolation, match="kvittering"):
        client.deliver(DELIVERY)


def test_calls_are_audited_without_cpr_numbers(base: str) -> None:
    calls: list[tuple[str, str]] = []
    client = DstClient(
        DstSettings(endpoint=base + "/dst"),
        on_call=lambda operation, duration_ms, outcome: calls.append((operation, outcome)),
    )
    httpx.post(base + "/dst/afvis-naeste", json={"reason": f"Barnet {CHILD} er ukendt"})
    with structlog.testing.capture_logs() as logs, pytest.raises(DeliveryRejected):
        client.deliver(DELIVERY)
    client.deliver(dataclasses.replace(DELIVERY, delivery_id="901-again"))
    assert calls == [("Levering", "rejected"), ("Levering", "ok")]
    assert logs and CHILD not in repr(logs)


def test_what_was_received_survives_a_simulator_restart(tmp_path: Path) -> None:
    with serve(create_app(tmp_path)) as url:
        client_for(url).deliver(DELIVERY)
    with serve(create_app(tmp_path)) as url:
        assert [row["id"] for row in received(url)] == [DELIVERY.delivery_id]
        assert client_for(url).deliver(DELIVERY).accepted  # the first receipt again
        with pytest.raises(DeliveryRejected):
            client_for(url).deliver(dataclasses.replace(DELIVERY, delivery_id="901-new"))
