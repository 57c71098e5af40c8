"""`python -m api.audit.verify`: walk every audit chain and report the first broken link of each.

Each link is recomputed from its audit_event row with api/audit/chain.py, so a row changed after
it was chained, a link changed, removed or inserted, a chain cut short of its head, or a row that
is in no chain at all (written past the trigger) shows, named by chain (that is, by case), link
number and audit row id. Exit code 0: every chain is intact; 1: at least one is broken.
Reads only; connects with DATABASE_URL (the app role may read the audit tables).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, create_engine, exists, select

from api.audit.chain import GENESIS, canonical_event, chain_keys, link_hash
from api.audit.tables import audit_chain, audit_chain_head, audit_event


@dataclass(frozen=True)
class Break:
    chain_key: str
    seq: int | None
    event_id: int | None
    reason: str

    def describe(self) -> str:
        where = self.chain_key
        if self.chain_key.startswith("case:"):
            where = f"case {self.chain_key.removeprefix('case:')}"
        link = f"link {self.seq}" if self.seq is not None else "no link"
        row = f"audit row {self.event_id}" if self.event_id is not None else "no audit row"
        return f"BROKEN {where} (chain {self.chain_key}): {link}, {row}: {self.reason}"


@dataclass
class Report:
    chains: int = 0
    links: int = 0
    breaks: dict[str, Break] = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        return not self.breaks

    def add(self, found: Break) -> None:
        # The first broken link per chain: what follows a break says nothing new.
        self.breaks.setdefault(found.chain_key, found)


def _links(conn: Connection) -> Iterator[Any]:
    query = (
        select(
            audit_chain.c.chain_key,
            audit_chain.c.seq,
            audit_chain.c.event_id,
            audit_chain.c.prev_hash,
            audit_chain.c.hash,
            *[c.label(f"e_{c.name}") for c in audit_event.c],
        )
        .select_from(audit_chain.outerjoin(audit_event, audit_event.c.id == audit_chain.c.event_id))
        .order_by(audit_chain.c.chain_key, audit_chain.c.seq)
    )
    yield from conn.execution_options(stream_results=True, yield_per=2000).execute(query)


def _event(link: Any) -> dict[str, Any] | None:
    if link.e_id is None:
        return None
    return {c.name: getattr(link, f"e_{c.name}") for c in audit_event.c}


def check_link(link: Any, expected_seq: int, prev_hash: str) -> str | None:
    """Why this link is broken, or None. `link` carries the link's columns and its row's
    (prefixed `e_`), as the walk reads them."""
    if link.seq != expected_seq:
        return f"expected link {expected_seq} here: links are missing or out of order"
    if link.prev_hash != prev_hash:
        return "prev_hash is not the previous link's hash"
    event = _event(link)
    if event is None:
        return f"audit row {link.event_id} is gone"
    if link.chain_key not in chain_keys(event["case_ids"], event["municipality_id"]):
        return "the audit row no longer names this chain's case"
    if link.hash != link_hash(link.chain_key, link.seq, link.prev_hash, canonical_event(event)):
        return "hash mismatch: the audit row or the link was changed after it was chained"
    return None


def verify(conn: Connection) -> Report:
    """Every chain, from one snapshot: on a running system rows keep coming, and heads and links
    read at different moments would disagree. A caller already in a transaction brings its own."""
    if not conn.in_transaction():
        conn.execution_options(isolation_level="REPEATABLE READ")
    report = Report()
    heads = {row.chain_key: row for row in conn.execute(select(audit_chain_head))}
    ends: dict[str, tuple[int, str]] = {}
    current: str | None = None
    expected, prev = 1, GENESIS
    for link in _links(conn):
        if link.chain_key != current:
            current, expected, prev = link.chain_key, 1, GENESIS
            report.chains += 1
        report.links += 1
        if link.chain_key not in report.breaks:
            reason = check_link(link, expected, prev)
            if reason:
                report.add(Break(link.chain_key, link.seq, link.event_id, reason))
        expected, prev = link.seq + 1, link.hash
        ends[link.chain_key] = (link.seq, link.hash)
    for key, head in heads.items():
        end = ends.get(key)
        if end is None:
            report.add(Break(key, head.seq, head.event_id, "the chain's links are gone"))
        elif end != (head.seq, head.hash):
            report.add(
                Break(
                    key,
                    end[0] + 1,
                    head.event_id,
                    f"the chain ends at link {end[0]} but its head is link {head.seq}",
                )
            )
    for key in ends.keys() - heads.keys():
        report.add(Break(key, None, None, "the chain has no head"))
    # Rows in no chain at all: written with the trigger switched off.
    unchained = (
        select(audit_event.c.id, audit_event.c.case_ids, audit_event.c.municipality_id)
        .where(~exists().where(audit_chain.c.event_id == audit_event.c.id))
        .order_by(audit_event.c.id)
    )
    for row in conn.execute(unchained):
        for key in chain_keys(row.case_ids, row.municipality_id):
            report.add(Break(key, None, row.id, "the audit row is in no chain"))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.audit.verify", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    from api.settings import get_settings

    engine = create_engine(get_settings().database_url.get_secret_value())
    try:
        with engine.connect() as conn:
            report = verify(conn)
    finally:
        engine.dispose()
    if args.json:
        print(
            json.dumps(
                {
                    "intact": report.intact,
                    "chains": report.chains,
                    "links": report.links,
                    "breaks": [asdict(b) for b in report.breaks.values()],
                },
                indent=2,
            )
        )
    else:
        for found in sorted(report.breaks.values(), key=lambda b: b.chain_key):
            print(found.describe())
        state = "intact" if report.intact else f"{len(report.breaks)} broken"
        print(f"audit chains: {report.chains} chains, {report.links} links, {state}")
    return 0 if report.intact else 1


if __name__ == "__main__":
    sys.exit(main())
