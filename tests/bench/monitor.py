"""`make bench`: the operators' monitor at 1,000,000 instances.

Seeds the read model directly (no engine: a million instances through the broker would take
hours here) on a PostgreSQL of its own, then times the monitor's queries through the same code
the API runs (`api.monitor.queries`): the first page and a deep page, each filter, a count for a
batch preview, the definitions with their counts and the incident list. Prints the median and
the slowest of several runs per query; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import hashlib
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, create_engine, text

from api.cases.tables import case
from api.monitor import queries as q
from tests.bench.database import database_stack, timed

FIRST_KEY = 2251799813685248
PROCESSES = ("underretning", "afdaekning", "boernefaglig_undersoegelse", "afgoerelse")
VERSIONS = 3
ELEMENTS = ("vurdering", "kvittering", "partshoering")

SEED = [
    # Children and cases: 90 % in Nord (901), where the benchmark's operator works.
    """INSERT INTO person (id, cpr, cpr_status)
       SELECT md5('bench-person-' || i)::uuid, 'bench-' || i, 'found'
         FROM generate_series(1, :cases) AS i""",
    """INSERT INTO "case" (id, case_number, municipality_id, org_unit_id, child_id, kle_subject)
       SELECT md5('bench-case-' || i)::uuid, 'BENCH-' || i,
              CASE WHEN i % 10 = 0 THEN '902' ELSE '901' END,
              (SELECT id FROM org_unit
                WHERE municipality_id = CASE WHEN i % 10 = 0 THEN '902' ELSE '901' END),
              md5('bench-person-' || i)::uuid, '34.10.10'
         FROM generate_series(1, :cases) AS i""",
    """INSERT INTO process_definition (process_definition_key, bpmn_process_id, version,
                resource_name, bpmn_xml, timer_rules, deployed_at, last_position)
       SELECT 1000 + d, (CAST(:processes AS text[]))[1 + d / :versions], 1 + d % :versions,
              'bench.bpmn', '<definitions/>', '{}', now(), d
         FROM generate_series(0, :definitions - 1) AS d""",
    # 80 % completed, 15 % active, 5 % terminated; one started every 30 s, newest last.
    """INSERT INTO process_instance (process_instance_key, process_definition_key,
                bpmn_process_id, version, state, started_at, ended_at, last_position, case_id)
       SELECT :first + i * 8, 1000 + i % :definitions,
              (CAST(:processes AS text[]))[1 + (i % :definitions) / :versions],
              1 + (i % :definitions) % :versions,
              CASE WHEN i % 20 < 16 THEN 'COMPLETED' WHEN i % 20 < 19 THEN 'ACTIVE'
                   ELSE 'TERMINATED' END,
              now() - (:instances - i) * interval '30 seconds',
              CASE WHEN i % 20 < 16 OR i % 20 = 19 THEN now() END,
              i, md5('bench-case-' || (1 + (i::bigint * 7919) % :cases))::uuid
         FROM generate_series(0, :instances - 1) AS i""",
    """INSERT INTO element_instance (element_instance_key, process_instance_key,
                process_definition_key, element_id, element_type, state, started_at,
                last_position)
       SELECT process_instance_key + 1, process_instance_key, process_definition_key,
              (CAST(:elements AS text[]))[1 + last_position % 3], 'USER_TASK',
              'ACTIVE', started_at, last_position
         FROM process_instance WHERE state = 'ACTIVE'""",
    # An open incident on about every 53rd active instance, a resolved one on every 7th completed.
    """INSERT INTO incident (incident_key, process_instance_key, element_instance_key,
                element_id, bpmn_process_id, error_type, error_message, state, created_at,
                resolved_at, last_position)
       SELECT process_instance_key + 2, process_instance_key, process_instance_key + 1,
              'vurdering', bpmn_process_id, 'JOB_NO_RETRIES', 'CPR-opslag: Unavailable',
              CASE WHEN state = 'ACTIVE' THEN 'ACTIVE' ELSE 'RESOLVED' END, started_at,
              CASE WHEN state = 'ACTIVE' THEN NULL ELSE ended_at END, last_position
         FROM process_instance
        WHERE (state = 'ACTIVE' AND last_position % 53 = 0)
           OR (state = 'COMPLETED' AND last_position % 7 = 0)""",
]


def seed(conn: Connection, instances: int, cases: int) -> None:
    params: dict[str, Any] = {
        "cases": cases,
        "instances": instances,
        "processes": list(PROCESSES),
        "versions": VERSIONS,
        "definitions": len(PROCESSES) * VERSIONS,
        "first": FIRST_KEY,
        "elements": list(ELEMENTS),
    }
    for statement in SEED:
        sql = text(statement)
        conn.execute(sql, {k: v for k, v in params.items() if f":{k}" in statement})
    conn.execute(text("ANALYZE"))


def measure(conn: Connection, instances: int, runs: int) -> None:
    # The monitor's scope for an operator of Nord without a KLE constraint.
    nord = case.c.municipality_id == "901"
    middle = FIRST_KEY + (instances // 2) * 8
    a_case = uuid.UUID(_md5("bench-case-42"))
    now = datetime.now(UTC)
    flt = q.InstanceFilter
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("first page, no filter", lambda: q.list_instances(conn, nord, flt())),
        ("deep page (after the middle key)", lambda: q.list_instances(conn, nord, flt(), middle)),
        ("process", lambda: q.list_instances(conn, nord, flt(process="afgoerelse"))),
        (
            "process + version + state ACTIVE",
            lambda: q.list_instances(
                conn, nord, flt(process="afgoerelse", version=2, state="ACTIVE")
            ),
        ),
        ("state TERMINATED", lambda: q.list_instances(conn, nord, flt(state="TERMINATED"))),
        ("with an open incident", lambda: q.list_instances(conn, nord, flt(incident=True))),
        ("one case", lambda: q.list_instances(conn, nord, flt(case_id=a_case))),
        (
            "started in one day, a month ago",
            lambda: q.list_instances(
                conn,
                nord,
                flt(started_from=now - timedelta(days=31), started_to=now - timedelta(days=30)),
            ),
        ),
        ("active element", lambda: q.list_instances(conn, nord, flt(element="partshoering"))),
        (
            "process + active element + incident",
            lambda: q.list_instances(
                conn, nord, flt(process="underretning", element="vurdering", incident=True)
            ),
        ),
        (
            "count for a batch preview (process + element)",
            lambda: q.count_instances(
                conn, nord, flt(process="underretning", element="vurdering", state="ACTIVE")
            ),
        ),
        ("definitions with counts", lambda: q.definitions(conn, nord)),
        ("open incidents, first page", lambda: q.list_incidents(conn, nord, q.IncidentFilter())),
    ]
    print(f"{'query':<48} {'median ms':>10} {'max ms':>8}  rows")
    for name, fn in cases:
        median, worst, result = timed(runs, fn)
        rows = result["items"] if isinstance(result, dict) else result
        size = rows if isinstance(rows, int) else len(rows)
        print(f"{name:<48} {median:>10.1f} {worst:>8.1f}  {size}")

    t0 = time.perf_counter()
    after, pages = None, 0
    while pages < 20:
        page = q.list_instances(conn, nord, flt(process="afdaekning"), after)
        pages += 1
        after = int(page["next"]) if page["next"] else None
        if after is None:
            break
    per_page = (time.perf_counter() - t0) * 1000 / pages
    print(f"{'keyset paging, 20 pages of 50 (per page)':<48} {per_page:>10.1f}")


def _md5(value: str) -> str:
    return hashlib.md5(value.encode(), usedforsecurity=False).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with database_stack("bench-monitor") as stack:
        db = create_engine(stack.owner_database_url)
        t0 = time.monotonic()
        with db.begin() as conn:
            seed(conn, args.instances, args.cases)
        print(
            f"seeded {args.instances} instances over {args.cases} cases "
            f"in {time.monotonic() - t0:.0f}s"
        )
        with db.connect() as conn:
            counts = conn.execute(
                text("SELECT state, count(*) FROM process_instance GROUP BY state ORDER BY 1")
            ).all()
            print("instances: " + ", ".join(f"{s} {n}" for s, n in counts))
            measure(conn, args.instances, args.runs)
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
