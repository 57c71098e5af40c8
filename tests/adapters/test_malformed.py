"""Malformed XML, SOAP and JSON into every contract simulator and every adapter (issue 10, item 7).

Simulators: truncated XML, the wrong (SOAP) namespace, XXE and billion-laughs entity payloads, an
empty body, the wrong content type, well-formed XML of another operation, bytes that are not
UTF-8, nesting past the parser's depth limit, and bodies Hypothesis makes up. Each is answered
with the contract's fault (a SOAP 1.1 Fault with HTTP 500, a SOAP 1.2 Sender fault with HTTP 400,
SF1601's ServiceplatformFault, the REST services' 400 error), never a crash or a traceback, and
an external entity is never read.

Adapters: the same kinds of answer from a service that misbehaves. Each adapter raises the typed
error (`ContractViolation` for an answer that breaks the contract, `Unavailable` for a garbled
5xx), never a raw lxml, zeep, httpx or pydantic exception, and none is chained to one.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from adapters import simulators
from adapters.cpr import schema as cpr_schema
from adapters.cpr.client import CprClient, CprSettings
from adapters.cpr.events import CREDENTIAL_HEADER as EVENTS_HEADER
from adapters.cpr.events import TEST_CREDENTIAL as EVENTS_CREDENTIAL
from adapters.cpr.events import CprEventFeed, FeedSettings
from adapters.cpr.simulator import accepted_invocation_context
from adapters.digitalpost import Recipient, Sender, Sf1601Client, Sf1601Settings, memo
from adapters.digitalpost.sf1601 import FAULT_INVALID_REQUEST
from adapters.digitalpost.simulator import TEST_AUTHORIZATION
from adapters.dst.client import CREDENTIAL_HEADER as DST_HEADER
from adapters.dst.client import NS as DST_NS
from adapters.dst.client import TEST_CREDENTIAL as DST_CREDENTIAL
from adapters.dst.client import DstClient, DstSettings
from adapters.errors import AdapterError, ContractViolation, Unavailable
from adapters.fkoeko.client import CREDENTIAL_HEADER as FKOEKO_HEADER
from adapters.fkoeko.client import NS as FKOEKO_NS
from adapters.fkoeko.client import TEST_CREDENTIAL as FKOEKO_CREDENTIAL
from adapters.fkoeko.client import FkOekoClient, FkOekoSettings
from adapters.sf1470 import schema as sf1470_schema
from adapters.sf1470.client import JournalEntry, Sf1470Client, Sf1470Settings
from adapters.sf1510 import schema as sf1510_schema
from adapters.sf1510.client import Sf1510Client, Sf1510Settings
from adapters.sf1510.data import classification
from adapters.sf2900 import schema as sf2900_schema
from adapters.sf2900.client import Sf2900Client, Sf2900Settings
from adapters.sf2900.transfer import Sf2900Inbox
from adapters.simulation import token_problem
from adapters.soap import SOAP12_ENV, SOAP_ENV
from adapters.sts.client import NS_WST, StsClient, StsSettings
from adapters.sts.testcerts import (
    ENTITY_IDS,
    MUNICIPALITY_CVR,
    STS_CERTIFICATE,
    municipality_credentials,
)
from adapters.sts.wssecurity import NS_WSSE, load_certificate
from api.testdata.cpr import synthetic_cpr
from tests.adapters.sagdok_samples import IT_SYSTEM, sample_document
from tests.adapters.serving import serve
from tests.adapters.test_dst import DELIVERY
from tests.adapters.test_fkoeko import POSTING

XML = "text/xml; charset=utf-8"
WST_CODES = {"wst:InvalidRequest", "wst:FailedAuthentication"}
STS_REQUEST = f"{{{NS_WST}}}RequestSecurityToken"
SECRET_FILE_MARKER = "boernesag-xxe-marker"
SAFE = etree.XMLParser(resolve_entities=False, no_network=True)
SD = sf1510_schema.NS_SD


# -- what the malformed requests look like -----------------------------------------------------


@dataclass(frozen=True)
class Simulator:
    name: str
    path: str
    kind: str
    """soap11, soap12, sf1601 (ServiceplatformFault document), xml (our REST XSDs: a 400 text
    answer), json (a JSON endpoint: 400)."""
    request: str
    """The qualified name of an element the service takes."""
    other: str
    """The qualified name of another service's request: well-formed, the wrong operation."""
    headers: dict[str, str] = field(default_factory=dict)
    """What gets a request past the credential check to the parser."""
    empty_ok: bool = False
    """An empty body is a complete request (the test controls' defaults)."""


