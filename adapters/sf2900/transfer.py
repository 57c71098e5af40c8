"""A case transfer between municipalities (BL § 132) as SF2900 objects, and the receiving side.

The package (documented in `adapters/sf2900/TRANSFER.md`) is one transfer sag: each case document
is a DOKUMENT routed to the receiving municipality (RoutingMyndighed) with SagForslag = the package
id; the følgeseddel comes last, a FORMULAR whose ID is the package id, whose FormularIndhold is the
summary (PDF/A) and whose FormularXML is the manifest below (our own namespace): the sending case,
the child, the move, the documents and the open decisions and measures. A package is complete at
the receiver when its følgeseddel and every document it lists have arrived.

SF2900 delivers to a receiving system with `FordelingsobjektModtag` (DistributionServiceModtagerV2).
`Sf2900Inbox` reads those same `FordelingsobjektModtagRequest` messages from the simulator's queue
of the receiving municipality (a pull standing in for SF2900's push; see TRANSFER.md).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from lxml import etree

from adapters.errors import ContractViolation, Unavailable
from adapters.sagdok import SagDokCase
from adapters.sf2900 import schema

FORM_TYPE = "boernesag-overdragelse-1"
"""FormularType of the følgeseddel."""
NS_MANIFEST = "https://boernesag.dk/xml/overdragelse/1"
_M = f"{{{NS_MANIFEST}}}"
_V2 = f"{{{schema.NS_V2}}}"


@dataclass(frozen=True)
class ManifestDocument:
    document_id: uuid.UUID
    title: str
    letter_date: date


@dataclass(frozen=True)
class OpenItem:
    """An open decision or measure the receiving municipality must review."""

    kind: str
    title: str
    legal_basis: str
    since: date


@dataclass(frozen=True)
class Manifest:
    package_id: uuid.UUID
    sender_cvr: str
    sender_municipality: str
    receiver_cvr: str
    sender_case_id: uuid.UUID
    sender_case_number: str
    child_cpr: str | None
    moved_on: date | None
    documents: tuple[ManifestDocument, ...]
    open_items: tuple[OpenItem, ...] = field(default=())
    unborn_mother_cpr: str | None = None
    """An unborn child's case (no CPR number yet): the mother's, the child's key person."""
    expected_birth_date: date | None = None
    """An unborn child's termin, when known."""

    def __post_init__(self) -> None:
        if self.child_cpr is not None and self.unborn_mother_cpr is not None:
            raise ValueError("a manifest names a child or an unborn child's mother, not both")


@dataclass(frozen=True)
class TransferForm:
    """The følgeseddel as it is sent: the sending case, the manifest and the summary."""

    case: SagDokCase
    manifest: Manifest
    title: str
    summary_pdf: bytes


def manifest_xml(manifest: Manifest) -> etree._Element:
    root = etree.Element(f"{_M}Overdragelse", nsmap={None: NS_MANIFEST})

    def text(parent: etree._Element, name: str, value: object) -> None:
        etree.SubElement(parent, f"{_M}{name}").text = str(value)

    text(root, "PakkeID", manifest.package_id)
    text(root, "AfsenderCVR", manifest.sender_cvr)
    text(root, "AfsenderKommune", manifest.sender_municipality)
    text(root, "ModtagerCVR", manifest.receiver_cvr)
    text(root, "AfsenderSagID", manifest.sender_case_id)
    text(root, "AfsenderSagsnummer", manifest.sender_case_number)
    if manifest.child_cpr is not None:
        text(root, "BarnCPR", manifest.child_cpr)
    if manifest.unborn_mother_cpr is not None:
        text(root, "UfoedtMorCPR", manifest.unborn_mother_cpr)
    if manifest.expected_birth_date is not None:
        text(root, "Terminsdato", manifest.expected_birth_date.isoformat())
    if manifest.moved_on is not None:
        text(root, "Flyttedato", manifest.moved_on.isoformat())
    documents = etree.SubElement(root, f"{_M}Dokumenter")
    for document in manifest.documents:
        item = etree.SubElement(documents, f"{_M}Dokument")
        text(item, "ID", document.document_id)
        text(item, "Titel", document.title)
        text(item, "Dato", document.letter_date.isoformat())
    items = etree.SubElement(root, f"{_M}AabneAfgoerelser")
    for open_item in manifest.open_items:
        item = etree.SubElement(items, f"{_M}Afgoerelse")
        text(item, "Type", open_item.kind)
        text(item, "Titel", open_item.title)
        text(item, "Hjemmel", open_item.legal_basis)
        text(item, "Siden", open_item.since.isoformat())
    return root


