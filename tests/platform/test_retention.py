"""Retention on the real engine (issue 10, item 4): a closed case past its KLE retention period
is deleted or anonymised in the case store, the read model and the raw exporter records; a case
not yet due, an open case and a case with an instance still running are left alone; the run's
report lists what was done. A case the database refuses is rolled back whole and becomes an
incident; after the repair the retry finishes it, and a rerun does nothing more."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from api.audit.tables import audit_event
from api.cases.tables import case, form_document, person, statistics_event, underretning
from api.dst.codes import CodeLists, load_shipped
from api.dst.delivery import prepare
from api.dst.tables import dst_delivery
from api.esdh.tables import journal_note
from api.projector import tables as rm
from api.retention.tables import raw_record_purge
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.readmodel import rows
from tests.harness.waiting import eventually
from tests.platform.test_dst import reported
from tests.platform.test_integration_faults import resolve
from tests.platform.test_investigation import complete, start_underretning, task_named

REASON = {"reason": "intet_behov", "explanation": "Underretningen gav ikke grund til støtte."}
NOTE = {"title": "Telefonsamtale med moren", "text": "Moren fortalte om barnets søvnproblemer."}


@pytest.fixture
def operator(platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "operator")
    yield client
    client.close()


def years_ago(years: int) -> date:
    today = date.today()
    return today.replace(year=today.year - years) - timedelta(days=1)


def case_row(platform: Platform, case_id: str) -> Any:
    with platform.db.connect() as conn:
        return conn.execute(select(case).where(case.c.id == uuid.UUID(case_id))).one_or_none()


def child_cpr(platform: Platform, case_id: str) -> str:
    with platform.db.connect() as conn:
        return str(
            conn.execute(
                select(person.c.cpr)
                .join(case, case.c.child_id == person.c.id)
                .where(case.c.id == uuid.UUID(case_id))
            ).scalar_one()
        )


def mentions(platform: Platform, case_id: str) -> dict[str, int]:
    """Where the engine history still names the case: raw records and projected rows. The
    retention runs' own records are left out: a failed run's incident names the case id (an id,
    no personal data), as its report does."""
    like = f"%{case_id}%"
    with platform.db.connect() as conn:
        return {
            "raw_record": conn.execute(
                text(
                    "SELECT count(*) FROM raw_record WHERE payload::text LIKE :like"
                    " AND (payload #>> '{value,processInstanceKey}')::bigint"
                    " <> ALL(:runs)"
                ),
                {"like": like, "runs": sorted(run_keys(platform))},
            ).scalar_one(),
            "variable": conn.execute(
                select(func.count()).select_from(rm.variable).where(rm.variable.c.value.like(like))
            ).scalar_one(),
            "process_instance": conn.execute(
                select(func.count())
                .select_from(rm.process_instance)
                .where(rm.process_instance.c.case_id == uuid.UUID(case_id))
            ).scalar_one(),
        }


def retention_audit(platform: Platform, case_id: str) -> list[str]:
    """The audit rows retention wrote for the case (as the system user)."""
    with platform.db.connect() as conn:
        return list(
            conn.execute(
                select(audit_event.c.action).where(
                    audit_event.c.case_ids.contains([uuid.UUID(case_id)]),
                    audit_event.c.action.like("retention.%"),
                    audit_event.c.username == "system",
                )
            ).scalars()
        )


def count(platform: Platform, table: Any, case_id: str) -> int:
    with platform.db.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(table).where(table.c.case_id == uuid.UUID(case_id))
            ).scalar_one()
        )


def all_ended(platform: Platform, case_id: str) -> bool:
    found = rows(platform.db, rm.process_instance, case_id=uuid.UUID(case_id))
    return bool(found) and all(i.state in ("COMPLETED", "TERMINATED") for i in found)


def backdate_closing(platform: Platform, case_id: str, closed_on: date) -> None:
    with platform.db.begin() as conn:
        conn.execute(
            update(statistics_event)
            .where(
                statistics_event.c.case_id == uuid.UUID(case_id),
                statistics_event.c.subject == "sag",
                statistics_event.c.event == "end",
            )
            .values(occurred_on=closed_on)
        )


def closed_case(
    platform: Platform, caseworker: ApiClient, closed_on: date, kle: str | None = None
) -> str:
    """An underretning closed through sagsafslutning, with a journal note; closed on the date
    given, and under another KLE subject if given."""
    case_id, _ = start_underretning(caseworker, "close")
    noted = caseworker.post(f"/api/cases/{case_id}/journal-notes", NOTE)
    assert noted.status_code == 201, noted.text
    assert caseworker.post(f"/api/cases/{case_id}/close", {}).status_code == 201
    complete(caseworker, task_named(caseworker, case_id, "Afslut sagen"), REASON)
    eventually(lambda: case_row(platform, case_id).status == "closed")
    eventually(lambda: all_ended(platform, case_id), what="every instance of the case ended")
    platform.wait_projected()
    backdate_closing(platform, case_id, closed_on)
    if kle is not None:
        with platform.db.begin() as conn:
            conn.execute(
                update(case).where(case.c.id == uuid.UUID(case_id)).values(kle_subject=kle)
            )
    return case_id


def run_keys(platform: Platform) -> set[int]:
    return {
        i.process_instance_key
        for i in rows(platform.db, rm.process_instance, bpmn_process_id="retention")
    }


def start_run(platform: Platform, operator: ApiClient) -> int:
    """A run requested now; returns its process instance key."""
    before = run_keys(platform)
    assert operator.post("/api/retention/koersler").status_code == 202
    (key,) = eventually(lambda: run_keys(platform) - before, what="the retention run started")
    return key


def finished(platform: Platform, key: int) -> dict[str, Any]:
    """The run's output variables once its instance completed."""
    eventually(
        lambda: any(
            i.state == "COMPLETED"
            for i in rows(platform.db, rm.process_instance, process_instance_key=key)
        ),
        timeout=120,
        what="the retention run completed",
    )
    platform.wait_projected()
    return {v.name: v.value for v in rows(platform.db, rm.variable, process_instance_key=key)}


