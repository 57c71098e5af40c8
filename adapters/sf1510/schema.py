"""The vendored SF1510 contract: file paths, namespaces and the XSDs loaded for lxml validation.

KOMBIT's KlasseService_7 (`contract/Klasse.wsdl`, SOAP 1.2, the OIOIDWS policy) with the
Sag- og Dokumentstandard's `SagDokObjekt.xsd`. The published contract has one WSDL; both security
variants speak it (see `client.py`).

The published `SagDokObjekt.xsd` gives `Sortering` the pattern `^(?:100|[1-9]\\d?)$`, a Perl
regular expression that XSD 1.0 cannot compile (no anchors, no `(?:`), so libxml2 refuses the whole
schema. The file stays as published; lxml gets it with that one facet written as its XSD
equivalent `100|[1-9]\\d?` (XSD patterns are anchored already). zeep does not check patterns.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from lxml import etree

Variant = Literal["token", "context"]

CONTRACT_DIR = Path(__file__).parent / "contract"
WSDL = CONTRACT_DIR / "Klasse.wsdl"
MESSAGES_XSD = CONTRACT_DIR / "KlasseOperationer.xsd"
HEADER_XSD = CONTRACT_DIR / "RequestHeader.xsd"
AUTHORITY_XSD = CONTRACT_DIR / "sp" / "AuthorityContext_1.xsd"
SAGDOK_XSD = "SagDokObjekt.xsd"

NS = "http://stoettesystemerne.dk/klassifikation/klasse/7/"
NS_WSDL = "http://stoettesystemerne.dk/klassifikation"
NS_SD = "urn:oio:sagdok:3.0.0"
NS_HEADER = "http://kombit.dk/xml/schemas/RequestHeader/1/"
NS_AUTHORITY = "http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/"

BINDING = f"{{{NS_WSDL}}}Klasse"
SOEG = "soeg"
LIST = "list"
REQUESTS = {SOEG: f"{{{NS}}}SoegInput", LIST: f"{{{NS}}}ListInput"}
RESPONSES = {SOEG: f"{{{NS}}}SoegOutput", LIST: f"{{{NS}}}ListOutput"}
REQUEST_HEADER = f"{{{NS_HEADER}}}RequestHeader"
AUTHORITY_CONTEXT = f"{{{NS_AUTHORITY}}}AuthorityContext"

# StandardRetur/StatusKode of the Sag- og Dokumentstandard's operations; the contract's only
# way of refusing (it declares no SOAP fault).
STATUS_OK = 20
STATUS_INVALID = 40
STATUS_NOT_FOUND = 44
STATUS_NOT_ALLOWED = 49
STATUS_SERVER_ERROR = 50

MAX_PAGE = 1000
"""The most results one `soeg` answers (the simulator's limit; larger asks get StatusKode 40)."""

_PERL_PATTERN = b'value="^(?:100|[1-9]\\d?)$"'
_XSD_PATTERN = b'value="100|[1-9]\\d?"'


class _CompilableSagDok(etree.Resolver):
    """Hands libxml2 `SagDokObjekt.xsd` with the Sortering pattern in XSD syntax."""

    def resolve(self, system_url: str | None, public_id: str | None, context: object, /) -> Any:
        if not system_url or not system_url.endswith(SAGDOK_XSD):
            return None
        published = (CONTRACT_DIR / SAGDOK_XSD).read_bytes()
        return self.resolve_string(published.replace(_PERL_PATTERN, _XSD_PATTERN), context)


def _load(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_CompilableSagDok())
    return etree.XMLSchema(etree.parse(str(path), parser))


@cache
def message_schema() -> etree.XMLSchema:
    """Every operation's input and output element (KlasseOperationer.xsd and what it imports)."""
    return _load(MESSAGES_XSD)


@cache
def header_schema() -> etree.XMLSchema:
    return _load(HEADER_XSD)


@cache
def authority_schema() -> etree.XMLSchema:
    return _load(AUTHORITY_XSD)
