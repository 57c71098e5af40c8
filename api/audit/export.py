"""`python -m api.audit.export`: the data protection officer's export of audit chains.

    python -m api.audit.export --case <case uuid> [--case ...] [--format json|csv] [--out FILE]
    python -m api.audit.export --cpr-stdin [--format json|csv] [--out FILE] < file-with-cpr

Writes every row of the case's chain (or of every case of the child with that CPR number), in
chain order, with prev_hash and hash, so the chain can be checked without this system (the JSON
carries the recipe, `how_to_verify`; api/audit/chain.py describes it). The CPR number is read
from standard input, never from the command line (which other users of the machine can see
and the shell keeps), and is written nowhere. The export itself leaves an audit row naming the
cases (action `audit.export`), so it shows in each case's log and chain.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path
from typing import TextIO

from sqlalchemy import Connection, create_engine, insert

from api.audit import views
from api.audit.tables import audit_event
from api.cases.cpr import CprNumber

EXPORT_USER = "system:dpo-export"


def run(conn: Connection, case_ids: list[uuid.UUID], fmt: str) -> str:
    data = views.export(conn, case_ids)
    conn.execute(
        insert(audit_event).values(
            user_id=None,
            username=EXPORT_USER,
            roles=[],
            municipality_id=None,
            action="audit.export",
            method="CLI",
            path="cli:api.audit.export",
            status_code=200,
            case_ids=sorted(case_ids),
        )
    )
    return views.as_csv(data) if fmt == "csv" else views.as_json(data)


def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.audit.export", description=__doc__)
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--case", action="append", type=uuid.UUID, help="a case id (repeatable)")
    who.add_argument(
        "--cpr-stdin", action="store_true", help="read the child's CPR number from stdin"
    )
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument("--out", type=Path, help="the file to write (default: stdout)")
    args = parser.parse_args(argv)
    from api.settings import get_settings

    engine = create_engine(get_settings().database_url.get_secret_value())
    try:
        with engine.begin() as conn:
            if args.cpr_stdin:
                source = stdin if stdin is not None else sys.stdin
                try:
                    cpr = CprNumber(source.readline().strip())
                except ValueError:
                    print("not a valid CPR number", file=sys.stderr)
                    return 2
                case_ids = views.cases_of_person(conn, cpr.value)
            else:
                case_ids = list(dict.fromkeys(args.case))
            if not case_ids:
                print("no cases to export", file=sys.stderr)
                return 1
            text = run(conn, case_ids, args.format)
    finally:
        engine.dispose()
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"{len(case_ids)} case(s) written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
