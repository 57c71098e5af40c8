"""Contract simulator for SF1470 Sags- og Dokumentindeks (`importer`, `fjern`), for development
and tests.

`create_app()` is an ASGI app whose routes carry the service path; standalone it runs with
`python -m adapters.sf1470.simulator --port N` on 127.0.0.1 only.

- `GET /sf1470?wsdl`: the vendored context WSDL, soap:address and imports pointing back here.
- `POST /sf1470`: importer and fjern, told apart by the body element. Requests are validated
  against the XSD; access needs an OIOIDWS token the TEST STS issued for SF1470 with a signed
  wsse:Security header (`adapters.simulation.token_problem`), or an AuthorityContext naming a
  test service agreement (`TEST_AUTHORITY_CVRS`). Everything else gets ServiceplatformFault.
- `GET /sf1470/index`: the index as JSON (documents with their case), for tests and the demo.

The index is a folder: `documents/<uuid>.xml|json` and `cases/<uuid>.xml|json`, the latest import
winning, as an import of a registration does. A case must have a children's KLE subject (hovedgruppe
27 or 34), else StatusKode 40. `fjern` finds documents by BrugervendtNoegle; none found is 44.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from lxml import etree

from adapters.cpr.simulator import CPR_SLOW, CPR_TECHNICAL_FAULT
from adapters.sf1470 import schema
from adapters.simulation import (
    TEST_AUTHORITY_CVRS,
    XML,
    ReceivedFolder,
    access_problem,
    contract_file,
    parse_envelope,
    received_root,
    soap_fault,
    soap_response,
    wants_wsdl,
    wsdl_text,
    xsd_problem,
)

SLOW_SECONDS = 12.0
CHILDREN_KLE_GROUPS = frozenset({"27", "34"})
_SDI = f"{{{schema.NS_SDI}}}"
_DI = f"{{{schema.NS_DI}}}"
_SAG = f"{{{schema.NS_SAG}}}"
_SD = f"{{{schema.NS_SD}}}"
_GD = f"{{{schema.NS_GD}}}"
_KLE_PREFIX = "urn:oio:kle:"
_CPR_PREFIX = "urn:oio:cpr-nr:"


def create_app(*, folder: Path | None = None, slow_seconds: float = SLOW_SECONDS) -> FastAPI:
    app = FastAPI(title="SF1470 simulator", openapi_url=None, docs_url=None, redoc_url=None)
    index = ReceivedFolder(received_root(folder), "sf1470")

    @app.get("/sf1470")
    async def wsdl(request: Request) -> Response:
        if not wants_wsdl(request.query_params):
            return Response("Ask for ?wsdl", status_code=404, media_type="text/plain")
        service_url = str(request.url.replace(query=""))
        text = wsdl_text(schema.wsdl_path("context"), schema.CONTRACT_DIR, service_url)
        return Response(text, media_type=XML)

    @app.get("/sf1470/contract/{path:path}")
    async def contract(path: str) -> Response:
        return contract_file(schema.CONTRACT_DIR, path)

    @app.get("/sf1470/index")
    async def listing() -> dict[str, Any]:
        return {"documents": _summaries(index, "documents"), "cases": _summaries(index, "cases")}

    @app.post("/sf1470")
    async def operation(request: Request) -> Response:
        answer, late = await asyncio.to_thread(_answer, index, await request.body())
        if late:
            await asyncio.sleep(slow_seconds)
        return answer

    return app


def _summaries(index: ReceivedFolder, kind: str) -> list[dict[str, Any]]:
    folder = index.folder / kind
    if not folder.is_dir():
        return []
    found = [index.read_json(kind, f.name) for f in sorted(folder.glob("*.json"))]
    return [entry for entry in found if entry]


def _answer(index: ReceivedFolder, body: bytes) -> tuple[Response, bool]:
    parsed = None
    for operation, element in schema.REQUESTS.items():
        attempt = parse_envelope(body, element)
        if not isinstance(attempt, str):
            parsed = (operation, *attempt)
            break
    if parsed is None:
        return _fault(
            schema.FAULT_INVALID_REQUEST, "Forespørgslen er ikke importer eller fjern"
        ), False
    operation, envelope, payload = parsed
    header = envelope.find(f"{{{envelope.nsmap.get('soap', '')}}}Header/{schema.REQUEST_HEADER}")
    header = header if header is not None else envelope.find(f".//{schema.REQUEST_HEADER}")
    problem = xsd_problem(schema.message_schema(), payload)
    if problem is None and header is None:
        problem = "RequestHeader mangler"
    if problem is None and header is not None:
        problem = xsd_problem(schema.header_schema(), header)
    if problem is not None:
        return _fault(
            schema.FAULT_INVALID_REQUEST, f"Forespørgslen overholder ikke XSD: {problem}"
        ), False
    assert header is not None
    refused = access_problem(envelope, "sf1470", context_accepted=_known_authority(payload))
    if refused is not None:
        return _fault(schema.FAULT_ACCESS_DENIED, refused), False
    transaction = header.findtext(f"{{{schema.NS_HEADER}}}TransactionUUID", "")
    number = index.next_number("requests", transaction, prefix="request")
    index.write(body, "requests", transaction, f"request-{number}.xml")
    parties = {_cpr(urn.text) for urn in payload.iter(f"{_SD}URNIdentifikator")} - {None}
    if CPR_TECHNICAL_FAULT in parties:
        return Response("Internal Server Error", status_code=500, media_type="text/plain"), False
    if operation == schema.IMPORTER:
        output = _import(index, payload)
    else:
        output = _remove(index, payload)
    late = CPR_SLOW in parties and number == 1
    return _response(operation, output, header), late


def _known_authority(payload: etree._Element) -> bool:
    cvr = payload.findtext(
        f"{{{schema.NS_AUTHORITY}}}AuthorityContext/{{{schema.NS_AUTHORITY}}}MunicipalityCVR"
    )
    return cvr in TEST_AUTHORITY_CVRS


def _cpr(urn: str | None) -> str | None:
    return urn[len(_CPR_PREFIX) :] if urn and urn.startswith(_CPR_PREFIX) else None


def _classes(registration: etree._Element) -> list[str]:
    """The KLE subject and handlingsfacet the registration's class relations point at."""
    references = registration.iter(f"{_GD}ReferenceID")
    urns = [reference.findtext(f"{_SD}URNIdentifikator") or "" for reference in references]
    return [urn[len(_KLE_PREFIX) :] for urn in urns if urn.startswith(_KLE_PREFIX)]


