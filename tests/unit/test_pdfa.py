"""The PDF/A-2b renderer for journalised documents: markers, embedded fonts, determinism."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, date, datetime

import pytest

from api.documents.pdfa import JournalPdf, render_pdfa, safe_text

NOTE = JournalPdf(
    kind="journalnotat",
    title="Telefonsamtale med skolen",
    case_number="901-2026-00042",
    municipality="Demo Nord Kommune",
    dated=date(2026, 1, 5),
    created_at=datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
    fields=[("Notat", "Skolen oplyser, at barnet kommer til tiden. Æ, ø og å. " * 80)],
)


def _streams(pdf: bytes) -> list[bytes]:
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            found.append(match.group(1))
    return found


def test_the_file_declares_pdfa_2b_with_an_output_intent() -> None:
    """Header 1.7 with a binary comment, XMP with pdfaid part 2 / B, sRGB output intent, ID."""
    pdf = render_pdfa(NOTE)
    assert pdf.startswith(b"%PDF-1.7\n%")
    assert pdf[9:15] and all(byte > 127 for byte in pdf[10:14])
    assert b'pdfaid:part="2"' in pdf and b'pdfaid:conformance="B"' in pdf
    assert b"/OutputIntents" in pdf and b"/GTS_PDFA1" in pdf and b"/DestOutputProfile" in pdf
    assert b"/Metadata" in pdf and b"/ID [" in pdf
    assert b"/Encrypt" not in pdf


def test_every_font_is_embedded() -> None:
    """Only the embedded DejaVu faces are used; no core (base-14) font."""
    pdf = render_pdfa(NOTE)
    assert pdf.count(b"/FontFile2") == 2
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSansBook", pdf)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSansBold", pdf)
    assert b"/Helvetica" not in pdf and b"/Times" not in pdf


def test_same_document_same_bytes() -> None:
    """Rendering again gives identical bytes (a retried send files the same file)."""
    assert render_pdfa(NOTE) == render_pdfa(NOTE)


def test_xmp_dates_are_the_documents() -> None:
    """The XMP carries the document's time, not the time of rendering, and its title."""
    xmp = next(s for s in _streams(render_pdfa(NOTE)) if b"x:xmpmeta" in s).decode()
    assert 'xmp:CreateDate="2026-01-05T09:30:00+00:00"' in xmp
    assert "Journalnotat: Telefonsamtale med skolen" in xmp


def test_long_text_flows_over_pages_with_page_numbers() -> None:
    """A long note flows over more than one page."""
    pdf = render_pdfa(NOTE)
    count = re.search(rb"/Count (\d+)", pdf)
    assert count is not None and int(count.group(1)) >= 2
    text = b"".join(_streams(pdf))
    assert text.count(b"BT") >= 4


def test_characters_the_font_lacks_become_question_marks() -> None:
    """PDF/A forbids the .notdef glyph: a CJK character becomes '?', Danish letters stay."""
    assert safe_text("Æble 漢\tø") == "Æble ? ø"


def test_naive_time_and_unknown_kind_are_refused() -> None:
    """The document's time must carry a zone; the kind must be known."""
    with pytest.raises(ValueError, match="timezone"):
        JournalPdf(**{**NOTE.__dict__, "created_at": datetime(2026, 1, 5, 9, 30)})
    with pytest.raises(ValueError, match="kind"):
        JournalPdf(**{**NOTE.__dict__, "kind": "memo"})
