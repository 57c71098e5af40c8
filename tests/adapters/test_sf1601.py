"""Sf1601Client against the SF1601 simulator: MeMo contract, idempotency, routing and errors."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
import uvicorn
from lxml import etree
from structlog.testing import capture_logs

from adapters.cpr import InvocationContext
from adapters.cpr.simulator import accepted_invocation_context
from adapters.digitalpost import Attachment, Recipient, Sender, Sf1601Client, Sf1601Settings, memo
from adapters.digitalpost.simulator import (
    RECIPIENT_SLOW,
    RECIPIENT_TECHNICAL_FAULT,
    RECIPIENT_UNKNOWN,
    accepted_token,
    create_app,
    read_message,
    stored_messages,
)
from adapters.errors import ContractViolation, Rejected, Unavailable
from adapters.soap import CPR_MASK
from api.testdata.cpr import synthetic_cpr

PDF = b"%PDF-1.4\n% synthetic test document\n%%EOF\n"
SENDER = Sender("90100001", "Demo Nord Kommune")
PARENT = synthetic_cpr("sf1601-parent", birth_date=datetime(1985, 3, 14).date())
CHILD = synthetic_cpr("sf1601-child", birth_date=datetime(2014, 6, 9).date())
ADDRESS = "Skovvej 12, 1. tv, 8000 Aarhus C"
STATED = datetime(2026, 3, 2, 9, 30, 15, 250_000, tzinfo=UTC)
SLOW_SECONDS = 1.0
WRONG_CONTEXT = InvocationContext(
    service_agreement_uuid="11111111-1111-4111-8111-111111111111",
    user_system_uuid="11111111-1111-4111-8111-111111111112",
    user_uuid="11111111-1111-4111-8111-111111111113",
    service_uuid="11111111-1111-4111-8111-111111111114",
)
TEN_DIGITS = re.compile(r"(?<![\d-])\d{6}-?\d{4}(?![\d-])")


@dataclass(frozen=True)
class Simulator:
    base_url: str
    store: Path

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/sf1601"


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    store = tmp_path_factory.mktemp("sf1601")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(store, slow_seconds=SLOW_SECONDS),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the SF1601 simulator did not start")
        time.sleep(0.01)
    yield Simulator(f"http://127.0.0.1:{port}", store)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


ClientFactory = Callable[..., Sf1601Client]


@pytest.fixture
def make_client(simulator: Simulator) -> Iterator[ClientFactory]:
    """A client for the simulator stating `STATED` as its time; keyword arguments override
    `Sf1601Settings` fields (and `now`, `on_call`, `transport`)."""
    clients: list[Sf1601Client] = []

    def make(
        *, now: Any = None, on_call: Any = None, transport: Any = None, **overrides: Any
    ) -> Sf1601Client:
        values: dict[str, Any] = {
            "endpoint": simulator.endpoint,
            "variant": "context",
            "invocation_context": accepted_invocation_context(),
            "default_sender": SENDER,
            "timeout_seconds": 5.0,
        }
        values.update(overrides)
        client = Sf1601Client(
            Sf1601Settings(**values),
            now=now or (lambda: STATED),
            on_call=on_call,
            transport=transport,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def default_structlog() -> Iterator[None]:
    """Other suites configure structlog globally; these tests start from its defaults."""
    saved = structlog.get_config()
    structlog.reset_defaults()
    yield
    structlog.configure(**saved)


def send(client: Sf1601Client, recipient: Recipient, key: str, **extra: Any) -> Any:
    values: dict[str, Any] = {
        "recipient": recipient,
        "subject": "Afgørelse i sagen om dit barn",
        "body": "Afgørelse: Det ansøgte er bevilget.\n\nKlagevejledning: Du kan klage.",
        "idempotency_key": key,
        "case_number": "S-2026-000123",
    }
    values.update(extra)
    return client.send(**values)


# -- the contract -------------------------------------------------------------------------------

RECIPIENTS = {
    "cpr-digital": Recipient("cpr", PARENT, name="Mette Hansen", digital_post=True),
    "cpr-physical": Recipient("cpr", CHILD, name="Ida Hansen", digital_post=False, address=ADDRESS),
    "cpr-protected": Recipient(
        "cpr", CHILD, name="Ida Hansen", digital_post=False, address=ADDRESS, address_protected=True
    ),
    "cpr-unknown-registration": Recipient("cpr", PARENT),
    "cvr": Recipient("cvr", "11883729"),
}


@pytest.mark.parametrize("case", sorted(RECIPIENTS))
@pytest.mark.parametrize("attachments", [0, 2])
def test_every_message_the_client_builds_validates_against_the_xsd(
    make_client: ClientFactory, case: str, attachments: int
) -> None:
    """Each kind of recipient, with and without PDF attachments, gives a kombi_request whose
    MeMo Message the vendored MeMo 1.1 XSD accepts."""
    sent: list[bytes] = []

    def service(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        uuid_ = memo.parse_kombi_request(request.content)
        assert not isinstance(uuid_, str)
        receipt = {"messageUUID": uuid_.message_uuid, "leveretTidspunkt": "2026-03-02T09:30:15Z"}
        return httpx.Response(200, json=receipt)

    client = make_client(transport=httpx.MockTransport(service))
    files = [Attachment(f"bilag-{n}.pdf", "application/pdf", PDF) for n in range(attachments)]
    send(client, RECIPIENTS[case], f"contract-{case}-{attachments}", attachments=files)
    (content,) = sent
    received = memo.parse_kombi_request(content)
    assert not isinstance(received, str)
    assert memo.schema_error(memo.memo_schema(), received.message) is None
    assert received.message.get("memoVersion") == "1.1"
    assert re.fullmatch(
        r"[0-9a-f-]{14}4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", received.message_uuid
    )


def test_the_message_uuid_is_derived_from_the_idempotency_key() -> None:
    """The same key gives the same version-4-shaped UUID; another key another."""
    first = memo.message_uuid("afgoerelse-2251799813685249-0")
    assert first == memo.message_uuid("afgoerelse-2251799813685249-0")
    assert first != memo.message_uuid("afgoerelse-2251799813685249-1")
    assert first[14] == "4" and first[19] in "89ab"


def test_the_simulator_serves_the_memo_xsd(simulator: Simulator) -> None:
    """`/sf1601?xsd` is the MeMo XSD with its imports served by the simulator itself."""
    answer = httpx.get(f"{simulator.endpoint}?xsd")
    assert answer.status_code == 200
    document = etree.fromstring(answer.content)
    assert document.get("targetNamespace") == memo.NS_MEMO
    locations = [
        node.get("schemaLocation")
        for node in document.iter("{http://www.w3.org/2001/XMLSchema}import")
    ]
    assert locations and all(
        loc.startswith(f"{simulator.endpoint}/contract/MeMo_") for loc in locations
    )
    imported = httpx.get(locations[0])
    assert imported.status_code == 200 and b"schema" in imported.content
    assert httpx.get(simulator.endpoint).status_code == 404


# -- delivery and idempotency ----------------------------------------------------------------


def test_a_letter_is_delivered_with_the_time_the_service_answers(
    make_client: ClientFactory, simulator: Simulator
) -> None:
    """The simulator keeps the MeMo and its PDF; the delivery time is the service's answer."""
    client = make_client()
    delivery = send(
        client,
        RECIPIENTS["cpr-digital"],
        "delivered-1",
        attachments=[Attachment("klagesag.pdf", "application/pdf", PDF)],
    )
    assert delivery.delivered_at == STATED
    message = read_message(simulator.store, delivery.message_id)
    assert message["recipient"] == {"kind": "cpr", "id": PARENT}
    assert message["sender"] == {"cvr": SENDER.cvr, "name": SENDER.name}
    assert message["subject"] == "Afgørelse i sagen om dit barn"
    assert message["body"].startswith("Afgørelse: Det ansøgte er bevilget.")
    (pdf,) = message["attachments"]
    assert (pdf["filename"], pdf["media_type"], pdf["content"]) == (
        "klagesag.pdf",
        "application/pdf",
        PDF,
    )
    assert message["channel"] == "Digital Post" and message["printed_address"] is None
    stored_files = sorted(
        p.name for p in (simulator.store / delivery.message_id / "files").iterdir()
    )
    assert stored_files == ["1-brev.txt", "2-klagesag.pdf"]


