"""The redaction rules of an aktindsigt export, table by table (api.cases.aktindsigt)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.cases.aktindsigt import CPR_REMOVED, NAME_REMOVED, WITHHELD, Redaction, redact
from api.cases.case_file import Reporter, SourceDocument, unredacted
from api.documents.pdf import CaseFile, document_list_lines

# Synthetic CPR numbers (day 2-28, sequence 99xx), never real people.
CHILD = "0203159912"
REQUESTER = "1408859914"
NEIGHBOUR = "2101709916"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def underretning(reporter: Reporter, concern: str = "Barnet græder om natten.") -> SourceDocument:
    return SourceDocument(
        kind="underretning",
        title="Underretning",
        at=AT,
        fields=(("Modtaget", "2026-03-02 kl. 10:00"), ("Bekymring", concern)),
        reporter=reporter,
    )


def note(text: str, at: datetime = AT, title: str = "Notat") -> SourceDocument:
    return SourceDocument(kind="notat", title=title, at=at, fields=(("Tekst", text),))


def fields_of(sources: list[SourceDocument]) -> list[tuple[str, str]]:
    (document,) = redact(sources, {REQUESTER, CHILD})
    return document.fields


@pytest.mark.parametrize(
    ("reporter", "expected"),
    [
        (
            Reporter("private", "Grete Hansen", None, "grete@example.dk"),
            [("Underretter", WITHHELD)],
        ),
        (Reporter("anonymous"), [("Underretter", WITHHELD)]),
        (
            Reporter("private", "Ole Berg", "Netto Vestergade", None),
            [("Underretter", WITHHELD)],
        ),
        (
            Reporter("professional", "Lise Holm", "Nordskolen", "lise@nordskolen.dk"),
            [("Underretter", "Fagperson"), ("Arbejdsplads", "Nordskolen")],
        ),
        (Reporter("professional", "Lise Holm", None, None), [("Underretter", "Fagperson")]),
    ],
    ids=[
        "private-reporter-removed",
        "anonymous-reporter-removed",
        "private-reporters-workplace-removed",
        "professional-organisation-kept-name-and-email-removed",
        "professional-without-organisation",
    ],
)
def test_rule_1_who_reported(reporter: Reporter, expected: list[tuple[str, str]]) -> None:
    """A private or anonymous reporter is never disclosed; a professional's workplace is."""
    fields = fields_of([underretning(reporter)])
    assert fields[0] == ("Modtaget", "2026-03-02 kl. 10:00")
    assert fields[1:-1] == expected
    assert fields[-1] == ("Bekymring", "Barnet græder om natten.")


def test_ankestyrelsen_sees_the_reporter_in_full() -> None:
    """The unredacted document (the appeal package) keeps every reporter field."""
    source = underretning(Reporter("private", "Grete Hansen", None, "grete@example.dk"))
    assert unredacted(source).fields == [
        ("Modtaget", "2026-03-02 kl. 10:00"),
        ("Underretter", "Privatperson"),
        ("Navn", "Grete Hansen"),
        ("E-mail", "grete@example.dk"),
        ("Bekymring", "Barnet græder om natten."),
    ]


