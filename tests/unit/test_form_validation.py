"""Server-side validation of form submissions against the deployed form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.forms.validation import routing_keys, validate

FORM = json.loads(
    (Path(__file__).resolve().parents[2] / "forms/underretning_vurdering.form").read_text()
)
VALID = {"acute_risk": "no", "assessment": "Barnet er i trivsel i skolen.", "outcome": "bfu"}


def test_a_complete_submission_is_valid() -> None:
    """All required fields, allowed options: no errors."""
    assert validate(FORM, VALID) == {}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"assessment": ""}, "assessment", "Feltet skal udfyldes"),
        ({"assessment": "kort"}, "assessment", "Mindst 10 tegn"),
        ({"outcome": "adoption"}, "outcome", "Vælg en af mulighederne"),
        ({"acute_risk": None}, "acute_risk", "Feltet skal udfyldes"),
        ({"assessment": 42}, "assessment", "Skal være tekst"),
        ({"childName": "x"}, "childName", "Ukendt felt"),
    ],
    ids=["required", "min-length", "option", "missing-radio", "type", "unknown-field"],
)
def test_each_rule_reports_at_its_field(change: dict, field: str, message: str) -> None:
    """The error names the field, in Danish, so the page can show it at the right place."""
    assert validate(FORM, {**VALID, **change})[field] == message


def test_pattern_is_checked() -> None:
    """The identify-child form's CPR pattern is enforced server-side."""
    form = json.loads(
        (Path(__file__).resolve().parents[2] / "forms/identify_child.form").read_text()
    )
    assert validate(form, {"child_cpr": "12345"}) == {"child_cpr": "Formatet er forkert"}
    assert validate(form, {"child_cpr": "010203-9912"}) == {}


def test_only_routing_fields_reach_the_engine() -> None:
    """The free-text assessment stays in the case store; only the outcome routes."""
    assert routing_keys(FORM) == {"outcome"}


def test_forms_report_passes_and_no_form_requires_more_than_15(capsys) -> None:  # type: ignore[no-untyped-def]
    """`make forms-report` lists every form and holds the 15-required-fields limit."""
    from api.forms.report import main

    assert main() == 0
    out = capsys.readouterr().out
    assert "bfu: 3 required" in out and "bfu_konklusion: 2 required" in out
    assert "limit 15" in out
