"""The tamper-evident audit (issue 10, item 3) on the real stack: the hash chain per case written
by the database, the app role that can only append, the verification, the "hvem har set sagen"
view and the data protection officer's export."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, Engine, create_engine, insert, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from api.audit.chain import GENESIS, canonical_event, case_chain, link_hash
from api.audit.tables import audit_chain, audit_chain_head, audit_event
from api.audit.verify import verify
from api.testdata.cpr import synthetic_cpr
from infra.stack import REPO
from tests.harness.api import ApiClient
from tests.harness.platform import Platform


def superuser_url(platform: Platform) -> str:
    """The cluster's superuser (who can switch triggers off); the containers backend's owner
    is its superuser."""
    pg = platform.stack.postgres
    if pg is None:
        return platform.endpoints.owner_database_url
    database = platform.stack.options.database
    return f"postgresql+psycopg://postgres:{pg.password}@127.0.0.1:{pg.port}/{database}"


@pytest.fixture(scope="module")
def superuser(platform: Platform) -> Iterator[Engine]:
    engine = create_engine(superuser_url(platform))
    yield engine
    engine.dispose()


def new_case(client: ApiClient, cpr: str | None = None) -> str:
    response = client.post(
        "/api/underretninger",
        {
            "child_cpr": cpr or synthetic_cpr(uuid.uuid4().hex),
            "received_at": datetime.now(UTC).isoformat(),
            "reporter_type": "anonymous",
            "concern": "Barnet kommer ofte sultent i skole.",
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["case_id"])


def chain_of(conn: Connection, case_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(audit_chain, audit_event)
            .join(audit_event, audit_event.c.id == audit_chain.c.event_id)
            .where(audit_chain.c.chain_key == case_chain(case_id))
            .order_by(audit_chain.c.seq)
        )
    )


def assert_chain_valid(conn: Connection, case_id: str) -> list[Any]:
    """Recomputed in Python, link by link: the database's SQL serialisation agrees."""
    links = chain_of(conn, case_id)
    prev = GENESIS
    for seq, link in enumerate(links, start=1):
        assert link.seq == seq and link.prev_hash == prev
        event = {c.name: link._mapping[audit_event.c[c.name]] for c in audit_event.c}
        assert link.hash == link_hash(link.chain_key, seq, prev, canonical_event(event))
        prev = link.hash
    head = conn.execute(
        select(audit_chain_head).where(audit_chain_head.c.chain_key == case_chain(case_id))
    ).one()
    assert (head.seq, head.hash) == (len(links), prev)
    return links


def audit_row(case_ids: list[uuid.UUID], **values: Any) -> dict[str, Any]:
    return {
        "user_id": None,
        "username": "test",
        "roles": ["test"],
        "municipality_id": "901",
        "action": "test.append",
        "method": "TEST",
        "path": "/test",
        "status_code": 200,
        "case_ids": case_ids,
        **values,
    }