SF1601_HEADERS = {
    "Authorization": TEST_AUTHORIZATION,
    "x-TransaktionsId": "8a1f0a52-7d83-4c52-9d1e-0c7cd6f3e9a1",
    "x-TransaktionsTid": "2026-03-02T09:30:15.250Z",
}
SIMULATORS = [
    Simulator("sf1520", "/sf1520", "soap11", cpr_schema.REQUEST, sf2900_schema.REQUEST),
    Simulator("sf2900", "/sf2900", "soap11", sf2900_schema.REQUEST, cpr_schema.REQUEST),
    Simulator(
        "sf1470", "/sf1470", "soap11", sf1470_schema.REQUESTS["importer"], sf2900_schema.REQUEST
    ),
    Simulator("sf1510", "/sf1510", "soap12", sf1510_schema.REQUESTS["soeg"], cpr_schema.REQUEST),
    Simulator("sts", "/sts", "soap11", STS_REQUEST, cpr_schema.REQUEST),
    Simulator(
        "sf1601",
        "/sf1601/KombiPostAfsend_1/memos",
        "sf1601",
        "kombi_request",
        f"{{{FKOEKO_NS}}}Postering",
        SF1601_HEADERS,
    ),
    Simulator(
        "fkoeko",
        "/fkoeko",
        "xml",
        f"{{{FKOEKO_NS}}}Postering",
        f"{{{DST_NS}}}Levering",
        {FKOEKO_HEADER: FKOEKO_CREDENTIAL},
    ),
    Simulator(
        "dst",
        "/dst",
        "xml",
        f"{{{DST_NS}}}Levering",
        f"{{{FKOEKO_NS}}}Postering",
        {DST_HEADER: DST_CREDENTIAL},
    ),
    Simulator(
        "cpr-haendelser",
        "/cpr-haendelser",
        "json",
        "haendelse",
        "Postering",
        {EVENTS_HEADER: EVENTS_CREDENTIAL},
    ),
    # The simulators' own test controls take JSON; malformed JSON is the caller's error too.
    Simulator(
        "fkoeko-faults",
        "/fkoeko/faults",
        "json",
        "faults",
        "Postering",
        {FKOEKO_HEADER: FKOEKO_CREDENTIAL},
    ),
    Simulator("dst-afvis-naeste", "/dst/afvis-naeste", "json", "reason", "Levering", empty_ok=True),
]


def _envelope_ns(sim: Simulator, *, wrong: bool = False) -> str:
    right = SOAP12_ENV if sim.kind == "soap12" else SOAP_ENV
    return (SOAP_ENV if right == SOAP12_ENV else SOAP12_ENV) if wrong else right


def document(
    sim: Simulator, element: str, *, inner: str = "<x>1</x>", wrong_ns: bool = False
) -> str:
    """A request holding `element` (wrapped in the service's SOAP envelope where it has one)."""
    namespace, _, local = (
        element[1:].partition("}") if element.startswith("{") else ("", "", element)
    )
    if wrong_ns and not sim.kind.startswith("soap"):
        namespace = "urn:boernesag:fuzz:wrong"
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    payload = f"<{local}{xmlns}>{inner}</{local}>"
    if not sim.kind.startswith("soap"):
        return payload
    soap = _envelope_ns(sim, wrong=wrong_ns)
    return f'<s:Envelope xmlns:s="{soap}"><s:Header/><s:Body>{payload}</s:Body></s:Envelope>'


