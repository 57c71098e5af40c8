"""Simulator STS at `/sts` (WS-Trust 1.3 Issue, as KOMBIT's `kombittrust/14/certificatemixed`).

It issues a holder-of-key assertion, signed with the TEST STS certificate, to the TEST
municipality certificate only (`adapters/sts/testcerts`), for the entity ids the simulators answer
to, with the test municipality's CVR as claim. The request must carry a fresh wsu:Timestamp and a
signature over Body, Timestamp and the certificate, made with that certificate's key. Anything
else gets a SOAP 1.1 fault: `wst:FailedAuthentication` (who is asking) or `wst:InvalidRequest`
(what is asked for). It logs nothing; each assertion it issues is noted (entity id, CVR,
certificate subject, validity; not the assertion) as `issued-<n>.json` under
`$BS_SIMULATOR_DIR/sts/`, and listed at `GET /sts/issued`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from lxml import etree

from adapters.simulation import (
    TEST_AUTHORITY_CVRS,
    XML,
    ReceivedFolder,
    received_root,
    soap_response,
)
from adapters.sts import assertion as saml
from adapters.sts.client import NS_AUTH, NS_WSA, NS_WSP, NS_WST, SOAP_ENV
from adapters.sts.testcerts import ENTITY_IDS, STS_ISSUER, municipality_credentials, sts_credentials
from adapters.sts.wssecurity import (
    NS_SAML,
    NS_WSSE,
    NS_WSU,
    SAML_TOKEN_TYPE,
    SecurityProblem,
    check_message,
    utc_now,
    xml_time,
)

LIFETIME = timedelta(hours=1)
"""How long an issued assertion is in force (KOMBIT's are hours; clients renew ahead of it)."""


def create_app(folder: Path | None = None) -> FastAPI:
    app = FastAPI(title="STS simulator", openapi_url=None, docs_url=None, redoc_url=None)
    issued = ReceivedFolder(received_root(folder), "sts")

    @app.post("/sts")
    async def issue(request: Request) -> Response:
        return answer(await request.body(), issued)

    @app.get("/sts/issued")
    async def issued_list() -> list[Any]:
        if not issued.folder.is_dir():
            return []
        notes = [issued.read_json(f.name) for f in issued.folder.glob("issued-*.json")]
        return sorted(notes, key=lambda note: int(note["number"]))

    return app


def answer(body: bytes, issued: ReceivedFolder | None = None) -> Response:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        envelope = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return _fault("InvalidRequest", "Forespørgslen er ikke XML")
    rst = envelope.find(f"{{{SOAP_ENV}}}Body/{{{NS_WST}}}RequestSecurityToken")
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope" or rst is None:
        return _fault("InvalidRequest", "Forespørgslen er ikke en WS-Trust RequestSecurityToken")
    now = utc_now()
    try:
        secured = check_message(envelope, now=now, required_parts=_certificate_token(envelope))
    except SecurityProblem as problem:
        return _fault("FailedAuthentication", str(problem))
    municipality = municipality_credentials()
    if secured.certificate != municipality.certificate:
        return _fault("FailedAuthentication", "Certifikatet er ikke kendt af STS'en")
    entity_id = rst.findtext(
        f"{{{NS_WSP}}}AppliesTo/{{{NS_WSA}}}EndpointReference/{{{NS_WSA}}}Address"
    )
    if entity_id is None or entity_id not in ENTITY_IDS.values():
        return _fault("InvalidRequest", "Ukendt entity id")
    cvr = rst.findtext(
        f"{{{NS_WST}}}Claims/{{{NS_AUTH}}}ClaimType[@Uri='{saml.CVR_ATTRIBUTE}']/{{{NS_AUTH}}}Value"
    )
    if cvr is None or cvr not in TEST_AUTHORITY_CVRS:
        return _fault("InvalidRequest", "Ukendt CVR-nummer i claims")
    use_key = rst.findtext(f"{{{NS_WST}}}UseKey/{{{NS_WSSE}}}BinarySecurityToken")
    if "".join((use_key or "").split()) != municipality.base64:
        return _fault("InvalidRequest", "UseKey skal være det signerende certifikat")
    token = saml.mint(
        sts_credentials(),
        issuer=STS_ISSUER,
        holder=municipality.certificate,
        audience=entity_id,
        cvr=cvr,
        now=now,
        lifetime=LIFETIME,
    )
    if issued is not None:
        number = issued.next_number(prefix="issued")
        note = {
            "number": number,
            "entity_id": entity_id,
            "cvr": cvr,
            "subject": municipality.certificate.subject.rfc4514_string(),
            "not_on_or_after": xml_time(now + LIFETIME),
        }
        issued.write_json(note, f"issued-{number}.json")
    return soap_response(_response(token, entity_id))


def _certificate_token(envelope: etree._Element) -> list[etree._Element]:
    """The BinarySecurityToken must be signed too: it is who the request claims to come from."""
    path = f"{{{SOAP_ENV}}}Header/{{{NS_WSSE}}}Security/{{{NS_WSSE}}}BinarySecurityToken"
    return envelope.findall(path)[:1]


def _response(token: etree._Element, entity_id: str) -> etree._Element:
    collection = etree.Element(
        f"{{{NS_WST}}}RequestSecurityTokenResponseCollection", nsmap={"wst": NS_WST}
    )
    response = etree.SubElement(collection, f"{{{NS_WST}}}RequestSecurityTokenResponse")
    etree.SubElement(response, f"{{{NS_WST}}}TokenType").text = SAML_TOKEN_TYPE
    etree.SubElement(response, f"{{{NS_WST}}}RequestedSecurityToken").append(token)
    applies = etree.SubElement(response, f"{{{NS_WSP}}}AppliesTo", nsmap={"wsp": NS_WSP})
    reference = etree.SubElement(applies, f"{{{NS_WSA}}}EndpointReference", nsmap={"wsa": NS_WSA})
    etree.SubElement(reference, f"{{{NS_WSA}}}Address").text = entity_id
    conditions = token.find(f"{{{NS_SAML}}}Conditions")
    lifetime = etree.SubElement(response, f"{{{NS_WST}}}Lifetime")
    created = etree.SubElement(lifetime, f"{{{NS_WSU}}}Created", nsmap={"wsu": NS_WSU})
    created.text = conditions.get("NotBefore") if conditions is not None else xml_time(utc_now())
    expires = etree.SubElement(lifetime, f"{{{NS_WSU}}}Expires")
    expires.text = conditions.get("NotOnOrAfter") if conditions is not None else None
    return collection


def _fault(code: str, text: str) -> Response:
    """A SOAP 1.1 fault with a WS-Trust fault code; HTTP 500 as SOAP 1.1 asks."""
    fault = etree.Element(f"{{{SOAP_ENV}}}Fault", nsmap={"wst": NS_WST})
    etree.SubElement(fault, "faultcode").text = f"wst:{code}"
    etree.SubElement(fault, "faultstring").text = text
    response = soap_response(fault, status_code=500)
    response.media_type = XML
    return response