def run_verify(platform: Platform) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **platform.stack.app_env()}
    return subprocess.run(
        [sys.executable, "-m", "api.audit.verify"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_request_on_a_case_is_chained_by_the_database(
    platform: Platform, caseworker: ApiClient
) -> None:
    """Intake, reads and a refused read: the case's chain grows by one link per request that
    showed the case, and the database's hashes are the ones api/audit/chain.py computes."""
    case_id = new_case(caseworker)

    def reads(links: list[Any]) -> int:
        return sum(1 for link in links if link.action == "read_case")

    with platform.db.connect() as conn:
        before = assert_chain_valid(conn, case_id)
    for _ in range(3):
        assert caseworker.get(f"/api/cases/{case_id}").status_code == 200
    with platform.db.connect() as conn:
        links = assert_chain_valid(conn, case_id)
    # The intake's jobs (the CPR lookup, journalising) may add their own links meanwhile.
    assert reads(links) == reads(before) + 3
    assert links[: len(before)] == before, "the chain only grows"


def test_values_that_need_care_hash_the_same_in_sql_and_python(platform: Platform) -> None:
    """Newlines, non-ASCII, NULLs, empty lists, a row with no case (its municipality's chain)
    and none at all (global): the SQL and Python serialisations agree."""
    case_id = uuid.uuid4()
    rows = [
        audit_row([case_id], username='æøå "quoted"\nnew line\t\\', path="/ø/%s/:x"),
        audit_row([case_id], roles=[], user_id=uuid.uuid4(), status_code=None),
        audit_row([], municipality_id="901"),
        audit_row([], municipality_id=None, username=None),
    ]
    with platform.app_db.begin() as conn:
        ids = [
            conn.execute(insert(audit_event).values(**r).returning(audit_event.c.id)).scalar_one()
            for r in rows
        ]
    with platform.db.connect() as conn:
        assert_chain_valid(conn, str(case_id))
        for event_id, expected in zip(ids[2:], ("municipality:901", "global"), strict=True):
            link = conn.execute(select(audit_chain).where(audit_chain.c.event_id == event_id)).one()
            assert link.chain_key == expected
            event = conn.execute(select(audit_event).where(audit_event.c.id == event_id)).one()
            assert link.hash == link_hash(
                link.chain_key, link.seq, link.prev_hash, canonical_event(event._mapping)
            )


def test_concurrent_appends_to_one_case_keep_one_valid_chain(platform: Platform) -> None:
    """Eight threads append 25 rows each to one case through the app role, some rows naming a
    second case too: every link is there once, in one unbroken chain per case."""
    case_a, case_b = uuid.uuid4(), uuid.uuid4()
    engine = create_engine(platform.endpoints.database_url, pool_size=8, max_overflow=0)
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for i in range(25):
                cases = [case_a, case_b] if i % 5 == 0 else [case_a]
                with engine.begin() as conn:
                    conn.execute(
                        insert(audit_event).values(**audit_row(cases, path=f"/{worker}/{i}"))
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert not errors, errors
    with platform.db.connect() as conn:
        links_a = assert_chain_valid(conn, str(case_a))
        links_b = assert_chain_valid(conn, str(case_b))
    assert len(links_a) == 200 and len({link.event_id for link in links_a}) == 200
    assert len(links_b) == 40


def test_verify_sees_one_snapshot_while_rows_keep_coming(platform: Platform) -> None:
    """Heads and links read at different moments would disagree on a running system."""
    case_id = uuid.uuid4()
    engine = create_engine(platform.endpoints.database_url, pool_size=4, max_overflow=0)
    done = threading.Event()

    def append() -> None:
        while not done.is_set():
            with engine.begin() as conn:
                conn.execute(insert(audit_event).values(**audit_row([case_id])))

    threads = [threading.Thread(target=append) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(5):
            with platform.db.connect() as conn:
                found = verify(conn).breaks.get(case_chain(case_id))
            assert found is None, found
    finally:
        done.set()
        for thread in threads:
            thread.join()
        engine.dispose()
    with platform.db.connect() as conn:
        assert len(assert_chain_valid(conn, str(case_id))) > 5


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET username = 'someone else' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
        "TRUNCATE audit_event",
        "UPDATE audit_chain SET hash = 'x' WHERE event_id = :id",
        "DELETE FROM audit_chain WHERE event_id = :id",
        "INSERT INTO audit_chain VALUES ('case:x', 1, :id, 'x', 'x')",
        "UPDATE audit_chain_head SET hash = 'x' WHERE event_id = :id",
        "DELETE FROM audit_chain_head WHERE event_id = :id",
    ],
)
def test_the_app_role_can_only_append(platform: Platform, statement: str) -> None:
    """The services' role may insert audit rows and read them, nothing else."""
    with platform.app_db.begin() as conn:
        event_id = conn.execute(
            insert(audit_event).values(**audit_row([uuid.uuid4()])).returning(audit_event.c.id)
        ).scalar_one()
    with pytest.raises(ProgrammingError, match="permission denied"):
        with platform.app_db.begin() as conn:
            conn.execute(text(statement), {"id": event_id})
    with platform.app_db.connect() as conn:
        assert conn.execute(select(audit_event.c.id).where(audit_event.c.id == event_id)).one()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET username = 'someone else' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
        "TRUNCATE audit_event",
        "UPDATE audit_chain SET hash = 'x' WHERE event_id = :id",
        "DELETE FROM audit_chain WHERE event_id = :id",
        "TRUNCATE audit_chain",
        "DELETE FROM audit_chain_head WHERE event_id = :id",
    ],
)
def test_even_the_owner_is_refused_by_the_triggers(platform: Platform, statement: str) -> None:
    with platform.db.begin() as conn:
        event_id = conn.execute(
            insert(audit_event).values(**audit_row([uuid.uuid4()])).returning(audit_event.c.id)
        ).scalar_one()
    with pytest.raises(DBAPIError, match="append-only"):
        with platform.db.begin() as conn:
            conn.execute(text(statement), {"id": event_id})


