"""The appeal package to Ankestyrelsen as a PDF, and its document list."""

from __future__ import annotations

import logging
import re
import zlib
from datetime import UTC, date, datetime

import pytest
from structlog.testing import capture_logs

from api.documents.pdf import (
    AppealPackage,
    PackageDocument,
    document_list_lines,
    render_appeal_package,
)

GENERATED = datetime(2026, 2, 20, 9, 30, tzinfo=UTC)
LONG_TEXT = "Barnet trives i skolen, men fraværet er steget efter sommerferien. " * 30


def _package(documents: list[PackageDocument]) -> AppealPackage:
    return AppealPackage(
        case_number="2026-000123",
        municipality="Ærø Kommune",
        decision_title="Afgørelse om anbringelse uden for hjemmet",
        decision_date=date(2026, 2, 1),
        appeal_received=date(2026, 2, 10),
        reassessment_date=date(2026, 2, 17),
        documents=documents,
        generated_at=GENERATED,
    )


def _documents() -> list[PackageDocument]:
    return [
        PackageDocument(
            "Børnefaglig undersøgelse",
            date(2026, 1, 5),
            [("Barnets udvikling og adfærd", LONG_TEXT), ("Skoleforhold", "Går i 4. klasse")],
        ),
        PackageDocument("Partshøring", date(2026, 1, 20), [("Forældrenes svar", "Vi er uenige")]),
        PackageDocument("Børnesamtale", date(2026, 1, 22), [("Barnets ønske", "Bo hos mormor")]),
    ]


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def _page_streams(pdf: bytes) -> list[bytes]:
    """The decompressed content streams; with core fonts only, one per page, in page order."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL)
    return [zlib.decompress(s) for s in streams]


def _shown_text(stream: bytes) -> list[bytes]:
    return re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", stream)


def test_renders_a_cover_a_list_page_and_one_page_per_document() -> None:
    """A PDF with the cover, the list page and each short document on its own page."""
    pdf = render_appeal_package(_package(_documents()))
    assert pdf.startswith(b"%PDF-")
    assert _page_count(pdf) == 2 + 3
    assert len(_page_streams(pdf)) == 5


def test_danish_letters_are_drawn_in_the_fonts_encoding() -> None:
    """Æ, ø and å reach the page as their WinAnsi bytes, not as question marks."""
    pages = _page_streams(render_appeal_package(_package(_documents())))
    cover = b" ".join(_shown_text(pages[0]))
    assert b"\xc6r\xf8 Kommune" in cover
    assert b"Klagesag til Ankestyrelsen" in cover
    assert b"Afg\xf8relse om anbringelse uden for hjemmet" in cover
    assert b"B\xf8rnefaglig unders\xf8gelse" in b" ".join(_shown_text(pages[2]))


def test_characters_outside_the_font_become_question_marks() -> None:
    """An emoji or an arrow in a field is replaced, and the render does not fail."""
    document = PackageDocument("Notat", date(2026, 1, 5), [("Bemærkning", "Glad 😀 → tryg")])
    pages = _page_streams(render_appeal_package(_package([document])))
    assert b"Glad ? ? tryg" in b" ".join(_shown_text(pages[2]))


def test_a_long_field_is_wrapped_onto_several_lines() -> None:
    """A long text becomes many short lines under its label, and no word is lost."""
    shown = _shown_text(_page_streams(render_appeal_package(_package(_documents())))[2])
    start = shown.index(b"Barnets udvikling og adf\xe6rd") + 1
    lines = shown[start : shown.index(b"Skoleforhold")]
    assert len(lines) > 10
    assert all(len(line) < 120 for line in lines)
    assert b" ".join(line.strip() for line in lines) == LONG_TEXT.strip().encode("cp1252")


def test_a_field_longer_than_a_page_continues_and_every_page_is_numbered() -> None:
    """The text runs onto following pages and each footer says 'Side x af y'."""
    document = PackageDocument("Journalnotat", date(2026, 1, 5), [("Forløb", LONG_TEXT * 6)])
    pdf = render_appeal_package(_package([document]))
    total = _page_count(pdf)
    assert total > 3
    for number, page in enumerate(_page_streams(pdf), start=1):
        assert re.search(rb"\(Side %d af \) Tj \(%d\) Tj" % (number, total), page)


def test_two_renders_are_byte_identical_and_dated_by_generated_at() -> None:
    """The same package gives the same bytes, with the creation date taken from generated_at."""
    first = render_appeal_package(_package(_documents()))
    assert render_appeal_package(_package(_documents())) == first
    assert b"/CreationDate (D:20260220093000Z)" in first


def test_a_naive_generated_at_is_refused() -> None:
    """Without a time zone the creation date would depend on the machine that renders."""
    with pytest.raises(ValueError, match="timezone-aware"):
        AppealPackage(
            case_number="2026-000123",
            municipality="Ærø Kommune",
            decision_title="Afgørelse",
            decision_date=date(2026, 2, 1),
            appeal_received=date(2026, 2, 10),
            reassessment_date=None,
            documents=[],
            generated_at=datetime(2026, 2, 20, 9, 30),
        )


def test_document_list_lines_number_the_documents_in_order() -> None:
    """One line per document, numbered from 1 in the package's order, with date and title."""
    assert document_list_lines(_package(_documents())) == [
        "1. 2026-01-05 Børnefaglig undersøgelse",
        "2. 2026-01-20 Partshøring",
        "3. 2026-01-22 Børnesamtale",
    ]


def test_the_list_page_shows_the_same_lines() -> None:
    """The PDF's 'Dokumentliste' page holds exactly the letter's list lines."""
    package = _package(_documents())
    shown = _shown_text(_page_streams(render_appeal_package(package))[1])
    expected = [line.encode("cp1252") for line in document_list_lines(package)]
    assert shown[0] == b"Dokumentliste"
    assert [t for t in shown if re.match(rb"\d+\. ", t)] == expected


def test_an_empty_package_still_renders_its_cover_and_list() -> None:
    """A package without documents says so on the list page."""
    pages = _page_streams(render_appeal_package(_package([])))
    assert len(pages) == 2
    assert b"Sagen har ingen dokumenter." in _shown_text(pages[1])


def test_rendering_logs_nothing_about_the_case(caplog: pytest.LogCaptureFixture) -> None:
    """The package holds personal data: our code logs nothing, and fpdf2 only its own DEBUG
    layout figures (dropped at our INFO level), never a word of the case."""
    with caplog.at_level(logging.DEBUG), capture_logs() as logs:
        render_appeal_package(_package(_documents()))
    assert logs == []
    for record in caplog.records:
        assert record.name.startswith("fpdf") and record.levelno == logging.DEBUG
        message = record.getMessage()
        assert not any(word in message for word in ("2026-000123", "Ærø", "Barnet", "mormor"))