def _import(index: ReceivedFolder, payload: etree._Element) -> list[tuple[int, str, str, str]]:
    """(status, text, type, uuid) per imported object."""
    results: list[tuple[int, str, str, str]] = []
    imported = payload.find(f"{_SDI}ImporterSagDokumentIndeksInput")
    assert imported is not None
    for item in imported:
        kind = "dokument" if item.tag == f"{_SDI}DokumentIndeks" else "sag"
        object_id = item.findtext(f"{_SD}UUIDIdentifikator", "")
        registration = item.find(f"{_DI if kind == 'dokument' else _SAG}Registrering")
        assert registration is not None
        subjects = [c for c in _classes(registration) if c[:1].isdigit()]
        if not subjects or subjects[0][:2] not in CHILDREN_KLE_GROUPS:
            results.append(
                (schema.STATUS_INVALID, "KLE-emnet er ikke et børnesagsemne", kind, object_id)
            )
            continue
        folder = "documents" if kind == "dokument" else "cases"
        index.write(etree.tostring(item), folder, f"{object_id}.xml")
        index.write_json(_summary(kind, object_id, registration), folder, f"{object_id}.json")
        results.append((schema.STATUS_OK, "", kind, object_id))
    return results


def _summary(kind: str, object_id: str, registration: etree._Element) -> dict[str, Any]:
    ns = _DI if kind == "dokument" else _SAG
    properties = registration.find(f"{ns}AttributListe/{ns}Egenskaber")

    def found(name: str) -> str | None:
        return properties.findtext(f"{ns}{name}") if properties is not None else None

    summary: dict[str, Any] = {
        "uuid": object_id,
        "key": found("BrugervendtNoegle"),
        "title": found("Titel"),
        "classes": _classes(registration),
    }
    if kind == "dokument":
        summary.update({"letter_date": found("BrevDato"), "type": found("Type")})
    else:
        summary["case_number"] = found("Sagsnummer")
        summary["journal"] = [
            post.findtext(f"{_GD}ReferenceID/{_SD}UUIDIdentifikator")
            for post in registration.iterfind(f"{_SAG}RelationListe/{_SAG}Journalpost")
        ]
    return summary


