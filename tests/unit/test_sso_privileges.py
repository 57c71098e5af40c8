"""The OIOSAML Basic Privilege Profile parser and the KLE scope, without a stack."""

from __future__ import annotations

import base64
import uuid

import pytest

from api.sso.privileges import (
    KLE_CONSTRAINT,
    ORG_UNIT_CONSTRAINT,
    Privilege,
    Refused,
    encode,
    kle_prefix,
    parse,
)
from api.sso.provision import kle_scope

UNIT = uuid.uuid4()


def test_groups_become_privileges_with_their_constraints() -> None:
    encoded = encode(
        [
            (
                "90100001",
                ["http://x/role/a", "http://x/role/b"],
                {ORG_UNIT_CONSTRAINT: [str(UNIT)], KLE_CONSTRAINT: ["34.*", "27.10.*"]},
            ),
            ("90100001", ["http://x/role/c"], {}),
        ]
    )
    found = parse(encoded)
    assert [p.fk_role for p in found] == ["http://x/role/a", "http://x/role/b", "http://x/role/c"]
    assert found[0] == Privilege(
        "90100001", "http://x/role/a", frozenset({UNIT}), frozenset({"34", "27.10"})
    )
    assert found[2].org_units == frozenset() and found[2].kle == frozenset()


def test_constraint_names_are_matched_without_case() -> None:
    found = parse(encode([("1", ["r"], {"http://sts.kombit.dk/constraints/KLE/1": ["34.10.10"]})]))
    assert found[0].kle == frozenset({"34.10.10"})


@pytest.mark.parametrize(
    ("value", "prefix"),
    [("34.*", "34"), ("34.10.*", "34.10"), ("34.10.10", "34.10.10"), (" 27 ", "27")],
)
def test_kle_prefixes(value: str, prefix: str) -> None:
    assert kle_prefix(value) == prefix


@pytest.mark.parametrize("value", ["*", "", "3", "34.1", "abc", "34.10.10.10", "34.*.10"])
def test_bad_kle_is_refused(value: str) -> None:
    with pytest.raises(Refused, match="KLE"):
        kle_prefix(value)


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("ikke base64!", "kan ikke læses"),
        (base64.b64encode(b"<ikke xml").decode(), "kan ikke læses"),
        (base64.b64encode(b"<Andet/>").decode(), "kan ikke læses"),
        (encode([]), "ingen rettigheder"),
        (encode([("90100001", [], {ORG_UNIT_CONSTRAINT: [str(UNIT)]})]), "ingen rettigheder"),
        (
            encode([("90100001", ["r"], {ORG_UNIT_CONSTRAINT: ["ikke-en-uuid"]})]),
            "organisationsenhed",
        ),
    ],
)
def test_unreadable_privileges_are_refused_in_danish(encoded: str, message: str) -> None:
    with pytest.raises(Refused, match=message):
        parse(encoded)


def test_a_scope_that_is_not_a_cvr_number_is_refused() -> None:
    raw = base64.b64encode(
        b'<PrivilegeList><PrivilegeGroup Scope="urn:other:1"><Privilege>r</Privilege>'
        b"</PrivilegeGroup></PrivilegeList>"
    ).decode()
    with pytest.raises(Refused, match="CVR"):
        parse(raw)


def test_entities_are_not_expanded() -> None:
    raw = base64.b64encode(
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<PrivilegeList><PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:1">'
        b"<Privilege>&e;</Privilege></PrivilegeGroup></PrivilegeList>"
    ).decode()
    with pytest.raises(Refused):
        parse(raw)


def test_kle_scope_is_the_union_unless_a_privilege_has_no_kle_limit() -> None:
    a = Privilege("1", "a", frozenset(), frozenset({"34"}))
    b = Privilege("1", "b", frozenset(), frozenset({"27.10"}))
    free = Privilege("1", "c", frozenset(), frozenset())
    assert kle_scope([a, b]) == frozenset({"34", "27.10"})
    assert kle_scope([a, free]) == frozenset()
