"""The personal-data scan: CPR-shaped strings in exported records, Redis streams and logs."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import text

from api.projector.consumer import stream_names
from tests.harness.platform import Platform

# Our ids are UUIDs; their hex can hold ten digits in a row (or "dddddd-dddd" at the first
# hyphen), which says nothing about a person.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CANDIDATE = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})-?(\d{4})(?!\d)")


def cpr_shaped(value: str) -> list[str]:
    """Ten digits (or ddmmyy-xxxx) whose first six form a real date: what a CPR looks like."""
    found = []
    for match in _CANDIDATE.finditer(_UUID.sub("<uuid>", value)):
        day, month, year = (int(g) for g in match.groups()[:3])
        try:
            date(2000 + year, month, day)
        except ValueError:
            try:
                date(1900 + year, month, day)  # 29 February in a non-leap 20xx year
            except ValueError:
                continue
        found.append(match.group(0))
    return found


def context(value: str, hit: str, width: int = 60) -> str:
    at = value.find(hit)
    return value[max(0, at - width) : at + len(hit) + width]


def scan(platform: Platform) -> dict[str, list[str]]:
    findings: dict[str, list[str]] = {}
    with platform.db.connect() as conn:
        # Deployed resources and their checksums are base64, where digit runs mean nothing.
        query = text(
            "SELECT (payload #- '{value,resource}' #- '{value,checksum}')::text FROM raw_record"
        )
        for (payload,) in conn.execute(query):
            if hits := cpr_shaped(payload):
                findings.setdefault("raw_record", []).extend(context(payload, h) for h in hits)
    for stream in stream_names(platform.prefix):
        for _, fields in platform.redis.xrange(stream):
            if hits := cpr_shaped(str(fields)):
                findings.setdefault(stream, []).extend(hits)
    root = platform.stack.root
    for log in sorted(root.glob("logs/*.log")) + sorted(root.glob("data/*.log")):
        if hits := cpr_shaped(log.read_text(errors="replace")):
            findings.setdefault(log.name, []).extend(hits)
    return findings
