"""Checks across the decision form's Bevilling fields that a form schema cannot express, run
when the form is submitted, so a caseworker corrects them before the decision is sent."""

from __future__ import annotations

from datetime import date
from typing import Any

from api import clock
from api.calendar.working_days import COPENHAGEN
from api.finance.grants import FIELDS, GrantInvalid, from_decision, kind_of


def decision_form(data: dict[str, Any], today: date | None = None) -> dict[str, str]:
    """Field -> Danish message for grant data that cannot make a grant; empty when it can (or
    when the decision grants nothing). Whether the indsats type fits the decision's subject is
    checked when the grant is made."""
    if data.get("decision") != "grant" or not any(data.get(f) not in (None, "") for f in FIELDS):
        return {}
    kind = kind_of(str(data.get("indsats_type") or "")) or "indsats"
    on = today or clock.current().now().astimezone(COPENHAGEN).date()
    try:
        from_decision(data, kind, on)
    except GrantInvalid as exc:
        return exc.fields or {"indsats_type": str(exc)}
    return {}