@pytest.fixture
def tampering(superuser: Engine) -> Iterator[Connection]:
    """The superuser with triggers off (session_replication_role = replica): what an attacker
    with the cluster's keys can do, and what the verification must show."""
    with superuser.connect() as conn:
        conn.execute(text("SET session_replication_role = replica"))
        yield conn
        conn.execute(text("SET session_replication_role = DEFAULT"))
        conn.commit()


def _break_of(platform: Platform, case_id: str) -> Any:
    with platform.db.connect() as conn:
        report = verify(conn)
    return report.breaks.get(case_chain(case_id))


def test_verify_passes_an_intact_chain_and_names_the_case_and_row_of_a_tampered_one(
    platform: Platform, caseworker: ApiClient, tampering: Connection
) -> None:
    case_id = new_case(caseworker)
    for _ in range(3):
        caseworker.get(f"/api/cases/{case_id}")
    result = run_verify(platform)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "intact" in result.stdout
    with platform.db.connect() as conn:
        links = chain_of(conn, case_id)
    victim = links[-2]
    tampering.execute(
        text("UPDATE audit_event SET username = 'nobody' WHERE id = :id"), {"id": victim.event_id}
    )
    tampering.commit()
    try:
        result = run_verify(platform)
        assert result.returncode == 1
        line = next(ln for ln in result.stdout.splitlines() if case_id in ln)
        assert f"link {victim.seq}," in line and f"audit row {victim.event_id}:" in line
        assert "hash mismatch" in line
    finally:
        tampering.execute(
            text("UPDATE audit_event SET username = :u WHERE id = :id"),
            {"u": victim.username, "id": victim.event_id},
        )
        tampering.commit()
    assert _break_of(platform, case_id) is None
    assert run_verify(platform).returncode == 0


def test_verify_finds_a_removed_row_a_removed_link_and_an_unchained_row(
    platform: Platform, caseworker: ApiClient, tampering: Connection
) -> None:
    case_id = new_case(caseworker)
    for _ in range(3):
        caseworker.get(f"/api/cases/{case_id}")
    with platform.db.connect() as conn:
        links = chain_of(conn, case_id)
    victim = links[1]
    saved = {c.name: victim._mapping[audit_event.c[c.name]] for c in audit_event.c}
    tampering.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": victim.event_id})
    tampering.commit()
    found = _break_of(platform, case_id)
    assert (found.seq, found.event_id) == (victim.seq, victim.event_id)
    assert "gone" in found.reason
    tampering.execute(insert(audit_event).values(**saved))
    tampering.commit()
    assert _break_of(platform, case_id) is None

    # The last link cut off (and its row): the chain is shorter than its head.
    last = links[-1]
    tampering.execute(
        text("DELETE FROM audit_chain WHERE chain_key = :k AND seq = :s"),
        {"k": case_chain(case_id), "s": last.seq},
    )
    tampering.commit()
    found = _break_of(platform, case_id)
    assert found.seq == last.seq and "head" in found.reason
    tampering.execute(
        insert(audit_chain).values(
            chain_key=last.chain_key,
            seq=last.seq,
            event_id=last.event_id,
            prev_hash=last.prev_hash,
            hash=last.hash,
        )
    )
    tampering.commit()
    assert _break_of(platform, case_id) is None

    # A row slipped in with the trigger off is in no chain.
    slipped = tampering.execute(
        insert(audit_event).values(**audit_row([uuid.UUID(case_id)])).returning(audit_event.c.id)
    ).scalar_one()
    tampering.commit()
    try:
        found = _break_of(platform, case_id)
        assert found.event_id == slipped and "no chain" in found.reason
    finally:
        tampering.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": slipped})
        tampering.commit()
    assert _break_of(platform, case_id) is None


