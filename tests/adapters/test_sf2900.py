"""Sf2900Client through the real zeep stack against the SF2900 simulator: contract, errors,
security variants, idempotency and the auditing plugin."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
import zeep
from lxml import etree
from structlog.testing import capture_logs

from adapters.cpr.simulator import CPR_CONTRACT_VIOLATION, CPR_SLOW, CPR_TECHNICAL_FAULT
from adapters.errors import ContractViolation, Rejected, Unavailable
from adapters.sf2900 import Sf2900Client, Sf2900Settings, schema
from adapters.sf2900.client import _fault_error
from adapters.sf2900.simulator import create_app
from adapters.simulation import accepted_token
from adapters.soap import CPR_MASK, SOAP_BODY, SOAP_ENV, SoapFault
from tests.adapters.sagdok_samples import CHILD, IT_SYSTEM, sample_document
from tests.adapters.serving import free_port, serve

SLOW_SECONDS = 1.0
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
TEN_DIGITS = re.compile(r"(?<![\d-])\d{6}-?\d{4}(?![\d-])")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("simulators")


@pytest.fixture(scope="module")
def endpoint(folder: Path) -> Iterator[str]:
    with serve(create_app(folder=folder, slow_seconds=SLOW_SECONDS)) as base:
        yield f"{base}/sf2900"


Factory = Callable[..., Sf2900Client]


@pytest.fixture
def make_client(endpoint: str) -> Iterator[Factory]:
    clients: list[Sf2900Client] = []

    def make(*, on_call: Any = None, **overrides: Any) -> Sf2900Client:
        values: dict[str, Any] = {
            "endpoint": endpoint,
            "it_system_uuid": IT_SYSTEM,
            "variant": "context",
            "timeout_seconds": 5.0,
        }
        values.update(overrides)
        client = Sf2900Client(Sf2900Settings(**values), on_call=on_call)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _sent(folder: Path, transaction: uuid.UUID) -> list[Path]:
    return sorted((folder / "sf2900" / str(transaction)).glob("request-*.xml"))


def _payload(envelope: bytes, tag: str) -> etree._Element:
    element = etree.fromstring(envelope).find(f"{SOAP_BODY}/{tag}")
    assert element is not None
    return element


def test_document_is_filed_with_its_metadata(make_client: Factory, folder: Path) -> None:
    """The ESDH receives the PDF and the Sag- og Dokumentstandard metadata, and answers MODTAGET."""
    document = sample_document()
    transaction = uuid.uuid4()
    receipt = make_client().send_document(document, transaction_id=transaction)
    assert receipt.status == "MODTAGET" and receipt.transaction_id == transaction
    assert receipt.distribution_id is not None
    filed = folder / "sf2900" / str(transaction)
    assert (filed / "document.pdf").read_bytes() == document.content
    metadata = httpx.get(make_client()._settings.endpoint + "/received").json()
    mine = next(m for m in metadata if m["transaction_id"] == str(transaction))
    assert mine["id"] == str(document.document_id)
    assert mine["case"] == str(document.case.case_id)
    assert (mine["kle_subject"], mine["action_facet"]) == ("34.10.10", "G01")
    assert (mine["title"], mine["document_type"], mine["letter_date"]) == (
        "Journalnotat om telefonsamtale",
        "Notat",
        "2026-01-05",
    )
    assert mine["media_type"] == "application/pdf" and mine["sender"] == "90100001"


def test_every_request_the_client_sends_validates(make_client: Factory, folder: Path) -> None:
    """With and without a primary party, both variants: each request element is XSD-valid."""
    transactions = []
    for variant, cpr in (("context", CHILD), ("context", None), ("token", CHILD)):
        client = make_client(variant=variant, token_provider=accepted_token("sf2900"))
        transaction = uuid.uuid4()
        client.send_document(sample_document(cpr=cpr), transaction_id=transaction)
        transactions.append(transaction)
    for transaction in transactions:
        for request in _sent(folder, transaction):
            payload = _payload(request.read_bytes(), schema.REQUEST)
            assert schema.message_schema().validate(payload), schema.message_schema().error_log


def test_simulator_answers_and_faults_validate(endpoint: str, folder: Path) -> None:
    """Stored receipts and every kind of fault the simulator sends are XSD-valid."""
    for receipt in (folder / "sf2900").glob("*/receipt.xml"):
        assert schema.message_schema().validate(etree.fromstring(receipt.read_bytes()))
    bodies = [b"not xml", _envelope("<t:Nonsense/>"), _envelope(_request_without_access())]
    for body in bodies:
        response = httpx.post(endpoint, content=body)
        assert response.status_code == 500
        detail = etree.fromstring(response.content).find(
            f"{SOAP_BODY}/{{{SOAP_ENV}}}Fault/detail/{schema.TRANSPORT_RECEIPT}"
        )
        assert detail is not None and schema.message_schema().validate(detail)


def _envelope(body: str) -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:t="{schema.NS}"><soap:Body>{body}'
        "</soap:Body></soap:Envelope>"
    ).encode()


def _request_without_access() -> str:
    """A minimal valid request, with no AuthorityContext and no token."""
    v = schema.NS_V2
    return (
        f'<t:FordelingsobjektAfsendRequest xmlns:v="{v}"><t:anmodning><v:DistributionContext>'
        f"<v:AnvenderTransaktionsID>{uuid.uuid4()}</v:AnvenderTransaktionsID>"
        "<v:AfsendendeMyndighed>90100001</v:AfsendendeMyndighed>"
        "<v:RoutingMyndighed>90100001</v:RoutingMyndighed><v:RoutingValg>"
        "<v:RoutingKLEEmneHandling><v:RoutingKLEEmne>34.10.10</v:RoutingKLEEmne>"
        "</v:RoutingKLEEmneHandling></v:RoutingValg></v:DistributionContext>"
        "<v:DistributionObject><v:ObjektType>DOKUMENT</v:ObjektType><v:ObjektIndhold/>"
        "</v:DistributionObject></t:anmodning></t:FordelingsobjektAfsendRequest>"
    )


def test_the_same_transaction_files_once(make_client: Factory, folder: Path) -> None:
    """A repeated AnvenderTransaktionsID gets the first receipt; the document is filed once."""
    client = make_client()
    document = sample_document()
    transaction = uuid.uuid4()
    first = client.send_document(document, transaction_id=transaction)
    second = client.send_document(document, transaction_id=transaction)
    assert first == second
    assert len(_sent(folder, transaction)) == 2
    assert len(list((folder / "sf2900" / str(transaction)).glob("document.*"))) == 1


def test_a_late_answer_then_a_retry_files_once(make_client: Factory, folder: Path) -> None:
    """The first sending times out (the simulator answers late); the retry with the same key
    gets the receipt at once, and the ESDH holds one document."""
    document = sample_document(cpr=CPR_SLOW)
    transaction = uuid.uuid4()
    with pytest.raises(Unavailable):
        make_client(timeout_seconds=0.3).send_document(document, transaction_id=transaction)
    receipt = make_client().send_document(document, transaction_id=transaction)
    assert receipt.status == "MODTAGET"
    assert len(_sent(folder, transaction)) == 2
    assert len(list((folder / "sf2900" / str(transaction)).glob("document.*"))) == 1


def test_subject_without_recipient_is_rejected(make_client: Factory) -> None:
    """AFVIST (no ESDH recipient for the KLE subject) is a business rejection."""
    with pytest.raises(Rejected, match="afviste"):
        make_client().send_document(
            sample_document(kle_subject="01.02.03"), transaction_id=uuid.uuid4()
        )


def test_http_500_is_unavailable(make_client: Factory) -> None:
    """A technical HTTP 500 without a SOAP body is Unavailable."""
    with pytest.raises(Unavailable):
        make_client().send_document(
            sample_document(cpr=CPR_TECHNICAL_FAULT), transaction_id=uuid.uuid4()
        )


def test_nothing_listening_is_unavailable(make_client: Factory) -> None:
    """A refused connection is Unavailable."""
    client = make_client(endpoint=f"http://127.0.0.1:{free_port()}/sf2900", timeout_seconds=2.0)
    with pytest.raises(Unavailable):
        client.send_document(sample_document(), transaction_id=uuid.uuid4())


def test_answer_breaking_the_xsd_is_a_contract_violation(make_client: Factory) -> None:
    """A receipt with a code outside the contract is a ContractViolation, CPR masked."""
    with pytest.raises(ContractViolation) as raised:
        make_client().send_document(
            sample_document(cpr=CPR_CONTRACT_VIOLATION), transaction_id=uuid.uuid4()
        )
    assert CPR_CONTRACT_VIOLATION not in str(raised.value)


def test_soap_fault_without_the_contract_detail_is_unavailable() -> None:
    """A Server fault without TransportKvittering is technical; a Client fault is a refusal."""
    assert isinstance(_fault_error(SoapFault("soap:Server", "boom", None)), Unavailable)
    assert isinstance(_fault_error(SoapFault("soap:Client", "nej", None)), Rejected)


def test_unknown_service_agreement_is_refused(make_client: Factory) -> None:
    """The context variant from a municipality without a test service agreement is refused."""
    document = sample_document(municipality_cvr="12345678")
    with pytest.raises(Rejected, match=schema.FAULT_ACCESS_DENIED):
        make_client().send_document(document, transaction_id=uuid.uuid4())


def test_token_variant_sends_the_provided_token(make_client: Factory) -> None:
    """The token variant's wsse:Security assertion is accepted even from an unknown CVR."""
    client = make_client(variant="token", token_provider=accepted_token("sf2900"))
    document = sample_document(municipality_cvr="12345678")
    assert client.send_document(document, transaction_id=uuid.uuid4()).status == "MODTAGET"


