"""The individual-expenditure file for Danmarks Statistik (udgifter pr. barn): per child the
year's posted expenditure per measure kind, legal basis, funktion and art, beside the event file
(`client.py`), in the same conventions and validated against its own XSD
(`contract/dst-udgifter.xsd`) before it leaves the package."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

from lxml import etree

from adapters.errors import ContractViolation
from adapters.soap import mask_cpr

NS = "https://boernesag.dk/schemas/dst/udgifter/1.0"
XSD_FILE = Path(__file__).with_name("contract") / "dst-udgifter.xsd"
_SCHEMA: etree.XMLSchema | None = None


def schema() -> etree.XMLSchema:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = etree.XMLSchema(etree.parse(str(XSD_FILE)))
    return _SCHEMA


@dataclass(frozen=True)
class Expense:
    kind: Literal["INDSATS", "ANBRINGELSE"]
    paragraph: str
    funktion: str
    art: str
    amount: Decimal


@dataclass(frozen=True)
class ChildExpenses:
    cpr: str
    expenses: tuple[Expense, ...]


@dataclass(frozen=True)
class ExpenditureDelivery:
    delivery_id: str
    municipality: str
    year: int
    created: datetime
    children: tuple[ChildExpenses, ...]


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{NS}}}{name}")
    if text is not None:
        child.text = text
    return child


def expenditure_xml(delivery: ExpenditureDelivery) -> bytes:
    """The `Udgiftslevering` file; raises ContractViolation if it breaks the XSD."""
    root = etree.Element(f"{{{NS}}}Udgiftslevering", nsmap={None: NS})
    _el(root, "LeveringID", delivery.delivery_id)
    _el(root, "Kommune", delivery.municipality)
    _el(root, "Aar", f"{delivery.year:04d}")
    _el(root, "Dannet", delivery.created.isoformat(timespec="seconds"))
    _el(root, "AntalBoern", str(len(delivery.children)))
    total = sum((e.amount for c in delivery.children for e in c.expenses), Decimal(0))
    _el(root, "Total", f"{total:.2f}")
    for child in delivery.children:
        item = _el(root, "Barn")
        _el(item, "CPR", child.cpr)
        for expense in child.expenses:
            line = _el(item, "Udgift")
            _el(line, "Foranstaltning", expense.kind)
            _el(line, "Paragraf", expense.paragraph)
            _el(line, "Funktion", expense.funktion)
            _el(line, "Art", expense.art)
            _el(line, "Beloeb", f"{expense.amount:.2f}")
    if not schema().validate(root):
        error = schema().error_log.last_error
        message = mask_cpr(error.message) if error is not None else "ukendt fejl"
        raise ContractViolation(f"udgiftsfilen overholder ikke XSD: {message}")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