def test_the_same_key_twice_stores_one_message(
    make_client: ClientFactory, simulator: Simulator
) -> None:
    """A retried job sends the same messageUUID: one stored message, the first delivery time."""
    before = set(stored_messages(simulator.store))
    first = send(make_client(), RECIPIENTS["cvr"], "retried-job-1")
    later = make_client(now=lambda: STATED + timedelta(hours=3))
    again = send(later, RECIPIENTS["cvr"], "retried-job-1")
    assert again == first
    assert set(stored_messages(simulator.store)) - before == {first.message_id}
    other = send(later, RECIPIENTS["cvr"], "retried-job-2")
    assert other.message_id != first.message_id
    assert other.delivered_at == STATED + timedelta(hours=3)


# -- routing ------------------------------------------------------------------------------------


def test_a_recipient_outside_digital_post_gets_a_physical_letter_with_the_address(
    make_client: ClientFactory, simulator: Simulator
) -> None:
    """Not registered for Digital Post (CPR): 'Fysisk Post' through the same API, address on it."""
    delivery = send(make_client(), RECIPIENTS["cpr-physical"], "physical-1")
    message = read_message(simulator.store, delivery.message_id)
    assert message["requested_channel"] == message["channel"] == "Fysisk Post"
    assert message["printed_address"] == ADDRESS
    assert message["recipient_name"] == "Ida Hansen"


