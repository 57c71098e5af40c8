"""Reading the audit chains: "hvem har set sagen" (who read or changed a case, when, what) and
the data protection officer's export of whole chains with their hashes.

Both read a case's rows through its chain (`audit_chain`, key `case:<id>`), so they show exactly
what the verification checks. Neither knows about scope: callers pass cases already in scope.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

from sqlalchemy import Connection, select

from api.audit.chain import EVENT_FORMAT, LINK_FORMAT, case_chain, timestamp
from api.audit.tables import audit_chain, audit_chain_head, audit_event
from api.cases.tables import case, person
from api.org.tables import app_user

ENTRIES_SHOWN = 500

# What a request did, in Danish, by its route (the audit row's `action`); others show the
# route name with "Læste" or "Ændrede" from the method.
ACTION_LABELS = {
    "read_case": "Åbnede sagen",
    "case_page": "Åbnede sagssiden",
    "read_case_audit": "Så hvem der har set sagen",
    "case_audit_page": "Så hvem der har set sagen",
    "audit_export": "Eksporterede sagens log",
    "audit.export": "Eksporterede sagens log",
    "add_note": "Skrev et journalnotat",
    "write_case_journal_note": "Skrev et journalnotat",
    "create_underretning": "Modtog en underretning",
    "submit": "Modtog en underretning",
    "list_tasks": "Så sagen i en opgaveliste",
    "overview": "Så sagen i overblikket",
    "leader_page": "Så sagen på ledersiden",
    "run_search": "Fandt sagen ved søgning",
    "search_page": "Fandt sagen ved søgning",
    "task_form": "Åbnede en opgave",
    "task_page": "Åbnede en opgave",
    "claim_task": "Tog en opgave",
    "claim": "Tog en opgave",
    "unclaim_task": "Lagde en opgave tilbage",
    "unclaim": "Lagde en opgave tilbage",
    "complete_task": "Afsluttede en opgave",
    "complete": "Afsluttede en opgave",
    "save_draft": "Gemte en kladde",
    "reassign": "Fordelte en opgave",
    "cover": "Flyttede opgaver til en kollega",
    "register_case_appeal": "Registrerede en klage",
    "register_statement_reply": "Registrerede en statusudtalelse",
    "register_hearing_response": "Registrerede et partshøringssvar",
    "start_decision": "Startede en afgørelse",
    "request_closing": "Bad om at lukke sagen",
    "register_aktindsigt": "Registrerede en anmodning om aktindsigt",
    "export_aktindsigt": "Hentede aktindsigten",
    "case_grants": "Så bevillingerne",
    "revise_grant": "Ændrede en bevilling",
    "case_transfers": "Så overdragelserne",
    "dst.levering": "Indberettede til Danmarks Statistik",
}
READS = frozenset({"GET", "HEAD"})


def kind(method: str, username: str | None) -> str:
    if method in READS:
        return "Læste"
    if method in ("SYSTEM", "SOAP", "REST") or (username or "").startswith("system"):
        return "Systemet"
    return "Ændrede"


def label(action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    if action.startswith("adapter."):
        return f"Kald til {action.split('.')[1].upper()}"
    return action


def case_entries(
    conn: Connection,
    case_id: uuid.UUID,
    head: dict[str, Any] | None,
    limit: int = ENTRIES_SHOWN,
) -> list[dict[str, Any]]:
    """The case's audit rows up to `head` (`chain_head`, read first, so the two agree while
    rows keep coming), newest first: who, when, what, with their link in the chain."""
    if head is None:
        return []
    rows = conn.execute(
        select(
            audit_chain.c.seq,
            audit_chain.c.hash,
            audit_event,
            app_user.c.display_name,
        )
        .join(audit_event, audit_event.c.id == audit_chain.c.event_id)
        .outerjoin(app_user, app_user.c.id == audit_event.c.user_id)
        .where(audit_chain.c.chain_key == case_chain(case_id), audit_chain.c.seq <= head["seq"])
        .order_by(audit_chain.c.seq.desc())
        .limit(limit)
    ).all()
    return [
        {
            "seq": r.seq,
            "hash": r.hash,
            "audit_id": r.id,
            "at": r.at.isoformat(),
            "who": r.display_name or r.username or "Ukendt",
            "username": r.username,
            "roles": list(r.roles),
            "kind": kind(r.method, r.username),
            "what": label(r.action),
            "action": r.action,
            "method": r.method,
            "path": r.path,
            "status_code": r.status_code,
        }
        for r in rows
    ]


def chain_head(conn: Connection, case_id: uuid.UUID) -> dict[str, Any] | None:
    head = conn.execute(
        select(audit_chain_head.c.seq, audit_chain_head.c.hash).where(
            audit_chain_head.c.chain_key == case_chain(case_id)
        )
    ).first()
    return {"seq": head.seq, "hash": head.hash} if head else None


def cases_of_person(conn: Connection, cpr: str, scope: Any = None) -> list[uuid.UUID]:
    """The cases whose child has this CPR number (validated by the caller), within `scope`."""
    query = (
        select(case.c.id).join(person, person.c.id == case.c.child_id).where(person.c.cpr == cpr)
    )
    if scope is not None:
        query = query.where(scope)
    return list(conn.execute(query.order_by(case.c.created_at)).scalars())


# --- the data protection officer's export ---------------------------------------------------

CSV_COLUMNS = (
    "chain_key",
    "seq",
    "prev_hash",
    "hash",
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
    "head_seq",
    "head_hash",
)
HOW_TO_VERIFY = (
    "Per chain, for seq 1, 2, ...: prev_hash is the previous row's hash (64 zeros for seq 1), "
    "and hash = sha256 hex of the UTF-8 text "
    "'audit_chain v1\\nchain=E(chain_key)\\nseq=E(seq)\\nprev=E(prev_hash)\\n' followed by "
    "'audit_event v1\\n' and one line 'name=E(value)\\n' per column in the order id, at, "
    "user_id, username, roles, municipality_id, action, method, path, status_code, case_ids; "
    "E(NULL) = '~', E(text) = '<UTF-8 byte length>:<text>', a list is '[<n>]' followed by E of "
    "each element; at is given here exactly as hashed. The last row's hash must equal the head."
)


def export(conn: Connection, case_ids: list[uuid.UUID]) -> dict[str, Any]:
    """Every case's whole chain, rows in chain order, with the values as hashed."""
    chains = []
    for case_id in case_ids:
        key = case_chain(case_id)
        # The head first, and the rows up to it: a consistent chain while rows keep coming.
        head = chain_head(conn, case_id)
        rows = conn.execute(
            select(audit_chain.c.seq, audit_chain.c.prev_hash, audit_chain.c.hash, audit_event)
            .join(audit_event, audit_event.c.id == audit_chain.c.event_id)
            .where(audit_chain.c.chain_key == key, audit_chain.c.seq <= (head or {"seq": 0})["seq"])
            .order_by(audit_chain.c.seq)
        ).all()
        chains.append(
            {
                "chain_key": key,
                "case_id": str(case_id),
                "head": head,
                "rows": [
                    {
                        "seq": r.seq,
                        "prev_hash": r.prev_hash,
                        "hash": r.hash,
                        "id": r.id,
                        "at": timestamp(r.at),
                        "user_id": None if r.user_id is None else str(r.user_id),
                        "username": r.username,
                        "roles": list(r.roles),
                        "municipality_id": r.municipality_id,
                        "action": r.action,
                        "method": r.method,
                        "path": r.path,
                        "status_code": r.status_code,
                        "case_ids": [str(c) for c in r.case_ids],
                    }
                    for r in rows
                ],
            }
        )
    return {
        "format": f"{LINK_FORMAT} / {EVENT_FORMAT}",
        "how_to_verify": HOW_TO_VERIFY,
        "chains": chains,
    }


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def as_csv(data: dict[str, Any]) -> str:
    """One line per row and chain, with the chain's head on each; lists as JSON arrays; an empty
    cell is NULL (the JSON export is the exact one to verify with)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for chain in data["chains"]:
        head = chain["head"] or {"seq": None, "hash": None}
        for row in chain["rows"]:
            values = {
                **row,
                "chain_key": chain["chain_key"],
                "head_seq": head["seq"],
                "head_hash": head["hash"],
            }
            writer.writerow(
                [
                    json.dumps(values[c], ensure_ascii=False)
                    if isinstance(values[c], list)
                    else ("" if values[c] is None else values[c])
                    for c in CSV_COLUMNS
                ]
            )
    return out.getvalue()
