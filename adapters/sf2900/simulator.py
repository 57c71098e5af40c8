"""Contract simulator for SF2900 Fordelingskomponenten (DistributionService), for development
and tests.

`create_app()` is an ASGI app whose routes carry the service path; standalone it runs with
`python -m adapters.sf2900.simulator --port N` on 127.0.0.1 only.

- `GET /sf2900?wsdl`: the vendored context WSDL, soap:address and imports pointing back here.
- `POST /sf2900`: FordelingsobjektAfsend. The request is validated against the XSD; access needs
  an OIOIDWS token the TEST STS issued for SF2900, with a signed wsse:Security header
  (`adapters.simulation.token_problem`), or an AuthorityContext naming a test service agreement
  (`TEST_AUTHORITY_CVRS`). Everything else gets the contract's TransportKvittering fault.
- `GET /sf2900/received` and `/sf2900/received/{transaction}/document`: what was filed.

It plays the municipality's ESDH: a document for a children's case (KLE hovedgruppe 27 or 34) is
filed and answered MODTAGET; any other subject is AFVIST. The AnvenderTransaktionsID is the
idempotency key: a repeated one is answered with the first receipt and files nothing new. Every
request is kept (`<transaction>/request-N.xml`), the document once (`document.pdf`, `metadata.json`,
`receipt.xml`). Documents whose primary party is a reserved CPR number give the edge cases (README).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from lxml import etree

from adapters.cpr.simulator import CPR_CONTRACT_VIOLATION, CPR_SLOW, CPR_TECHNICAL_FAULT
from adapters.sf2900 import schema
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
"""The late answer comes after this: beyond the client's default timeout of 10 s."""
CHILDREN_KLE_GROUPS = frozenset({"27", "34"})
RECEIVING_CVRS = TEST_AUTHORITY_CVRS
"""Municipalities with a receiving system for children's cases (the two demo municipalities)."""
# DistributionTransktionsID is derived from the caller's id: the same sending, the same receipt.
_NAMESPACE = uuid.UUID("6f1c1d2e-2900-4f00-8000-000000002900")
_T = f"{{{schema.NS}}}"
_V2 = f"{{{schema.NS_V2}}}"


@dataclass(frozen=True)
class _Sending:
    transaction_id: str
    context: etree._Element
    document: etree._Element | None
    party_cpr: str | None
    kle_subject: str
    sender_cvr: str
    routing_cvr: str
    object_id: str
    package_id: str | None
    """A DOKUMENT's SagForslag, a FORMULAR's own ID: the transfer sag it belongs to."""


def create_app(*, folder: Path | None = None, slow_seconds: float = SLOW_SECONDS) -> FastAPI:
    app = FastAPI(title="SF2900 simulator", openapi_url=None, docs_url=None, redoc_url=None)
    received = ReceivedFolder(received_root(folder), "sf2900")

    @app.get("/sf2900")
    async def wsdl(request: Request) -> Response:
        if not wants_wsdl(request.query_params):
            return Response("Ask for ?wsdl", status_code=404, media_type="text/plain")
        service_url = str(request.url.replace(query=""))
        text = wsdl_text(schema.wsdl_path("context"), schema.CONTRACT_DIR, service_url)
        return Response(text, media_type=XML)

    @app.get("/sf2900/contract/{path:path}")
    async def contract(path: str) -> Response:
        return contract_file(schema.CONTRACT_DIR, path)

    @app.get("/sf2900/received")
    async def listing() -> list[dict[str, Any]]:
        if not received.folder.is_dir():
            return []
        found = [received.read_json(d.name, "metadata.json") for d in received.folder.iterdir()]
        return sorted((m for m in found if m), key=lambda m: (m["registered_at"], m["id"]))

    @app.get("/sf2900/received/{transaction}/document")
    async def document(transaction: str) -> Response:
        try:
            content = received.read(transaction, "document.pdf")
        except ValueError:
            content = None
        if content is None:
            return Response("Not found", status_code=404, media_type="text/plain")
        return Response(content, media_type="application/pdf")

    @app.get("/sf2900/modtager/{cvr}")
    async def inbox(cvr: str) -> list[dict[str, Any]]:
        """What SF2900 holds for the receiving system of municipality `cvr`, oldest first."""
        try:
            folder = received.path("modtager", cvr)
        except ValueError:
            return []
        if not folder.is_dir():
            return []
        entries = [
            received.read_json("modtager", cvr, f.name)
            for f in folder.iterdir()
            if f.name.startswith("entry-")
        ]
        return sorted((e for e in entries if e), key=lambda e: int(e["sequence"]))

    @app.get("/sf2900/modtager/{cvr}/{transaction}")
    async def delivered(cvr: str, transaction: str) -> Response:
        """One object as SF2900 delivers it: a FordelingsobjektModtagRequest."""
        try:
            content = received.read("modtager", cvr, f"{transaction}.xml")
        except ValueError:
            content = None
        if content is None:
            return Response("Not found", status_code=404, media_type="text/plain")
        return Response(content, media_type=XML)

    @app.post("/sf2900")
    async def send(request: Request) -> Response:
        body = await request.body()
        answer, late = await asyncio.to_thread(_answer, received, body)
        if late:
            await asyncio.sleep(slow_seconds)
        return answer

    return app


