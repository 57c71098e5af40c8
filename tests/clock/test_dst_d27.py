"""D27 on the moved clock: the nightly run to Danmarks Statistik sends only the events that are
new since the last accepted delivery, coded by the lists valid on each event's date, and sends
a rejected delivery's events again the next night. Nobody types statistics: the events come
from the case store (an underretning received, an indsats started and ended)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from adapters.dst import DstClient, DstSettings
from api.calendar.working_days import COPENHAGEN
from api.cases.tables import measure, statistics_event
from api.dst.codes import Code, CodeLists, load, load_shipped
from api.dst.delivery import prepare
from api.dst.tables import dst_delivery, dst_delivery_event
from api.projector import tables as rm
from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.harness.readmodel import rows
from tests.harness.waiting import eventually
from tests.platform.test_investigation import complete, start_underretning, task_named
from tests.platform.test_stoettende_indsats import FOLLOW_UP, PLAN, start_indsats

pytestmark = pytest.mark.clock

END_REASON = ("ophoersaarsag", "afgoerelse")


def dst(platform: Platform) -> str:
    return f"http://127.0.0.1:{platform.stack.ports.simulators}/dst"


def next_run(after: datetime) -> datetime:
    """Just past the next nightly run (01:00 UTC)."""
    run = after.astimezone(UTC).replace(hour=1, minute=0, second=0, microsecond=0)
    return (run if run > after else run + timedelta(days=1)) + timedelta(minutes=5)


def run_night(platform: Platform, clock: EngineClock, until: datetime | None = None) -> None:
    """Move the clock past the next nightly run (or to `until`) and wait for the run."""
    wait_until_idle(platform)
    before = {r.process_instance_key for r in rows(platform.db, rm.process_instance)}
    target = until or next_run(clock.now())
    assert target >= next_run(clock.now())
    clock.advance(target - clock.now())

    def finished() -> bool:
        runs = [
            r
            for r in rows(platform.db, rm.process_instance, bpmn_process_id="dst_levering")
            if r.process_instance_key not in before
        ]
        return bool(runs) and all(r.state == "COMPLETED" for r in runs)

    eventually(finished, what="the nightly DST run")
    wait_until_idle(platform)


def received(platform: Platform, event_id: uuid.UUID) -> list[tuple[str, dict[str, Any]]]:
    """(DST's status, the event as sent) for every file the DST simulator got with the event."""
    files = httpx.get(dst(platform) + "/leveringer", timeout=10).json()
    return [
        (file["status"], event)
        for file in files
        for event in file["haendelser"]
        if event["id"] == str(event_id)
    ]


def events_of(platform: Platform, case_id: str) -> list[Any]:
    with platform.db.connect() as conn:
        return list(
            conn.execute(
                select(statistics_event).where(statistics_event.c.case_id == uuid.UUID(case_id))
            )
        )


def statuses_of(platform: Platform, event_id: uuid.UUID) -> list[tuple[str, str | None]]:
    with platform.db.connect() as conn:
        found = conn.execute(
            select(dst_delivery.c.status, dst_delivery.c.reason)
            .join(dst_delivery_event, dst_delivery_event.c.delivery_id == dst_delivery.c.id)
            .where(dst_delivery_event.c.event_id == event_id)
            .order_by(dst_delivery.c.created_at)
        )
        return [(r.status, r.reason) for r in found]


def next_first_of_july(after: date) -> date:
    day = date(after.year, 7, 1)
    return day if day > after else date(after.year + 1, 7, 1)


def test_a_dst_day_with_an_end_event_after_a_code_list_change_on_1_july(
    clock_platform: Platform, clock: EngineClock, clients: tuple[ApiClient, ApiClient]
) -> None:
    platform = clock_platform
    caseworker, _ = clients
    case_id, _, granted = start_indsats(platform, caseworker, clock.now())
    today = clock.now().astimezone(COPENHAGEN).date()
    change = next_first_of_july(today + timedelta(days=3))
    expected_end = (change + timedelta(days=200)).isoformat()
    complete(
        caseworker,
        task_named(caseworker, case_id, "Barnets plan"),
        {**PLAN, "expected_end": expected_end},
    )
    first_follow_up = task_named(caseworker, case_id, "Første opfølgning")
    with platform.db.begin() as conn:
        load_shipped(conn)
        lists = CodeLists.from_db(conn)
        if lists.resolve(*END_REASON, change) == lists.resolve(
            *END_REASON, change - timedelta(days=1)
        ):
            # DST announced a change from this 1 July (the shipped file has one for 2027).
            load(conn, [Code(*END_REASON, f"9{change:%y}", "Ophørt efter afgørelse", change)])
        lists = CodeLists.from_db(conn)
    old = lists.resolve(*END_REASON, change - timedelta(days=1))
    new = lists.resolve(*END_REASON, change)
    assert old and new and old != new

    # The nights up to 30 June report the underretning and the start of the indsats.
    run_night(platform, clock, datetime.combine(change - timedelta(days=1), time(12), COPENHAGEN))
    started = {(e.subject, e.event): e for e in events_of(platform, case_id)}
    assert set(started) == {("underretning", "start"), ("indsats", "start")}
    for event in started.values():
        ((first_status, first_sent),) = received(platform, event.id)
        assert first_status == "GODKENDT"
        assert first_sent["kodelisteversion"] == lists.version(event.occurred_on)
        assert statuses_of(platform, event.id) == [("accepted", None)]
    assert received(platform, started["indsats", "start"].id)[0][1]["koder"] == {
        "Paragraf": "BL32-1-3"
    }

    # On 1 July the caseworker ends the indsats; the next night reports the end.
    wait_until_idle(platform)
    clock.advance(datetime.combine(change, time(10), COPENHAGEN) - clock.now())
    complete(caseworker, first_follow_up, {**FOLLOW_UP, "outcome": "end"})

    def ended() -> Any:
        with platform.db.connect() as conn:
            return conn.execute(
                select(measure.c.ended_on).where(measure.c.id == granted.id)
            ).scalar()

    assert eventually(ended, what="the indsats ended") == change
    run_night(platform, clock)
    (end,) = [e for e in events_of(platform, case_id) if e.event == "end"]
    assert end.occurred_on == change and end.delivered_at is not None
    ((status, sent),) = received(platform, end.id)
    assert status == "GODKENDT"
    assert (sent["type"], sent["forloeb"], sent["dato"]) == ("SLUT", str(granted.id), str(change))
    assert sent["koder"] == {"Paragraf": "BL32-1-3", "Aarsag": new}
    assert sent["kodelisteversion"] == f"{change.year}-2"
    # Only what was new: the events of June were not sent again.
    for event in started.values():
        assert len(received(platform, event.id)) == 1


def test_a_rejected_delivery_is_recorded_and_resent_the_next_night(
    clock_platform: Platform, clock: EngineClock, clients: tuple[ApiClient, ApiClient]
) -> None:
    platform = clock_platform
    caseworker, _ = clients
    case_id, _ = start_underretning(caseworker, "close", clock.now())
    (event,) = [e for e in events_of(platform, case_id) if e.subject == "underretning"]
    reason = "Testafvisning: filen er ufuldstændig"
    wait_until_idle(platform)
    told = httpx.post(dst(platform) + "/afvis-naeste", json={"reason": reason}, timeout=10)
    assert told.status_code == 204

    run_night(platform, clock)
    assert [status for status, _ in received(platform, event.id)] == ["AFVIST"]
    assert statuses_of(platform, event.id) == [("rejected", reason)]
    with platform.db.connect() as conn:
        delivered = conn.execute(
            select(statistics_event.c.delivered_at).where(statistics_event.c.id == event.id)
        ).scalar()
    assert delivered is None
    # The run took the diagram's rejection path and ended there.
    rejected_runs = [
        r for r in rows(platform.db, rm.element_instance, element_id="resend_next_run")
    ]
    assert rejected_runs and all(r.state == "COMPLETED" for r in rejected_runs)

    run_night(platform, clock)
    assert [status for status, _ in received(platform, event.id)] == ["AFVIST", "GODKENDT"]
    assert statuses_of(platform, event.id) == [("rejected", reason), ("accepted", None)]
    run_night(platform, clock)
    assert len(received(platform, event.id)) == 2, "an accepted event is never sent again"


def test_a_file_whose_answer_was_lost_is_sent_again_and_booked_once(
    clock_platform: Platform, clock: EngineClock, clients: tuple[ApiClient, ApiClient]
) -> None:
    """A job that recorded and sent its file but died before DST's answer was recorded: the
    next run sends the same bytes under the same LeveringID, and DST books them once."""
    platform = clock_platform
    caseworker, _ = clients
    case_id, _ = start_underretning(caseworker, "close", clock.now())
    (event,) = [e for e in events_of(platform, case_id) if e.subject == "underretning"]
    wait_until_idle(platform)
    with platform.db.begin() as conn:
        prepared, _ = prepare(conn, CodeLists.from_db(conn), run_key="crashed-run", now=clock.now())
    assert prepared
    with platform.db.connect() as conn:
        files = {
            r.id: (r.delivery_id, r.content)
            for r in conn.execute(select(dst_delivery).where(dst_delivery.c.id.in_(prepared)))
        }
    sender = DstClient(DstSettings(endpoint=dst(platform)))
    for _, content in files.values():
        assert sender.send(content).accepted  # sent; the answer never recorded
    assert statuses_of(platform, event.id) == [("sent", None)]

    run_night(platform, clock)
    assert statuses_of(platform, event.id) == [("accepted", None)]
    assert [status for status, _ in received(platform, event.id)] == ["GODKENDT"]
    log = httpx.get(dst(platform) + "/leveringer", timeout=10).json()
    for delivery_id, _ in files.values():
        assert [row["id"] for row in log].count(delivery_id) == 1
