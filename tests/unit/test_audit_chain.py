"""The audit chain's canonical serialisation and hashing (api/audit/chain.py), and the link
check of the verification, without a database. The database's SQL twin is compared with this
code in tests/platform/test_audit_chain.py."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from api.audit.chain import (
    GENESIS,
    canonical_event,
    chain_keys,
    enc,
    enc_list,
    link_hash,
    timestamp,
)
from api.audit.verify import Break, check_link

CASE_A = uuid.UUID("00000000-0000-4000-8000-00000000000a")
CASE_B = uuid.UUID("00000000-0000-4000-8000-00000000000b")
USER = uuid.UUID("12345678-1234-4234-8234-123456789abc")


def row(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 42,
        "at": datetime(2026, 12, 5, 19, 0, 1, 250, tzinfo=UTC),
        "user_id": USER,
        "username": "caseworker",
        "roles": ["caseworker"],
        "municipality_id": "901",
        "action": "read_case",
        "method": "GET",
        "path": f"/api/cases/{CASE_A}",
        "status_code": 200,
        "case_ids": [CASE_A],
    }
    return {**base, **changes}


def test_the_canonical_text_is_exactly_the_documented_format() -> None:
    """A known answer written out by hand from the format in the module's docstring."""
    path = f"/api/cases/{CASE_A}"
    expected = (
        "audit_event v1\n"
        "id=2:42\n"
        "at=27:2026-12-05T19:00:01.000250Z\n"
        f"user_id=36:{USER}\n"
        "username=10:caseworker\n"
        "roles=[1]10:caseworker\n"
        "municipality_id=3:901\n"
        "action=9:read_case\n"
        "method=3:GET\n"
        f"path={len(path)}:{path}\n"
        "status_code=3:200\n"
        f"case_ids=[1]36:{CASE_A}\n"
    )
    assert canonical_event(row()) == expected
    material = f"audit_chain v1\nchain=41:case:{CASE_A}\nseq=1:1\nprev=64:{GENESIS}\n" + expected
    assert link_hash(f"case:{CASE_A}", 1, GENESIS, expected) == (
        hashlib.sha256(material.encode()).hexdigest()
    )


def test_values_are_length_prefixed_in_utf8_bytes_and_null_differs_from_empty() -> None:
    assert enc(None) == "~"
    assert enc("") == "0:"
    assert enc("~") == "1:~"
    assert enc("æøå") == "6:æøå"
    assert enc_list(None) == "~"
    assert enc_list([]) == "[0]"
    assert enc_list(["a", None, ""]) == "[3]1:a~0:"


@pytest.mark.parametrize(
    ("changed", "value"),
    [
        ("id", 43),
        ("at", datetime(2026, 12, 5, 19, 0, 1, 251, tzinfo=UTC)),
        ("user_id", None),
        ("username", "caseworker2"),
        ("roles", ["caseworker", "team_leader"]),
        ("municipality_id", "902"),
        ("action", "list_tasks"),
        ("method", "POST"),
        ("path", "/api/cases"),
        ("status_code", 404),
        ("case_ids", [CASE_A, CASE_B]),
    ],
)
def test_every_column_changes_the_hash(changed: str, value: Any) -> None:
    key = f"case:{CASE_A}"
    before = link_hash(key, 3, "ab" * 32, canonical_event(row()))
    after = link_hash(key, 3, "ab" * 32, canonical_event(row(**{changed: value})))
    assert before != after


def test_the_link_position_is_in_the_hash() -> None:
    event = canonical_event(row())
    key = f"case:{CASE_A}"
    hashes = {
        link_hash(key, 1, GENESIS, event),
        link_hash(key, 2, GENESIS, event),
        link_hash(key, 1, "1" * 64, event),
        link_hash(f"case:{CASE_B}", 1, GENESIS, event),
    }
    assert len(hashes) == 4


def test_no_value_can_spill_into_the_next_field() -> None:
    """Without length prefixes a newline in a path could imitate the next field."""
    sneaky = row(path="/x\nstatus_code=3:200", status_code=None)
    assert canonical_event(sneaky) != canonical_event(row(path="/x", status_code=200))
    assert canonical_event(row(roles=["a,b"])) != canonical_event(row(roles=["a", "b"]))


