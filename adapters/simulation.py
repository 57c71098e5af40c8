"""Plumbing the SOAP contract simulators share: the WSDL pointing back at the simulator, the
vendored contract files, SOAP envelopes, the token check, and the folder of what was received.

Only simulators import this; clients never do.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from fastapi import Response
from lxml import etree

from adapters.soap import SOAP12_ENV, SOAP_ENV, mask_cpr
from adapters.sts import assertion as saml
from adapters.sts.testcerts import (
    ENTITY_IDS,
    MUNICIPALITY_CVR,
    STS_CERTIFICATE,
    STS_ISSUER,
    municipality_credentials,
    sts_credentials,
)
from adapters.sts.wssecurity import (
    NS_WSSE,
    IssuedToken,
    SecurityProblem,
    load_certificate,
    utc_now,
)

XML = "text/xml; charset=utf-8"
SOAP12_XML = "application/soap+xml; charset=utf-8"
NS_XSD = "http://www.w3.org/2001/XMLSchema"
_WSDL = "http://schemas.xmlsoap.org/wsdl/"
_WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
_WSDL_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"

TEST_AUTHORITY_CVRS = frozenset({"90100001", "90200002"})
"""The service agreements the simulators know (context variant): the synthetic CVR numbers of
the demo municipalities 901 and 902. No real municipality has them."""

NO_TOKEN = "Intet token"  # noqa: S105  (a message, not a secret)
SIMULATOR_DIR_ENV = "BS_SIMULATOR_DIR"
_SAFE_NAME = re.compile(r"[A-Za-z0-9._-]{1,120}")


def accepted_token(service: str) -> Callable[[], IssuedToken]:
    """A token provider the simulator `service` accepts without asking the simulator STS: an
    assertion minted with the TEST STS key for the TEST municipality certificate (testcerts)."""

    def provide() -> IssuedToken:
        municipality = municipality_credentials()
        now = utc_now()
        assertion = saml.mint(
            sts_credentials(),
            issuer=STS_ISSUER,
            holder=municipality.certificate,
            audience=ENTITY_IDS[service],
            cvr=MUNICIPALITY_CVR,
            now=now,
            lifetime=timedelta(hours=1),
        )
        return IssuedToken(assertion, municipality, now + timedelta(hours=1))

    return provide


def token_problem(envelope: etree._Element, service: str) -> str | None:
    """None if a wsse:Security header secures the call to `service` as OIOIDWS asks (an assertion
    the TEST STS signed for the service, in force; a fresh timestamp; Body and Timestamp signed
    with the assertion's holder-of-key certificate), else what is wrong (Danish). A message
    without wsse:Security is no token call: NO_TOKEN."""
    soap_ns = etree.QName(envelope).namespace
    if envelope.find(f"{{{soap_ns}}}Header/{{{NS_WSSE}}}Security") is None:
        return NO_TOKEN
    try:
        saml.check_call(envelope, entity_id=ENTITY_IDS[service], sts_certificate=_sts_certificate())
    except SecurityProblem as problem:
        return str(problem)
    return None


@cache
def _sts_certificate() -> x509.Certificate:
    return load_certificate(STS_CERTIFICATE)


def received_root(folder: Path | None) -> Path:
    """Where simulators keep what they received: the given folder, `$BS_SIMULATOR_DIR`, or
    `.runtime/simulators`."""
    if folder is not None:
        return folder
    return Path(os.environ.get(SIMULATOR_DIR_ENV, ".runtime/simulators"))


def wants_wsdl(query_keys: Iterable[str]) -> bool:
    return "wsdl" in {key.lower() for key in query_keys}


def wsdl_text(source: Path, contract_dir: Path, service_url: str) -> bytes:
    """The WSDL with soap:address at `service_url` and its imports at `service_url/contract/`."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    document = etree.parse(str(source), parser)
    files = f"{service_url}/contract/"
    for node in document.iter(f"{{{_WSDL}}}import", f"{{{NS_XSD}}}include", f"{{{NS_XSD}}}import"):
        attribute = "location" if node.tag == f"{{{_WSDL}}}import" else "schemaLocation"
        if node.get(attribute) is None:
            continue
        target = (source.parent / node.get(attribute, "")).resolve()
        node.set(attribute, files + target.relative_to(contract_dir.resolve()).as_posix())
    for address in document.iter(f"{{{_WSDL_SOAP}}}address", f"{{{_WSDL_SOAP12}}}address"):
        address.set("location", service_url)
    return etree.tostring(document, xml_declaration=True, encoding="utf-8")


def contract_file(contract_dir: Path, path: str) -> Response:
    """A vendored XSD or WSDL file; anything else, or outside the contract, is a 404."""
    if "\x00" in path:  # no file has one; resolve() would raise on it
        return Response("Not found", status_code=404, media_type="text/plain")
    file = (contract_dir / path).resolve()
    inside = file.is_relative_to(contract_dir.resolve())
    if not inside or file.suffix not in {".xsd", ".wsdl"} or not file.is_file():
        return Response("Not found", status_code=404, media_type="text/plain")
    return Response(file.read_bytes(), media_type=XML)


def parse_envelope(
    body: bytes, request: str, *, envelope_ns: str = SOAP_ENV
) -> tuple[etree._Element, etree._Element] | str:
    """(envelope, request element) of a SOAP 1.1 request (SOAP 1.2 with `envelope_ns`), or what
    is wrong with it, in Danish."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        envelope = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return "Forespørgslen er ikke XML"
    payload = envelope.find(f"{{{envelope_ns}}}Body/{request}")
    if envelope.tag != f"{{{envelope_ns}}}Envelope" or payload is None:
        local = request.rsplit("}", 1)[-1]
        version = "1.2" if envelope_ns == SOAP12_ENV else "1.1"
        return f"Forespørgslen er ikke en SOAP {version} {local}"
    return envelope, payload


def xsd_problem(schema: etree.XMLSchema, element: etree._Element) -> str | None:
    """None if the element is valid, else lxml's first complaint with CPR numbers masked."""
    if schema.validate(element):
        return None
    first = schema.error_log.last_error
    return mask_cpr(first.message) if first is not None else "ukendt fejl"


def soap_response(
    payload: etree._Element,
    *,
    headers: Iterable[etree._Element] = (),
    status_code: int = 200,
    envelope_ns: str = SOAP_ENV,
) -> Response:
    envelope = etree.Element(f"{{{envelope_ns}}}Envelope", nsmap={"soap": envelope_ns})
    header_list = list(headers)
    if header_list:
        header = etree.SubElement(envelope, f"{{{envelope_ns}}}Header")
        header.extend(header_list)
    etree.SubElement(envelope, f"{{{envelope_ns}}}Body").append(payload)
    content = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
    media_type = SOAP12_XML if envelope_ns == SOAP12_ENV else XML
    return Response(content, status_code=status_code, media_type=media_type)


def soap_fault(detail: etree._Element, text: str, *, client: bool) -> Response:
    """A SOAP 1.1 fault carrying the contract's detail element; HTTP 500 as SOAP 1.1 asks."""
    fault = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = "soap:Client" if client else "soap:Server"
    etree.SubElement(fault, "faultstring").text = text
    etree.SubElement(fault, "detail").append(detail)
    return soap_response(fault, status_code=500)


def soap12_fault(text: str, *, sender: bool) -> Response:
    """A SOAP 1.2 fault without detail (for contracts that declare none): HTTP 400 for the
    sender's fault, 500 for the receiver's, as the SOAP 1.2 HTTP binding asks."""
    fault = etree.Element(f"{{{SOAP12_ENV}}}Fault")
    code = etree.SubElement(fault, f"{{{SOAP12_ENV}}}Code")
    etree.SubElement(code, f"{{{SOAP12_ENV}}}Value").text = (
        "soap:Sender" if sender else "soap:Receiver"
    )
    reason = etree.SubElement(fault, f"{{{SOAP12_ENV}}}Reason")
    text_element = etree.SubElement(reason, f"{{{SOAP12_ENV}}}Text")
    text_element.set("{http://www.w3.org/XML/1998/namespace}lang", "da")
    text_element.text = text
    return soap_response(fault, status_code=400 if sender else 500, envelope_ns=SOAP12_ENV)


class ReceivedFolder:
    """What one simulator received, as files under `root/<service>/`: readable by tests and the
    demo, and the simulator's memory across restarts. Writes are atomic (write, then rename)."""

    def __init__(self, root: Path, service: str) -> None:
        self.folder = root / service

    def path(self, *parts: str) -> Path:
        for part in parts:
            if not _SAFE_NAME.fullmatch(part) or part in {".", ".."}:
                raise ValueError("unsafe name in the simulator's folder")
        return self.folder.joinpath(*parts)

    def write(self, content: bytes, *parts: str) -> Path:
        target = self.path(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(content)
        os.replace(temporary, target)
        return target

    def write_json(self, value: Any, *parts: str) -> Path:
        text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
        return self.write(text.encode(), *parts)

    def read(self, *parts: str) -> bytes | None:
        target = self.path(*parts)
        return target.read_bytes() if target.is_file() else None

    def read_json(self, *parts: str) -> Any:
        content = self.read(*parts)
        return None if content is None else json.loads(content)

    def next_number(self, *parts: str, prefix: str) -> int:
        """1 + how many files named `prefix-N.xml` the folder holds: the request count."""
        folder = self.path(*parts)
        if not folder.is_dir():
            return 1
        return 1 + sum(1 for f in folder.iterdir() if f.name.startswith(f"{prefix}-"))

    def remove(self, *parts: str) -> bool:
        target = self.path(*parts)
        if not target.is_file():
            return False
        target.unlink()
        return True


def access_problem(envelope: etree._Element, service: str, *, context_accepted: bool) -> str | None:
    """Why the simulator `service` refuses the call (Danish), or None: a token call must hold
    (`token_problem`); a call without a token needs a known service agreement
    (`context_accepted`, the context variant)."""
    problem = token_problem(envelope, service)
    if problem == NO_TOKEN:
        return None if context_accepted else "Adgang nægtet: ukendt serviceaftale"
    return None if problem is None else f"Adgang nægtet: {problem}"