def parse_manifest(root: etree._Element) -> Manifest:
    """The manifest back; `ContractViolation` when it is not one."""
    try:
        if root.tag != f"{_M}Overdragelse":
            raise ValueError("unexpected root element")

        def one(parent: etree._Element, name: str) -> str:
            found = parent.findtext(f"{_M}{name}")
            if found is None or not found.strip():
                raise ValueError(f"{name} is missing")
            return found.strip()

        def maybe(name: str) -> str | None:
            found = root.findtext(f"{_M}{name}")
            return found.strip() if found and found.strip() else None

        moved = maybe("Flyttedato")
        termin = maybe("Terminsdato")
        return Manifest(
            package_id=uuid.UUID(one(root, "PakkeID")),
            sender_cvr=one(root, "AfsenderCVR"),
            sender_municipality=one(root, "AfsenderKommune"),
            receiver_cvr=one(root, "ModtagerCVR"),
            sender_case_id=uuid.UUID(one(root, "AfsenderSagID")),
            sender_case_number=one(root, "AfsenderSagsnummer"),
            child_cpr=maybe("BarnCPR"),
            unborn_mother_cpr=maybe("UfoedtMorCPR"),
            expected_birth_date=date.fromisoformat(termin) if termin else None,
            moved_on=date.fromisoformat(moved) if moved else None,
            documents=tuple(
                ManifestDocument(
                    uuid.UUID(one(d, "ID")), one(d, "Titel"), date.fromisoformat(one(d, "Dato"))
                )
                for d in root.iterfind(f"{_M}Dokumenter/{_M}Dokument")
            ),
            open_items=tuple(
                OpenItem(
                    one(i, "Type"),
                    one(i, "Titel"),
                    one(i, "Hjemmel"),
                    date.fromisoformat(one(i, "Siden")),
                )
                for i in root.iterfind(f"{_M}AabneAfgoerelser/{_M}Afgoerelse")
            ),
        )
    except ValueError as error:
        raise ContractViolation(f"not a transfer manifest: {error}") from None


@dataclass(frozen=True)
class InboxEntry:
    """One object SF2900 holds for the receiving municipality."""

    transaction_id: str
    object_type: str
    object_id: uuid.UUID
    package_id: uuid.UUID | None
    """SagForslag of a DOKUMENT; a FORMULAR's own ID."""


@dataclass(frozen=True)
class ReceivedDocument:
    document_id: uuid.UUID
    package_id: uuid.UUID | None
    title: str
    letter_date: date | None
    media_type: str
    content: bytes


@dataclass(frozen=True)
class ReceivedForm:
    form_id: uuid.UUID
    sender_cvr: str
    title: str
    summary_pdf: bytes
    manifest: Manifest


