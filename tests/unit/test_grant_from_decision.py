"""The grants a decision's form asks for, and the clear refusals of incomplete grant data."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from api import clock
from api.finance.checks import decision_form
from api.finance.grants import FIELDS, GrantInvalid, from_decision
from api.forms.validation import validate
from api.testdata.cpr import synthetic_cpr

START = date(2026, 11, 23)
SUPPORT = {
    "decision": "grant",
    "legal_basis": "BL § 32, stk. 1, nr. 3",
    "indsats_type": "kontaktperson",
    "provider_type": "privat",
    "provider_name": "Kontaktpersonordningen ApS (syntetisk)",
    "provider_cvr": "29100001",
    "price": 12500,
    "price_unit": "maaned",
    "grant_expected_end": "2027-11-22",
}
FOSTER = {
    **SUPPORT,
    "indsats_type": "plejefamilie",
    "provider_type": "plejefamilie",
    "provider_name": "Plejefamilien (syntetisk)",
    "provider_cvr": "",
    "provider_cpr": synthetic_cpr("foster-parent", birth_date=date(1980, 1, 2)),
    "price": 27000.5,
    "foster_income": "B",
    "expenses_price": 6100,
}


def test_a_decision_without_grant_fields_makes_no_grant() -> None:
    plain = {k: v for k, v in SUPPORT.items() if k in ("decision", "legal_basis")}
    assert from_decision(plain, "indsats", START) == []


def test_a_providers_ydelse_is_paid_on_cvr() -> None:
    (grant,) = from_decision(SUPPORT, "indsats", START)
    assert (grant.component, grant.creditor_kind, grant.creditor_number) == (
        "ydelse",
        "CVR",
        "29100001",
    )
    assert grant.price == Decimal("12500.00") and grant.income_type is None
    assert grant.expected_end == date(2027, 11, 22)


def test_a_foster_family_gets_its_fee_and_untaxed_expenses() -> None:
    fee, expenses = from_decision(FOSTER, "anbringelse", START)
    assert (fee.component, fee.income_type, fee.price) == ("vederlag", "B", Decimal("27000.50"))
    assert (expenses.component, expenses.income_type, expenses.price, expenses.unit) == (
        "omkostninger",
        "SKATTEFRI",
        Decimal("6100.00"),
        "maaned",
    )
    assert fee.creditor_kind == expenses.creditor_kind == "CPR"


@pytest.mark.parametrize(
    ("change", "kind", "says"),
    [
        ({"price": None}, "indsats", "mangler price"),
        ({"grant_expected_end": ""}, "indsats", "mangler grant_expected_end"),
        ({"provider_cvr": "123"}, "indsats", "CVR-nummer"),
        ({"indsats_type": "opholdssted"}, "indsats", "hører ikke til en indsats"),
        ({"grant_expected_end": "2026-01-01"}, "indsats", "før bevillingens start"),
        ({"expenses_price": 100}, "indsats", "kun til en plejefamilie"),
        ({"provider_type": "ukendt"}, "indsats", "findes ikke"),
    ],
)
def test_incomplete_or_wrong_grant_data_is_refused_in_danish(
    change: dict[str, Any], kind: str, says: str
) -> None:
    with pytest.raises(GrantInvalid, match=says):
        from_decision({**SUPPORT, **change}, kind, START)


def test_a_foster_family_needs_a_cpr_number_and_an_income_type() -> None:
    with pytest.raises(GrantInvalid, match="CPR-nummer") as caught:
        from_decision({**FOSTER, "provider_cpr": "", "foster_income": ""}, "anbringelse", START)
    assert any("A-indkomst eller B-indkomst" in p for p in caught.value.problems)


def test_the_decision_form_names_the_field_of_each_problem() -> None:
    found = decision_form({**SUPPORT, "provider_cvr": "12", "price": -1}, START)
    assert set(found) == {"provider_cvr", "price"}
    assert "CVR-nummer" in found["provider_cvr"] and "negativ" in found["price"]
    assert decision_form(SUPPORT, START) == {}
    assert decision_form({**SUPPORT, "decision": "deny", "price": -1}, START) == {}


def test_the_afgoerelse_form_is_refused_on_submission_with_its_grant_problems(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clock, "current", lambda: clock.Clock(None))
    schema = json.loads((Path(__file__).parents[2] / "forms" / "afgoerelse.form").read_text())
    submitted = {**SUPPORT, "main_facts": "Behov for en kontaktperson.", "decided_by": "kommune"}
    submitted["reasoning"] = "Kontaktpersonen støtter barnet."
    assert validate(schema, submitted) == {}
    errors = validate(schema, {**submitted, "grant_expected_end": "2020-01-01"})
    assert "før bevillingens start" in errors["grant_expected_end"]
    plain = {k: v for k, v in submitted.items() if k not in FIELDS}
    assert validate(schema, plain) == {}
