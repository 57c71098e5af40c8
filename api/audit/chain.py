"""The audit hash chain: chain keys and the canonical serialisation that is hashed.

Every `audit_event` row is appended, by a trigger in the database (migration 0021_audit_chain),
to one chain per case it names; a row that names no case goes to the chain of its municipality,
and a row with neither (the system's own calls to other systems) to the chain `global`:

    case:<case uuid>        one per case the row names (a list that showed 40 cases: 40 links)
    municipality:<id>       no case, a municipality
    global                  no case, no municipality

Each link in `audit_chain` is (chain_key, seq, event_id, prev_hash, hash), seq counting 1, 2, ...
per chain, prev_hash the previous link's hash (64 zeros for the first), and

    hash = sha256(utf8(link_material(chain_key, seq, prev_hash, canonical_event(row)))), hex

The serialisation is length-prefixed, so no value needs escaping and none can be confused with
another: a value is `~` for NULL, else `<UTF-8 byte length>:<text>`; a list is `[<n>]` followed
by its n values; a timestamp is UTC with microseconds, `2026-12-05T18:39:18.123456Z`. The
database computes it in SQL (`audit_event_canonical`), this module in Python; the verification
(`python -m api.audit.verify`) recomputes every link with this module, so the two must agree, and
a data protection officer can check an export (`python -m api.audit.export`) with nothing but
this description.

The format covers the columns of `audit_event` as of version 1. A column added later is not in
the hash until a new format version (`audit_event v2`) names it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
EVENT_FORMAT = "audit_event v1"
LINK_FORMAT = "audit_chain v1"
GLOBAL_CHAIN = "global"
# The columns of audit_event in the order they are serialised.
FIELDS = (
    "id",
    "at",
    "user_id",
    "username",
    "roles",
    "municipality_id",
    "action",
    "method",
    "path",
    "status_code",
    "case_ids",
)
LIST_FIELDS = frozenset({"roles", "case_ids"})


def enc(value: str | None) -> str:
    """One value: `~` for NULL, else its UTF-8 byte length, a colon and the text."""
    if value is None:
        return "~"
    return f"{len(value.encode('utf-8'))}:{value}"


def enc_list(values: Sequence[str | None] | None) -> str:
    if values is None:
        return "~"
    return f"[{len(values)}]" + "".join(enc(v) for v in values)


def timestamp(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit timestamps carry a time zone")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, bool):
        raise TypeError("no boolean columns in audit_event v1")
    return str(value)


def canonical_event(row: Mapping[str, Any]) -> str:
    """The text of one audit_event row that its links hash (the SQL function of the same name
    produces the same text)."""
    lines = [EVENT_FORMAT]
    for name in FIELDS:
        value = row[name]
        if name in LIST_FIELDS:
            lines.append(f"{name}={enc_list(None if value is None else [_text(v) for v in value])}")
        else:
            lines.append(f"{name}={enc(_text(value))}")
    return "\n".join(lines) + "\n"


def link_material(chain_key: str, seq: int, prev_hash: str, event: str) -> str:
    head = f"{LINK_FORMAT}\nchain={enc(chain_key)}\nseq={enc(str(seq))}\nprev={enc(prev_hash)}\n"
    return head + event


def link_hash(chain_key: str, seq: int, prev_hash: str, event: str) -> str:
    """The hash of link `seq` of `chain_key` over the row's canonical text `event`."""
    material = link_material(chain_key, seq, prev_hash, event)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def case_chain(case_id: uuid.UUID | str) -> str:
    return f"case:{case_id}"


def chain_keys(
    case_ids: Iterable[uuid.UUID | str | None], municipality_id: str | None
) -> list[str]:
    """The chains a row belongs to, sorted (the order the database locks them in)."""
    cases = sorted({case_chain(c) for c in case_ids if c is not None})
    if cases:
        return cases
    if municipality_id is not None:
        return [f"municipality:{municipality_id}"]
    return [GLOBAL_CHAIN]
