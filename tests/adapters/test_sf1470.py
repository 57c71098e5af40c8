"""Sf1470Client through the real zeep stack against the SF1470 simulator: importer and fjern,
contract, errors, security variants and the auditing plugin."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from lxml import etree
from structlog.testing import capture_logs

from adapters.cpr.simulator import CPR_SLOW, CPR_TECHNICAL_FAULT
from adapters.errors import NotFound, Rejected, Unavailable
from adapters.sagdok import JournalEntry, SagDokDocument
from adapters.sf1470 import Sf1470Client, Sf1470Settings, schema
from adapters.sf1470.client import _fault_error
from adapters.sf1470.simulator import create_app
from adapters.simulation import accepted_token
from adapters.soap import CPR_MASK, SOAP_BODY, SOAP_ENV, SoapFault
from tests.adapters.sagdok_samples import CHILD, IT_SYSTEM, sample_document
from tests.adapters.serving import free_port, serve

WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
TEN_DIGITS = re.compile(r"(?<![\d-])\d{6}-?\d{4}(?![\d-])")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("simulators")


@pytest.fixture(scope="module")
def endpoint(folder: Path) -> Iterator[str]:
    with serve(create_app(folder=folder, slow_seconds=1.0)) as base:
        yield f"{base}/sf1470"


Factory = Callable[..., Sf1470Client]


@pytest.fixture
def make_client(endpoint: str) -> Iterator[Factory]:
    clients: list[Sf1470Client] = []

    def make(*, on_call: Any = None, **overrides: Any) -> Sf1470Client:
        values: dict[str, Any] = {
            "endpoint": endpoint,
            "it_system_uuid": IT_SYSTEM,
            "variant": "context",
            "timeout_seconds": 5.0,
        }
        values.update(overrides)
        client = Sf1470Client(Sf1470Settings(**values), on_call=on_call)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _index(endpoint: str) -> dict[str, Any]:
    index: dict[str, Any] = httpx.get(f"{endpoint}/index").json()
    return index


def _import(client: Sf1470Client, document: SagDokDocument) -> None:
    journal = [JournalEntry(document.document_id, document.title)]
    client.import_document(document, journal=journal, transaction_id=uuid.uuid4())


def test_import_indexes_document_and_case(make_client: Factory, endpoint: str) -> None:
    """The document and its case are in the index with key, title, KLE and the journal."""
    document = sample_document()
    _import(make_client(), document)
    index = _index(endpoint)
    entry = next(d for d in index["documents"] if d["uuid"] == str(document.document_id))
    assert entry["key"] == str(document.document_id) and entry["title"] == document.title
    assert entry["classes"] == ["34.10.10", "G01"] and entry["type"] == "Internt Notat"
    assert entry["letter_date"] == "2026-01-05"
    case = next(c for c in index["cases"] if c["uuid"] == str(document.case.case_id))
    assert case["case_number"] == "901-2026-00042"
    assert case["journal"] == [str(document.document_id)]


def test_fjern_removes_the_document_and_a_repeat_is_not_found(
    make_client: Factory, endpoint: str
) -> None:
    """fjern takes the document out; a second fjern finds nothing (NotFound)."""
    client = make_client()
    document = sample_document()
    _import(client, document)
    client.remove_document(
        document.document_id, municipality_cvr="90100001", transaction_id=uuid.uuid4()
    )
    assert all(d["uuid"] != str(document.document_id) for d in _index(endpoint)["documents"])
    with pytest.raises(NotFound):
        client.remove_document(
            document.document_id, municipality_cvr="90100001", transaction_id=uuid.uuid4()
        )


def test_every_request_the_client_sends_validates(make_client: Factory, folder: Path) -> None:
    """importer and fjern, with and without a party, both variants: body and RequestHeader are
    XSD-valid."""
    for variant, cpr in (("context", CHILD), ("context", None), ("token", CHILD)):
        client = make_client(variant=variant, token_provider=accepted_token("sf1470"))
        document = sample_document(cpr=cpr)
        _import(client, document)
        client.remove_document(
            document.document_id, municipality_cvr="90100001", transaction_id=uuid.uuid4()
        )
    requests = list((folder / "sf1470" / "requests").glob("*/request-*.xml"))
    assert len(requests) >= 6
    for request in requests:
        envelope = etree.fromstring(request.read_bytes())
        body = envelope.find(SOAP_BODY)
        header = envelope.find(f"{{{SOAP_ENV}}}Header/{schema.REQUEST_HEADER}")
        assert body is not None and header is not None
        assert schema.message_schema().validate(body[0]), schema.message_schema().error_log
        assert schema.header_schema().validate(header)


def test_simulator_answers_and_faults_validate(endpoint: str, make_client: Factory) -> None:
    """The simulator validates its answers before sending (a bug would be a 500 without SOAP);
    every fault it sends carries a valid ServiceplatformFault."""
    _import(make_client(), sample_document())  # an answer: validated by the client too
    for body in (b"not xml", b"<x/>", _envelope_without_access()):
        response = httpx.post(endpoint, content=body)
        assert response.status_code == 500
        detail = etree.fromstring(response.content).find(
            f"{SOAP_BODY}/{{{SOAP_ENV}}}Fault/detail/{schema.SERVICEPLATFORM_FAULT}"
        )
        assert detail is not None and schema.fault_schema().validate(detail)


def _envelope_without_access() -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Header>'
        f'<h:RequestHeader xmlns:h="{schema.NS_HEADER}">'
        f"<h:TransactionUUID>{uuid.uuid4()}</h:TransactionUUID></h:RequestHeader></soap:Header>"
        f'<soap:Body><r:ImporterRequest xmlns:r="{schema.NS}" xmlns:sdi="{schema.NS_SDI}">'
        "<sdi:ImporterSagDokumentIndeksInput/></r:ImporterRequest></soap:Body></soap:Envelope>"
    ).encode()


def test_case_outside_childrens_subjects_is_rejected(make_client: Factory) -> None:
    """StatusKode 40 (not a children's KLE subject) is a business rejection."""
    with pytest.raises(Rejected, match="40"):
        _import(make_client(), sample_document(kle_subject="01.02.03"))


def test_http_500_and_timeouts_are_unavailable(make_client: Factory) -> None:
    """HTTP 500, a late answer and a refused connection are all Unavailable."""
    with pytest.raises(Unavailable):
        _import(make_client(), sample_document(cpr=CPR_TECHNICAL_FAULT))
    with pytest.raises(Unavailable):
        _import(make_client(timeout_seconds=0.3), sample_document(cpr=CPR_SLOW))
    gone = make_client(endpoint=f"http://127.0.0.1:{free_port()}/sf1470", timeout_seconds=2.0)
    with pytest.raises(Unavailable):
        _import(gone, sample_document())


def test_soap_fault_without_the_contract_detail_is_unavailable() -> None:
    """A Server fault without ServiceplatformFault is technical; a Client fault a refusal."""
    assert isinstance(_fault_error(SoapFault("soap:Server", "boom", None)), Unavailable)
    assert isinstance(_fault_error(SoapFault("soap:Client", "nej", None)), Rejected)


def test_unknown_service_agreement_and_token_are_refused(make_client: Factory) -> None:
    """Context from an unknown CVR, or another token, gets ServiceplatformFault: Rejected."""
    with pytest.raises(Rejected, match=schema.FAULT_ACCESS_DENIED):
        _import(make_client(), sample_document(municipality_cvr="12345678"))
    # A token the STS issued for another service (entity id) is not one for SF1470.
    client = make_client(variant="token", token_provider=accepted_token("sf2900"))
    with pytest.raises(Rejected, match=schema.FAULT_ACCESS_DENIED):
        _import(client, sample_document(municipality_cvr="12345678"))
    accepted = make_client(variant="token", token_provider=accepted_token("sf1470"))
    _import(accepted, sample_document(municipality_cvr="12345678"))


def test_wsdl_points_back_at_the_simulator(endpoint: str) -> None:
    """GET ?wsdl has soap:address at the simulator and its imports served from there."""
    document = etree.fromstring(httpx.get(f"{endpoint}?wsdl").content)
    addresses = [node.get("location") for node in document.iter(f"{{{WSDL_SOAP}}}address")]
    assert addresses == [endpoint]
    imports = [n.get("location") for n in document.iter("{http://schemas.xmlsoap.org/wsdl/}import")]
    assert imports and all(str(i).startswith(f"{endpoint}/contract/") for i in imports)
    assert all(httpx.get(str(i)).status_code == 200 for i in imports)


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
    document = sample_document()
    with capture_logs() as logs:
        _import(client, document)
        client.remove_document(
            document.document_id, municipality_cvr="90100001", transaction_id=uuid.uuid4()
        )
        with pytest.raises(NotFound):
            client.remove_document(
                document.document_id, municipality_cvr="90100001", transaction_id=uuid.uuid4()
            )
    assert [(op, outcome) for op, _, outcome in calls] == [
        ("importer", "ok"),
        ("fjern", "ok"),
        ("fjern", "not_found"),
    ]
    text = repr(logs)
    assert CHILD not in text and TEN_DIGITS.search(text) is None and CPR_MASK in text