def report(client: ApiClient, key: int) -> list[dict[str, Any]]:
    (run,) = [r for r in client.get("/api/retention/koersler").json() if r["run_key"] == str(key)]
    response = client.get(f"/api/retention/koersler/{run['id']}")
    assert response.status_code == 200, response.text
    return list(response.json())


def test_a_run_deletes_and_anonymises_due_cases_everywhere_and_reports_them(
    platform: Platform, caseworker: ApiClient, leader: ApiClient, operator: ApiClient
) -> None:
    deleted = closed_case(platform, caseworker, years_ago(5))  # 34.10.10: 5 years, delete
    anonymised = closed_case(platform, caseworker, years_ago(10), kle="34.25.00")  # 10, anonymise
    not_due = closed_case(platform, caseworker, years_ago(4))
    open_case, _ = start_underretning(caseworker, "close")
    # Closed on paper 6 years ago, but its afdækning is still running: left for a later run.
    running, _ = start_underretning(caseworker, "afdaekning")
    eventually(lambda: task_named(caseworker, running, "Afdækning"))
    with platform.db.begin() as conn:
        conn.execute(update(case).where(case.c.id == uuid.UUID(running)).values(status="closed"))
        conn.execute(
            statistics_event.insert().values(
                id=uuid.uuid4(),
                case_id=uuid.UUID(running),
                subject="sag",
                subject_id=uuid.UUID(running),
                event="end",
                occurred_on=years_ago(6),
                code="intet_behov",
            )
        )
    cprs = {c: child_cpr(platform, c) for c in (deleted, anonymised, not_due, open_case)}
    untouched_before = {c: mentions(platform, c) for c in (not_due, open_case, running)}
    assert all(m["raw_record"] > 0 for m in untouched_before.values())
    assert mentions(platform, deleted)["raw_record"] > 0

    key = start_run(platform, operator)
    outputs = finished(platform, key)
    assert int(outputs["casesDeleted"]) >= 1 and int(outputs["casesAnonymised"]) >= 1

    # Deleted: nothing of the case is left, in the case store or the engine's history.
    assert case_row(platform, deleted) is None
    for table in (underretning, form_document, journal_note, statistics_event):
        assert count(platform, table, deleted) == 0, table.name
    assert mentions(platform, deleted) == {"raw_record": 0, "variable": 0, "process_instance": 0}
    with platform.db.connect() as conn:
        assert conn.execute(select(person).where(person.c.cpr == cprs[deleted])).first() is None
        purged = conn.execute(
            select(func.count())
            .select_from(raw_record_purge)
            .where(raw_record_purge.c.case_id == uuid.UUID(deleted))
        ).scalar_one()
    assert purged > 0
    assert retention_audit(platform, deleted) == ["retention.delete"]
    assert retention_audit(platform, anonymised) == ["retention.anonymise"]

    # Anonymised: the case and its statistics stay, without anyone in it.
    kept = case_row(platform, anonymised)
    assert kept.status == "anonymised" and kept.kle_subject == "34.25.00"
    with platform.db.connect() as conn:
        child = conn.execute(select(person).where(person.c.id == kept.child_id)).one()
        (reported,) = conn.execute(
            select(underretning).where(underretning.c.case_id == uuid.UUID(anonymised))
        ).all()
        assert conn.execute(select(person).where(person.c.cpr == cprs[anonymised])).first() is None
    assert child.cpr is None and child.cpr_data is None and child.cpr_status == "anonymised"
    assert reported.concern == "" and reported.reporter_name is None
    assert count(platform, form_document, anonymised) == 0
    assert count(platform, journal_note, anonymised) == 0
    assert count(platform, statistics_event, anonymised) > 0
    shown = caseworker.get(f"/api/cases/{anonymised}")
    assert shown.status_code == 200 and cprs[anonymised] not in shown.text
    assert mentions(platform, anonymised) == {
        "raw_record": 0,
        "variable": 0,
        "process_instance": 0,
    }

    # Not due, open, or still running: untouched.
    for case_id in (not_due, open_case):
        assert child_cpr(platform, case_id) == cprs[case_id]
    assert case_row(platform, not_due).status == "closed"
    assert case_row(platform, open_case).status == "open"
    for case_id, before in untouched_before.items():
        assert mentions(platform, case_id) == before
    assert case_row(platform, running).status == "closed"

    # The report: case ids, rule and action, nothing personal; leaders read it, caseworkers not.
    found = report(leader, key)
    by_case = {r["case_id"]: r for r in found}
    assert (by_case[deleted]["action"], by_case[deleted]["rule_id"]) == ("delete", "kle-34")
    assert by_case[deleted]["outcome"] == "done" and by_case[deleted]["raw_records"] > 0
    assert (by_case[anonymised]["action"], by_case[anonymised]["rule_id"]) == (
        "anonymise",
        "kle-34.25",
    )
    assert by_case[running]["outcome"] == "skipped"
    assert not_due not in by_case and open_case not in by_case
    text_of_report = str(found)
    assert not any(cpr in text_of_report for cpr in cprs.values())
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    nord, syd = ApiClient(base, "admin"), ApiClient(base, "admin2")
    try:
        assert deleted in {r["case_id"] for r in report(nord, key)}
        # Another municipality's administrator sees the run, not Nord's cases.
        assert not {deleted, anonymised} & {r["case_id"] for r in report(syd, key)}
    finally:
        nord.close()
        syd.close()
    assert caseworker.get("/api/retention/koersler").status_code == 403
    assert caseworker.post("/api/retention/koersler").status_code == 403
    assert leader.get(f"/api/retention/koersler/{uuid.uuid4()}").status_code == 404
    rules = leader.get("/api/retention/regler").json()
    assert {"kle-34", "kle-34.25", "kle-34.30"} <= {r["id"] for r in rules}

    # A rerun finds nothing new to do.
    again = finished(platform, start_run(platform, operator))
    assert int(again["casesDeleted"]) == 0 and int(again["casesAnonymised"]) == 0
    assert case_row(platform, anonymised).status == "anonymised"