def _with_doctype(body: str, subset: str) -> str:
    return f'<?xml version="1.0"?>\n<!DOCTYPE r [{subset}]>\n{body}'


def _xxe(sim: Simulator, secret: Path) -> bytes:
    entity = f'<!ENTITY xxe SYSTEM "file://{secret}">'
    return _with_doctype(document(sim, sim.request, inner="<x>&xxe;</x>"), entity).encode()


def _billion_laughs(sim: Simulator) -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    return _with_doctype(document(sim, sim.request, inner="<x>&lol9;</x>"), entities).encode()


MalformedCase = Callable[[Simulator, Path], tuple[bytes, str]]
MALFORMED: dict[str, MalformedCase] = {
    "empty": lambda sim, _: (b"", XML),
    "truncated": lambda sim, _: (document(sim, sim.request).encode()[:-25], XML),
    "wrong-namespace": lambda sim, _: (document(sim, sim.request, wrong_ns=True).encode(), XML),
    "xxe": lambda sim, secret: (_xxe(sim, secret), XML),
    "billion-laughs": lambda sim, _: (_billion_laughs(sim), XML),
    "wrong-content-type": lambda sim, _: (b'{"request": ["not", "xml"]}', "application/json"),
    "form-content-type": lambda sim, _: (b"a=1&b=%3Cx%3E", "application/x-www-form-urlencoded"),
    "wrong-operation": lambda sim, _: (document(sim, sim.other).encode(), XML),
    "not-utf8": lambda sim, _: (b"\xff\xfe<\x00E\x00n\x00v\xc3\x28", XML),
    "too-deep": lambda sim, _: (b"<a>" * 3000 + b"</a>" * 3000, XML),
    "json-array": lambda sim, _: (b"[1, 2, 3]", "application/json"),
    "json-null": lambda sim, _: (b"null", "application/json"),
    "json-too-deep": lambda sim, _: (b"[" * 100_000 + b"]" * 100_000, "application/json"),
}


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file an XXE payload points at; its content must never come back."""
    path = tmp_path_factory.mktemp("xxe") / "secret.txt"
    path.write_text(SECRET_FILE_MARKER)
    return path


@pytest.fixture(scope="module")
def simulator_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Every simulator as `make run` serves them, in process; an unhandled error is a 500."""
    folder = tmp_path_factory.mktemp("simulators")
    before = os.environ.get("BS_SIMULATOR_DIR")
    os.environ["BS_SIMULATOR_DIR"] = str(folder)
    try:
        app = simulators.create_app()
    finally:
        if before is None:
            del os.environ["BS_SIMULATOR_DIR"]
        else:
            os.environ["BS_SIMULATOR_DIR"] = before
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def assert_contract_fault(sim: Simulator, response: Any) -> None:
    """The answer is the contract's fault for a request the sender got wrong."""
    content: bytes = response.content
    assert b"Traceback" not in content and SECRET_FILE_MARKER.encode() not in content
    assert response.text != "Internal Server Error", f"{sim.name} crashed"
    media = response.headers.get("content-type", "")
    if sim.kind in ("soap11", "soap12"):
        root = etree.fromstring(content, SAFE)
        soap = _envelope_ns(sim)
        fault = root.find(f"{{{soap}}}Body/{{{soap}}}Fault")
        if sim.kind == "soap12" and fault is None and response.status_code == 200:
            # Klassifikation answers a soeg or list it could parse with its StandardRetur:
            # StatusKode 40 for a request that breaks the XSD.
            output = root.find(f"{{{soap}}}Body/*")
            assert output is not None and output.tag in sf1510_schema.RESPONSES.values()
            status = output.findtext(f"{{{SD}}}StandardRetur/{{{SD}}}StatusKode")
            assert status == str(sf1510_schema.STATUS_INVALID), status
            return
        assert root.tag == f"{{{soap}}}Envelope" and fault is not None, content[:300]
        if sim.kind == "soap11":
            assert response.status_code == 500 and media.startswith("text/xml")
            code = fault.findtext("faultcode") or ""
            assert code == "soap:Client" or code in WST_CODES, code
        else:
            assert response.status_code == 400 and media.startswith("application/soap+xml")
            value = fault.findtext(f"{{{soap}}}Code/{{{soap}}}Value")
            assert value == "soap:Sender", value
    elif sim.kind == "sf1601":
        assert response.status_code == 400 and media.startswith("application/xml")
        root = etree.fromstring(content, SAFE)
        assert root.tag == memo.SERVICEPLATFORM_FAULT
        assert memo.schema_error(memo.fault_schema(), root) is None
        codes = root.findall(f"{{{memo.NS_FAULT}}}ErrorList/{{{memo.NS_FAULT}}}Error")
        assert [e.findtext(f"{{{memo.NS_FAULT}}}ErrorCode") for e in codes] == [
            FAULT_INVALID_REQUEST
        ]
    elif sim.kind == "xml":
        assert response.status_code == 400 and media.startswith("text/plain"), content[:300]
        assert content.strip()
    else:
        assert response.status_code == 400, (sim.name, response.status_code, content[:300])
        assert content.strip()