def test_a_protected_address_is_never_in_the_message(
    make_client: ClientFactory, simulator: Simulator
) -> None:
    """Adressebeskyttelse: the physical letter carries no address at all."""
    delivery = send(make_client(), RECIPIENTS["cpr-protected"], "protected-1")
    message = read_message(simulator.store, delivery.message_id)
    assert message["channel"] == "Fysisk Post" and message["printed_address"] is None
    assert b"Skovvej" not in message["memo"] and b"Address" not in message["memo"]


def test_digital_recipients_and_unknown_registration(
    make_client: ClientFactory, simulator: Simulator
) -> None:
    """A CVR or a registered citizen gets Digital Post without an address; unknown registration
    leaves the choice to the service."""
    client = make_client()
    digital = read_message(
        simulator.store, send(client, RECIPIENTS["cpr-digital"], "route-digital").message_id
    )
    assert digital["requested_channel"] == "Digital Post" and digital["printed_address"] is None
    institution = read_message(
        simulator.store, send(client, RECIPIENTS["cvr"], "route-cvr").message_id
    )
    assert institution["recipient"] == {"kind": "cvr", "id": "11883729"}
    assert institution["requested_channel"] == "Digital Post"
    automatic = read_message(
        simulator.store,
        send(client, RECIPIENTS["cpr-unknown-registration"], "route-auto").message_id,
    )
    assert automatic["requested_channel"] == "Automatisk Valg"


# -- errors -------------------------------------------------------------------------------------


def test_a_slow_service_is_unavailable(make_client: ClientFactory) -> None:
    """A timeout is a technical failure the job retries."""
    client = make_client(timeout_seconds=0.3)
    with pytest.raises(Unavailable, match="in time"):
        send(client, Recipient("cpr", RECIPIENT_SLOW, digital_post=True), "slow-1")


def test_a_5xx_or_no_service_is_unavailable(make_client: ClientFactory) -> None:
    """HTTP 500 and a refused connection are Unavailable."""
    with pytest.raises(Unavailable, match="HTTP 500"):
        send(make_client(), Recipient("cpr", RECIPIENT_TECHNICAL_FAULT, digital_post=True), "5xx")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(Unavailable):
        send(make_client(endpoint=f"http://127.0.0.1:{port}/sf1601"), RECIPIENTS["cvr"], "down")


def test_an_unknown_recipient_is_rejected(make_client: ClientFactory) -> None:
    """The service's business refusal (4xx with ServiceplatformFault) is Rejected, CPR masked."""
    with pytest.raises(Rejected, match="RECIPIENT_UNKNOWN") as raised:
        send(make_client(), Recipient("cpr", RECIPIENT_UNKNOWN, digital_post=True), "unknown")
    assert RECIPIENT_UNKNOWN not in str(raised.value)


@pytest.mark.parametrize(
    "overrides",
    [
        {"invocation_context": WRONG_CONTEXT},
        {"variant": "token", "token_provider": lambda: "Holder-of-key not-the-test-token"},
    ],
    ids=["context", "token"],
)
def test_a_wrong_credential_is_refused(make_client: ClientFactory, overrides: Any) -> None:
    """Anything but the documented test credential gets 401 with the contract's fault."""
    with pytest.raises(Rejected, match=r"access refused.*ACCESS_DENIED"):
        send(make_client(**overrides), RECIPIENTS["cvr"], "wrong-credential")


def test_the_documented_test_token_is_accepted(
    make_client: ClientFactory, simulator: Simulator
) -> None:
    """The token variant with the simulator's test token sends; a failing provider is
    Unavailable."""
    client = make_client(variant="token", token_provider=accepted_token)
    assert send(client, RECIPIENTS["cvr"], "token-1").delivered_at == STATED

    def broken() -> str:
        raise OSError("STS down")

    with pytest.raises(Unavailable, match="token provider"):
        send(make_client(variant="token", token_provider=broken), RECIPIENTS["cvr"], "token-2")


def test_an_invalid_memo_is_a_contract_violation_and_is_not_sent(
    make_client: ClientFactory, simulator: Simulator
) -> None:
    """A subject beyond the XSD's 256 characters never leaves the client."""
    before = stored_messages(simulator.store)
    with pytest.raises(ContractViolation, match="XSD"):
        send(make_client(), RECIPIENTS["cvr"], "too-long", subject="x" * 300)
    assert stored_messages(simulator.store) == before