def _remove(index: ReceivedFolder, payload: etree._Element) -> list[tuple[int, str, str, str]]:
    wanted = {key.text for key in payload.iter(f"{_DI}BrugervendtNoegle") if key.text}
    removed: list[tuple[int, str, str, str]] = []
    for entry in _summaries(index, "documents"):
        if entry.get("key") in wanted:
            index.remove("documents", f"{entry['uuid']}.xml")
            index.remove("documents", f"{entry['uuid']}.json")
            removed.append((schema.STATUS_OK, "", "dokument", entry["uuid"]))
    return removed or [(schema.STATUS_NOT_FOUND, "Ingen dokumenter fundet", "dokument", "")]


def _response(
    operation: str, results: list[tuple[int, str, str, str]], header: etree._Element
) -> Response:
    name = (
        "ImporterSagDokumentIndeksOutput"
        if operation == schema.IMPORTER
        else "FjernSagDokumentIndeksOutput"
    )
    response = etree.Element(schema.RESPONSES[operation], nsmap={"r": schema.NS})
    output = etree.SubElement(
        response, f"{_SDI}{name}", nsmap={"sdi": schema.NS_SDI, "sd": schema.NS_SD}
    )
    for status, text, kind, object_id in results:
        if object_id:
            item = etree.SubElement(output, f"{_SD}UnikRetur")
        else:
            item = etree.SubElement(output, f"{_SD}StandardRetur")
        etree.SubElement(item, f"{_SD}StatusKode").text = str(status)
        if text:
            etree.SubElement(item, f"{_SD}FejlbeskedTekst").text = text
        if object_id:
            etree.SubElement(item, f"{_SD}Type").text = kind
            etree.SubElement(item, f"{_SD}UUIDIdentifikator").text = object_id
    if not schema.message_schema().validate(response):
        raise AssertionError(
            f"simulator answer breaks the XSD: {schema.message_schema().error_log}"
        )
    echoed = etree.fromstring(etree.tostring(header))
    return soap_response(response, headers=[echoed])


def _fault(code: str, text: str) -> Response:
    detail = etree.Element(schema.SERVICEPLATFORM_FAULT, nsmap={"spf": schema.NS_FAULT})
    error = etree.SubElement(
        etree.SubElement(detail, f"{{{schema.NS_FAULT}}}ErrorList"), f"{{{schema.NS_FAULT}}}Error"
    )
    etree.SubElement(error, f"{{{schema.NS_FAULT}}}ErrorCode").text = code
    etree.SubElement(error, f"{{{schema.NS_FAULT}}}ErrorText").text = text
    if not schema.fault_schema().validate(detail):
        raise AssertionError(f"simulator fault breaks the XSD: {schema.fault_schema().error_log}")
    return soap_fault(detail, text, client=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SF1470 contract simulator (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=8563)
    args = parser.parse_args(argv)
    print(f"SF1470 simulator: http://127.0.0.1:{args.port}/sf1470?wsdl", flush=True)
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, access_log=False)


if __name__ == "__main__":
    main()