@pytest.mark.parametrize(
    ("reporter", "text", "expected"),
    [
        (
            Reporter("private", "Grete Hansen"),
            "Grete Hansen ringede igen.",
            f"{NAME_REMOVED} ringede igen.",
        ),
        (
            Reporter("private", "Grete Hansen"),
            "Naboen Grete har set barnet alene. Fru Hansen bekræfter.",
            f"Naboen {NAME_REMOVED} har set barnet alene. Fru {NAME_REMOVED} bekræfter.",
        ),
        (
            Reporter("anonymous", None, "Netto Vestergade", "tip@example.dk"),
            "Set i Netto. Skrev fra tip@example.dk.",
            f"Set i {NAME_REMOVED}. Skrev fra {NAME_REMOVED}.",
        ),
        (
            Reporter("professional", "Lise Holm", "Nordskolen"),
            "Lise Holm fra Nordskolen deltog.",
            f"{NAME_REMOVED} fra Nordskolen deltog.",
        ),
        (
            Reporter("private", "Bo Ek"),
            "Barnet vil bo hos Bo Ek. Hun kan lide Bo.",
            f"Barnet vil bo hos {NAME_REMOVED}. Hun kan lide Bo.",
        ),
        (
            Reporter("private", "Grete Hansen"),
            "Gretes mor og Hansens bil.",
            "Gretes mor og Hansens bil.",
        ),
    ],
    ids=[
        "full-name",
        "name-parts",
        "private-workplace-and-email",
        "professional-name-not-organisation",
        "short-parts-and-lowercase-words-stay",
        "whole-words-only",
    ],
)
def test_rule_2_known_third_party_names(reporter: Reporter, text: str, expected: str) -> None:
    """Names from structured fields are removed wherever they appear in the file's text."""
    documents = redact([underretning(reporter), note(text, LATER)], {REQUESTER, CHILD})
    assert documents[-1].fields == [("Tekst", expected)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Naboen har CPR {NEIGHBOUR}.", f"Naboen har CPR {CPR_REMOVED}."),
        ("Naboen har CPR 210170-9916.", f"Naboen har CPR {CPR_REMOVED}."),
        (f"Mor ({REQUESTER}) ringede.", f"Mor ({REQUESTER}) ringede."),
        ("Mor (140885-9914) ringede.", "Mor (140885-9914) ringede."),
        (f"Barnet {CHILD} og naboen {NEIGHBOUR}.", f"Barnet {CHILD} og naboen {CPR_REMOVED}."),
        ("Sag 1234567890 og journal 9913999999.", "Sag 1234567890 og journal 9913999999."),
        ("Nøgle 2251799813685249 og tlf. 12345678.", "Nøgle 2251799813685249 og tlf. 12345678."),
    ],
    ids=[
        "other-cpr-masked",
        "other-cpr-with-hyphen-masked",
        "requesters-own-kept",
        "requesters-own-with-hyphen-kept",
        "childs-kept-others-masked",
        "ten-digits-without-a-date-kept",
        "engine-keys-and-phone-numbers-kept",
    ],
)
def test_rule_3_cpr_numbers_of_others(text: str, expected: str) -> None:
    """Every CPR number but the requester's and the child's is removed."""
    assert fields_of([note(text)]) == [("Tekst", expected)]


def test_a_requester_without_a_child_cpr_keeps_only_their_own() -> None:
    """An unborn child has no CPR number: only the requester's is kept."""
    redaction = Redaction.for_file([], {REQUESTER})
    assert redaction.text(f"{REQUESTER} {CHILD}") == f"{REQUESTER} {CPR_REMOVED}"


def test_rule_4_chronological_order_and_document_list_numbering() -> None:
    """Oldest first, same-moment documents by title, numbered from 1 in the list."""
    earliest = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
    sources = [
        note("c", LATER, "Partshøring"),
        note("b", AT, "Børnesamtale"),
        note("a", earliest, "Underretning"),
        note("d", AT, "Afdækning"),
    ]
    documents = redact(sources, {REQUESTER})
    assert [d.title for d in documents] == [
        "Underretning",
        "Afdækning",
        "Børnesamtale",
        "Partshøring",
    ]
    assert [d.dated for d in documents] == [
        date(2026, 1, 10),
        date(2026, 3, 2),
        date(2026, 3, 2),
        date(2026, 3, 5),
    ]
    case_file = CaseFile("901-2026-ABC123", "Aktindsigt", "x", [], documents, AT)
    assert document_list_lines(case_file) == [
        "1. 2026-01-10 Underretning",
        "2. 2026-03-02 Afdækning",
        "3. 2026-03-02 Børnesamtale",
        "4. 2026-03-05 Partshøring",
    ]


def test_names_of_one_underretning_are_removed_from_every_document() -> None:
    """A name learnt from one underretning is removed from the others and from later notes."""
    sources = [
        underretning(Reporter("private", "Grete Hansen")),
        underretning(Reporter("professional", "Lise Holm", "Nordskolen"), "Grete Hansen ved det."),
        note("Samtale med Lise Holm og Grete.", LATER),
    ]
    texts = [value for d in redact(sources, {REQUESTER}) for _, value in d.fields]
    joined = " ".join(texts)
    assert "Grete" not in joined and "Hansen" not in joined
    assert "Lise" not in joined and "Holm" not in joined
    assert "Nordskolen" in joined