def test_unknown_token_is_refused(make_client: Factory) -> None:
    """Another assertion gets the contract's fault: Rejected."""
    other = accepted_token("sf1470")  # issued for another service (entity id)
    client = make_client(variant="token", token_provider=other)
    with pytest.raises(Rejected, match=schema.FAULT_ACCESS_DENIED):
        client.send_document(
            sample_document(municipality_cvr="12345678"), transaction_id=uuid.uuid4()
        )


def test_token_variant_without_provider_sends_nothing(make_client: Factory) -> None:
    """No STS token provider: Unavailable, audited, nothing sent."""
    calls: list[tuple[str, float, str]] = []
    client = make_client(variant="token", on_call=lambda *call: calls.append(call))
    with pytest.raises(Unavailable, match="no STS token provider"):
        client.send_document(sample_document(), transaction_id=uuid.uuid4())
    assert [outcome for _, _, outcome in calls] == ["unavailable"]


def test_wsdl_points_back_at_the_simulator(endpoint: str) -> None:
    """GET ?wsdl has soap:address at the simulator, and zeep loads the contract from there."""
    document = etree.fromstring(httpx.get(f"{endpoint}?wsdl").content)
    addresses = [node.get("location") for node in document.iter(f"{{{WSDL_SOAP}}}address")]
    assert addresses == [endpoint]
    client = zeep.Client(f"{endpoint}?wsdl")  # type: ignore[no-untyped-call]
    assert client.service._binding_options["address"] == endpoint
    assert httpx.get(f"{endpoint}/contract/../simulator.py").status_code == 404


@pytest.fixture
def default_structlog() -> Iterator[None]:
    saved = structlog.get_config()
    structlog.reset_defaults()
    yield
    structlog.configure(**saved)


@pytest.mark.usefixtures("default_structlog")
def test_audit_reports_every_call_and_masks_cpr(make_client: Factory) -> None:
    """on_call gets each outcome; logged envelopes carry the CPR mask, never the number."""
    calls: list[tuple[str, float, str]] = []
    client = make_client(on_call=lambda *call: calls.append(call), log_envelopes=True)
    with capture_logs() as logs:
        client.send_document(sample_document(), transaction_id=uuid.uuid4())
        with pytest.raises(Unavailable):
            client.send_document(
                sample_document(cpr=CPR_TECHNICAL_FAULT), transaction_id=uuid.uuid4()
            )
    assert [(op, outcome) for op, _, outcome in calls] == [
        ("FordelingsobjektAfsend", "ok"),
        ("FordelingsobjektAfsend", "unavailable"),
    ]
    text = repr(logs)
    assert CHILD not in text and CPR_TECHNICAL_FAULT not in text
    assert TEN_DIGITS.search(text) is None and CPR_MASK in text
