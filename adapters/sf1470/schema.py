"""The vendored SF1470 contract: file paths, namespaces and the XSDs loaded for lxml validation.

Serviceplatformen's SagDokumentIndeksService (`wsdl/context`, `wsdl/token`) with the 1.2.STS-4
schemas is what the adapter speaks. The v6 WSDL straight to støttesystemerne
(`wsdl/SagDokumentIndeksService_6.wsdl`, 6.0.STS-0) is vendored too, for reference.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from lxml import etree

Variant = Literal["token", "context"]

CONTRACT_DIR = Path(__file__).parent / "contract"
MESSAGES_XSD = CONTRACT_DIR / "SagDokumentIndeksServiceMsg.xsd"
HEADER_XSD = CONTRACT_DIR / "SF1470_EP_SD1" / "xsd" / "common" / "RequestHeader.xsd"
FAULT_XSD = CONTRACT_DIR / "sp" / "ServiceplatformFault_1.xsd"

NS = "http://serviceplatformen.dk/xml/wsdl/soap11/SagDokument/SagDokumentIndeks/5/"
NS_SDI = "urn:oio:sts:sagdok:sagdokumentindeks:1.2.4.0"
NS_DI = "urn:oio:sts:sagdok:dokumentindeks:1.2.4.0"
NS_SAG = "urn:oio:sts:sagdok:sag:1.2.4.0"
NS_SD = "urn:oio:sagdok:3.0.0"
NS_GD = "urn:oio:sts:generelledefinitioner:1.2.4.0"
NS_HEADER = "http://kombit.dk/xml/schemas/RequestHeader/1/"
NS_AUTHORITY = "http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/"
NS_FAULT = "http://serviceplatformen.dk/xml/schemas/ServiceplatformFault/1/"

BINDING = f"{{{NS}}}SagDokumentIndeksBinding"
IMPORTER = "importer"
FJERN = "fjern"
REQUESTS = {IMPORTER: f"{{{NS}}}ImporterRequest", FJERN: f"{{{NS}}}FjernRequest"}
RESPONSES = {IMPORTER: f"{{{NS}}}ImporterResponse", FJERN: f"{{{NS}}}FjernResponse"}
REQUEST_HEADER = f"{{{NS_HEADER}}}RequestHeader"
SERVICEPLATFORM_FAULT = f"{{{NS_FAULT}}}ServiceplatformFault"

# StandardRetur/StatusKode of the Sag- og Dokumentstandard's operations.
STATUS_OK = 20
STATUS_INVALID = 40
STATUS_NOT_FOUND = 44
STATUS_NOT_ALLOWED = 49
STATUS_SERVER_ERROR = 50

# ErrorCode values in ServiceplatformFault; the simulator's (the contract lists none).
FAULT_ACCESS_DENIED = "ACCESS_DENIED"
FAULT_INVALID_REQUEST = "INVALID_REQUEST"


def wsdl_path(variant: Variant) -> Path:
    return CONTRACT_DIR / "wsdl" / variant / "SagDokumentIndeksService.wsdl"


def _load(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


@cache
def message_schema() -> etree.XMLSchema:
    return _load(MESSAGES_XSD)


@cache
def header_schema() -> etree.XMLSchema:
    return _load(HEADER_XSD)


@cache
def fault_schema() -> etree.XMLSchema:
    return _load(FAULT_XSD)
