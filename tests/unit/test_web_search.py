"""How the search page reads what was typed: a CPR number, a case number or a name."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql

from api.testdata.cpr import synthetic_cpr
from api.web.search import criterion


def sql(query: str) -> str:
    _, where = criterion(query)
    return str(where.compile(dialect=postgresql.dialect()))


@pytest.mark.parametrize("dash", [True, False])
def test_a_cpr_number_matches_the_child_or_an_unborn_child_of_that_mother(dash: bool) -> None:
    cpr = synthetic_cpr("search")
    typed = f"{cpr[:6]}-{cpr[6:]}" if dash else f" {cpr} "
    kind, where = criterion(typed)
    assert kind == "cpr"
    assert where.compile().params["cpr_1"] == cpr  # normalised, without the dash
    assert "unborn_mother_id" in sql(typed)


def test_a_cpr_shaped_text_with_an_impossible_date_is_refused_in_danish() -> None:
    with pytest.raises(ValueError, match="fødselsdato findes ikke"):
        criterion("320199-9912")


def test_a_case_number_matches_exactly_whatever_the_case() -> None:
    kind, where = criterion("901-2026-ab12cd")
    assert kind == "sagsnummer"
    assert "901-2026-AB12CD" in where.compile().params.values()


def test_a_name_needs_every_word_somewhere_in_the_name() -> None:
    kind, where = criterion("  emma   50%_jensen ")
    assert kind == "navn"
    values = set(where.compile().params.values())
    # Each word as typed (a % or _ is escaped, not a wildcard), matched case-insensitively.
    assert {"emma", "50/%/_jensen"} <= values
    assert sql("emma jensen").count("ILIKE") == 2