def test_the_migration_chains_the_rows_written_before_it(
    platform: Platform, superuser: Engine
) -> None:
    """A fresh database migrated to 0020, audit rows written, then upgraded: every old row is
    chained in id order and the chains verify."""
    from alembic import command
    from alembic.config import Config

    name = f"audit_backfill_{uuid.uuid4().hex[:8]}"
    with superuser.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = superuser.url.set(database=name).render_as_string(hide_password=False)
    config = Config(str(REPO / "alembic.ini"))
    config.attributes["url"] = url
    engine = create_engine(url)
    try:
        command.upgrade(config, "0020_sso")
        case_a, case_b = uuid.uuid4(), uuid.uuid4()
        with engine.begin() as conn:
            for cases in ([case_a], [case_a, case_b], [], [case_b], [case_a]):
                conn.execute(insert(audit_event).values(**audit_row(cases)))
        command.upgrade(config, "0021_audit_chain")
        with engine.connect() as conn:
            assert len(assert_chain_valid(conn, str(case_a))) == 3
            assert len(assert_chain_valid(conn, str(case_b))) == 2
            assert verify(conn).intact
            ids = [link.event_id for link in chain_of(conn, str(case_a))]
            assert ids == sorted(ids)
    finally:
        engine.dispose()
        with superuser.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


# --- hvem har set sagen ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def people(platform: Platform) -> Iterator[dict[str, ApiClient]]:
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    made = {
        u: ApiClient(base, u)
        for u in ("auditor", "analyst", "operator", "finance", "caseworker2", "caseworker3")
    }
    yield made
    for client in made.values():
        client.close()


def page_client(platform: Platform, username: str) -> httpx.Client:
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{platform.stack.ports.api}",
        headers={"Accept": "text/html"},
        timeout=30,
    )
    signed_in = client.post("/log-ind", data={"username": username, "password": "demo"})
    assert signed_in.status_code == 303, signed_in.text
    return client


def test_leaders_and_auditors_see_who_read_and_changed_the_case(
    platform: Platform,
    caseworker: ApiClient,
    leader: ApiClient,
    people: dict[str, ApiClient],
) -> None:
    case_id = new_case(caseworker)
    assert caseworker.get(f"/api/cases/{case_id}").status_code == 200
    first = leader.get(f"/api/cases/{case_id}/audit")
    assert first.status_code == 200, first.text
    log = first.json()
    entries = log["entries"]
    # The engine's jobs may add system rows (the CPR lookup) at any moment: look rows up.
    read = next(e for e in entries if e["action"] == "read_case")
    assert read["who"] == "Rikke Rådgiver" and read["what"] == "Åbnede sagen"
    assert read["kind"] == "Læste" and read["roles"] == ["caseworker"]
    assert any(e["action"] == "create_underretning" and e["kind"] == "Ændrede" for e in entries)
    assert log["head"]["seq"] >= entries[0]["seq"] == len(entries)
    assert [e["seq"] for e in entries] == list(range(len(entries), 0, -1))
    # Its own read is audited, in the case's chain.
    again = people["auditor"].get(f"/api/cases/{case_id}/audit").json()["entries"]
    assert any(e["who"] == "Lene Leder" and e["action"] == "read_case_audit" for e in again)
    for user in ("analyst", "operator", "finance", "caseworker3"):
        assert people[user].get(f"/api/cases/{case_id}/audit").status_code == 403, user
    assert caseworker.get(f"/api/cases/{case_id}/audit").status_code == 403
    # Outside the scope: the answer for a case that does not exist.
    south = new_case(people["caseworker2"])
    for client in (leader, people["auditor"]):
        outside = client.get(f"/api/cases/{south}/audit")
        nobody = client.get(f"/api/cases/{uuid.uuid4()}/audit")
        assert outside.status_code == nobody.status_code == 404
        assert outside.json() == nobody.json()
    with platform.db.connect() as conn:
        assert_chain_valid(conn, case_id)