def _post(client: TestClient, sim: Simulator, body: bytes, content_type: str) -> Any:
    headers = {**sim.headers, "Content-Type": content_type}
    return client.post(sim.path, content=body, headers=headers)


@pytest.mark.parametrize("case", sorted(MALFORMED))
@pytest.mark.parametrize("sim", SIMULATORS, ids=lambda s: s.name)
def test_a_simulator_answers_malformed_requests_with_the_contracts_fault(
    simulator_client: TestClient, secret: Path, sim: Simulator, case: str
) -> None:
    body, content_type = MALFORMED[case](sim, secret)
    if sim.kind == "json" and case == "wrong-content-type":
        body = b'{"unfinished": '  # the JSON endpoints' own content type, broken
    response = _post(simulator_client, sim, body, content_type)
    if sim.empty_ok and not body:
        assert response.status_code < 300
        return
    assert_contract_fault(sim, response)


# Arbitrary bytes, text and XML-like documents with random tags, text and entity references.
_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÆØÅæøå_", min_size=1, max_size=8)
_xmlish = st.recursive(
    st.text(max_size=20).map(lambda t: t.replace("<", "&lt;").replace("&", "&amp;")),
    lambda inner: st.tuples(_names, st.lists(inner, max_size=3)).map(
        lambda pair: f"<{pair[0]}>{''.join(pair[1])}</{pair[0]}>"
    ),
    max_leaves=8,
)
_bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(str.encode),
    _xmlish.map(str.encode),
    st.tuples(_xmlish, st.integers(min_value=0, max_value=60)).map(
        lambda pair: pair[0].encode()[: pair[1]]
    ),
)


@pytest.mark.parametrize("sim", SIMULATORS, ids=lambda s: s.name)
def test_a_simulator_answers_generated_garbage_with_the_contracts_fault(
    simulator_client: TestClient, sim: Simulator
) -> None:
    @settings(
        max_examples=25,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=_bodies, wrapped=st.booleans())
    def run(body: bytes, wrapped: bool) -> None:
        if wrapped and sim.kind.startswith("soap"):
            # Inside a well-formed envelope of the right version, so the garbage reaches the
            # operation's own parsing and the XSD.
            inner = body.decode("utf-8", errors="replace")
            inner = inner.replace("&", "&amp;").replace("<", "&lt;")
            body = document(sim, sim.request, inner=f"<x>{inner}</x>").encode()
        response = _post(simulator_client, sim, body, XML)
        if sim.empty_ok and not body:
            assert response.status_code < 300
        else:
            assert_contract_fault(sim, response)

    run()


