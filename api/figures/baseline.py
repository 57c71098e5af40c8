"""`python -m api.figures.baseline [--municipality 901] [--note TEXT]`: take the municipality's
go-live baseline of the management figures (once; a second run says it exists and changes
nothing). The same as POST /api/figures/baseline, for the go-live runbook."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from api.calendar.working_days import COPENHAGEN
from api.db import make_engine
from api.figures import service
from api.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--municipality", required=True)
    parser.add_argument("--note", default="Go-live")
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    with make_engine(get_settings()).begin() as conn:
        try:
            figures = service.take_baseline(
                conn, args.municipality, now.astimezone(COPENHAGEN).date(), note=args.note, now=now
            )
        except service.BaselineExists:
            print(f"baseline for {args.municipality} exists already; nothing changed")
            return 1
    caseload = sum(row["open_cases"] for row in figures["municipality"]["caseload"])
    print(f"baseline for {args.municipality} taken: {caseload} open cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
