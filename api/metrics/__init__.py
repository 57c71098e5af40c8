"""Prometheus metrics of our own processes (README, "Metrics").

The API serves its own at `/metrics` (`api/metrics/http.py`); the workers (`workers/metrics.py`)
and the projector (`api/projector/metrics.py`) each serve theirs from a small HTTP server on
127.0.0.1 at the port their settings give. Labels are job types, value types, route templates,
methods and status classes: never a case id, a key or a CPR number.
"""

from __future__ import annotations

from wsgiref.simple_server import WSGIServer

import structlog
from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

log = structlog.get_logger("metrics")

LOOPBACK = "127.0.0.1"


def serve_loopback(
    port: int, process: str, registry: CollectorRegistry = REGISTRY
) -> WSGIServer | None:
    """Serve the process's metrics on 127.0.0.1:port; port 0 switches them off.

    A port already taken is logged and the process goes on without metrics: the workers and
    the projector matter more than their figures, and the launcher would otherwise restart them
    in a loop.
    """
    if port <= 0:
        log.info("metrics off", process=process)
        return None
    try:
        server, _thread = start_http_server(port, addr=LOOPBACK, registry=registry)
    except OSError as exc:
        log.warning("metrics port unavailable", process=process, port=port, error=str(exc))
        return None
    log.info("metrics serving", process=process, url=f"http://{LOOPBACK}:{port}/metrics")
    return server
