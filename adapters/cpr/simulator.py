"""Contract simulator for SF1520 PersonBaseDataExtendedService, for development and tests.

`create_app()` is an ASGI app that can be mounted under any path; standalone it runs with
`python -m adapters.cpr.simulator --port N` on 127.0.0.1 only.

- `GET /sf1520?wsdl`: the vendored context WSDL, its soap:address pointing back at this app and its
  imports at `/sf1520/contract/...`, so a client can load the whole contract from here.
- `POST /sf1520`: PersonLookup. The request is validated against the XSD; access needs
  `TEST_CONTEXT` as InvocationContext, or (the token variant) an OIOIDWS token the TEST STS issued
  for SF1520 with a signed wsse:Security header (`adapters.simulation.token_problem`).
  Everything else gets the contract's ServiceplatformFault.

Every well-formed CPR number is a deterministic synthetic person (`adapters.cpr.people`), except
the reserved edge-case numbers below (see README.md). The simulator logs nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from datetime import date
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request, Response
from lxml import etree

from adapters.cpr import schema
from adapters.cpr.client import InvocationContext
from adapters.cpr.model import PersonStatus
from adapters.cpr.numbers import is_well_formed
from adapters.cpr.people import derive_person, response_element
from adapters.simulation import NO_TOKEN, contract_file, token_problem
from adapters.soap import SOAP_BODY, SOAP_ENV, mask_cpr

# Reserved numbers: synthetic by our scheme, all born 2 February 2014 (020214-99xx).
CPR_NOT_FOUND = "0202149900"
CPR_PROTECTED_ADDRESS = "0202149902"
CPR_DEAD = "0202149903"
CPR_MISSING = "0202149904"
CPR_TECHNICAL_FAULT = "0202149905"
"""Answered with HTTP 500 and a body that is not SOAP."""
CPR_CONTRACT_VIOLATION = "0202149906"
"""Answered with HTTP 200 and a PersonLookupResponse that breaks the XSD."""
CPR_SLOW = "0202149907"
"""Answered after `slow_seconds` (2 s by default), beyond a client's short timeout."""
CPR_NO_CUSTODY = "0202149908"
"""A child whose parents are known but hold no custody (e.g. after a court order)."""
CPR_CUSTODY_APART = "0202149909"
"""A child whose two custody holders live at different addresses (one letter each)."""
RESERVED = frozenset(
    {
        CPR_NO_CUSTODY,
        CPR_CUSTODY_APART,
        CPR_NOT_FOUND,
        CPR_PROTECTED_ADDRESS,
        CPR_DEAD,
        CPR_MISSING,
        CPR_TECHNICAL_FAULT,
        CPR_CONTRACT_VIOLATION,
        CPR_SLOW,
    }
)

# The only InvocationContext the simulator accepts: fixed, obviously made-up UUIDs.
TEST_CONTEXT = {
    "ServiceAgreementUUID": "00000000-0000-4000-8000-00000000a001",
    "UserSystemUUID": "00000000-0000-4000-8000-00000000a002",
    "UserUUID": "00000000-0000-4000-8000-00000000a003",
    "ServiceUUID": "00000000-0000-4000-8000-00000000a004",
}
SLOW_SECONDS = 2.0
_XML = "text/xml; charset=utf-8"
_WSDL = "http://schemas.xmlsoap.org/wsdl/"
_WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"


def accepted_invocation_context() -> InvocationContext:
    """`TEST_CONTEXT` as client settings take it."""
    return InvocationContext(
        service_agreement_uuid=TEST_CONTEXT["ServiceAgreementUUID"],
        user_system_uuid=TEST_CONTEXT["UserSystemUUID"],
        user_uuid=TEST_CONTEXT["UserUUID"],
        service_uuid=TEST_CONTEXT["ServiceUUID"],
    )