def test_the_page_is_danish_linked_from_the_case_page_and_scoped(
    platform: Platform, caseworker: ApiClient, people: dict[str, ApiClient]
) -> None:
    case_id = new_case(caseworker)
    caseworker.get(f"/api/cases/{case_id}")
    leader_page = page_client(platform, "leader")
    worker_page = page_client(platform, "caseworker")
    try:
        case_page = leader_page.get(f"/sager/{case_id}")
        assert f'href="/sager/{case_id}/adgang"' in case_page.text
        assert "/adgang" not in worker_page.get(f"/sager/{case_id}").text
        page = leader_page.get(f"/sager/{case_id}/adgang")
        assert page.status_code == 200
        assert "Hvem har set sagen" in page.text and "Rikke Rådgiver" in page.text
        assert "Åbnede sagen" in page.text and 'lang="da"' in page.text
        assert worker_page.get(f"/sager/{case_id}/adgang").status_code == 403
        south = new_case(people["caseworker2"])
        outside = leader_page.get(f"/sager/{south}/adgang")
        nobody = leader_page.get(f"/sager/{uuid.uuid4()}/adgang")
        assert outside.status_code == nobody.status_code == 404
        assert south not in outside.text
    finally:
        leader_page.close()
        worker_page.close()
    with platform.db.connect() as conn:
        seen = conn.execute(
            select(audit_event.c.username, audit_event.c.case_ids)
            .where(audit_event.c.action == "case_audit_page", audit_event.c.status_code == 200)
            .order_by(audit_event.c.id.desc())
            .limit(1)
        ).one()
    assert seen.username == "leader" and seen.case_ids == [uuid.UUID(case_id)]


# --- the data protection officer's export ----------------------------------------------------


def independently_verified(chain: dict[str, Any]) -> bool:
    """The recipe the export carries, written out again without api/audit/chain.py."""

    def e(value: Any) -> str:
        return "~" if value is None else f"{len(str(value).encode())}:{value}"

    prev = "0" * 64
    for n, row in enumerate(chain["rows"], start=1):
        text_ = f"audit_chain v1\nchain={e(chain['chain_key'])}\nseq={e(n)}\nprev={e(prev)}\n"
        text_ += "audit_event v1\n"
        for name in (
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
        ):
            value = row[name]
            if isinstance(value, list):
                text_ += f"{name}=[{len(value)}]" + "".join(e(v) for v in value) + "\n"
            else:
                text_ += f"{name}={e(value)}\n"
        if row["seq"] != n or row["prev_hash"] != prev:
            return False
        if hashlib.sha256(text_.encode()).hexdigest() != row["hash"]:
            return False
        prev = row["hash"]
    return chain["head"] == {"seq": len(chain["rows"]), "hash": prev}


