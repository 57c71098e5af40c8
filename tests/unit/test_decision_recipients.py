"""The child is a party to a decision from the 10th birthday (BL § 3) and gets its own letter."""

from __future__ import annotations

from datetime import date

import pytest

from api.cases.decisions import child_is_party
from api.testdata.cpr import synthetic_cpr

BORN = date(2016, 5, 12)
CHILD = synthetic_cpr("decision-party", birth_date=BORN)


@pytest.mark.parametrize(
    ("on", "party"),
    [
        (date(2026, 5, 11), False),  # the day before the 10th birthday
        (date(2026, 5, 12), True),  # the birthday itself
        (date(2031, 1, 2), True),
    ],
)
def test_the_child_is_a_party_from_the_10th_birthday(on: date, party: bool) -> None:
    """Under 10 the custody holders alone get the letter; from the birthday the child too."""
    assert child_is_party(CHILD, {"status": "active"}, on) is party


@pytest.mark.parametrize("status", ["dead", "missing"])
def test_no_letter_to_a_child_cpr_reports_dead_or_missing(status: str) -> None:
    """A dead or missing child gets no letter, whatever the age."""
    assert child_is_party(CHILD, {"status": status}, date(2030, 1, 2)) is False


def test_an_unborn_child_is_no_party() -> None:
    """Without a CPR number (unborn) there is no one to write to."""
    assert child_is_party(None, {}, date(2030, 1, 2)) is False
