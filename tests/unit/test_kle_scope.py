"""KLE in the case scope: whole KLE groups only, and no constraint means no KLE limit."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects import postgresql

from api.auth.principal import Principal, kle_covers, kle_predicate


def sql(clause: object) -> str:
    return str(
        clause.compile(  # type: ignore[attr-defined]
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
    )


def principal(*roles: str, kle: tuple[str, ...] = ()) -> Principal:
    return Principal(
        user_id=uuid.uuid4(),
        username="u",
        display_name="U",
        municipality_id="901",
        org_unit_id=uuid.uuid4(),
        roles=frozenset(roles),
        kle=frozenset(kle),
    )


def test_a_prefix_covers_its_own_group_and_the_subjects_under_it() -> None:
    assert kle_covers(frozenset({"34"}), "34.10.10")
    assert kle_covers(frozenset({"34.10"}), "34.10.10")
    assert kle_covers(frozenset({"34.10.10"}), "34.10.10")
    assert kle_covers(frozenset({"27.24", "34.10"}), "34.10.10")
    assert not kle_covers(frozenset({"34.15"}), "34.10.10")
    assert not kle_covers(frozenset({"34.10.1"}), "34.10.10")
    assert not kle_covers(frozenset({"3"}), "34.10.10")
    assert not kle_covers(frozenset({"27"}), "34.10.10")


def test_no_kle_constraint_is_no_kle_limit() -> None:
    assert kle_covers(frozenset(), "34.10.10") and kle_covers(frozenset(), "27.24.00")
    assert sql(kle_predicate(frozenset())) == "true"
    assert "kle_subject" not in sql(principal("caseworker").case_scope())


def test_the_case_scope_filters_by_the_kle_constraint() -> None:
    scope = sql(principal("caseworker", kle=("34.10",)).case_scope())
    assert "\"case\".kle_subject = '34.10'" in scope
    assert "\"case\".kle_subject LIKE '34.10.%%'" in scope
    assert "municipality_id = '901'" in scope and "restricted" in scope
    # Auditors see their whole municipality, but under their KLE constraint too.
    assert "kle_subject" in sql(principal("auditor", kle=("34",)).case_scope())


def test_technical_roles_see_no_cases_but_their_municipalitys_instances_under_kle() -> None:
    operator = principal("operator", kle=("34.10",))
    assert sql(operator.case_scope()) == "false"
    technical = sql(operator.technical_scope())
    assert "municipality_id = '901'" in technical and "kle_subject LIKE '34.10.%%'" in technical
    assert "org_unit_id" not in technical
    # A case role's technical view is its case scope.
    caseworker = principal("caseworker")
    assert sql(caseworker.technical_scope()) == sql(caseworker.case_scope())


def test_a_prefix_that_is_not_kle_covers_nothing() -> None:
    broken = frozenset({"34%", "x"})
    assert not kle_covers(broken, "34.10.10")
    assert sql(kle_predicate(broken)) == "false"
