"""The appeal package to Ankestyrelsen as one PDF: a cover, the document list, then each document.

A pure function of its input: no database, no clock and no logging, because the package holds
the case's personal data. The same package gives the same bytes, so a retried send attaches an
identical file.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from api.calendar.working_days import COPENHAGEN

# The core fonts are declared WinAnsiEncoding in the PDF, so cp1252 renders æøå and also the
# dashes and quotes that text pasted from Word brings along; anything else becomes "?".
_ENCODING = "cp1252"
_FONT = "Helvetica"
_MARGIN = 20.0
_LINE = 5.5
_LABEL_WIDTH = 50.0


@dataclass(frozen=True)
class PackageDocument:
    """One submitted case document: its Danish title, its date and its (label, text) fields."""

    title: str
    dated: date
    fields: list[tuple[str, str]]


@dataclass(frozen=True)
class AppealPackage:
    """What Ankestyrelsen receives for an appeal: the decision, its dates and the case documents."""

    case_number: str
    municipality: str
    decision_title: str
    decision_date: date
    appeal_received: date
    reassessment_date: date | None
    documents: list[PackageDocument]
    generated_at: datetime

    def __post_init__(self) -> None:
        if self.generated_at.utcoffset() is None:
            raise ValueError(
                "generated_at must be timezone-aware, got the naive datetime "
                f"{self.generated_at.isoformat()}"
            )


def document_list_lines(package: AppealPackage) -> list[str]:
    """The numbered document list, one line per document: '1. 2026-01-05 Børnefaglig ...'."""
    return [
        f"{number}. {document.dated.isoformat()} {document.title}"
        for number, document in enumerate(package.documents, start=1)
    ]


def render_appeal_package(package: AppealPackage) -> bytes:
    """The package as an A4 PDF with 'Side x af y' on every page."""
    pdf = _PackagePdf(package.case_number)
    pdf.set_title(_safe(f"Klagesag til Ankestyrelsen, sag {package.case_number}"))
    pdf.set_lang("da")
    pdf.set_creator("Børnesag")
    pdf.set_creation_date(package.generated_at)
    _cover(pdf, package)
    _document_list(pdf, package)
    for number, document in enumerate(package.documents, start=1):
        _document(pdf, number, document)
    return bytes(pdf.output())


class _PackagePdf(FPDF):
    def __init__(self, case_number: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = _ENCODING
        self.case_number = _safe(case_number)
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_MARGIN)
        self.alias_nb_pages()

    def footer(self) -> None:
        # Pages printed and split up at Ankestyrelsen still say which case they belong to.
        self.set_y(-_MARGIN + 5)
        self.set_font(_FONT, size=8)
        self.cell(0, 5, f"Klagesag {self.case_number}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Side {self.page_no()} af {{nb}}", align="R")


def _safe(text: str) -> str:
    """Text the core fonts can draw: composed æøå, plain line breaks, never an encoding error."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(" " if unicodedata.category(c) == "Cc" and c != "\n" else c for c in text)
    return text.encode(_ENCODING, errors="replace").decode(_ENCODING)


def _heading(pdf: FPDF, text: str, size: float) -> None:
    pdf.set_font(_FONT, style="B", size=size)
    pdf.multi_cell(0, size * 0.5, _safe(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _paragraph(pdf: FPDF, text: str, *, bold: bool = False) -> None:
    pdf.set_font(_FONT, style="B" if bold else "", size=11)
    pdf.multi_cell(0, _LINE, _safe(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _cover(pdf: FPDF, package: AppealPackage) -> None:
    pdf.add_page()
    _heading(pdf, "Klagesag til Ankestyrelsen", 20)
    generated = package.generated_at.astimezone(COPENHAGEN)
    rows = [
        ("Sagsnummer", package.case_number),
        ("Kommune", package.municipality),
        ("Afgørelse", package.decision_title),
        ("Afgørelsesdato", package.decision_date.isoformat()),
        ("Klage modtaget", package.appeal_received.isoformat()),
        (
            "Genvurdering",
            package.reassessment_date.isoformat()
            if package.reassessment_date
            else "Ingen genvurdering",
        ),
        ("Antal dokumenter", str(len(package.documents))),
        ("Dannet", generated.strftime("%Y-%m-%d kl. %H:%M")),
    ]
    for label, value in rows:
        pdf.set_font(_FONT, style="B", size=11)
        pdf.cell(_LABEL_WIDTH, _LINE, _safe(label))
        pdf.set_font(_FONT, size=11)
        pdf.multi_cell(0, _LINE, _safe(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)


def _document_list(pdf: FPDF, package: AppealPackage) -> None:
    pdf.add_page()
    _heading(pdf, "Dokumentliste", 16)
    lines = document_list_lines(package)
    if not lines:
        _paragraph(pdf, "Sagen har ingen dokumenter.")
    for line in lines:
        _paragraph(pdf, line)
        pdf.ln(1)


def _document(pdf: FPDF, number: int, document: PackageDocument) -> None:
    pdf.add_page()
    _heading(pdf, f"Dokument {number}: {document.title}", 14)
    _paragraph(pdf, f"Dato: {document.dated.isoformat()}")
    pdf.ln(3)
    for label, text in document.fields:
        # A label is never left alone at the foot of a page, away from its text.
        if pdf.will_page_break(3 * _LINE):
            pdf.add_page()
        _paragraph(pdf, label, bold=True)
        _paragraph(pdf, text if text.strip() else "(ikke udfyldt)")
        pdf.ln(3)