def test_timestamps_are_utc_with_microseconds() -> None:
    copenhagen = timezone(timedelta(hours=1))
    at = datetime(2026, 12, 5, 20, 0, 1, 250, tzinfo=copenhagen)
    assert timestamp(at) == "2026-12-05T19:00:01.000250Z"
    assert canonical_event(row(at=at)) == canonical_event(row())
    with pytest.raises(ValueError):
        timestamp(datetime(2026, 12, 5, 19, 0, 1))


def test_chain_keys_per_case_else_municipality_else_global() -> None:
    assert chain_keys([CASE_B, CASE_A, CASE_A], "901") == [f"case:{CASE_A}", f"case:{CASE_B}"]
    assert chain_keys([], "901") == ["municipality:901"]
    assert chain_keys([None], None) == ["global"]
    assert chain_keys([str(CASE_A)], None) == [f"case:{CASE_A}"]


def _link(event: dict[str, Any] | None, seq: int, prev: str, key: str, hash_: str) -> Any:
    columns = {f"e_{k}": v for k, v in (event or {k: None for k in row()}).items()}
    return SimpleNamespace(
        chain_key=key, seq=seq, event_id=42, prev_hash=prev, hash=hash_, **columns
    )


def test_check_link_names_what_is_wrong() -> None:
    key = f"case:{CASE_A}"
    good_hash = link_hash(key, 1, GENESIS, canonical_event(row()))
    assert check_link(_link(row(), 1, GENESIS, key, good_hash), 1, GENESIS) is None
    assert "mismatch" in str(
        check_link(_link(row(username="someone"), 1, GENESIS, key, good_hash), 1, GENESIS)
    )
    assert "missing" in str(check_link(_link(row(), 2, GENESIS, key, good_hash), 1, GENESIS))
    assert "prev_hash" in str(check_link(_link(row(), 1, "f" * 64, key, good_hash), 1, GENESIS))
    assert "gone" in str(check_link(_link(None, 1, GENESIS, key, good_hash), 1, GENESIS))
    moved = row(case_ids=[CASE_B])
    assert "no longer" in str(check_link(_link(moved, 1, GENESIS, key, good_hash), 1, GENESIS))


def test_a_break_names_the_case_link_and_row() -> None:
    text = Break(f"case:{CASE_A}", 7, 1234, "hash mismatch").describe()
    assert str(CASE_A) in text and "link 7" in text and "audit row 1234" in text


def test_the_log_says_in_danish_who_read_and_who_changed() -> None:
    from api.audit.views import kind, label

    assert (kind("GET", "leader"), label("read_case")) == ("Læste", "Åbnede sagen")
    assert kind("POST", "caseworker") == "Ændrede"
    assert kind("SOAP", "system") == kind("POST", "system:dst") == "Systemet"
    assert label("adapter.cpr.PersonLookup") == "Kald til CPR"
    assert label("some_new_route") == "some_new_route"


def test_the_csv_export_carries_lists_as_json_nulls_as_empty_and_the_head() -> None:
    import csv
    import io

    from api.audit.views import as_csv

    row_ = {
        "seq": 1,
        "prev_hash": GENESIS,
        "hash": "ab" * 32,
        "id": 42,
        "at": "2026-12-05T19:00:01.000250Z",
        "user_id": None,
        "username": "æ,ø\nå",
        "roles": ["caseworker"],
        "municipality_id": "901",
        "action": "read_case",
        "method": "GET",
        "path": "/api/cases/x",
        "status_code": 200,
        "case_ids": [str(CASE_A)],
    }
    data = {
        "chains": [
            {"chain_key": f"case:{CASE_A}", "head": {"seq": 1, "hash": "ab" * 32}, "rows": [row_]}
        ]
    }
    (parsed,) = list(csv.DictReader(io.StringIO(as_csv(data))))
    assert parsed["user_id"] == "" and parsed["username"] == "æ,ø\nå"
    assert parsed["case_ids"] == f'["{CASE_A}"]' and parsed["head_hash"] == parsed["hash"]
    assert parsed["chain_key"] == f"case:{CASE_A}" and parsed["seq"] == "1"
