"""The CPR event loop: reads the feed after the last position and acts on each event once.

Runs beside the job workers (workers.__main__.BACKGROUND). An event and the position after it
are written in one transaction; an event already in the log is skipped, so a crash between
reading and writing handles nothing twice. A feed outage only delays: the loop backs off.
"""

from __future__ import annotations

import asyncio

import structlog
from pyzeebe import ZeebeClient

from adapters.cpr.events import CprEvent, CprEventFeed, FeedSettings
from adapters.errors import AdapterError, NotFound
from api.calendar.working_days import COPENHAGEN
from api.cases import cpr_events
from api.settings import get_settings
from workers.resources import Resources

log = structlog.get_logger("cpr-events")

MAX_BACKOFF_S = 60.0


def feed_from_settings() -> CprEventFeed | None:
    settings = get_settings()
    if not settings.cpr_events_endpoint:
        return None
    return CprEventFeed(
        FeedSettings(
            endpoint=settings.cpr_events_endpoint,
            credential=settings.cpr_events_credential.get_secret_value(),
            timeout_seconds=settings.cpr_timeout_seconds,
        )
    )


def poll_once(res: Resources, feed: CprEventFeed) -> int:
    """Handle every new event; returns how many were handled."""
    with res.engine.begin() as conn:
        after = cpr_events.position(conn)
    page = feed.fetch(after)
    count = 0
    for event in page.haendelser:
        looked_up = _fresh_person(res, event) if cpr_events.child_needs_lookup(event) else None
        today = res.clock.now().astimezone(COPENHAGEN).date()
        with res.engine.begin() as conn:
            if not cpr_events.handled(conn, event.id):
                outcome = cpr_events.handle(conn, event, today, looked_up)
                log.info("cpr event", event_id=event.id, type=event.type, outcome=outcome)
                count += 1
            cpr_events.move_to(conn, event.sekvens)
    return count


def _fresh_person(res: Resources, event: CprEvent) -> object | None:
    try:
        return res.cpr.lookup(event.personnummer)
    except NotFound:
        return None


async def run(res: Resources, client: ZeebeClient, stop: asyncio.Event) -> None:
    feed = feed_from_settings()
    if feed is None:
        return
    interval = get_settings().cpr_events_poll_seconds
    delay = interval
    while not stop.is_set():
        try:
            await asyncio.to_thread(poll_once, res, feed)
            delay = interval
        except AdapterError as exc:
            log.warning("cpr event feed unavailable", error=type(exc).__name__, retry_in_s=delay)
            delay = min(delay * 2, MAX_BACKOFF_S)
        except Exception as exc:  # a bad event must not stop the loop; it is retried
            log.error("cpr event failed", error=type(exc).__name__, retry_in_s=delay)
            delay = min(delay * 2, MAX_BACKOFF_S)
        try:
            await asyncio.wait_for(stop.wait(), timeout=delay)
        except TimeoutError:
            pass