def test_no_stored_dst_file_keeps_the_cpr_number_of_a_case_retention_took(
    platform: Platform, caseworker: ApiClient, leader: ApiClient, operator: ApiClient
) -> None:
    """A file to Danmarks Statistik holds the children's CPR numbers. While it awaits DST's
    answer it is kept (it is sent again byte for byte), so retention leaves its cases for a
    later run; once DST has answered, the file is dropped (hash and size kept) and retention
    takes the cases. Afterwards no stored file holds their CPR numbers."""
    deleted = closed_case(platform, caseworker, years_ago(5))
    anonymised = closed_case(platform, caseworker, years_ago(10), kle="34.25.00")
    cprs = {c: child_cpr(platform, c) for c in (deleted, anonymised)}
    # A run that recorded its file and died before DST's answer.
    with platform.db.begin() as conn:
        load_shipped(conn)
        prepared, _ = prepare(
            conn, CodeLists.from_db(conn), run_key=f"retention-test-{uuid.uuid4()}", now=now()
        )
    waiting = stored_files(platform, prepared)
    assert all(cpr.encode() in b"".join(waiting.values()) for cpr in cprs.values())

    first = start_run(platform, operator)
    finished(platform, first)
    by_case = {r["case_id"]: r for r in report(leader, first)}
    for case_id in (deleted, anonymised):
        assert by_case[case_id]["outcome"] == "skipped"
        assert by_case[case_id]["detail"] == "en levering til Danmarks Statistik venter på svar"
        assert child_cpr(platform, case_id) == cprs[case_id]

    # The next DST run sends the waiting file again, the same bytes, and DST accepts it once.
    assert operator.post("/api/dst/koersler").status_code == 202
    eventually(lambda: reported(caseworker, deleted), what="the waiting file answered")
    with platform.db.connect() as conn:
        answered = {
            r.id: r
            for r in conn.execute(select(dst_delivery).where(dst_delivery.c.id.in_(prepared)))
        }
    for delivery_id, content in waiting.items():
        row = answered[delivery_id]
        assert (row.status, row.content) == ("accepted", None)
        assert row.content_sha256 == hashlib.sha256(content).hexdigest()
        assert row.content_size == len(content)
    simulator = httpx.get(
        f"http://127.0.0.1:{platform.stack.ports.simulators}/dst/leveringer", timeout=10
    ).json()
    for row in answered.values():
        assert [f["status"] for f in simulator if f["id"] == row.delivery_id] == ["GODKENDT"]

    second = start_run(platform, operator)
    finished(platform, second)
    outcomes = {r["case_id"]: r["outcome"] for r in report(leader, second)}
    assert outcomes[deleted] == outcomes[anonymised] == "done"
    assert case_row(platform, deleted) is None
    assert case_row(platform, anonymised).status == "anonymised"
    with platform.db.connect() as conn:
        stored = conn.execute(
            select(dst_delivery.c.content).where(dst_delivery.c.content.is_not(None))
        ).scalars()
        everything = b"".join(stored)
    assert not any(cpr.encode() in everything for cpr in cprs.values())


