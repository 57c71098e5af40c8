"""`python -m workers`: runs every task router, and restarts the worker if it gives up."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel

from api.logging import configure
from api.metrics import serve_loopback
from api.settings import get_settings
from workers import (
    aktindsigt,
    cases,
    classification,
    closing,
    cpr_events,
    dst,
    esdh,
    investigation,
    measures,
    moves,
    outbox,
    payments,
    placement,
    platform,
    retention,
    transfers,
    underretning,
    youth,
)
from workers.base import failure_handler
from workers.resources import Resources
from workers.resources import init as init_resources

ROUTERS = (
    platform.router,
    underretning.router,
    cases.router,
    investigation.router,
    measures.router,
    placement.router,
    closing.router,
    moves.router,
    aktindsigt.router,
    youth.router,
    dst.router,
    payments.router,
    classification.router,
    transfers.router,
    retention.router,
)
RESTART_BACKOFF_MAX_S = 30.0


def _outbox_relay(
    res: Resources, client: ZeebeClient, stop: asyncio.Event
) -> Coroutine[Any, Any, None]:
    return outbox.run(res.engine, client, stop)


# Loops that run beside the job workers, each until its stop event is set: (resources, a Zeebe
# client on the worker's channel, stop) -> coroutine.
BACKGROUND: tuple[
    Callable[[Resources, ZeebeClient, asyncio.Event], Coroutine[Any, Any, None]], ...
] = (_outbox_relay, cpr_events.run, esdh.background, transfers.background)


async def supervise(stop: asyncio.Event) -> None:
    settings = get_settings()
    log = structlog.get_logger("workers")
    resources = init_resources(settings)
    delay = 1.0
    while not stop.is_set():
        # The gRPC channel is bound to this event loop, so it is made here, once per worker.
        channel = create_insecure_channel(grpc_address=settings.zeebe_gateway)
        worker = ZeebeWorker(
            channel,
            name="boernesag-workers",
            max_connection_retries=-1,
            exception_handler=failure_handler,
            poll_retry_delay=1,
        )
        for router in ROUTERS:
            worker.include_router(router)
        log.info("workers polling", gateway=settings.zeebe_gateway)
        work = asyncio.create_task(worker.work())
        loops_stop = asyncio.Event()
        client = ZeebeClient(channel, max_connection_retries=-1)
        loops = [asyncio.create_task(run(resources, client, loops_stop)) for run in BACKGROUND]
        stopped = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
        loops_stop.set()
        await asyncio.gather(*loops, return_exceptions=True)
        if stopped in done:
            await worker.stop()
            await asyncio.gather(work, return_exceptions=True)
            await channel.close()
            break
        stopped.cancel()
        error = work.exception()
        log.error(
            "worker ended, restarting",
            error=type(error).__name__ if error else None,
            retry_in_s=delay,
        )
        await channel.close()
        await asyncio.sleep(delay)
        delay = min(delay * 2, RESTART_BACKOFF_MAX_S)


def main() -> int:
    configure(get_settings().log_format)
    serve_loopback(get_settings().workers_metrics_port, "workers")
    stop = asyncio.Event()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await supervise(stop)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