def _answer(received: ReceivedFolder, body: bytes) -> tuple[Response, bool]:
    """The answer, and whether it is to come late (the first sending for the slow number)."""
    parsed = parse_envelope(body, schema.REQUEST)
    if isinstance(parsed, str):
        return _fault(schema.FAULT_INVALID_REQUEST, parsed), False
    envelope, payload = parsed
    problem = xsd_problem(schema.message_schema(), payload)
    if problem is not None:
        return _fault(
            schema.FAULT_INVALID_REQUEST, f"Forespørgslen overholder ikke XSD: {problem}"
        ), False
    refused = access_problem(envelope, "sf2900", context_accepted=_known_authority(payload))
    if refused is not None:
        return _fault(schema.FAULT_ACCESS_DENIED, refused), False
    sending = _sending(payload)
    number = received.next_number(sending.transaction_id, prefix="request")
    received.write(body, sending.transaction_id, f"request-{number}.xml")
    if sending.party_cpr == CPR_TECHNICAL_FAULT:
        return Response("Internal Server Error", status_code=500, media_type="text/plain"), False
    if sending.party_cpr == CPR_CONTRACT_VIOLATION:
        return _response(_receipt(sending, "OK"), validate=False), False
    stored = received.read(sending.transaction_id, "receipt.xml")
    if stored is not None:
        # The same AnvenderTransaktionsID again: the first receipt, nothing filed twice.
        return _response(etree.fromstring(stored)), False
    if sending.routing_cvr != sending.sender_cvr:
        receipt = _route(received, sending, payload)
        received.write(etree.tostring(receipt), sending.transaction_id, "receipt.xml")
        return _response(receipt), False
    code = "MODTAGET" if sending.kle_subject[:2] in CHILDREN_KLE_GROUPS else schema.REJECTED_CODE
    receipt = _receipt(sending, code)
    if code == "MODTAGET" and sending.document is not None:
        _file(received, sending)
    received.write(etree.tostring(receipt), sending.transaction_id, "receipt.xml")
    return _response(receipt), sending.party_cpr == CPR_SLOW


def _known_authority(payload: etree._Element) -> bool:
    cvr = payload.findtext(
        f"{{{schema.NS_AUTHORITY}}}AuthorityContext/{{{schema.NS_AUTHORITY}}}MunicipalityCVR"
    )
    return cvr in TEST_AUTHORITY_CVRS


def _sending(payload: etree._Element) -> _Sending:
    context = payload.find(f"{_T}anmodning/{_V2}DistributionContext")
    assert context is not None  # the XSD requires it
    document = payload.find(
        f"{_T}anmodning/{_V2}DistributionObject/{_V2}ObjektIndhold/{_V2}DistributionDokument"
    )
    form = payload.find(
        f"{_T}anmodning/{_V2}DistributionObject/{_V2}ObjektIndhold/{_V2}DistributionFormular"
    )
    found = document if document is not None else form
    party = None
    if document is not None:
        urn = document.findtext(
            f"{_V2}Registrering/{_V2}RelationListe/{_V2}DokumentPartListe/{_V2}DokumentPart/"
            f"{_V2}Part/{_V2}ReferenceID/{_V2}URN"
        )
        party = urn.rsplit(":", 1)[-1] if urn else None
    return _Sending(
        transaction_id=context.findtext(f"{_V2}AnvenderTransaktionsID", ""),
        context=context,
        document=document,
        party_cpr=party,
        kle_subject=context.findtext(
            f"{_V2}RoutingValg/{_V2}RoutingKLEEmneHandling/{_V2}RoutingKLEEmne", ""
        ),
        sender_cvr=context.findtext(f"{_V2}AfsendendeMyndighed", ""),
        routing_cvr=context.findtext(f"{_V2}RoutingMyndighed", ""),
        object_id=found.findtext(f"{_V2}ID", "") if found is not None else "",
        package_id=(
            document.findtext(f"{_V2}SagForslag")
            if document is not None
            else (form.findtext(f"{_V2}ID") if form is not None else None)
        ),
    )


def _route(received: ReceivedFolder, sending: _Sending, payload: etree._Element) -> etree._Element:
    """Another municipality's object (a case transfer): queued for its receiving system as the
    FordelingsobjektModtagRequest SF2900 delivers, when that municipality has a receiver for
    children's cases; else AFVIST."""
    if sending.routing_cvr not in RECEIVING_CVRS:
        return _receipt(
            sending,
            schema.REJECTED_CODE,
            f"Ingen fordelingsmodtager hos myndighed {sending.routing_cvr}",
        )
    if sending.kle_subject[:2] not in CHILDREN_KLE_GROUPS:
        return _receipt(sending, schema.REJECTED_CODE)
    anmodning = payload.find(f"{_T}anmodning")
    assert anmodning is not None
    delivered = etree.Element(schema.MODTAG_REQUEST, nsmap={"v2": schema.NS_V2})
    copied = etree.SubElement(delivered, f"{_V2}anmodning")
    for child in anmodning:
        copied.append(_copy(child))
    if not schema.modtag_schema().validate(delivered):
        log = schema.modtag_schema().error_log
        raise AssertionError(f"simulator delivery breaks the XSD: {log}")
    inbox = ("modtager", sending.routing_cvr)
    received.write(etree.tostring(delivered), *inbox, f"{sending.transaction_id}.xml")
    received.write_json(
        {
            "transaction_id": sending.transaction_id,
            "object_type": "FORMULAR" if sending.document is None else "DOKUMENT",
            "id": sending.object_id,
            "package": sending.package_id,
            "sender": sending.sender_cvr,
            "sequence": received.next_number(*inbox, prefix="entry"),
        },
        *inbox,
        f"entry-{sending.transaction_id}.json",
    )
    return _receipt(sending, "MODTAGET")