def now() -> datetime:
    return datetime.now(UTC)


def stored_files(platform: Platform, deliveries: list[uuid.UUID]) -> dict[uuid.UUID, bytes]:
    with platform.db.connect() as conn:
        return {
            r.id: bytes(r.content)
            for r in conn.execute(select(dst_delivery).where(dst_delivery.c.id.in_(deliveries)))
        }


REFUSE = """
CREATE OR REPLACE FUNCTION test_refuse_case_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.id = '{case_id}'::uuid THEN
        RAISE EXCEPTION 'refused by the retention test';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER test_refuse_case_delete BEFORE DELETE ON "case"
    FOR EACH ROW EXECUTE FUNCTION test_refuse_case_delete();
"""
UNREFUSE = """
DROP TRIGGER IF EXISTS test_refuse_case_delete ON "case";
DROP FUNCTION IF EXISTS test_refuse_case_delete();
"""


def test_a_case_the_database_refuses_is_left_whole_and_becomes_an_incident(
    platform: Platform, caseworker: ApiClient, leader: ApiClient, operator: ApiClient
) -> None:
    """The case row is the last thing deleted: refusing it must roll back everything before it
    (notes, documents, the raw records), and the run ends as an incident naming the case."""
    refused = closed_case(platform, caseworker, years_ago(6))
    cpr = child_cpr(platform, refused)
    before = mentions(platform, refused)
    notes = count(platform, journal_note, refused)
    assert notes == 1 and before["raw_record"] > 0
    with platform.db.begin() as conn:
        conn.execute(text(REFUSE.format(case_id=refused)))
    try:
        key = start_run(platform, operator)

        def incident() -> Any:
            return next(
                (
                    i
                    for i in rows(platform.db, rm.incident, process_instance_key=key)
                    if i.state == "ACTIVE"
                ),
                None,
            )

        found = eventually(incident, timeout=120, what="an incident after the retries")
        assert found.error_message.startswith(
            "Slet og anonymiser sager efter bevaringsfristen: RuntimeError: 1 sag(er)"
        )
        assert refused in found.error_message and cpr not in found.error_message
        # Nothing half-deleted.
        assert case_row(platform, refused).status == "closed"
        assert child_cpr(platform, refused) == cpr
        assert count(platform, journal_note, refused) == notes
        assert count(platform, form_document, refused) > 0
        assert mentions(platform, refused) == before
        assert retention_audit(platform, refused) == []
        failed = [r for r in report(leader, key) if r["case_id"] == refused]
        assert failed and {r["outcome"] for r in failed} == {"failed"}
        assert failed[0]["detail"] == "RaiseException (SQLSTATE P0001)"
    finally:
        with platform.db.begin() as conn:
            conn.execute(text(UNREFUSE))
    resolve(platform, found.job_key, found.incident_key)
    finished(platform, key)
    assert case_row(platform, refused) is None
    assert mentions(platform, refused) == {"raw_record": 0, "variable": 0, "process_instance": 0}
    assert retention_audit(platform, refused) == ["retention.delete"]
    outcomes = [r["outcome"] for r in report(leader, key) if r["case_id"] == refused]
    assert outcomes[-1] == "done" and set(outcomes[:-1]) == {"failed"}