def test_the_auditor_exports_a_case_and_a_childs_cases_with_their_hashes(
    platform: Platform, caseworker: ApiClient, leader: ApiClient, people: dict[str, ApiClient]
) -> None:
    auditor = people["auditor"]
    cpr = synthetic_cpr(uuid.uuid4().hex)
    case_id = new_case(caseworker, cpr)
    caseworker.get(f"/api/cases/{case_id}")
    by_case = auditor.http.post("/api/audit/export", json={"case_id": case_id})
    assert by_case.status_code == 200, by_case.text
    chains = by_case.json()["chains"]
    assert [c["case_id"] for c in chains] == [case_id]
    assert len(chains[0]["rows"]) >= 2 and independently_verified(chains[0])

    by_cpr = auditor.http.post("/api/audit/export", json={"cpr": cpr, "format": "csv"})
    assert by_cpr.status_code == 200 and by_cpr.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(by_cpr.text)))
    assert {r["chain_key"] for r in rows} == {case_chain(case_id)}
    # The export's own row is in the chain: one more than before.
    assert len(rows) > len(chains[0]["rows"])
    assert rows[-1]["hash"] == rows[-1]["head_hash"]
    assert [r["hash"] for r in rows[: len(chains[0]["rows"])]] == [
        r["hash"] for r in chains[0]["rows"]
    ]
    with platform.db.connect() as conn:
        last = conn.execute(
            select(audit_event)
            .where(audit_event.c.action == "audit_export")
            .order_by(audit_event.c.id.desc())
            .limit(1)
        ).one()
    assert last.username == "auditor" and last.path == "/api/audit/export"
    assert cpr not in repr(tuple(last)) and cpr[:6] not in last.path

    assert leader.http.post("/api/audit/export", json={"case_id": case_id}).status_code == 403
    assert caseworker.http.post("/api/audit/export", json={"cpr": cpr}).status_code == 403
    south_cpr = synthetic_cpr(uuid.uuid4().hex)
    south = new_case(people["caseworker2"], south_cpr)
    outside = auditor.http.post("/api/audit/export", json={"case_id": south})
    nobody = auditor.http.post("/api/audit/export", json={"case_id": str(uuid.uuid4())})
    assert outside.status_code == nobody.status_code == 404 and outside.json() == nobody.json()
    foreign = auditor.http.post("/api/audit/export", json={"cpr": south_cpr})
    unknown = auditor.http.post("/api/audit/export", json={"cpr": synthetic_cpr(uuid.uuid4().hex)})
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    bad = auditor.http.post("/api/audit/export", json={"cpr": "12345x-not-a-cpr"})
    assert bad.status_code == 422 and "12345x" not in bad.text
    both = auditor.http.post("/api/audit/export", json={"cpr": cpr, "case_id": case_id})
    assert both.status_code == 422 and cpr not in both.text


def run_export(platform: Platform, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **platform.stack.app_env()}
    return subprocess.run(
        [sys.executable, "-m", "api.audit.export", *args],
        env=env,
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_export_command_takes_the_cpr_on_stdin_and_writes_verifiable_chains(
    platform: Platform, caseworker: ApiClient
) -> None:
    cpr = synthetic_cpr(uuid.uuid4().hex)
    case_id = new_case(caseworker, cpr)
    result = run_export(platform, "--cpr-stdin", stdin=cpr + "\n")
    assert result.returncode == 0, result.stderr
    chains = json.loads(result.stdout)["chains"]
    assert [c["case_id"] for c in chains] == [case_id] and independently_verified(chains[0])
    assert cpr not in result.stderr
    as_csv = run_export(platform, "--case", case_id, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    # The first export's own audit row (system:dpo-export) is in the chain now.
    assert any(r["username"] == "system:dpo-export" and r["action"] == "audit.export" for r in rows)
    assert run_export(platform, "--cpr-stdin", stdin="not a cpr\n").returncode == 2
    unknown = run_export(platform, "--cpr-stdin", stdin=synthetic_cpr(uuid.uuid4().hex))
    assert unknown.returncode == 1 and "no cases" in unknown.stderr
    with platform.db.connect() as conn:
        assert verify(conn).breaks.get(case_chain(case_id)) is None