def _file(received: ReceivedFolder, sending: _Sending) -> None:
    document = sending.document
    assert document is not None
    v = _V2
    part = document.find(
        f"{v}Registrering/{v}RelationListe/{v}VariantListe/{v}Variant/{v}DelAttributter"
    )
    attributes = document.find(f"{v}Registrering/{v}AttributListe/{v}Attributter")
    assert part is not None and attributes is not None
    try:
        content = base64.b64decode(part.findtext(f"{v}Indhold", ""), validate=True)
    except binascii.Error:
        content = b""
    received.write(content, sending.transaction_id, "document.pdf")
    received.write_json(
        {
            "transaction_id": sending.transaction_id,
            "id": document.findtext(f"{v}ID"),
            "case": document.findtext(f"{v}SagForslag"),
            "kle_subject": document.findtext(f"{v}KLEEmneForslag"),
            "action_facet": document.findtext(f"{v}HandlingFacetForslag"),
            "title": attributes.findtext(f"{v}TitelTekst"),
            "document_type": attributes.findtext(f"{v}Dokumenttype"),
            "direction": attributes.findtext(f"{v}Retning"),
            "letter_date": attributes.findtext(f"{v}Brevdato"),
            "key": attributes.findtext(f"{v}BrugervendtNoegleTekst"),
            "registered_at": document.findtext(f"{v}Registrering/{v}FraTidsPunkt"),
            "filename": part.findtext(f"{v}DelTekst"),
            "media_type": part.findtext(f"{v}MimeType"),
            "size": len(content),
            "sender": sending.context.findtext(f"{v}AfsendendeMyndighed"),
        },
        sending.transaction_id,
        "metadata.json",
    )


def _receipt(sending: _Sending, code: str, reason: str | None = None) -> etree._Element:
    response = etree.Element(
        f"{_T}FordelingsobjektAfsendResponse", nsmap={"t": schema.NS, "v2": schema.NS_V2}
    )
    receipt = etree.SubElement(response, f"{_T}ForretningsKvittering")
    etree.SubElement(receipt, f"{_V2}ForretningsValideringsKode").text = code
    etree.SubElement(receipt, f"{_V2}Kvitteringstype").text = "Forretning"
    if code == schema.REJECTED_CODE:
        etree.SubElement(receipt, f"{_V2}Begrundelse").text = (
            reason or f"Ingen modtager for KLE-emnet {sending.kle_subject}"
        )
    context = etree.SubElement(response, f"{_T}DistributionContext")
    for child in sending.context:
        context.append(_copy(child))
        if child.tag == f"{_V2}AnvenderTransaktionsID":
            distribution = uuid.uuid5(_NAMESPACE, sending.transaction_id)
            etree.SubElement(context, f"{_V2}DistributionTransktionsID").text = str(distribution)
    return response


def _copy(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))


def _response(payload: etree._Element, *, validate: bool = True) -> Response:
    if validate and not schema.message_schema().validate(payload):
        # Every answer must honour the contract; an invalid one is a bug in the simulator.
        raise AssertionError(
            f"simulator answer breaks the XSD: {schema.message_schema().error_log}"
        )
    return soap_response(payload)


def _fault(code: str, text: str) -> Response:
    """The contract's fault: a TransportKvittering with code FEJL and the error listed."""
    detail = etree.Element(schema.TRANSPORT_RECEIPT, nsmap={"t": schema.NS})
    etree.SubElement(detail, f"{_T}TransportValideringsKode").text = "FEJL"
    etree.SubElement(detail, f"{_T}Begrundelse").text = text
    error = etree.SubElement(etree.SubElement(detail, f"{_T}FejlListe"), f"{_T}Fejl")
    etree.SubElement(error, f"{_T}FejlKode").text = code
    etree.SubElement(error, f"{_T}FejlTekst").text = text
    if not schema.message_schema().validate(detail):
        raise AssertionError(f"simulator fault breaks the XSD: {schema.message_schema().error_log}")
    return soap_fault(detail, text, client=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SF2900 contract simulator (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=8562)
    args = parser.parse_args(argv)
    print(f"SF2900 simulator: http://127.0.0.1:{args.port}/sf2900?wsdl", flush=True)
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, access_log=False)


if __name__ == "__main__":
    main()