def test_the_simulator_refuses_an_invalid_memo_with_the_contract_fault(
    simulator: Simulator,
) -> None:
    """A MeMo without its required fields gets 400 and a ServiceplatformFault that validates."""
    body = (
        b"<kombi_request><KombiValgKode>Digital Post</KombiValgKode>"
        b'<memo:Message xmlns:memo="https://DigitalPost.dk/MeMo-1" memoVersion="1.1" '
        b'memoSchVersion="1.1.0"><memo:MessageHeader/></memo:Message></kombi_request>'
    )
    headers = {
        "x-TransaktionsId": "8f0e1a52-3c1b-4f52-9d7e-0d6c2b1e4a11",
        "x-TransaktionsTid": "2026-03-02T09:30:15Z",
        "Authorization": accepted_token(),
    }
    answer = httpx.post(
        f"{simulator.endpoint}/KombiPostAfsend_1/memos", content=body, headers=headers
    )
    assert answer.status_code == 400
    fault = etree.fromstring(answer.content)
    assert memo.schema_error(memo.fault_schema(), fault) is None
    assert fault.findtext(f".//{{{memo.NS_FAULT}}}ErrorCode") == "INVALID_MEMO"
    no_time = {k: v for k, v in headers.items() if k != "x-TransaktionsTid"}
    answer = httpx.post(
        f"{simulator.endpoint}/KombiPostAfsend_1/memos", content=body, headers=no_time
    )
    assert answer.status_code == 400 and b"INVALID_REQUEST" in answer.content


def test_a_service_that_calls_the_memo_invalid_or_answers_nonsense_is_a_contract_violation(
    make_client: ClientFactory,
) -> None:
    """An INVALID_MEMO fault, and a 200 that is not a receipt, are ContractViolation."""
    invalid = (
        b'<spf:ServiceplatformFault xmlns:spf="http://serviceplatformen.dk/xml/schemas/'
        b'ServiceplatformFault/1/"><spf:ErrorList><spf:Error><spf:ErrorCode>INVALID_MEMO'
        b"</spf:ErrorCode><spf:ErrorText>nej</spf:ErrorText></spf:Error></spf:ErrorList>"
        b"</spf:ServiceplatformFault>"
    )
    refusing = make_client(
        transport=httpx.MockTransport(lambda _: httpx.Response(400, content=invalid))
    )
    with pytest.raises(ContractViolation, match="INVALID_MEMO"):
        send(refusing, RECIPIENTS["cvr"], "said-invalid")
    odd = make_client(transport=httpx.MockTransport(lambda _: httpx.Response(200, text="OK")))
    with pytest.raises(ContractViolation, match="receipt"):
        send(odd, RECIPIENTS["cvr"], "not-a-receipt")


def test_an_email_recipient_has_no_digital_post_route(make_client: ClientFactory) -> None:
    """Digital Post goes to CPR or CVR numbers only."""
    with pytest.raises(Rejected, match="e-mail"):
        send(make_client(), Recipient("email", "skole@example.dk"), "email-1")


# -- audit --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("default_structlog")
def test_every_call_is_reported_to_the_callback(make_client: ClientFactory) -> None:
    """on_call gets operation, duration and outcome for a success and for each failure."""
    calls: list[tuple[str, float, str]] = []
    client = make_client(on_call=lambda *call: calls.append(call))
    send(client, RECIPIENTS["cvr"], "audit-ok")
    with pytest.raises(Rejected):
        send(client, Recipient("cpr", RECIPIENT_UNKNOWN, digital_post=True), "audit-rejected")
    with pytest.raises(Unavailable):
        send(client, Recipient("cpr", RECIPIENT_TECHNICAL_FAULT, digital_post=True), "audit-5xx")
    assert [(operation, outcome) for operation, _, outcome in calls] == [
        ("KombiPostAfsend", "ok"),
        ("KombiPostAfsend", "rejected"),
        ("KombiPostAfsend", "unavailable"),
    ]


@pytest.mark.usefixtures("default_structlog")
def test_logged_bodies_and_errors_have_cpr_numbers_masked(make_client: ClientFactory) -> None:
    """With body logging on, no CPR number reaches the log: each is replaced by the mask."""
    client = make_client(log_bodies=True)
    with capture_logs() as logs:
        send(client, RECIPIENTS["cpr-digital"], "masked-1")
        with pytest.raises(Rejected):
            send(client, Recipient("cpr", RECIPIENT_UNKNOWN, digital_post=True), "masked-2")
    events = [entry["event"] for entry in logs]
    assert events.count("http.request") == 2 and events.count("http.response") == 2
    assert events.count("http.call") == 2
    text = repr(logs)
    assert PARENT not in text and RECIPIENT_UNKNOWN not in text
    assert CPR_MASK in text
    assert not TEN_DIGITS.findall(text.replace(SENDER.cvr, ""))
