"""The vendored SF1520 contract: file paths, namespaces and the XSDs loaded for lxml validation."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from lxml import etree

Variant = Literal["token", "context"]

CONTRACT_DIR = Path(__file__).parent / "contract"
MESSAGES_XSD = CONTRACT_DIR / "PersonBaseDataExtendedServiceMsg.xsd"
TYPES_XSD = CONTRACT_DIR / "xsd" / "PersonBaseDataExtendedServiceTypes.xsd"
FAULT_XSD = CONTRACT_DIR / "sp" / "ServiceplatformFault_1.xsd"

XSD = "http://www.w3.org/2001/XMLSchema"
NS = "http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/4/"
NS_PNR = "http://serviceplatformen.dk/xml/schemas/cpr/PNR/1/"
NS_INVOCATION = "http://serviceplatformen.dk/xml/schemas/InvocationContext/1/"
NS_AUTHORITY = "http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/"
NS_CALL = "http://serviceplatformen.dk/xml/schemas/CallContext/1/"
NS_FAULT = "http://serviceplatformen.dk/xml/schemas/ServiceplatformFault/1/"
NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
NS_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"

BINDING = f"{{{NS}}}PersonBaseDataExtendedBinding"
OPERATION = "PersonLookup"
REQUEST = f"{{{NS}}}PersonLookupRequest"
RESPONSE = f"{{{NS}}}PersonLookupResponse"
SERVICEPLATFORM_FAULT = f"{{{NS_FAULT}}}ServiceplatformFault"

# ErrorCode values in ServiceplatformFault/ErrorList/Error. The published contract does not list
# them; these are the simulator's, and NOT_FOUND must be checked against exttest's real answer.
FAULT_NOT_FOUND = "NOT_FOUND"
FAULT_ACCESS_DENIED = "ACCESS_DENIED"
FAULT_INVALID_REQUEST = "INVALID_REQUEST"
NOT_FOUND_CODES = frozenset({FAULT_NOT_FOUND})


def wsdl_path(variant: Variant) -> Path:
    return CONTRACT_DIR / "wsdl" / variant / "PersonBaseDataExtendedService.wsdl"


@cache
def message_schema() -> etree.XMLSchema:
    """PersonLookupRequest and PersonLookupResponse, with the types XSD inlined.

    The published types XSD uses the PNR namespace without importing it. Java tooling lets that
    pass; libxml2 does not, so the types are inlined into the message XSD (which imports it) in
    memory. The vendored files stay exactly as published.
    """
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    messages = etree.parse(str(MESSAGES_XSD), parser)
    types = etree.parse(str(TYPES_XSD), parser)
    root = messages.getroot()
    include = root.find(f"{{{XSD}}}include")
    if include is None:
        raise RuntimeError(f"{MESSAGES_XSD.name} no longer includes the types XSD")
    position = list(root).index(include)
    root.remove(include)
    for offset, child in enumerate(list(types.getroot())):
        root.insert(position + offset, child)
    return etree.XMLSchema(messages)


@cache
def fault_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(FAULT_XSD), parser))
