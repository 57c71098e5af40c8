"""A case file as one PDF: a cover, the document list, then each document.

Two readers get the same layout: Ankestyrelsen (the appeal package, unredacted) and a requester
of aktindsigt (redacted before it gets here). Only the cover differs.

A pure function of its input: no database, no clock and no logging, because the file holds
the case's personal data. The same input gives the same bytes, so a retried send attaches an
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
    """One case document: its Danish title, its date and its (label, text) fields."""

    title: str
    dated: date
    fields: list[tuple[str, str]]


def _require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError(
            f"generated_at must be timezone-aware, got the naive datetime {moment.isoformat()}"
        )


@dataclass(frozen=True)
class CaseFile:
    """What is rendered: the cover's heading and (label, value) rows, the footer's label (each
    page names its case) and the documents in the order they are listed."""

    case_number: str
    heading: str
    footer: str
    cover: list[tuple[str, str]]
    documents: list[PackageDocument]
    generated_at: datetime

    def __post_init__(self) -> None:
        _require_aware(self.generated_at)


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
        _require_aware(self.generated_at)

    def case_file(self) -> CaseFile:
        generated = self.generated_at.astimezone(COPENHAGEN)
        reassessed = self.reassessment_date
        return CaseFile(
            case_number=self.case_number,
            heading="Klagesag til Ankestyrelsen",
            footer=f"Klagesag {self.case_number}",
            cover=[
                ("Sagsnummer", self.case_number),
                ("Kommune", self.municipality),
                ("Afgørelse", self.decision_title),
                ("Afgørelsesdato", self.decision_date.isoformat()),
                ("Klage modtaget", self.appeal_received.isoformat()),
                ("Genvurdering", reassessed.isoformat() if reassessed else "Ingen genvurdering"),
                ("Antal dokumenter", str(len(self.documents))),
                ("Dannet", generated.strftime("%Y-%m-%d kl. %H:%M")),
            ],
            documents=self.documents,
            generated_at=self.generated_at,
        )


def document_list_lines(case_file: CaseFile | AppealPackage) -> list[str]:
    """The numbered document list, one line per document: '1. 2026-01-05 Børnefaglig ...'."""
    return [
        f"{number}. {document.dated.isoformat()} {document.title}"
        for number, document in enumerate(case_file.documents, start=1)
    ]


def render_case_file(case_file: CaseFile) -> bytes:
    """The case file as an A4 PDF with 'Side x af y' on every page."""
    pdf = _CaseFilePdf(case_file.footer)
    pdf.set_title(_safe(f"{case_file.heading}, sag {case_file.case_number}"))
    pdf.set_lang("da")
    pdf.set_creator("Børnesag")
    pdf.set_creation_date(case_file.generated_at)
    _cover(pdf, case_file)
    _document_list(pdf, case_file)
    for number, document in enumerate(case_file.documents, start=1):
        _document(pdf, number, document)
    return bytes(pdf.output())


def render_appeal_package(package: AppealPackage) -> bytes:
    """The appeal package: the case file under Ankestyrelsen's cover."""
    return render_case_file(package.case_file())


class _CaseFilePdf(FPDF):
    def __init__(self, footer: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = _ENCODING
        self.footer_label = _safe(footer)
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_MARGIN)
        self.alias_nb_pages()

    def footer(self) -> None:
        # Pages printed and split up by the reader still say which case they belong to.
        self.set_y(-_MARGIN + 5)
        self.set_font(_FONT, size=8)
        self.cell(0, 5, self.footer_label, align="L")
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


def _cover(pdf: FPDF, case_file: CaseFile) -> None:
    pdf.add_page()
    _heading(pdf, case_file.heading, 20)
    for label, value in case_file.cover:
        pdf.set_font(_FONT, style="B", size=11)
        pdf.cell(_LABEL_WIDTH, _LINE, _safe(label))
        pdf.set_font(_FONT, size=11)
        pdf.multi_cell(0, _LINE, _safe(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)


def _document_list(pdf: FPDF, case_file: CaseFile) -> None:
    pdf.add_page()
    _heading(pdf, "Dokumentliste", 16)
    lines = document_list_lines(case_file)
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