def test_raw_records_stay_append_only_outside_a_retention_purge(platform: Platform) -> None:
    """Only the purge function deletes raw records: a purge row from another transaction does
    not open the table, the services' role may not delete at all, the purge trail is
    append-only, and the function refuses a run that is not running."""
    with platform.db.connect() as conn:
        row = conn.execute(
            text(
                "SELECT partition_id, position, (payload #>> '{value,processInstanceKey}')::bigint"
                " AS pi FROM raw_record WHERE value_type = 'PROCESS_INSTANCE' LIMIT 1"
            )
        ).one()
    run_id = uuid.uuid4()
    with platform.db.begin() as conn:
        conn.execute(
            text("INSERT INTO retention_run (id, run_key, status) VALUES (:id, :key, 'done')"),
            {"id": run_id, "key": f"test-{run_id}"},
        )
        conn.execute(
            raw_record_purge.insert().values(
                run_id=run_id, case_id=uuid.uuid4(), process_instance_key=row.pi
            )
        )
    delete_it = text("DELETE FROM raw_record WHERE partition_id = :p AND position = :n")
    with platform.db.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(delete_it, {"p": row.partition_id, "n": row.position})
    with platform.app_db.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
        conn.execute(delete_it, {"p": row.partition_id, "n": row.position})
    with platform.db.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text("DELETE FROM raw_record_purge WHERE run_id = :r"), {"r": run_id})
    with platform.app_db.connect() as conn, pytest.raises(DBAPIError, match="not running"):
        conn.execute(text("SELECT retention_purge_case(:r, :c)"), {"r": run_id, "c": uuid.uuid4()})


def test_an_administrator_sets_and_removes_the_municipalitys_own_rule(
    platform: Platform, caseworker: ApiClient, leader: ApiClient
) -> None:
    """The municipality's own rule shows beside the national ones, only the administrator sets
    it, a bad KLE or action is refused, and each change is in the change log."""
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    admin, syd = ApiClient(base, "admin"), ApiClient(base, "admin2")
    rule = {"years": 12, "action": "anonymise", "basis": "Kommunens arkivbestemmelse 2026"}
    try:
        assert caseworker.http.put("/api/retention/regler/34.10", json=rule).status_code == 403
        assert leader.http.put("/api/retention/regler/34.10", json=rule).status_code == 403
        bad = admin.http.put("/api/retention/regler/34.1", json=rule)
        assert bad.status_code == 422 and "kle_prefix" in bad.json()["detail"]
        assert (
            admin.http.put("/api/retention/regler/34.10", json=rule | {"action": "x"}).status_code
            == 422
        )
        assert (
            admin.http.put("/api/retention/regler/34.10", json=rule | {"years": -1}).status_code
            == 422
        )
        made = admin.http.put("/api/retention/regler/34.10", json=rule)
        assert made.status_code == 200, made.text
        assert made.json()["id"] == "901-34.10"
        again = admin.http.put("/api/retention/regler/34.10", json=rule | {"years": 15})
        assert again.status_code == 200
        own = [r for r in leader.get("/api/retention/regler").json() if r["id"] == "901-34.10"]
        assert [(r["municipality_id"], r["years"], r["action"]) for r in own] == [
            ("901", 15, "anonymise")
        ]
        # Another municipality neither sees nor removes Nord's rule.
        assert "901-34.10" not in {r["id"] for r in syd.get("/api/retention/regler").json()}
        assert syd.http.delete("/api/retention/regler/34.10").status_code == 404
        with platform.db.connect() as conn:
            logged = conn.execute(
                text(
                    "SELECT change, before, after FROM admin_change"
                    " WHERE subject = '901-34.10' ORDER BY id"
                )
            ).all()
        assert [(c, b and b["years"], a["years"]) for c, b, a in logged] == [
            ("retention_rule.update", None, 12),
            ("retention_rule.update", 12, 15),
        ]
    finally:
        removed = admin.http.delete("/api/retention/regler/34.10")
        admin.close()
        syd.close()
    assert removed.status_code == 204
    assert "901-34.10" not in {r["id"] for r in leader.get("/api/retention/regler").json()}
    assert admin_change_count(platform, "retention_rule.delete", "901-34.10") == 1


def admin_change_count(platform: Platform, change: str, subject: str) -> int:
    with platform.db.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM admin_change WHERE change = :c AND subject = :s"),
                {"c": change, "s": subject},
            ).scalar_one()
        )