class Sf2900Inbox:
    """Reads what SF2900 holds for a receiving municipality. Raises only `adapters.errors`."""

    def __init__(self, endpoint: str, *, timeout_seconds: float = 10.0) -> None:
        self._base = endpoint.rstrip("/")
        self._http = httpx.Client(timeout=timeout_seconds)

    def entries(self, cvr: str) -> list[InboxEntry]:
        response = self._get(f"/modtager/{cvr}")
        try:
            listed = response.json()
            return [
                InboxEntry(
                    transaction_id=str(e["transaction_id"]),
                    object_type=str(e["object_type"]),
                    object_id=uuid.UUID(e["id"]),
                    package_id=uuid.UUID(e["package"]) if e.get("package") else None,
                )
                for e in listed
            ]
        except (KeyError, TypeError, ValueError, RecursionError) as error:
            raise ContractViolation(f"unexpected inbox listing ({type(error).__name__})") from None

    def document(self, cvr: str, transaction_id: str) -> ReceivedDocument:
        request = self._request(cvr, transaction_id)
        found = request.find(f"{_V2}anmodning/{_V2}DistributionObject/{_V2}ObjektIndhold/")
        if found is None or found.tag != f"{_V2}DistributionDokument":
            raise ContractViolation("the object is not a DOKUMENT")
        return _document(found)

    def form(self, cvr: str, transaction_id: str) -> ReceivedForm:
        request = self._request(cvr, transaction_id)
        context = request.find(f"{_V2}anmodning/{_V2}DistributionContext")
        found = request.find(f"{_V2}anmodning/{_V2}DistributionObject/{_V2}ObjektIndhold/")
        if context is None or found is None or found.tag != f"{_V2}DistributionFormular":
            raise ContractViolation("the object is not a FORMULAR")
        message = found.find(f"{_V2}Meddelelse")
        assert message is not None  # the XSD requires it
        if message.findtext(f"{_V2}FormularType") != FORM_TYPE:
            raise ContractViolation("the form is not a transfer følgeseddel")
        form = message.find(f"{_V2}Formular")
        assert form is not None
        xml = form.find(f"{_V2}FormularXML")
        content = list(xml) if xml is not None else []
        if len(content) != 1:
            raise ContractViolation("the følgeseddel has no manifest")
        return ReceivedForm(
            form_id=uuid.UUID(found.findtext(f"{_V2}ID", "")),
            sender_cvr=context.findtext(f"{_V2}AfsendendeMyndighed", ""),
            title=form.findtext(f"{_V2}TitelTekst", ""),
            summary_pdf=_base64(form.findtext(f"{_V2}FormularIndhold", "")),
            manifest=parse_manifest(content[0]),
        )

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str) -> httpx.Response:
        try:
            response = self._http.get(self._base + path)
        except httpx.HTTPError as error:
            raise Unavailable(f"SF2900 unreachable ({type(error).__name__})") from None
        if response.status_code >= 500:
            raise Unavailable(f"SF2900 answered HTTP {response.status_code}")
        if response.status_code != 200:
            raise ContractViolation(f"SF2900 answered HTTP {response.status_code}")
        return response

    def _request(self, cvr: str, transaction_id: str) -> etree._Element:
        body = self._get(f"/modtager/{cvr}/{transaction_id}").content
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        try:
            request = etree.fromstring(body, parser)
        except etree.XMLSyntaxError:
            raise ContractViolation("the delivered object is not XML") from None
        if request.tag != schema.MODTAG_REQUEST or not schema.modtag_schema().validate(request):
            raise ContractViolation("the delivered object breaks FordelingsobjektModtagRequest")
        return request


def _document(found: etree._Element) -> ReceivedDocument:
    v = _V2
    variant = f"{v}Registrering/{v}RelationListe/{v}VariantListe/{v}Variant"
    part = found.find(f"{variant}/{v}DelAttributter")
    attributes = found.find(f"{v}Registrering/{v}AttributListe/{v}Attributter")
    if part is None or attributes is None:
        raise ContractViolation("the document has no file or no attributes")
    sag = found.findtext(f"{v}SagForslag")
    letter = attributes.findtext(f"{v}Brevdato")
    return ReceivedDocument(
        document_id=uuid.UUID(found.findtext(f"{v}ID", "")),
        package_id=uuid.UUID(sag) if sag else None,
        title=attributes.findtext(f"{v}TitelTekst", ""),
        letter_date=date.fromisoformat(letter[:10]) if letter else None,
        media_type=part.findtext(f"{v}MimeType") or "application/octet-stream",
        content=_base64(part.findtext(f"{v}Indhold", "")),
    )


def _base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ContractViolation("content is not base64") from None


def form_request(form: TransferForm, *, transaction_id: uuid.UUID) -> dict[str, Any]:
    """The zeep request for the følgeseddel (FORMULAR), routed to the receiving municipality."""
    case = form.case
    return {
        "AuthorityContext": {"MunicipalityCVR": case.municipality_cvr},
        "anmodning": {
            "DistributionContext": {
                "AnvenderTransaktionsID": str(transaction_id),
                "AfsendendeMyndighed": case.municipality_cvr,
                "RoutingMyndighed": form.manifest.receiver_cvr,
                "RoutingValg": {
                    "RoutingKLEEmneHandling": {
                        "RoutingKLEEmne": case.kle_subject,
                        "RoutingHandlingFacet": case.action_facet,
                    }
                },
                "DokumentFilNavn": f"overdragelse-{form.manifest.package_id}.pdf",
            },
            "DistributionObject": {
                "ObjektType": "FORMULAR",
                "ObjektIndhold": {
                    "DistributionFormular": {
                        "ID": str(form.manifest.package_id),
                        "KLEEmneForslag": case.kle_subject,
                        "HandlingFacetForslag": case.action_facet,
                        "Meddelelse": {
                            "FormularType": FORM_TYPE,
                            "Formular": {
                                "TitelTekst": form.title,
                                "FormatNavn": "application/pdf",
                                "FormularIndhold": form.summary_pdf,
                                "FormularXML": {"_value_1": manifest_xml(form.manifest)},
                            },
                        },
                    }
                },
            },
        },
    }
