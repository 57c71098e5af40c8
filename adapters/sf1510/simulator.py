"""Contract simulator for SF1510 Klassifikation (KlasseService `soeg` and `list`), for development
and tests.

`create_app()` is an ASGI app whose routes carry the service path; standalone it runs with
`python -m adapters.sf1510.simulator --port N` on 127.0.0.1 only.

- `GET /sf1510?wsdl`: the vendored WSDL, soap12:address and imports pointing back here.
- `POST /sf1510`: `soeg` and `list` (SOAP 1.2), told apart by the body element. Body,
  RequestHeader and AuthorityContext are validated against the XSDs (else StatusKode 40); access
  needs an OIOIDWS token the TEST STS issued for SF1510 with a signed wsse:Security header
  (`adapters.simulation.token_problem`), or an AuthorityContext naming a test service agreement
  (`TEST_AUTHORITY_CVRS`), else StatusKode 49. What is not a SOAP 1.2 `soeg` or `list` gets a
  SOAP 1.2 Sender fault: the contract declares no fault of its own.
- `GET /sf1510/classes`: the served classification as JSON, for tests and the demo.

The classification is `klassifikation.toml` (see `data.py`): deterministic, read-only. Every
request is kept under `$BS_SIMULATOR_DIR/sf1510/requests/<TransactionUUID>/`.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from lxml import etree

from adapters.sf1510 import schema
from adapters.sf1510.data import (
    FACET_HTTP_500,
    FACET_SLOW,
    FACET_SOAP_FAULT,
    SimulatedClass,
    classification,
)
from adapters.simulation import (
    TEST_AUTHORITY_CVRS,
    XML,
    ReceivedFolder,
    access_problem,
    contract_file,
    parse_envelope,
    received_root,
    soap12_fault,
    soap_response,
    wants_wsdl,
    wsdl_text,
    xsd_problem,
)
from adapters.soap import SOAP12_ENV

SLOW_SECONDS = 12.0
DEFAULT_PAGE = 500
_K = f"{{{schema.NS}}}"
_SD = f"{{{schema.NS_SD}}}"
# When each simulated class was registered: fixed, so that answers are deterministic.
_REGISTERED = "2024-01-01T00:00:00+01:00"


class _Refusal(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def create_app(*, folder: Path | None = None, slow_seconds: float = SLOW_SECONDS) -> FastAPI:
    app = FastAPI(title="SF1510 simulator", openapi_url=None, docs_url=None, redoc_url=None)
    received = ReceivedFolder(received_root(folder), "sf1510")

    @app.get("/sf1510")
    async def wsdl(request: Request) -> Response:
        if not wants_wsdl(request.query_params):
            return Response("Ask for ?wsdl", status_code=404, media_type="text/plain")
        service_url = str(request.url.replace(query=""))
        return Response(wsdl_text(schema.WSDL, schema.CONTRACT_DIR, service_url), media_type=XML)

    @app.get("/sf1510/contract/{path:path}")
    async def contract(path: str) -> Response:
        return contract_file(schema.CONTRACT_DIR, path)

    @app.get("/sf1510/classes")
    async def listing() -> list[dict[str, Any]]:
        return [_summary(entry) for entry in classification().classes]

    @app.post("/sf1510")
    async def operation(request: Request) -> Response:
        answer, late = await asyncio.to_thread(_answer, received, await request.body())
        if late:
            await asyncio.sleep(slow_seconds)
        return answer

    return app


def _summary(entry: SimulatedClass) -> dict[str, Any]:
    return {
        "uuid": str(entry.id),
        "facet": entry.facet.name,
        "key": entry.key,
        "title": entry.title,
        "parent": str(entry.parent) if entry.parent else None,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
        "valid_to": entry.valid_to.isoformat() if entry.valid_to else None,
        "published": entry.published,
        "title_confidence": entry.title_confidence,
    }


def _answer(received: ReceivedFolder, body: bytes) -> tuple[Response, bool]:
    parsed = None
    for operation, element in schema.REQUESTS.items():
        attempt = parse_envelope(body, element, envelope_ns=SOAP12_ENV)
        if not isinstance(attempt, str):
            parsed = (operation, *attempt)
            break
    if parsed is None:
        return soap12_fault("Forespørgslen er ikke en SOAP 1.2 soeg eller list", sender=True), False
    operation, envelope, payload = parsed
    header = envelope.find(f"{{{SOAP12_ENV}}}Header/{schema.REQUEST_HEADER}")
    authority = envelope.find(f"{{{SOAP12_ENV}}}Header/{schema.AUTHORITY_CONTEXT}")
    try:
        _check_request(envelope, payload, header, authority)
        assert header is not None
        transaction = header.findtext(f"{{{schema.NS_HEADER}}}TransactionUUID", "")
        _keep(received, transaction, body)
        if operation == schema.SOEG:
            facet = _facet_of(payload)
            if facet == FACET_HTTP_500:
                return Response("Internal Server Error", 500, media_type="text/plain"), False
            if facet == FACET_SOAP_FAULT:
                return soap12_fault("Klassifikation er utilgængelig", sender=False), False
            output = _search(payload, facet)
            late = facet == FACET_SLOW
        else:
            output, late = _list(payload), False
    except _Refusal as refusal:
        output, late = _output(operation, refusal.status, refusal.text), False
    return _response(output, header), late


def _check_request(
    envelope: etree._Element,
    payload: etree._Element,
    header: etree._Element | None,
    authority: etree._Element | None,
) -> None:
    problem = xsd_problem(schema.message_schema(), payload)
    if problem is None and header is None:
        problem = "RequestHeader mangler"
    if problem is None and header is not None:
        problem = xsd_problem(schema.header_schema(), header)
    if problem is None and authority is not None:
        problem = xsd_problem(schema.authority_schema(), authority)
    if problem is not None:
        raise _Refusal(schema.STATUS_INVALID, f"Forespørgslen overholder ikke XSD: {problem}")
    cvr = (
        authority.findtext(f"{{{schema.NS_AUTHORITY}}}MunicipalityCVR")
        if authority is not None
        else None
    )
    refused = access_problem(envelope, "sf1510", context_accepted=cvr in TEST_AUTHORITY_CVRS)
    if refused is not None:
        raise _Refusal(schema.STATUS_NOT_ALLOWED, refused)


def _keep(received: ReceivedFolder, transaction: str, body: bytes) -> None:
    try:
        folder = str(uuid.UUID(transaction))
    except ValueError:
        raise _Refusal(schema.STATUS_INVALID, "TransactionUUID er ikke et UUID") from None
    number = received.next_number("requests", folder, prefix="request")
    received.write(body, "requests", folder, f"request-{number}.xml")


def _facet_of(payload: etree._Element) -> uuid.UUID | None:
    text = payload.findtext(f"{_K}RelationListe/{_SD}Facet/{_SD}ReferenceID/{_SD}UUIDIdentifikator")
    return uuid.UUID(text) if text else None


def _search(payload: etree._Element, facet: uuid.UUID | None) -> etree._Element:
    """The UUIDs of the facet's classes (all classes without a facet), optionally only those with
    the given BrugervendtNoegleTekst, a page at a time in key order."""
    first = int(payload.findtext(f"{_SD}FoersteResultatReference") or 0)
    limit = int(payload.findtext(f"{_SD}MaksimalAntalKvantitet") or DEFAULT_PAGE)
    if first < 0 or not 0 < limit <= schema.MAX_PAGE:
        raise _Refusal(
            schema.STATUS_INVALID,
            f"MaksimalAntalKvantitet skal være 1-{schema.MAX_PAGE}, FoersteResultatReference ≥ 0",
        )
    data = classification()
    found = data.of_facet(facet) if facet else sorted(data.classes, key=lambda c: c.key)
    key = payload.findtext(f"{_K}AttributListe/{_K}Egenskab/{_SD}BrugervendtNoegleTekst")
    if key:
        found = [entry for entry in found if entry.key == key]
    output = _output(schema.SOEG, schema.STATUS_OK, "")
    ids = etree.SubElement(output, f"{_SD}IdListe")
    for entry in found[first : first + limit]:
        etree.SubElement(ids, f"{_SD}UUIDIdentifikator").text = str(entry.id)
    return output


def _list(payload: etree._Element) -> etree._Element:
    """Every asked class that exists; none of them is StatusKode 44."""
    known = classification().by_uuid()
    asked = [uuid.UUID(u.text or "") for u in payload.iterfind(f"{_SD}UUIDIdentifikator")]
    found = [known[wanted] for wanted in asked if wanted in known]
    if not found:
        raise _Refusal(schema.STATUS_NOT_FOUND, "Ingen af klasserne findes")
    output = _output(schema.LIST, schema.STATUS_OK, "")
    output.extend(_snapshot(entry) for entry in found)
    return output


def _output(operation: str, status: int, text: str) -> etree._Element:
    output = etree.Element(schema.RESPONSES[operation], nsmap={"k": schema.NS, "sd": schema.NS_SD})
    retur = etree.SubElement(output, f"{_SD}StandardRetur")
    etree.SubElement(retur, f"{_SD}StatusKode").text = str(status)
    if text:
        etree.SubElement(retur, f"{_SD}FejlbeskedTekst").text = text
    return output


def _moment(parent: etree._Element, name: str, moment: datetime | None) -> None:
    """A TidspunktType: the timestamp, or GraenseIndikator for an open end."""
    point = etree.SubElement(parent, f"{_SD}{name}")
    if moment is None:
        etree.SubElement(point, f"{_SD}GraenseIndikator").text = "true"
    else:
        etree.SubElement(point, f"{_SD}TidsstempelDatoTid").text = moment.isoformat()


def _virkning(parent: etree._Element, entry: SimulatedClass) -> None:
    virkning = etree.SubElement(parent, f"{_SD}Virkning")
    _moment(virkning, "FraTidspunkt", entry.valid_from)
    _moment(virkning, "TilTidspunkt", entry.valid_to)


def _reference(parent: etree._Element, name: str, entry: SimulatedClass, target: uuid.UUID) -> None:
    relation = etree.SubElement(parent, f"{_SD}{name}")
    _virkning(relation, entry)
    reference = etree.SubElement(relation, f"{_SD}ReferenceID")
    etree.SubElement(reference, f"{_SD}UUIDIdentifikator").text = str(target)


def _snapshot(entry: SimulatedClass) -> etree._Element:
    snapshot = etree.Element(f"{_K}FiltreretOejebliksbillede")
    objekt = etree.SubElement(snapshot, f"{_K}ObjektID")
    etree.SubElement(objekt, f"{_SD}UUIDIdentifikator").text = str(entry.id)
    registration = etree.SubElement(snapshot, f"{_K}Registrering")
    etree.SubElement(registration, f"{_SD}Tidspunkt").text = _REGISTERED
    etree.SubElement(registration, f"{_SD}LivscyklusKode").text = "Importeret"
    properties = etree.SubElement(
        etree.SubElement(registration, f"{_K}AttributListe"), f"{_K}Egenskab"
    )
    _virkning(properties, entry)
    etree.SubElement(properties, f"{_SD}BrugervendtNoegleTekst").text = entry.key
    etree.SubElement(properties, f"{_SD}TitelTekst").text = entry.title
    published = etree.SubElement(
        etree.SubElement(registration, f"{_K}TilstandListe"), f"{_K}PubliceretStatus"
    )
    _virkning(published, entry)
    etree.SubElement(published, f"{_SD}ErPubliceretIndikator").text = (
        "true" if entry.published else "false"
    )
    relations = etree.SubElement(registration, f"{_K}RelationListe")
    _reference(relations, "Facet", entry, entry.facet.id)
    if entry.parent is not None:
        _reference(relations, "OverordnetKlasse", entry, entry.parent)
    return snapshot


def _response(output: etree._Element, header: etree._Element | None) -> Response:
    """The output with the request's RequestHeader echoed (a fresh one if it had none valid)."""
    if not schema.message_schema().validate(output):
        raise AssertionError(
            f"simulator answer breaks the XSD: {schema.message_schema().error_log}"
        )
    if header is not None and schema.header_schema().validate(header):
        echoed = etree.fromstring(etree.tostring(header))
    else:
        echoed = etree.Element(schema.REQUEST_HEADER, nsmap={"h": schema.NS_HEADER})
        etree.SubElement(echoed, f"{{{schema.NS_HEADER}}}TransactionUUID").text = str(uuid.uuid4())
    return soap_response(output, headers=[echoed], envelope_ns=SOAP12_ENV)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SF1510 contract simulator (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=8565)
    args = parser.parse_args(argv)
    print(f"SF1510 simulator: http://127.0.0.1:{args.port}/sf1510?wsdl", flush=True)
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, access_log=False)


if __name__ == "__main__":
    main()
