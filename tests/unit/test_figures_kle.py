"""The go-live baseline in a reader's KLE scope (`api.figures.service.in_scope`), and the KLE
constraint in the aggregates' SQL (budget sums, figures, DST file)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.dialects import postgresql

from api.auth.principal import Principal
from api.figures import service
from api.finance import budget

UNIT = uuid.UUID(int=7)


def reader(*roles: str, kle: tuple[str, ...] = ()) -> Principal:
    return Principal(uuid.uuid4(), "u", "U", "901", UNIT, frozenset(roles), frozenset(kle))


def snap(name: str) -> dict[str, Any]:
    return {"as_of": "2026-01-01", "name": name}


def scopes(name: str) -> dict[str, Any]:
    return {"municipality": snap(f"{name}/kommune"), "units": {str(UNIT): snap(f"{name}/team")}}


BASELINE = {
    **scopes("alle"),
    "kle": {s: scopes(s) for s in ("34.10.10", "34.15.25", "34.20.02")},
}


def name(found: dict[str, Any] | None) -> str | None:
    return None if found is None else str(found["name"])


def test_without_a_kle_constraint_the_whole_baseline() -> None:
    assert name(service.in_scope(BASELINE, reader("finance"))) == "alle/kommune"
    assert name(service.in_scope(BASELINE, reader("team_leader"))) == "alle/team"


def test_a_constraint_covering_every_subject_gets_the_whole_baseline() -> None:
    assert name(service.in_scope(BASELINE, reader("finance", kle=("34",)))) == "alle/kommune"
    both = reader("team_leader", kle=("34.10", "34.15", "34.20.02"))
    assert name(service.in_scope(BASELINE, both)) == "alle/team"


def test_a_constraint_covering_one_subject_gets_that_subjects_figures() -> None:
    assert name(service.in_scope(BASELINE, reader("finance", kle=("34.10",)))) == (
        "34.10.10/kommune"
    )
    # A prefix covering nothing beside the one subject changes nothing.
    leader = reader("team_leader", kle=("34.15.25", "27"))
    assert name(service.in_scope(BASELINE, leader)) == "34.15.25/team"


def test_some_subjects_of_several_or_none_get_no_baseline() -> None:
    assert service.in_scope(BASELINE, reader("finance", kle=("34.10", "34.15"))) is None
    assert service.in_scope(BASELINE, reader("finance", kle=("27",))) is None
    # A prefix that is not KLE covers nothing (fail closed).
    assert service.in_scope(BASELINE, reader("finance", kle=("34%",))) is None


def test_a_baseline_kept_before_the_kle_subjects_shows_only_to_readers_without_a_constraint() -> (
    None
):
    old = scopes("alle")
    assert name(service.in_scope(old, reader("finance"))) == "alle/kommune"
    assert service.in_scope(old, reader("finance", kle=("34",))) is None


def test_a_team_without_figures_in_the_baseline_gets_none() -> None:
    other = Principal(uuid.uuid4(), "u", "U", "901", uuid.uuid4(), frozenset({"team_leader"}))
    assert service.in_scope(BASELINE, other) is None


def sql(clause: object) -> str:
    return str(
        clause.compile(  # type: ignore[attr-defined]
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
    )


def test_the_budget_sums_are_filtered_by_the_kle_constraint() -> None:
    limited = sql(budget.unit_scope(reader("finance", kle=("34.10",))))
    assert "kle_subject = '34.10'" in limited and "kle_subject LIKE '34.10.%%'" in limited
    assert "kle_subject" not in sql(budget.unit_scope(reader("finance")))
    leader = sql(budget.unit_scope(reader("team_leader", kle=("34.10",))))
    assert "org_unit_id" in leader and "kle_subject LIKE '34.10.%%'" in leader
    assert sql(budget.unit_scope(reader("finance", kle=("x",)))).endswith("false")


def test_the_figures_filter_by_the_kle_prefixes() -> None:
    assert "kle_subject" not in sql(service._unit_filter(None))
    limited = sql(service._unit_filter([UNIT], frozenset({"34.10"})))
    assert "org_unit_id IN" in limited and "kle_subject LIKE '34.10.%%'" in limited


def test_the_system_reader_of_the_baseline_has_no_kle_constraint() -> None:
    assert service.system_principal("901").kle == frozenset()