ODD_PATH_VALUES = [
    "..",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "x" * 300,
    "%00",
    "%00.xsd",
    "%ff%fe",
    "a%2Fb",
    "-1",
    "9" * 40,
]
ODD_QUERIES = ["", "?wsdl", "?xsd", "?schema", "?efter=x&antal=y", "?efter=-1&antal=9" + "9" * 30]


def _get_routes() -> list[str]:
    app = simulators.create_app()
    return sorted(
        {
            route.path
            for route in app.routes
            if "GET" in getattr(route, "methods", set()) and "{" in route.path
        }
    )


@pytest.mark.parametrize("route", _get_routes())
def test_a_simulator_read_with_odd_path_values_is_never_a_server_error(
    simulator_client: TestClient, route: str
) -> None:
    """Found here: a NUL in a contract file's name made resolve() raise (500)."""
    headers = {EVENTS_HEADER: EVENTS_CREDENTIAL, FKOEKO_HEADER: FKOEKO_CREDENTIAL}
    for value in ODD_PATH_VALUES:
        path = re.sub(r"{[^}]+}", value, route)
        for query in ODD_QUERIES:
            response = simulator_client.get(path + query, headers=headers)
            assert response.status_code < 500, (path + query, response.text[:200])
            assert SECRET_FILE_MARKER.encode() not in response.content


JUNK_SECURITY = {
    "empty": "",
    "garbage-token": (
        f'<wsse:BinarySecurityToken xmlns:wsse="{NS_WSSE}">!!not base64!!'
        "</wsse:BinarySecurityToken>"
    ),
    "garbage-signature": (
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/>'
        "<ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>"
    ),
    "garbage-assertion": (
        '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="x">'
        "<saml:Issuer>nobody</saml:Issuer></saml:Assertion>"
    ),
}


@pytest.mark.parametrize("junk", sorted(JUNK_SECURITY))
@pytest.mark.parametrize("service", ["sf1520", "sf2900", "sf1470", "sf1510"])
def test_a_garbled_security_header_is_a_refusal_not_a_crash(service: str, junk: str) -> None:
    """Every SOAP simulator checks a token call with `token_problem`: junk is a reason."""
    soap = SOAP12_ENV if service == "sf1510" else SOAP_ENV
    text = (
        f'<s:Envelope xmlns:s="{soap}"><s:Header><wsse:Security xmlns:wsse="{NS_WSSE}">'
        f"{JUNK_SECURITY[junk]}</wsse:Security></s:Header><s:Body><x/></s:Body></s:Envelope>"
    )
    problem = token_problem(etree.fromstring(text.encode(), SAFE), service)
    assert isinstance(problem, str) and problem


# -- what the adapters do with malformed answers ----------------------------------------------


