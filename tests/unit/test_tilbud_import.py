"""The catalogue file's checks (api/tilbud/importer.py): the sample is clean and synthetic; a
bad row is reported by line and field and keeps none of itself, the good rows all stay."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from api.finance.grants import GrantInvalid, from_decision
from api.tilbud import geo, importer, service

HEADER = {"kind": "header", "format": importer.FORMAT, "synthetic": True}
PROVIDER = {"kind": "provider", "cvr": "99900011", "name": "Udbyder (syntetisk)", "type": "privat"}
OFFER = {
    "kind": "offer",
    "id": "SYN-1",
    "provider_cvr": "99900011",
    "p_number": "9990000011",
    "name": "Opholdsstedet (syntetisk)",
    "type": "opholdssted",
    "target_groups": ["omsorgssvigt"],
    "methods": ["krap"],
    "places": 6,
    "vacancies": 2,
    "takster": [{"name": "Døgntakst", "amount": 2450, "unit": "doegn"}],
    "tilsyn_status": "godkendt",
    "postcode": "8000",
    "city": "Aarhus C",
    "coordinates": {"lat": 56.16, "lon": 10.2},
}


def lines(*records: dict[str, Any] | str) -> list[str]:
    return [r if isinstance(r, str) else json.dumps(r) for r in records]


def offer(**changes: Any) -> dict[str, Any]:
    return {**OFFER, **changes}


def test_the_sample_is_synthetic_and_imports_without_a_problem() -> None:
    """Every row of the shipped sample is good, and the file says it is synthetic."""
    text = importer.SAMPLE.read_text(encoding="utf-8").splitlines()
    assert json.loads(text[0])["synthetic"] is True
    parsed = importer.parse(text)
    assert parsed.problems == []
    assert len(parsed.providers) >= 10 and len(parsed.offers) >= 20
    assert all("syntetisk" in o["name"] for o in parsed.offers)
    assert {o["offer_type"] for o in parsed.offers} >= {"opholdssted", "familiebehandling"}


def test_a_good_offer_is_read_with_its_first_takst_as_price() -> None:
    parsed = importer.parse(lines(HEADER, PROVIDER, offer(takster=[
        {"name": "Døgntakst", "amount": "2450.5", "unit": "doegn"},
        {"name": "Tillæg", "amount": 300, "unit": "doegn"},
    ])))  # fmt: skip
    assert parsed.problems == []
    (found,) = parsed.offers
    assert found["price"] == Decimal("2450.50") and found["price_unit"] == "doegn"
    assert found["takster"][1] == {"name": "Tillæg", "amount": "300.00", "unit": "doegn"}
    assert found["latitude"] == Decimal("56.16")


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"provider_cvr": "1234"}, "provider_cvr", "forkert format"),
        ({"provider_cvr": "99999999"}, "provider_cvr", "findes hverken i filen"),
        ({"type": "plejefamilie"}, "type", "ukendt kode"),
        ({"target_groups": ["omsorgssvigt", "rocker"]}, "target_groups", "rocker"),
        ({"methods": []}, "methods", "mindst én kode"),
        ({"places": -1}, "places", "helt tal"),
        ({"vacancies": 9}, "vacancies", "flere end"),
        ({"takster": [{"name": "Døgn", "amount": "mange", "unit": "doegn"}]},
         "takster[0].amount", "et tal"),
        ({"takster": [{"name": "Døgn", "amount": 100, "unit": "time"}]},
         "takster[0].unit", "enheden"),
        ({"tilsyn_status": "lukket"}, "tilsyn_status", "ukendt kode"),
        ({"coordinates": {"lat": 10.2, "lon": 56.1}}, "coordinates.lat", "ikke i Danmark"),
        ({"coordinates": None}, "coordinates", "lat og lon"),
        ({"name": ""}, "name", "mangler"),
        ({"p_number": "12"}, "p_number", "forkert format"),
    ],
)  # fmt: skip
def test_a_bad_row_names_its_line_and_field_and_the_good_rows_stay(
    bad: dict[str, Any], field: str, words: str
) -> None:
    parsed = importer.parse(
        lines(HEADER, PROVIDER, offer(id="SYN-1"), offer(id="SYN-2", **bad), offer(id="SYN-3"))
    )
    assert [o["portal_id"] for o in parsed.offers] == ["SYN-1", "SYN-3"]
    assert any(p.line == 4 and p.field == field for p in parsed.problems), parsed.problems
    assert words in " ".join(str(p) for p in parsed.problems)
    assert all(p.line == 4 for p in parsed.problems)


def test_broken_json_duplicates_and_bad_providers_are_reported_by_line() -> None:
    parsed = importer.parse(
        lines(
            HEADER,
            PROVIDER,
            {**PROVIDER, "name": "Igen"},
            {"kind": "provider", "cvr": "99900022", "name": "X", "type": "plejefamilie"},
            "{not json",
            offer(),
            offer(name="Samme id"),
            offer(id="SYN-4", provider_cvr="99900022"),
            {"kind": "noget"},
        )
    )
    where = {(p.line, p.field) for p in parsed.problems}
    assert where == {(3, "cvr"), (4, "type"), (5, "-"), (7, "id"), (8, "provider_cvr"), (9, "kind")}
    assert [o["portal_id"] for o in parsed.offers] == ["SYN-1"]
    assert parsed.providers["99900011"]["name"] == "Udbyder (syntetisk)"


def test_an_offer_may_name_a_provider_already_in_the_catalogue() -> None:
    parsed = importer.parse(lines(HEADER, offer(provider_cvr="99900099")), ["99900099"])
    assert parsed.problems == [] and len(parsed.offers) == 1


@pytest.mark.parametrize("first", [PROVIDER, {**HEADER, "format": "tilbudsportalen/2"}])
def test_a_file_without_the_header_is_refused_whole(first: dict[str, Any]) -> None:
    parsed = importer.parse(lines(first, PROVIDER, offer()))
    assert parsed.offers == [] and parsed.providers == {}
    assert parsed.problems[0].line == 1


def test_ids_are_stable_so_a_reimport_updates_the_same_offer() -> None:
    assert importer.offer_id("SYN-1") == importer.offer_id("SYN-1")
    assert importer.offer_id("SYN-1") != importer.offer_id("SYN-2")


def test_distances_and_the_childs_position() -> None:
    """Aarhus-Aalborg is about 100 km; a protected address never gives its postcode."""
    aarhus, aalborg = geo.POSTCODES["8000"], geo.POSTCODES["9000"]
    assert 95 < geo.distance_km(aarhus, aalborg) < 105
    assert geo.origin("8000", "901", protected=False) == geo.Origin(*aarhus, "postnummer 8000")
    assert geo.origin("8000", "901", protected=True).basis == "kommunens centrum"  # type: ignore[union-attr]
    assert geo.origin("1234", "902", protected=False).basis == "kommunens centrum"  # type: ignore[union-attr]
    assert geo.origin(None, "999", protected=False) is None


def test_prices_in_different_units_compare_per_month() -> None:
    assert service.monthly(Decimal("12500"), "maaned") == Decimal("12500")
    assert service.monthly(Decimal("1000"), "doegn") == Decimal("30438")
    assert service.monthly(Decimal("700"), "uge") == Decimal("3044")


def test_the_decision_carries_the_chosen_offer_into_the_grant() -> None:
    data = {
        "indsats_type": "kontaktperson",
        "provider_type": "privat",
        "provider_name": "Kontaktperson Vest (syntetisk)",
        "provider_cvr": "99900055",
        "price": 12500,
        "price_unit": "maaned",
        "grant_expected_end": "2027-12-31",
        "tilbud_id": str(importer.offer_id("SYN-1007")),
    }
    (grant,) = from_decision(data, "indsats", date(2026, 12, 1))
    assert grant.tilbud_id == importer.offer_id("SYN-1007")
    with pytest.raises(GrantInvalid) as refused:
        from_decision({**data, "tilbud_id": "ikke-et-id"}, "indsats", date(2026, 12, 1))
    assert "tilbud_id" in refused.value.fields


def test_the_command_refuses_a_missing_file_before_touching_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2 and a Danish message for no file, an unreadable file or a wrong call."""
    assert importer.main([str(tmp_path / "findes-ikke.jsonl")]) == 2
    assert "kan ikke læses" in capsys.readouterr().err
    assert importer.main([]) == 2
    assert "brug: python -m api.tilbud.importer FIL" in capsys.readouterr().err
