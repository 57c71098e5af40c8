"""The demo kontostreng configuration against the kontoplan the SF1510 simulator serves and
against our FK-ØKO contract."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from adapters.fkoeko import Kontostreng
from adapters.fkoeko.client import posting_xml
from api.finance import kontostreng
from tests.adapters.test_fkoeko import POSTING

KLASSIFIKATION = Path(__file__).parents[2] / "adapters" / "sf1510" / "klassifikation.toml"


def _keys(facet: str) -> set[str]:
    data = tomllib.loads(KLASSIFIKATION.read_text())
    return {c["key"] for c in data["classes"] if c.get("facet") == facet}


def test_every_demo_rule_books_under_a_loaded_funktion_and_art() -> None:
    funktioner, arter = _keys("funktion"), _keys("art")
    for _, _, funktion, _, art in kontostreng.demo_rules():
        assert funktion in funktioner and art in arter


def test_every_indsats_type_has_a_rule_and_foster_care_pays_a_person() -> None:
    rules = {(i, p): (f, a) for i, p, f, _, a in kontostreng.demo_rules()}
    for kind in kontostreng.INDSATS_TYPES.values():
        for indsats_type in kind:
            assert any(i == indsats_type for i, _ in rules)
    assert rules[("plejefamilie", "plejefamilie")] == ("5.28.22", "5.2")
    assert rules[("kontaktperson", "privat")] == ("5.28.21", "4.9")
    assert rules[("opholdssted", "privat")] == ("5.28.20", "4.9")
    assert ("plejefamilie", "privat") not in rules


@pytest.mark.parametrize("rule", kontostreng.demo_rules())
def test_every_demo_kontostreng_fits_the_posting_contract(
    rule: tuple[str, str, str, str, str],
) -> None:
    _, _, funktion, dranst, art = rule
    posting = dataclasses.replace(POSTING, account=Kontostreng(funktion, dranst, art))
    assert b"<Funktion>" + funktion.encode() in posting_xml(posting)


def test_a_missing_combination_says_which_in_danish() -> None:
    error = kontostreng.KontostrengMissing("901", "plejefamilie", "privat")
    assert "Kommune 901 har ingen kontostreng" in str(error)
    assert "'plejefamilie'" in error.detail and "'privat'" in error.detail