class Answer:
    """What the misbehaving service answers next (one server for every adapter)."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b""
        self.content_type = XML
        self.requests = 0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST"])
        async def anything(path: str, request: Request) -> Response:
            await request.body()
            self.requests += 1
            return Response(self.body, status_code=self.status, media_type=self.content_type)

        return app


@pytest.fixture(scope="module")
def answer() -> Answer:
    return Answer()


@pytest.fixture(scope="module")
def base_url(answer: Answer) -> Iterator[str]:
    with serve(answer.app()) as url:
        yield url


CHILD = synthetic_cpr("malformed-child", birth_date=date(2016, 2, 3))
FUNKTION = classification().facets["funktion"].id


def _sts_settings(endpoint: str) -> StsSettings:
    return StsSettings(
        endpoint=endpoint,
        credentials=municipality_credentials(),
        municipality_cvr=MUNICIPALITY_CVR,
        sts_certificate=load_certificate(STS_CERTIFICATE),
        timeout_seconds=5.0,
    )


def _cpr(base: str) -> object:
    settings = CprSettings(
        f"{base}/sf1520", invocation_context=accepted_invocation_context(), timeout_seconds=5.0
    )
    with CprClient(settings) as client:
        return client.lookup(CHILD)


def _sf2900(base: str) -> object:
    settings = Sf2900Settings(f"{base}/sf2900", IT_SYSTEM, variant="context", timeout_seconds=5)
    with Sf2900Client(settings) as client:
        return client.send_document(sample_document(), transaction_id=uuid.uuid4())


def _sf1470(base: str) -> object:
    settings = Sf1470Settings(f"{base}/sf1470", IT_SYSTEM, variant="context", timeout_seconds=5)
    document = sample_document()
    with Sf1470Client(settings) as client:
        client.import_document(
            document,
            journal=[JournalEntry(document.document_id, document.title)],
            transaction_id=uuid.uuid4(),
        )
    return None


def _sf1510(base: str) -> object:
    settings = Sf1510Settings(
        f"{base}/sf1510", variant="context", authority_cvr="90100001", timeout_seconds=5
    )
    with Sf1510Client(settings) as client:
        return client.search(FUNKTION)


def _sf1470_remove(base: str) -> object:
    settings = Sf1470Settings(f"{base}/sf1470", IT_SYSTEM, variant="context", timeout_seconds=5)
    with Sf1470Client(settings) as client:
        client.remove_document(
            uuid.uuid4(), municipality_cvr="90100001", transaction_id=uuid.uuid4()
        )
    return None


def _sf1510_list(base: str) -> object:
    settings = Sf1510Settings(
        f"{base}/sf1510", variant="context", authority_cvr="90100001", timeout_seconds=5
    )
    with Sf1510Client(settings) as client:
        return client.read([FUNKTION])


def _sf2900_inbox_entries(base: str) -> object:
    inbox = Sf2900Inbox(f"{base}/sf2900", timeout_seconds=5)
    try:
        return inbox.entries("90200002")
    finally:
        inbox.close()


def _sf2900_inbox_form(base: str) -> object:
    inbox = Sf2900Inbox(f"{base}/sf2900", timeout_seconds=5)
    try:
        return inbox.form("90200002", str(uuid.uuid4()))
    finally:
        inbox.close()


def _sts(base: str) -> object:
    with StsClient(_sts_settings(f"{base}/sts")) as client:
        return client.token(ENTITY_IDS["sf1520"])


def _sf1601(base: str) -> object:
    settings = Sf1601Settings(
        f"{base}/sf1601",
        invocation_context=accepted_invocation_context(),
        default_sender=Sender("90100001", "Demo Nord Kommune"),
        timeout_seconds=5,
    )
    with Sf1601Client(settings) as client:
        return client.send(
            recipient=Recipient("cvr", "29100001", name="Skolen"),
            subject="Kvittering",
            body="Vi har modtaget din underretning.",
            idempotency_key=f"malformed-{uuid.uuid4()}",
        )


def _fkoeko_post(base: str) -> object:
    return FkOekoClient(FkOekoSettings(endpoint=f"{base}/fkoeko", timeout_seconds=5)).post(POSTING)


def _fkoeko_read(base: str) -> object:
    client = FkOekoClient(FkOekoSettings(endpoint=f"{base}/fkoeko", timeout_seconds=5))
    return client.posted(POSTING.grant_id)


def _dst(base: str) -> object:
    client = DstClient(DstSettings(endpoint=f"{base}/dst", timeout_seconds=5))
    try:
        return client.deliver(DELIVERY)
    finally:
        client.close()


def _cpr_events(base: str) -> object:
    return CprEventFeed(FeedSettings(endpoint=f"{base}/cpr-haendelser", timeout_seconds=5)).fetch(0)


ADAPTERS: dict[str, tuple[str, Callable[[str], object]]] = {
    # name: (what the service speaks, the call)
    "sf1520": ("soap11", _cpr),
    "sf2900": ("soap11", _sf2900),
    "sf1470": ("soap11", _sf1470),
    "sf1470-fjern": ("soap11", _sf1470_remove),
    "sf1510": ("soap12", _sf1510),
    "sf1510-list": ("soap12", _sf1510_list),
    "sf2900-inbox-entries": ("json", _sf2900_inbox_entries),
    "sf2900-inbox-form": ("xml", _sf2900_inbox_form),
    "sts": ("soap11", _sts),
    "sf1601": ("json", _sf1601),
    "fkoeko-post": ("xml", _fkoeko_post),
    "fkoeko-read": ("xml", _fkoeko_read),
    "dst": ("xml", _dst),
    "cpr-events": ("json", _cpr_events),
}


def _soap(version: str, payload: str) -> str:
    ns = SOAP12_ENV if version == "soap12" else SOAP_ENV
    return f'<s:Envelope xmlns:s="{ns}"><s:Body>{payload}</s:Body></s:Envelope>'


def _other_soap(version: str) -> str:
    return "soap11" if version == "soap12" else "soap12"


_LAUGHS = '<!ENTITY a "aaaaaaaaaa">' + "".join(
    f'<!ENTITY a{i} "{("&a" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
)
BadAnswer = Callable[[str, Path], tuple[int, bytes, str]]
BAD_ANSWERS: dict[str, BadAnswer] = {
    "empty": lambda kind, _: (200, b"", XML),
    "truncated": lambda kind, _: (200, _soap(kind, "<r><x>1</x></r>").encode()[:-20], XML),
    "wrong-namespace": lambda kind, _: (200, _soap(_other_soap(kind), "<r/>").encode(), XML),
    "xxe": lambda kind, secret: (
        200,
        _with_doctype(
            _soap(kind, "<r>&xxe;</r>"), f'<!ENTITY xxe SYSTEM "file://{secret}">'
        ).encode(),
        XML,
    ),
    "billion-laughs": lambda kind, _: (
        200,
        _with_doctype(_soap(kind, "<r>&a9;</r>"), _LAUGHS).encode(),
        XML,
    ),
    "wrong-content-type": lambda kind, _: (200, b"<html><body>Proxy</body></html>", "text/html"),
    "json-of-another-shape": lambda kind, _: (200, b'{"status": "ok"}', "application/json"),
    "wrong-operation": lambda kind, _: (
        200,
        _soap(
            kind,
            '<o:SomethingElseResponse xmlns:o="urn:other"><o:x>1</o:x></o:SomethingElseResponse>',
        ).encode(),
        XML,
    ),
    "not-utf8": lambda kind, _: (200, b"\xff\xfe<\x00r\x00\xc3\x28", XML),
    "json-too-deep": lambda kind, _: (200, b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "garbled-5xx": lambda kind, _: (502, b"<html>Bad gateway</html>", "text/html"),
    "truncated-5xx": lambda kind, _: (500, _soap(kind, "<s:Fault><faultcode>").encode()[:-10], XML),
}


def _leaks(error: BaseException) -> list[str]:
    """Every raw third-party exception the adapter error carries along, if any."""
    found = []
    seen: BaseException | None = error
    while seen is not None:
        module = type(seen).__module__
        if not module.startswith("adapters"):
            found.append(f"{module}.{type(seen).__name__}")
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return found


@pytest.mark.parametrize("bad", sorted(BAD_ANSWERS))
@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_an_adapter_raises_the_typed_error_for_a_malformed_answer(
    answer: Answer, base_url: str, secret: Path, adapter: str, bad: str
) -> None:
    kind, call = ADAPTERS[adapter]
    answer.status, answer.body, answer.content_type = BAD_ANSWERS[bad](kind, secret)
    with pytest.raises(AdapterError) as raised:
        call(base_url)
    expected = Unavailable if answer.status >= 500 else ContractViolation
    assert isinstance(raised.value, expected), repr(raised.value)
    assert _leaks(raised.value) == []
    assert SECRET_FILE_MARKER not in str(raised.value)


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_an_adapter_raises_the_typed_error_for_generated_garbage(
    answer: Answer, base_url: str, adapter: str
) -> None:
    _, call = ADAPTERS[adapter]

    @settings(
        max_examples=15,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=_bodies)
    def run(body: bytes) -> None:
        answer.status, answer.body, answer.content_type = 200, body, XML
        with pytest.raises(AdapterError) as raised:
            call(base_url)
        assert isinstance(raised.value, ContractViolation), repr(raised.value)
        assert _leaks(raised.value) == []

    run()


def test_the_tables_cover_every_simulator() -> None:
    """A simulator added to `adapters.simulators` gets a row here too."""
    services = {s.name for s in SIMULATORS}
    covered = {
        "adapters.cpr.simulator": "sf1520",
        "adapters.cpr.events": "cpr-haendelser",
        "adapters.digitalpost.simulator": "sf1601",
        "adapters.sf2900.simulator": "sf2900",
        "adapters.sf1470.simulator": "sf1470",
        "adapters.sf1510.simulator": "sf1510",
        "adapters.fkoeko.simulator": "fkoeko",
        "adapters.sts.simulator": "sts",
        "adapters.dst.simulator": "dst",
    }
    assert set(simulators.SIMULATORS) == set(covered)
    assert set(covered.values()) <= services


CONTROL = "Notat\x01om\x0bsamtale"
"""Text PostgreSQL keeps and XML 1.0 cannot carry."""


def _sf2900_control(base: str) -> object:
    settings = Sf2900Settings(f"{base}/sf2900", IT_SYSTEM, variant="context", timeout_seconds=5)
    with Sf2900Client(settings) as client:
        return client.send_document(sample_document(title=CONTROL), transaction_id=uuid.uuid4())


def _sf1470_control(base: str) -> object:
    settings = Sf1470Settings(f"{base}/sf1470", IT_SYSTEM, variant="context", timeout_seconds=5)
    document = sample_document(title=CONTROL)
    with Sf1470Client(settings) as client:
        client.import_document(
            document,
            journal=[JournalEntry(document.document_id, document.title)],
            transaction_id=uuid.uuid4(),
        )
    return None


def _sf1601_control(base: str) -> object:
    settings = Sf1601Settings(
        f"{base}/sf1601",
        invocation_context=accepted_invocation_context(),
        default_sender=Sender("90100001", "Demo Nord Kommune"),
        timeout_seconds=5,
    )
    with Sf1601Client(settings) as client:
        return client.send(
            recipient=Recipient("cvr", "29100001", name="Skolen"),
            subject=CONTROL,
            body="Vi har modtaget din underretning.",
            idempotency_key=f"malformed-{uuid.uuid4()}",
        )


def _fkoeko_control(base: str) -> object:
    client = FkOekoClient(FkOekoSettings(endpoint=f"{base}/fkoeko", timeout_seconds=5))
    return client.post(replace(POSTING, text=CONTROL))


@pytest.mark.parametrize(
    "call",
    [_sf2900_control, _sf1470_control, _sf1601_control, _fkoeko_control],
    ids=["sf2900", "sf1470", "sf1601", "fkoeko"],
)
def test_a_value_xml_cannot_carry_is_a_contract_violation_and_nothing_is_sent(
    answer: Answer, base_url: str, call: Callable[[str], object]
) -> None:
    """Found by the API fuzzer: a control character in a journal note's title reached SF2900's
    adapter, and lxml's raw ValueError came out of it."""
    before = answer.requests
    with pytest.raises(ContractViolation) as raised:
        call(base_url)
    assert _leaks(raised.value) == []
    assert answer.requests == before