def create_app(*, slow_seconds: float = SLOW_SECONDS) -> FastAPI:
    app = FastAPI(title="SF1520 simulator", openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/sf1520")
    async def wsdl(request: Request) -> Response:
        if "wsdl" not in {key.lower() for key in request.query_params}:
            return Response("Ask for ?wsdl", status_code=404, media_type="text/plain")
        service_url = str(request.url.replace(query=""))
        return Response(_wsdl_text(service_url), media_type=_XML)

    @app.get("/sf1520/contract/{path:path}")
    async def contract(path: str) -> Response:
        return contract_file(schema.CONTRACT_DIR, path)

    @app.post("/sf1520")
    async def person_lookup(request: Request) -> Response:
        answer = _answer(await request.body())
        if isinstance(answer, _Delay):
            await asyncio.sleep(slow_seconds)
            answer = answer.then
        return answer

    return app


@dataclasses.dataclass(frozen=True)
class _Delay:
    then: Response


@dataclasses.dataclass(frozen=True)
class _Request:
    payload: etree._Element
    """The XSD-valid PersonLookupRequest element."""
    token_problem: str | None
    """What is wrong with the OIOIDWS token (NO_TOKEN without one), None if it holds."""


def _answer(body: bytes) -> Response | _Delay:
    request = _parse_request(body)
    if isinstance(request, str):
        return _fault(schema.FAULT_INVALID_REQUEST, request, client=True)
    refused = _refusal(request)
    if refused is not None:
        return _fault(schema.FAULT_ACCESS_DENIED, refused, True)
    number = request.payload.findtext(f"{{{schema.NS_PNR}}}PNR", "")
    if number == CPR_NOT_FOUND or not is_well_formed(number):
        return _fault(schema.FAULT_NOT_FOUND, "Personen findes ikke i CPR", client=True)
    if number == CPR_TECHNICAL_FAULT:
        return Response("Internal Server Error", status_code=500, media_type="text/plain")
    if number == CPR_SLOW:
        return _Delay(_envelope(_person_element(number)))
    if number == CPR_CONTRACT_VIOLATION:
        return _envelope(_broken_person_element(number), validate=False)
    return _envelope(_person_element(number))


def _parse_request(body: bytes) -> _Request | str:
    """The request if the envelope is well-formed and XSD-valid, else what is wrong (in Danish)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        envelope = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return "Forespørgslen er ikke XML"
    payload = envelope.find(f"{SOAP_BODY}/{schema.REQUEST}")
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope" or payload is None:
        return "Forespørgslen er ikke en SOAP 1.1 PersonLookupRequest"
    validator = schema.message_schema()
    if not validator.validate(payload):
        # lxml quotes the offending value, which may be a CPR number.
        first = validator.error_log.last_error
        message = mask_cpr(first.message) if first is not None else "ukendt fejl"
        return f"Forespørgslen overholder ikke XSD: {message}"
    return _Request(payload, token_problem(envelope, "sf1520"))


def _refusal(request: _Request) -> str | None:
    """Why access is refused (Danish), or None: a token must hold, else the context must be
    the test context."""
    if request.token_problem != NO_TOKEN:
        return None if request.token_problem is None else f"Adgang nægtet: {request.token_problem}"
    context = request.payload.find(f"{{{schema.NS_INVOCATION}}}InvocationContext")
    given = (
        {key: context.findtext(f"{{{schema.NS_INVOCATION}}}{key}") for key in TEST_CONTEXT}
        if context is not None
        else None
    )
    return None if given == TEST_CONTEXT else "Adgang nægtet: ukendt InvocationContext"


def _person_element(number: str) -> etree._Element:
    person = derive_person(number, today=date.today(), avoid=RESERVED)
    if number == CPR_PROTECTED_ADDRESS:
        person = dataclasses.replace(person, address_protected=True)
    elif number == CPR_NO_CUSTODY:
        person = dataclasses.replace(person, custody=())
    elif number in (CPR_DEAD, CPR_MISSING):
        status = PersonStatus.DEAD if number == CPR_DEAD else PersonStatus.MISSING
        person = dataclasses.replace(
            person, status=status, status_date=date(2024, 6, 3), address=None
        )
    return response_element(person)


def _broken_person_element(number: str) -> etree._Element:
    """A status code outside the contract's list, and the required antalBoernUnder18 left out."""
    element = _person_element(number)
    ns = {"p": schema.NS}
    for missing in element.iterfind("p:persondata/p:antalBoernUnder18", ns):
        missing.getparent().remove(missing)  # type: ignore[union-attr]
    for status in element.iterfind("p:persondata/p:status/p:status", ns):
        status.text = "42"
    return element


def _envelope(payload: etree._Element, *, validate: bool = True) -> Response:
    if validate:
        validator = (
            schema.fault_schema()
            if payload.tag == schema.SERVICEPLATFORM_FAULT
            else schema.message_schema()
        )
        if not validator.validate(payload):
            # Every answer must honour the contract; an invalid one is a bug in the simulator.
            raise AssertionError(f"simulator answer breaks the XSD: {validator.error_log}")
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    body = etree.SubElement(envelope, SOAP_BODY)
    body.append(payload)
    content = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
    return Response(content, media_type=_XML)


def _fault(code: str, text: str, client: bool) -> Response:
    """A SOAP 1.1 fault carrying the contract's ServiceplatformFault; HTTP 500 as SOAP 1.1 asks."""
    detail_payload = etree.Element(schema.SERVICEPLATFORM_FAULT, nsmap={"spf": schema.NS_FAULT})
    error = etree.SubElement(
        etree.SubElement(detail_payload, f"{{{schema.NS_FAULT}}}ErrorList"),
        f"{{{schema.NS_FAULT}}}Error",
    )
    etree.SubElement(error, f"{{{schema.NS_FAULT}}}ErrorCode").text = code
    etree.SubElement(error, f"{{{schema.NS_FAULT}}}ErrorText").text = text
    if not schema.fault_schema().validate(detail_payload):
        raise AssertionError(f"simulator fault breaks the XSD: {schema.fault_schema().error_log}")
    fault = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = "soap:Client" if client else "soap:Server"
    etree.SubElement(fault, "faultstring").text = text
    etree.SubElement(fault, "detail").append(detail_payload)
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    etree.SubElement(envelope, SOAP_BODY).append(fault)
    content = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
    return Response(content, status_code=500, media_type=_XML)


def _wsdl_text(service_url: str) -> bytes:
    """The context WSDL with its address and imports pointing at this simulator."""
    source = schema.wsdl_path("context")
    document = etree.parse(str(source), etree.XMLParser(no_network=True, resolve_entities=False))
    files = f"{service_url}/contract/"
    base = source.parent
    for node in document.iter(f"{{{_WSDL}}}import", f"{{{schema.XSD}}}include"):
        attribute = "location" if node.tag == f"{{{_WSDL}}}import" else "schemaLocation"
        relative = _contract_relative(base / node.get(attribute, ""))
        node.set(attribute, files + relative)
    for address in document.iter(f"{{{_WSDL_SOAP}}}address"):
        address.set("location", service_url)
    return etree.tostring(document, xml_declaration=True, encoding="utf-8")


def _contract_relative(path: Path) -> str:
    return path.resolve().relative_to(schema.CONTRACT_DIR.resolve()).as_posix()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SF1520 CPR contract simulator (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=8561)
    args = parser.parse_args(argv)
    print(f"SF1520 simulator: http://127.0.0.1:{args.port}/sf1520?wsdl", flush=True)
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, access_log=False)


if __name__ == "__main__":
    main()
