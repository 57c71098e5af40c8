"""The Danmarks Statistik client: one event file (`Levering`) in, DST's `Kvittering` out.

The file is built from typed events and validated against our XSD (`contract/dst.xsd`) before
anything is sent; a stored file is validated again before it is sent a second time. Security is
a seam chosen by `DstSettings.variant`:

- `certificate` (production): system-to-system delivery on a TLS connection with the
  municipality's system certificate (OCES3, PEM with its key); DST knows the sender by it.
- `credential`: a shared sender credential in the `X-DST-Afsender` header. The simulator accepts
  only the documented `TEST_CREDENTIAL` and answers anything else 401.

Errors are the adapter vocabulary: timeout, connection failure, 5xx → Unavailable; 401/403 →
Rejected; DST's AFVIST → `DeliveryRejected` (a Rejected carrying the receipt); a file outside the
XSD, another file under a used LeveringID (409) or an answer outside the XSD → ContractViolation.
Each call is logged with CPR numbers masked and reported to `on_call` for the audit row.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import httpx
from lxml import etree

from adapters.errors import AdapterError, ContractViolation, Rejected, Unavailable
from adapters.rest import HttpAudit
from adapters.soap import OnCall, mask_cpr

NS = "https://boernesag.dk/schemas/dst/1.0"
XSD_FILE = Path(__file__).with_name("contract") / "dst.xsd"
CREDENTIAL_HEADER = "X-DST-Afsender"
TEST_CREDENTIAL = "boernesag-test-dst"  # documented: the simulator accepts only this
OPERATION = "Levering"
_SCHEMA: etree.XMLSchema | None = None

Subject = Literal["UNDERRETNING", "INDSATS", "ANBRINGELSE"]
Kind = Literal["START", "AENDRING", "SLUT"]


def schema() -> etree.XMLSchema:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = etree.XMLSchema(etree.parse(str(XSD_FILE)))
    return _SCHEMA


@dataclass(frozen=True)
class ReportEvent:
    """One event as DST gets it. `reporter` and `reasons` for an underretning; `paragraph`,
    `placement_type` and `reason` (of a change or an end) for an indsats or anbringelse."""

    event_id: str
    course_id: str
    subject: Subject
    kind: Kind
    on: date
    child_cpr: str
    code_list_version: str
    unborn: bool = False
    reporter: str | None = None
    reasons: tuple[str, ...] = ()
    paragraph: str | None = None
    placement_type: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    municipality: str
    created: datetime
    events: tuple[ReportEvent, ...]


@dataclass(frozen=True)
class Receipt:
    delivery_id: str
    accepted: bool
    event_count: int
    errors: tuple[str, ...]
    received_at: datetime


class DeliveryRejected(Rejected):
    """DST understood the file and refused it; the receipt says why."""

    def __init__(self, receipt: Receipt) -> None:
        super().__init__("DST afviste leveringen: " + "; ".join(receipt.errors))
        self.receipt = receipt


@dataclass(frozen=True)
class DstSettings:
    endpoint: str
    """DST's reception, or the simulator's `http://127.0.0.1:8100/dst`."""
    variant: Literal["certificate", "credential"] = "credential"
    credential: str = TEST_CREDENTIAL
    client_certificate: str | None = None
    """PEM with the municipality's system certificate and key (certificate variant)."""
    timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.variant not in ("certificate", "credential"):
            raise ValueError(f"unknown DST security variant {self.variant!r}")
        if self.variant == "certificate" and not self.client_certificate:
            raise ValueError("the certificate variant needs the system certificate (PEM)")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{NS}}}{name}")
    if text is not None:
        child.text = text
    return child


def _event(root: etree._Element, event: ReportEvent) -> None:
    item = _el(root, "Haendelse")
    _el(item, "HaendelseID", event.event_id)
    _el(item, "ForloebID", event.course_id)
    _el(item, "Emne", event.subject)
    _el(item, "Type", event.kind)
    _el(item, "Dato", event.on.isoformat())
    _el(_el(item, "Barn"), "UfoedtMorCPR" if event.unborn else "CPR", event.child_cpr)
    _el(item, "Kodelisteversion", event.code_list_version)
    if event.subject == "UNDERRETNING":
        part = _el(item, "Underretning")
        _el(part, "Underretter", event.reporter or "")
        for reason in event.reasons:
            _el(part, "Aarsag", reason)
        return
    part = _el(item, "Foranstaltning")
    _el(part, "Paragraf", event.paragraph or "")
    if event.placement_type:
        _el(part, "Anbringelsessted", event.placement_type)
    if event.reason:
        _el(part, "Aarsag", event.reason)


