"""`python -m api.projector` runs the projector; `python -m api.projector rebuild` replays."""

from __future__ import annotations

import signal
import sys

import structlog
from prometheus_client import REGISTRY
from sqlalchemy import create_engine

from api.db import make_engine, make_redis
from api.logging import configure
from api.metrics import serve_loopback
from api.projector.consumer import Projector
from api.projector.metrics import StreamBacklog
from api.projector.store import replay
from api.settings import get_settings, owner_url


def main(argv: list[str]) -> int:
    settings = get_settings()
    configure(settings.log_format)
    log = structlog.get_logger("projector")
    if argv[:1] == ["rebuild"]:
        # Truncating projections is the owner's right, not the services' role's.
        with create_engine(owner_url(settings)).begin() as conn:
            count = replay(conn)
        log.info("read model rebuilt from raw records", records=count)
        return 0
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    engine = make_engine(settings, pool_size=2)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    projector = Projector(settings, engine, make_redis(settings))
    REGISTRY.register(
        StreamBacklog(projector.redis, projector.group, projector.streams, settings.stream_prefix)
    )
    serve_loopback(settings.projector_metrics_port, "projector")
    projector.run(lambda: stopping)
    log.info("projector stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
