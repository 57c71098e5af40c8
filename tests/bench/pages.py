"""`make bench`: Mit overblik (/) and the case page (/sager/{id}) at 100,000 open tasks and
50,000 cases.

Seeds the case store and the read model directly (no engine: 100,000 user tasks through the
broker would take hours here) on a PostgreSQL of its own, everything marked synthetic: case
numbers start with `SYN-`, cases carry the flag `syntetisk`, children and parents get their CPR
numbers from `api.testdata` and their names say "Syntetisk". The process definitions are the
repository's own BPMN files (so task names and deadlines are read from real XML), each deployed
in three versions; every case has two running instances with one open user task each (with its
deadline timer) and one completed instance.

The cases are spread over synthetic teams of Demo Nord (901); the development users
`caseworker` and `leader` work in the first team. Then the pages are requested through the
application itself (FastAPI's TestClient: session cookie, scope, audit row, template), as a
caseworker and as a team leader, and p50 and p95 printed per page. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import Connection, create_engine, insert, text

from api.cases.tables import case, person
from api.demo.seed import duty_group, unit_id, user_id
from api.demo.synthetic import FLAG, PREFIX, unique_cprs
from api.org.tables import org_unit
from api.testdata.cpr import synthetic_cpr
from infra.stack import REPO
from tests.bench.database import database_stack

FIRST_KEY = 2251799813685248
# The processes with user tasks a caseworker meets every day.
PROCESSES = (
    "underretning",
    "boernefaglig_undersoegelse",
    "afgoerelse",
    "stoettende_indsats",
    "anbringelse",
)
VERSIONS = 3
# Deadline rules on the tasks' timers (api/rules/catalogue.py).
RULES = ("D1", "D2", "D5", "D8", "D9", "D19", "D20")
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
TEAM_SIZE = 10

SEED = [
    # Per case c: instances j = c, c + N (running, one open task each) and c + 2N (completed).
    """INSERT INTO process_instance (process_instance_key, process_definition_key,
                bpmn_process_id, version, state, started_at, ended_at, last_position, case_id)
       SELECT :first + j * 8, d.process_definition_key, d.bpmn_process_id, d.version,
              CASE WHEN j < 2 * :cases THEN 'ACTIVE' ELSE 'COMPLETED' END,
              now() - ((j % :cases) % 400 + 20 * (j / :cases)) * interval '1 day',
              CASE WHEN j >= 2 * :cases THEN now() - interval '1 day' END,
              j, md5('bench-case-' || (j % :cases))::uuid
         FROM generate_series(0, 3 * :cases - 1) AS j
         JOIN bench_definition d ON d.n = j % :definitions""",
    # The case id where the task list finds it, and two more variables (never personal data).
    """INSERT INTO variable (variable_key, scope_key, process_instance_key, name, value,
                last_position)
       SELECT process_instance_key + v, process_instance_key, process_instance_key,
              (ARRAY['caseId', 'dutyGroup', 'municipalityId'])[v],
              CASE v WHEN 1 THEN '"' || case_id || '"'
                     WHEN 2 THEN '"bench"' ELSE '"901"' END,
              last_position
         FROM process_instance, generate_series(1, 3) AS v""",
    """INSERT INTO element_instance (element_instance_key, process_instance_key,
                process_definition_key, element_id, element_type, state, started_at,
                last_position)
       SELECT p.process_instance_key + 4, p.process_instance_key, p.process_definition_key,
              e.element_id, 'USER_TASK',
              CASE p.state WHEN 'ACTIVE' THEN 'ACTIVE' ELSE 'COMPLETED' END, p.started_at,
              p.last_position
         FROM process_instance p
         JOIN bench_element e ON e.process_definition_key = p.process_definition_key
          AND e.n = p.last_position % e.count""",
    # The open tasks: about one in seven in the team's duty queue, the rest with one of the
    # team's caseworkers (the first team's first is `caseworker`); due from 10 days ago to 60
    # days ahead. The completed instances' tasks are COMPLETED.
    """INSERT INTO user_task (user_task_key, element_instance_key, process_instance_key,
                process_definition_key, bpmn_process_id, element_id, assignee,
                candidate_groups, candidate_users, due_date, custom_headers, state, created_at,
                ended_at, last_position)
       SELECT e.element_instance_key + 1, e.element_instance_key, e.process_instance_key,
              e.process_definition_key, p.bpmn_process_id, e.element_id,
              CASE WHEN p.last_position % 7 = 0 THEN NULL
                   WHEN t.team = 0 AND t.member = 0 THEN 'caseworker'
                   ELSE 'syntetisk-' || t.team || '-' || t.member END,
              jsonb_build_array(t.duty_group), '[]',
              to_char((now() + (p.last_position % 70 - 10) * interval '1 day'
                       + (p.last_position % 24) * interval '1 hour') AT TIME ZONE 'UTC',
                      'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
              '{}', CASE p.state WHEN 'ACTIVE' THEN 'CREATED' ELSE 'COMPLETED' END,
              p.started_at, p.ended_at, p.last_position
         FROM element_instance e
         JOIN process_instance p USING (process_instance_key)
         JOIN bench_case_team t ON t.case_id = p.case_id""",
    # A deadline timer per task, due when the task is (open, or met for a completed one).
    """INSERT INTO timer (timer_key, process_definition_key, process_instance_key,
                element_instance_key, target_element_id, due_at, repetitions, state,
                deadline_rule, last_position)
       SELECT u.user_task_key + 1, u.process_definition_key, u.process_instance_key,
              u.element_instance_key, 'frist', CAST(u.due_date AS timestamptz), 1,
              CASE u.state WHEN 'CREATED' THEN 'CREATED' ELSE 'CANCELED' END,
              (CAST(:rules AS text[]))[1 + u.last_position % :rule_count], u.last_position
         FROM user_task u""",
]


def _md5_uuid(value: str) -> uuid.UUID:
    return uuid.UUID(hashlib.md5(value.encode(), usedforsecurity=False).hexdigest())


def team_unit(team: int) -> uuid.UUID:
    return unit_id("901") if team == 0 else _md5_uuid(f"bench-team-{team}")


def team_group(team: int) -> str:
    return duty_group("901") if team == 0 else f"901-syntetisk-{team}"


def user_tasks(bpmn: Path) -> list[str]:
    root = etree.parse(str(bpmn), etree.XMLParser(resolve_entities=False)).getroot()
    return [str(e.get("id")) for e in root.iter(f"{BPMN}userTask")]


def seed(conn: Connection, cases: int, teams: int) -> None:
    """`cases` synthetic children with a case each, their process instances and open tasks."""
    conn.execute(
        insert(org_unit),
        [
            {
                "id": team_unit(k),
                "municipality_id": "901",
                "name": f"Syntetisk team {k}",
                "duty_group": team_group(k),
                "leader_group": f"{team_group(k)}-ledere",
            }
            for k in range(1, teams)
        ],
    )
    families = (cases + 1) // 2
    children = unique_cprs(conn, cases, "bench-pages")
    mothers = [
        synthetic_cpr(f"bench-mother:{f}", birth_date=date(1985, 1 + f % 12, 2 + f % 27))
        for f in range(families)
    ]
    fathers = [
        synthetic_cpr(f"bench-father:{f}", birth_date=date(1983, 1 + f % 12, 2 + f % 27))
        for f in range(families)
    ]
    persons: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    # Two children per family, in the same team: the case page shows the sibling.
    for c, cpr in enumerate(children):
        family = c // 2
        team = family % teams
        persons.append(
            {
                "id": _md5_uuid(f"bench-person-{c}"),
                "cpr": cpr,
                "cpr_status": "found",
                "cpr_looked_up_at": datetime.now(UTC),
                "cpr_data": {
                    "first_names": ("Alma", "Noah", "Ida", "Oscar", "Freja")[c % 5],
                    "last_name": f"Syntetisk {c + 1}",
                    "synthetic": True,
                    "address_protected": c % 50 == 0,
                    "mother_cpr": mothers[family],
                    "father_cpr": fathers[family],
                    "custody": [
                        {"holder_cpr": mothers[family], "kind": "mother"},
                        {"holder_cpr": fathers[family], "kind": "father"},
                    ],
                },
            }
        )
        rows.append(
            {
                "id": _md5_uuid(f"bench-case-{c}"),
                "case_number": f"{PREFIX}BENCH-{c + 1:06d}",
                "municipality_id": "901",
                "org_unit_id": team_unit(team),
                "child_id": _md5_uuid(f"bench-person-{c}"),
                "kle_subject": "34.10.10",
                "flags": [FLAG] + (["gentagen_bekymring"] if c % 10 == 3 else []),
                "created_at": datetime.now(UTC) - timedelta(days=c % 400 + 30),
            }
        )
    for table, values in ((person, persons), (case, rows)):
        for start in range(0, len(values), 1000):
            conn.execute(insert(table).values(values[start : start + 1000]))

    conn.execute(
        text(
            "CREATE TEMP TABLE bench_case_team (case_id uuid PRIMARY KEY, team int, member int,"
            " duty_group text)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO bench_case_team SELECT md5('bench-case-' || c)::uuid, (c / 2) % :teams,"
            " (c / 2 / :teams) % :team_size,"
            " CASE WHEN (c / 2) % :teams = 0 THEN :first_group"
            " ELSE '901-syntetisk-' || (c / 2) % :teams END"
            " FROM generate_series(0, :cases - 1) AS c"
        ),
        {"teams": teams, "team_size": TEAM_SIZE, "first_group": team_group(0), "cases": cases},
    )
    definitions: list[dict[str, Any]] = []
    elements: list[dict[str, Any]] = []
    for p, process in enumerate(PROCESSES):
        path = REPO / "bpmn" / f"{process}.bpmn"
        xml = path.read_text()
        ids = user_tasks(path)
        for version in range(1, VERSIONS + 1):
            key = 1000 + p * VERSIONS + version
            definitions.append(
                {
                    "n": len(definitions),
                    "key": key,
                    "process": process,
                    "version": version,
                    "resource": path.name,
                    "xml": xml,
                }
            )
            elements += [
                {"key": key, "n": i, "element": e, "count": len(ids)} for i, e in enumerate(ids)
            ]
    conn.execute(
        text(
            "INSERT INTO process_definition (process_definition_key, bpmn_process_id, version,"
            " resource_name, bpmn_xml, timer_rules, deployed_at, last_position)"
            " VALUES (:key, :process, :version, :resource, :xml, '{}', now(), :n)"
        ),
        definitions,
    )
    conn.execute(
        text(
            "CREATE TEMP TABLE bench_definition AS SELECT process_definition_key,"
            " bpmn_process_id, version, last_position AS n FROM process_definition"
            " WHERE process_definition_key >= 1000"
        )
    )
    conn.execute(
        text(
            "CREATE TEMP TABLE bench_element (process_definition_key bigint, n int,"
            " element_id text, count int)"
        )
    )
    conn.execute(text("INSERT INTO bench_element VALUES (:key, :n, :element, :count)"), elements)
    params: dict[str, Any] = {
        "cases": cases,
        "definitions": len(definitions),
        "first": FIRST_KEY,
        "rules": list(RULES),
        "rule_count": len(RULES),
    }
    for statement in SEED:
        conn.execute(text(statement), {k: v for k, v in params.items() if f":{k}" in statement})
    conn.execute(text("ANALYZE"))


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(runs: int, fn: Callable[[int], Any]) -> tuple[float, float]:
    fn(0)  # warm: templates compiled, connections open
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t0) * 1000)
    return percentiles(times)


def measure(database_url: str, owner_url: str, cases: int, teams: int, runs: int) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth.service import issue_token
    from api.settings import get_settings
    from api.web.session import COOKIE

    db = create_engine(owner_url)
    with db.begin() as conn:
        tokens = {u: issue_token(conn, user_id(u)) for u in ("caseworker", "leader")}
        counts = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE state = 'CREATED'),"
                " count(*) FILTER (WHERE state = 'CREATED' AND candidate_groups ? :g),"
                " count(*) FILTER (WHERE state = 'CREATED' AND assignee = 'caseworker')"
                " FROM user_task"
            ),
            {"g": team_group(0)},
        ).one()
    db.dispose()
    own = [c for c in range(cases) if (c // 2) % teams == 0]
    print(
        f"open tasks {counts[0]}, of them {counts[1]} in the first team's duty group and "
        f"{counts[2]} with `caseworker`; {len(own)} of {cases} cases in the first team"
    )
    # The app (and what it reads through get_settings: the clock) on the bench's database.
    os.environ["DATABASE_URL"] = database_url
    os.environ["BS_REDIS_URL"] = "redis://127.0.0.1:1/0"
    get_settings.cache_clear()
    settings = get_settings()
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        print(f"{'page':<40} {'user':<12} {'p50 ms':>8} {'p95 ms':>8}  runs")
        for username, token in tokens.items():
            client.cookies.set(COOKIE, token)

            def get(path: str) -> None:
                answer = client.get(path)
                assert answer.status_code == 200, (path, answer.status_code)

            pages: list[tuple[str, Callable[[int], Any]]] = [
                ("Mit overblik (/)", lambda i: get("/")),
                ("Mit overblik, filtered (/?frist=i_dag)", lambda i: get("/?frist=i_dag")),
                (
                    "case page (/sager/{id})",
                    lambda i: get(f"/sager/{_md5_uuid(f'bench-case-{own[i * 7 % len(own)]}')}"),
                ),
            ]
            for name, fn in pages:
                p50, p95 = timed(runs, fn)
                print(f"{name:<40} {username:<12} {p50:>8.1f} {p95:>8.1f}  {runs}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    with database_stack("bench-pages") as stack:
        db = create_engine(stack.owner_database_url)
        t0 = time.monotonic()
        with db.begin() as conn:
            seed(conn, args.cases, args.teams)
        print(
            f"seeded {args.cases} cases, {2 * args.cases} open tasks in {args.teams} teams "
            f"in {time.monotonic() - t0:.0f}s"
        )
        db.dispose()
        measure(stack.database_url, stack.owner_database_url, args.cases, args.teams, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
