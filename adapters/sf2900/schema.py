"""The vendored SF2900 contract: file paths, namespaces and the XSDs loaded for lxml validation."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from lxml import etree

Variant = Literal["token", "context"]

CONTRACT_DIR = Path(__file__).parent / "contract"
MESSAGES_XSD = CONTRACT_DIR / "DistributionServiceMsg.xsd"

NS = "http://serviceplatformen.dk/xml/wsdl/soap11/DistributionService/3/types"
NS_PORT = "http://serviceplatformen.dk/xml/wsdl/soap11/DistributionService/3/port"
NS_V2 = "http://serviceplatformen.dk/xml/wsdl/soap11/DistributionService/2/types"
NS_AUTHORITY = "http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/"
NS_CALL = "http://serviceplatformen.dk/xml/schemas/CallContext/1/"
NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
NS_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"

BINDING = f"{{{NS_PORT}}}DistributionServiceBinding"
OPERATION = "FordelingsobjektAfsend"
REQUEST = f"{{{NS}}}FordelingsobjektAfsendRequest"
RESPONSE = f"{{{NS}}}FordelingsobjektAfsendResponse"
TRANSPORT_RECEIPT = f"{{{NS}}}TransportKvittering"
"""The contract's fault detail (TransportKvitteringType, code OK / ADVARSEL / FEJL)."""

# FejlKode values in the TransportKvittering's FejlListe. The published contract lists none;
# these are the simulator's and must be checked against exttest's real answers.
FAULT_ACCESS_DENIED = "ADGANG_NAEGTET"
FAULT_INVALID_REQUEST = "UGYLDIG_ANMODNING"
FAULT_NO_RECIPIENT = "INGEN_MODTAGER"

# ForretningsValideringsKode: what the receiving ESDH said about the document.
ACCEPTED_CODES = frozenset({"MODTAGET", "AFLEVERET", "ACCEPTERET"})
REJECTED_CODE = "AFVIST"
FAILED_CODE = "FEJLET"


def wsdl_path(variant: Variant) -> Path:
    return CONTRACT_DIR / "wsdl" / variant / "DistributionService.wsdl"


@cache
def message_schema() -> etree.XMLSchema:
    """Every request, response and the TransportKvittering fault element (all in one XSD)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(MESSAGES_XSD), parser))


MODTAG_XSD = CONTRACT_DIR / "SF2900_EP_MS1-2" / "DistributionServiceMsgV2.xsd"
MODTAG_REQUEST = f"{{{NS_V2}}}FordelingsobjektModtagRequest"
"""What SF2900 delivers to a receiving system (`FordelingsobjektModtag`)."""


@cache
def modtag_schema() -> etree.XMLSchema:
    """The receiving side's messages (DistributionServiceModtagerV2)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(MODTAG_XSD), parser))