def delivery_xml(delivery: Delivery) -> bytes:
    """The `Levering` file; raises ContractViolation if it breaks the XSD."""
    root = etree.Element(f"{{{NS}}}Levering", nsmap={None: NS})
    _el(root, "LeveringID", delivery.delivery_id)
    _el(root, "Kommune", delivery.municipality)
    _el(root, "Dannet", delivery.created.isoformat(timespec="seconds"))
    for event in delivery.events:
        _event(root, event)
    _check(root, "leveringen")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _check(root: etree._Element, what: str) -> None:
    if not schema().validate(root):
        error = schema().error_log.last_error
        message = mask_cpr(error.message) if error is not None else "ukendt fejl"
        raise ContractViolation(f"{what} overholder ikke XSD: {message}")


def _parse(content: bytes, expected: str) -> etree._Element:
    try:
        root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise ContractViolation(f"ikke XML ({expected}): {exc}") from None
    if root.tag != f"{{{NS}}}{expected}":
        raise ContractViolation(f"ikke en {expected}")
    return root


class DstClient:
    """Raises only `adapters.errors`."""

    def __init__(
        self,
        settings: DstSettings,
        *,
        on_call: OnCall | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._audit = HttpAudit("dst", on_call)
        verify: ssl.SSLContext | bool = True
        if settings.variant == "certificate" and settings.client_certificate:
            verify = ssl.create_default_context()
            verify.load_cert_chain(settings.client_certificate)
        self._http = httpx.Client(
            timeout=settings.timeout_seconds,
            verify=verify,
            transport=transport,
            event_hooks=self._audit.event_hooks(),
        )

    def deliver(self, delivery: Delivery) -> Receipt:
        return self.send(delivery_xml(delivery))

    def send(self, content: bytes) -> Receipt:
        """Send a file (again): the same LeveringID with the same content gets DST's first
        receipt back, so a retry never reports twice. Raises DeliveryRejected on AFVIST."""
        with self._audit.audited(OPERATION):
            _check(_parse(content, "Levering"), "leveringen")
            response = self._post(content)
            receipt = _receipt(response.content)
            if not receipt.accepted:
                raise DeliveryRejected(receipt)
            return receipt

    def close(self) -> None:
        self._http.close()

    def _post(self, content: bytes) -> httpx.Response:
        headers = {"Content-Type": "application/xml; charset=utf-8"}
        if self._settings.variant == "credential":
            headers[CREDENTIAL_HEADER] = self._settings.credential
        mapped: AdapterError
        try:
            response = self._http.post(self._settings.endpoint, content=content, headers=headers)
        except httpx.HTTPError as error:
            mapped = Unavailable(f"DST svarer ikke ({type(error).__name__})")
        else:
            if response.status_code in (200, 201):
                return response
            if response.status_code >= 500:
                mapped = Unavailable(f"DST svarede {response.status_code}")
            elif response.status_code in (401, 403):
                mapped = Rejected("DST afviste afsenderen")
            elif response.status_code == 409:
                mapped = ContractViolation("DST har en anden levering med samme LeveringID")
            else:
                mapped = ContractViolation(f"DST svarede uventet {response.status_code}")
        # Raised outside the except block, so the raw error is not attached as __context__.
        raise mapped


def _fault_text(fault: etree._Element) -> str:
    """DST's reason, prefixed by the event it is about (if any)."""
    event = fault.findtext(f"{{{NS}}}HaendelseID")
    text = fault.findtext(f"{{{NS}}}Tekst") or ""
    return f"{event}: {text}" if event else text


def _receipt(content: bytes) -> Receipt:
    root = _parse(content, "Kvittering")
    _check(root, "DST's kvittering")

    def find(name: str) -> str:
        return root.findtext(f"{{{NS}}}{name}") or ""

    errors = tuple(_fault_text(item) for item in root.iterfind(f"{{{NS}}}Fejl"))
    return Receipt(
        delivery_id=find("LeveringID"),
        accepted=find("Status") == "GODKENDT",
        event_count=int(find("AntalHaendelser")),
        errors=errors,
        received_at=datetime.fromisoformat(find("Modtaget")),
    )
