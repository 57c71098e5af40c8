"""One case document as a PDF/A-2b file for the municipality's ESDH: a decision, an ICS document
(a submitted form), a letter or a journal note.

Archives want PDF/A: every font embedded, colours tied to an output intent, and metadata a machine
can read. fpdf2 does the heavy lifting with `enforce_compliance="PDF/A-2B"`: it refuses the core
fonts and encryption, embeds the sRGB ICC profile as the output intent and writes the file ID.
We embed DejaVu Sans (Debian's fonts-dejavu-core) and write the XMP ourselves, so that the same
document gives the same bytes (fpdf2's own XMP stamps the time of rendering).

A pure function of its input: no database, no clock and no logging, since the file holds the
case's personal data.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from html import escape
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from api.calendar.working_days import COPENHAGEN

PDFA_PART = 2
PDFA_CONFORMANCE = "B"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_REGULAR = "DejaVuSans.ttf"
_BOLD = "DejaVuSans-Bold.ttf"
_FAMILY = "DejaVu"
_MARGIN = 20.0
_LINE = 5.5
_LABEL_WIDTH = 45.0
PRODUCER = "Børnesag (fpdf2)"

KIND_LABELS = {
    "afgoerelse": "Afgørelse",
    "ics": "Dokument",
    "brev": "Brev",
    "journalnotat": "Journalnotat",
    "overdragelse": "Overdragelse",
}


@dataclass(frozen=True)
class JournalPdf:
    """What is rendered: kind, title, dates, the case, and the (label, text) fields."""

    kind: str
    title: str
    case_number: str
    municipality: str
    dated: date
    created_at: datetime
    fields: list[tuple[str, str]]

    def __post_init__(self) -> None:
        if self.kind not in KIND_LABELS:
            raise ValueError(f"unknown document kind {self.kind!r}")
        if self.created_at.utcoffset() is None:
            raise ValueError("created_at must be timezone-aware")


def font_paths() -> tuple[Path, Path]:
    """DejaVu Sans regular and bold; a clear error if the Debian package is missing."""
    regular, bold = FONT_DIR / _REGULAR, FONT_DIR / _BOLD
    for path in (regular, bold):
        if not path.is_file():
            raise RuntimeError(
                f"{path} is missing: install the Debian package fonts-dejavu-core "
                "(infra/system-packages.sh)"
            )
    return regular, bold


@cache
def _drawable() -> frozenset[int]:
    """Code points both faces can draw: PDF/A forbids referring to the .notdef glyph."""
    points: set[int] | None = None
    for path in font_paths():
        with TTFont(str(path), lazy=True) as font:
            mapped = set(font.getBestCmap())
        points = mapped if points is None else points & mapped
    return frozenset(points or ())


def safe_text(text: str) -> str:
    """Composed characters, plain line breaks, and '?' for anything the font cannot draw."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    drawable = _drawable()
    out = []
    for char in text:
        if char == "\n":
            out.append(char)
        elif unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}:
            out.append(" ")
        else:
            out.append(char if ord(char) in drawable else "?")
    return "".join(out)


def render_pdfa(document: JournalPdf) -> bytes:
    """The document as an A4 PDF/A-2b with 'Side x af y' and the case on every page."""
    pdf = _JournalPdf(safe_text(f"Sag {document.case_number} · {document.title}"))
    title = safe_text(f"{KIND_LABELS[document.kind]}: {document.title}")
    pdf.set_title(title)
    pdf.set_lang("da")
    pdf.set_creator("Børnesag")
    pdf.set_producer(PRODUCER)
    pdf.set_creation_date(document.created_at)
    pdf.set_xmp_metadata(_xmp(title, document.created_at))
    pdf.add_page()
    _heading(pdf, title, 16)
    created = document.created_at.astimezone(COPENHAGEN)
    for label, value in (
        ("Kommune", document.municipality),
        ("Sagsnummer", document.case_number),
        ("Dato", document.dated.isoformat()),
        ("Journaliseret", created.strftime("%Y-%m-%d kl. %H:%M")),
    ):
        pdf.set_font(_FAMILY, style="B", size=10)
        pdf.cell(_LABEL_WIDTH, _LINE, safe_text(label))
        pdf.set_font(_FAMILY, size=10)
        pdf.multi_cell(0, _LINE, safe_text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    for label, text in document.fields:
        # A label is never left alone at the foot of a page, away from its text.
        if pdf.will_page_break(3 * _LINE):
            pdf.add_page()
        _paragraph(pdf, label, bold=True)
        _paragraph(pdf, text if text.strip() else "(ikke udfyldt)")
        pdf.ln(3)
    return bytes(pdf.output())


class _JournalPdf(FPDF):
    def __init__(self, footer: str) -> None:
        super().__init__(
            orientation="portrait",
            unit="mm",
            format="A4",
            enforce_compliance=f"PDF/A-{PDFA_PART}{PDFA_CONFORMANCE}",
        )
        regular, bold = font_paths()
        self.add_font(_FAMILY, style="", fname=str(regular))
        self.add_font(_FAMILY, style="B", fname=str(bold))
        self.footer_label = footer
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_MARGIN)
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-_MARGIN + 5)
        self.set_font(_FAMILY, size=8)
        self.cell(0, 5, self.footer_label, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Side {self.page_no()} af {{nb}}", align="R")


def _heading(pdf: FPDF, text: str, size: float) -> None:
    pdf.set_font(_FAMILY, style="B", size=size)
    pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _paragraph(pdf: FPDF, text: str, *, bold: bool = False) -> None:
    pdf.set_font(_FAMILY, style="B" if bold else "", size=11)
    pdf.multi_cell(0, _LINE, safe_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _xmp(title: str, created_at: datetime) -> str:
    """XMP with the PDF/A identification and fixed dates (the document's, not the render's)."""
    moment = created_at.astimezone(UTC).isoformat(timespec="seconds")
    attribute = {"quote": True}
    return "\n".join(
        [
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
            '  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
            '    <rdf:Description rdf:about=""',
            '        xmlns:dc="http://purl.org/dc/elements/1.1/"',
            '        xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
            '        xmlns:pdf="http://ns.adobe.com/pdf/1.3/"',
            '        xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"',
            '        xmp:CreatorTool="Børnesag"',
            f'        xmp:CreateDate="{moment}"',
            f'        xmp:ModifyDate="{moment}"',
            f'        xmp:MetadataDate="{moment}"',
            f'        pdf:Producer="{escape(PRODUCER, **attribute)}"',
            f'        pdfaid:part="{PDFA_PART}"',
            f'        pdfaid:conformance="{PDFA_CONFORMANCE}">',
            "      <dc:format>application/pdf</dc:format>",
            "      <dc:title><rdf:Alt>",
            f'        <rdf:li xml:lang="x-default">{escape(title)}</rdf:li>',
            "      </rdf:Alt></dc:title>",
            "      <dc:language><rdf:Bag><rdf:li>da</rdf:li></rdf:Bag></dc:language>",
            "    </rdf:Description>",
            "  </rdf:RDF>",
            "</x:xmpmeta>",
        ]
    )
