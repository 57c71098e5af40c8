"""The FK-ØKO client: one posting in, a receipt out; posted amounts read back for matching."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import httpx
from lxml import etree

from adapters.errors import AdapterError, ContractViolation, Rejected, Unavailable

NS = "https://boernesag.dk/schemas/fkoeko/1.0"
XSD_FILE = Path(__file__).with_name("contract") / "fkoeko.xsd"
CREDENTIAL_HEADER = "X-FKOEKO-Credential"
TEST_CREDENTIAL = "boernesag-test-fkoeko"  # documented: the simulator accepts only this
_SCHEMA: etree.XMLSchema | None = None


def schema() -> etree.XMLSchema:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = etree.XMLSchema(etree.parse(str(XSD_FILE)))
    return _SCHEMA


@dataclass(frozen=True)
class Kontostreng:
    funktion: str  # e.g. 5.28.21
    dranst: str  # e.g. 1
    art: str  # e.g. 4.0


@dataclass(frozen=True)
class Creditor:
    kind: Literal["CVR", "CPR"]  # CPR: a foster family, paid to their NemKonto
    number: str


@dataclass(frozen=True)
class Posting:
    posting_id: str
    target: Literal["OPUS", "PRISME"]
    municipality: str
    child_cpr: str
    service: str
    account: Kontostreng
    amount: Decimal
    posting_date: date
    period_from: date
    period_to: date
    creditor: Creditor
    text: str
    voucher: str
    grant_id: str
    approver: str
    # A person's payment (CPR creditor): A- or B-income, or untaxed expenses.
    income_type: Literal["A", "B", "SKATTEFRI"] | None = None


@dataclass(frozen=True)
class Receipt:
    posting_id: str
    posted: bool
    reference: str | None
    reason: str | None
    received_at: datetime


@dataclass(frozen=True)
class Posted:
    posting_id: str
    reference: str
    grant_id: str
    amount: Decimal
    posting_date: date
    income_type: str | None = None
    target: str | None = None  # the finance system that booked it: OPUS or PRISME


@dataclass(frozen=True)
class FkOekoSettings:
    endpoint: str
    credential: str = TEST_CREDENTIAL
    timeout_seconds: float = 10.0


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{NS}}}{name}")
    if text is not None:
        child.text = text
    return child


def posting_xml(posting: Posting) -> bytes:
    """The `Postering` document; raises ContractViolation if it breaks the XSD or holds a
    value XML cannot carry (a control character)."""
    mapped: AdapterError
    try:
        return _posting_xml(posting)
    except ValueError as error:
        mapped = ContractViolation(f"a value cannot be written as XML ({type(error).__name__})")
    raise mapped


def _posting_xml(posting: Posting) -> bytes:
    root = etree.Element(f"{{{NS}}}Postering", nsmap={None: NS})
    _el(root, "PosteringID", posting.posting_id)
    _el(root, "Maalsystem", posting.target)
    _el(root, "Kommune", posting.municipality)
    _el(root, "BarnCPR", posting.child_cpr)
    _el(root, "Ydelse", posting.service)
    account = _el(root, "Kontostreng")
    _el(account, "Funktion", posting.account.funktion)
    _el(account, "Dranst", posting.account.dranst)
    _el(account, "Art", posting.account.art)
    _el(root, "Beloeb", f"{posting.amount:.2f}")
    _el(root, "Bogfoeringsdato", posting.posting_date.isoformat())
    _el(root, "PeriodeFra", posting.period_from.isoformat())
    _el(root, "PeriodeTil", posting.period_to.isoformat())
    creditor = _el(root, "Kreditor")
    _el(creditor, posting.creditor.kind, posting.creditor.number)
    _el(root, "Tekst", posting.text)
    _el(root, "Bilagsnummer", posting.voucher)
    _el(root, "BevillingID", posting.grant_id)
    _el(root, "Godkender", posting.approver)
    if (posting.creditor.kind == "CPR") != (posting.income_type is not None):
        raise ContractViolation(
            "en udbetaling til en person (CPR) skal have en indkomstart, og kun den"
        )
    if posting.income_type is not None:
        _el(root, "Indkomstart", posting.income_type)
    if not schema().validate(root):
        raise ContractViolation(f"posteringen overholder ikke XSD: {schema().error_log.last_error}")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


OnCall = Callable[[dict[str, Any]], None]


class FkOekoClient:
    """Raises only `adapters.errors`. `on_call` hears of each call (operation and outcome),
    never of its content."""

    def __init__(self, settings: FkOekoSettings, *, on_call: OnCall | None = None) -> None:
        self.settings = settings
        self.on_call = on_call

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        outcome = "ok"
        try:
            response = httpx.request(
                method,
                self.settings.endpoint + path,
                headers={
                    CREDENTIAL_HEADER: self.settings.credential,
                    "Content-Type": "application/xml",
                },
                timeout=self.settings.timeout_seconds,
                **kwargs,
            )
        except httpx.HTTPError as exc:
            outcome = "unavailable"
            raise Unavailable(f"FK-ØKO svarer ikke: {type(exc).__name__}") from None
        finally:
            if self.on_call:
                self.on_call({"system": "fkoeko", "operation": path or "/", "outcome": outcome})
        if response.status_code >= 500:
            raise Unavailable(f"FK-ØKO svarede {response.status_code}")
        if response.status_code in (401, 403):
            raise Rejected("FK-ØKO afviste adgangen")
        return response

    def post(self, posting: Posting) -> Receipt:
        """Send one posting; the same PosteringID again gets the first receipt back."""
        response = self._request("POST", "", content=posting_xml(posting))
        if response.status_code == 409:
            raise Rejected("FK-ØKO har en anden postering med samme PosteringID")
        if response.status_code not in (200, 201):
            raise ContractViolation(f"FK-ØKO svarede uventet {response.status_code}")
        root = _parse(response.content, "Kvittering")
        find = _finder(root)
        receipt = Receipt(
            posting_id=find("PosteringID") or "",
            posted=find("Status") == "BOGFOERT",
            reference=find("Bogfoeringsnummer"),
            reason=find("Aarsag"),
            received_at=datetime.fromisoformat(find("Modtaget") or ""),
        )
        if not receipt.posted:
            raise Rejected(f"FK-ØKO afviste posteringen: {receipt.reason}")
        return receipt

    def posted(self, grant_id: str) -> list[Posted]:
        """What was posted for a grant, for matching against what we sent."""
        response = self._request("GET", "/posteringer", params={"bevilling": grant_id})
        if response.status_code != 200:
            raise ContractViolation(f"FK-ØKO svarede uventet {response.status_code}")
        root = _parse(response.content, "Posteringer")
        rows = []
        for item in root.iterfind(f"{{{NS}}}Bogfoert"):
            find = _finder(item)
            rows.append(
                Posted(
                    posting_id=find("PosteringID") or "",
                    reference=find("Bogfoeringsnummer") or "",
                    grant_id=find("BevillingID") or "",
                    amount=Decimal(find("Beloeb") or "0"),
                    posting_date=date.fromisoformat(find("Bogfoeringsdato") or ""),
                    income_type=find("Indkomstart"),
                    target=find("Maalsystem"),
                )
            )
        return rows


def _parse(content: bytes, expected: str) -> etree._Element:
    try:
        root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise ContractViolation(f"FK-ØKO svarede ikke med XML: {exc}") from None
    if root.tag != f"{{{NS}}}{expected}" or not schema().validate(root):
        raise ContractViolation(f"FK-ØKO's svar overholder ikke XSD ({expected})")
    return root


def _finder(element: etree._Element) -> Callable[[str], str | None]:
    def find(name: str) -> str | None:
        return element.findtext(f"{{{NS}}}{name}")

    return find
