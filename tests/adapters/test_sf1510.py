"""Sf1510Client through the real zeep stack against the SF1510 simulator: soeg and list, the
classification it serves, contract, errors, security variants and the auditing plugin."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from lxml import etree
from structlog.testing import capture_logs

from adapters.errors import NotFound, Rejected, Unavailable
from adapters.sf1510 import Sf1510Client, Sf1510Settings, schema
from adapters.sf1510.client import _check_status, _fault_error
from adapters.sf1510.data import (
    FACET_HTTP_500,
    FACET_SLOW,
    FACET_SOAP_FAULT,
    classification,
)
from adapters.sf1510.simulator import create_app
from adapters.simulation import accepted_token
from adapters.soap import SOAP12_ENV, SoapFault
from tests.adapters.serving import free_port, serve

WSDL_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
DATA = classification()
KLE = DATA.facets["kle"].id
FUNKTION = DATA.facets["funktion"].id


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("simulators")


@pytest.fixture(scope="module")
def endpoint(folder: Path) -> Iterator[str]:
    with serve(create_app(folder=folder, slow_seconds=1.0)) as base:
        yield f"{base}/sf1510"


Factory = Callable[..., Sf1510Client]


@pytest.fixture
def make_client(endpoint: str) -> Iterator[Factory]:
    clients: list[Sf1510Client] = []

    def make(*, on_call: Any = None, **overrides: Any) -> Sf1510Client:
        values: dict[str, Any] = {
            "endpoint": endpoint,
            "variant": "context",
            "authority_cvr": "90100001",
            "timeout_seconds": 5.0,
        }
        values.update(overrides)
        client = Sf1510Client(Sf1510Settings(**values), on_call=on_call)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def test_a_facet_loads_with_keys_titles_parents_and_validity(make_client: Factory) -> None:
    """The funktioner come back as frozen values: key, title, facet, parent and validity."""
    loaded = {k.key: k for k in make_client().facet_classes(FUNKTION)}
    assert set(loaded) == {"5", "5.28", "5.28.20", "5.28.21", "5.28.22", "5.28.23", "5.28.24"}
    placement = loaded["5.28.20"]
    assert placement.title == "Opholdssteder mv. for børn og unge"
    assert placement.facet == FUNKTION and placement.parent == loaded["5.28"].id
    assert placement.valid_from == datetime(2010, 12, 31, 23, tzinfo=UTC)
    assert placement.valid_to is None and placement.published
    assert loaded["5"].parent is None


def test_kle_serves_the_childrens_subjects_and_an_ended_one(make_client: Factory) -> None:
    """Hovedgruppe 34 with the subjects domain.md names; 27.24.00 carries its end of validity."""
    loaded = {k.key: k for k in make_client().facet_classes(KLE)}
    assert {"34.10.10", "34.15.25", "34.15.49", "34.25.00", "34.30.00"} <= set(loaded)
    assert loaded["34.10.10"].parent == loaded["34.10"].id
    ended = loaded["27.24.00"]
    assert ended.valid_to == datetime(2023, 12, 31, 23, tzinfo=UTC)
    handling = {k.key for k in make_client().facet_classes(DATA.facets["handlingsfacet"].id)}
    assert {"G01", "Ø54"} <= handling and any(key.startswith("K") for key in handling)


def test_search_pages_through_a_facet(make_client: Factory) -> None:
    """soeg pages by FoersteResultatReference; small pages give the same classes as one big one."""
    whole = make_client().facet_classes(KLE)
    paged = make_client(page_size=3, batch_size=2).facet_classes(KLE)
    assert paged == whole and len(whole) == len(DATA.of_facet(KLE))
    assert make_client().search(KLE, first=len(whole)) == []


def test_the_data_file_marks_every_title(folder: Path) -> None:
    """Each class says how sure its title is; a code named in domain.md is among them."""
    assert all(c.title_confidence in {"V", "P", "?"} and c.source for c in DATA.classes)
    keys = {(c.facet.name, c.key) for c in DATA.classes}
    named = {("kle", "34.10.10"), ("handlingsfacet", "G01"), ("funktion", "5.28.21")}
    assert named <= keys
    assert {f"5.28.2{n}" for n in range(5)} <= {key for facet, key in keys if facet == "funktion"}


def test_every_request_the_client_sends_validates(make_client: Factory, folder: Path) -> None:
    """soeg and list, both variants: body, RequestHeader and AuthorityContext are XSD-valid."""
    for variant in ("context", "token"):
        make_client(variant=variant, token_provider=accepted_token("sf1510")).facet_classes(
            FUNKTION
        )
    requests = list((folder / "sf1510" / "requests").glob("*/request-*.xml"))
    assert len(requests) >= 4
    seen = set()
    for request in requests:
        envelope = etree.fromstring(request.read_bytes())
        body = envelope.find(f"{{{SOAP12_ENV}}}Body")
        header = envelope.find(f"{{{SOAP12_ENV}}}Header/{schema.REQUEST_HEADER}")
        authority = envelope.find(f"{{{SOAP12_ENV}}}Header/{schema.AUTHORITY_CONTEXT}")
        assert body is not None and header is not None
        assert schema.message_schema().validate(body[0]), schema.message_schema().error_log
        assert schema.header_schema().validate(header)
        assert authority is None or schema.authority_schema().validate(authority)
        seen.add(body[0].tag)
    assert seen == set(schema.REQUESTS.values())


def _envelope(payload: str, *, cvr: str | None = "90100001") -> bytes:
    authority = (
        f'<a:AuthorityContext xmlns:a="{schema.NS_AUTHORITY}">'
        f"<a:MunicipalityCVR>{cvr}</a:MunicipalityCVR></a:AuthorityContext>"
        if cvr
        else ""
    )
    return (
        f'<soap:Envelope xmlns:soap="{SOAP12_ENV}"><soap:Header>'
        f'<h:RequestHeader xmlns:h="{schema.NS_HEADER}">'
        f"<h:TransactionUUID>{uuid.uuid4()}</h:TransactionUUID></h:RequestHeader>{authority}"
        f"</soap:Header><soap:Body>{payload}</soap:Body></soap:Envelope>"
    ).encode()


EMPTY_SEARCH = (
    f'<k:SoegInput xmlns:k="{schema.NS}"><k:AttributListe/><k:TilstandListe/>'
    "<k:RelationListe/></k:SoegInput>"
)


def test_simulator_answers_and_refusals_validate(endpoint: str) -> None:
    """Answers, and the contract's refusals (StatusKode 40 and 49), are XSD-valid outputs;
    what is not a SOAP 1.2 soeg or list gets a SOAP 1.2 Sender fault."""
    cases = {
        _envelope(EMPTY_SEARCH): schema.STATUS_OK,
        _envelope(f'<k:SoegInput xmlns:k="{schema.NS}"/>'): schema.STATUS_INVALID,
        _envelope(EMPTY_SEARCH, cvr="12345678"): schema.STATUS_NOT_ALLOWED,
        _envelope(EMPTY_SEARCH, cvr=None): schema.STATUS_NOT_ALLOWED,
    }
    for body, status in cases.items():
        response = httpx.post(endpoint, content=body)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/soap+xml")
        output = etree.fromstring(response.content).find(f"{{{SOAP12_ENV}}}Body")[0]
        assert schema.message_schema().validate(output), schema.message_schema().error_log
        assert output.findtext(f".//{{{schema.NS_SD}}}StatusKode") == str(status)
    for body in (b"not xml", b"<x/>", _envelope(f'<k:LaesInput xmlns:k="{schema.NS}"/>')):
        response = httpx.post(endpoint, content=body)
        assert response.status_code == 400
        fault = etree.fromstring(response.content).find(
            f"{{{SOAP12_ENV}}}Body/{{{SOAP12_ENV}}}Fault"
        )
        assert fault is not None
        assert fault.findtext(f"{{{SOAP12_ENV}}}Code/{{{SOAP12_ENV}}}Value") == "soap:Sender"


def test_http_500_soap_faults_and_timeouts_are_unavailable(make_client: Factory) -> None:
    """HTTP 500, a SOAP fault, a late answer and a refused connection are all Unavailable."""
    with pytest.raises(Unavailable, match="500"):
        make_client().search(FACET_HTTP_500)
    with pytest.raises(Unavailable, match="SOAP fault"):
        make_client().search(FACET_SOAP_FAULT)
    with pytest.raises(Unavailable):
        make_client(timeout_seconds=0.3).search(FACET_SLOW)
    gone = make_client(endpoint=f"http://127.0.0.1:{free_port()}/sf1510", timeout_seconds=2.0)
    with pytest.raises(Unavailable):
        gone.facet_classes(KLE)


def test_business_refusals_are_rejected_and_unknown_classes_not_found(
    make_client: Factory,
) -> None:
    """StatusKode 40 (a page larger than allowed) is Rejected; 44 (no such class) NotFound."""
    with pytest.raises(Rejected, match="40"):
        make_client(page_size=schema.MAX_PAGE + 1).search(KLE)
    with pytest.raises(NotFound, match="44"):
        make_client().read([uuid.uuid4()])


def test_status_and_fault_mapping() -> None:
    """20 passes, 44 NotFound, 40/49 Rejected, 50 Unavailable; any SOAP fault is Unavailable."""

    class Retur:
        def __init__(self, code: int) -> None:
            self.StatusKode = code
            self.FejlbeskedTekst = "besked"

    _check_status(Retur(20))
    for code, error in ((44, NotFound), (40, Rejected), (49, Rejected), (50, Unavailable)):
        with pytest.raises(error):
            _check_status(Retur(code))
    for code in ("soap:Sender", "soap:Receiver"):
        assert isinstance(_fault_error(SoapFault(code, "nej", None)), Unavailable)


def test_test_context_and_token_are_accepted_others_refused(make_client: Factory) -> None:
    """Context from a test CVR or the test token passes; another CVR or token gets 49."""
    assert make_client(authority_cvr="90200002").search(FUNKTION)
    with pytest.raises(Rejected, match="49"):
        make_client(authority_cvr="12345678").search(FUNKTION)
    other = accepted_token("sf1520")  # issued for another service (entity id)
    with pytest.raises(Rejected, match="49"):
        make_client(variant="token", authority_cvr=None, token_provider=other).search(FUNKTION)
    token = make_client(
        variant="token", authority_cvr=None, token_provider=accepted_token("sf1510")
    )
    assert token.search(FUNKTION)
    with pytest.raises(Unavailable, match="token provider"):
        make_client(variant="token", authority_cvr=None).search(FUNKTION)


def test_settings_refuse_what_cannot_work(endpoint: str) -> None:
    """An unknown variant, context without a CVR, a bad CVR or page size fail at construction."""
    for bad in (
        {"variant": "basic"},
        {"variant": "context"},
        {"variant": "context", "authority_cvr": "1234"},
        {"page_size": 0},
    ):
        with pytest.raises(ValueError):
            Sf1510Settings(endpoint=endpoint, **bad)


def test_wsdl_points_back_at_the_simulator(endpoint: str) -> None:
    """GET ?wsdl has soap12:address at the simulator and its imports served from there."""
    document = etree.fromstring(httpx.get(f"{endpoint}?wsdl").content)
    addresses = [node.get("location") for node in document.iter(f"{{{WSDL_SOAP12}}}address")]
    assert addresses == [endpoint]
    imports = [
        node.get("location") or node.get("schemaLocation")
        for node in document.iter(
            "{http://schemas.xmlsoap.org/wsdl/}import", "{http://www.w3.org/2001/XMLSchema}import"
        )
    ]
    assert imports and all(str(i).startswith(f"{endpoint}/contract/") for i in imports)
    assert all(httpx.get(str(i)).status_code == 200 for i in imports)
    served = httpx.get(f"{endpoint}/classes").json()
    assert len(served) == len(DATA.classes)


@pytest.fixture
def default_structlog() -> Iterator[None]:
    saved = structlog.get_config()
    structlog.reset_defaults()
    yield
    structlog.configure(**saved)


@pytest.mark.usefixtures("default_structlog")
def test_audit_reports_every_call(make_client: Factory) -> None:
    """on_call gets each call with its outcome; each is logged as soap.call for sf1510."""
    calls: list[tuple[str, float, str]] = []
    client = make_client(on_call=lambda *call: calls.append(call), log_envelopes=True)
    with capture_logs() as logs:
        client.facet_classes(FUNKTION)
        with pytest.raises(NotFound):
            client.read([uuid.uuid4()])
    assert [(op, outcome) for op, _, outcome in calls] == [
        ("soeg", "ok"),
        ("list", "ok"),
        ("list", "not_found"),
    ]
    audited = [entry for entry in logs if entry["event"] == "soap.call"]
    assert [entry["system"] for entry in audited] == ["sf1510"] * 3
    envelopes = [entry for entry in logs if entry["event"] in ("soap.request", "soap.response")]
    assert len(envelopes) == 6
