"""The API's request metrics and its `/metrics` endpoint.

Each request is counted and timed by method, route template (`/api/cases/{case_id}`, never the
path itself, so no id or CPR number becomes a label) and status class (`2xx` ...). A path that
matches no route is `unmatched`, so scanning for paths cannot grow the label set.

Access: `/metrics` needs no signed-in user (Prometheus scrapes without one), and holds no
personal data, only route templates, methods, status classes, counts and durations; it reads no
case, so it writes no audit row. The API binds 127.0.0.1; in production the reverse proxy must
not route `/metrics`, and `BS_METRICS_TOKEN`, when set, makes it require `Authorization: Bearer
<token>` (Prometheus' `authorization` scrape setting). README, "Metrics".
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from starlette.routing import Mount, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LABELS = ("method", "route", "status")
REQUESTS = Counter("boernesag_http_requests", "Requests answered by the API.", LABELS)
LATENCY = Histogram(
    "boernesag_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, in seconds.",
    LABELS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


@dataclass(frozen=True)
class Template:
    regex: re.Pattern[str]
    label: str
    methods: frozenset[str] | None  # None: every method (a mount)


def templates(routes: Iterable[Any], prefix: str = "") -> Iterator[Template]:
    """Every route's full path template, in the router's order."""
    for route in routes:
        if hasattr(route, "original_router"):
            # FastAPI 0.163 keeps an included router whole, with its include prefix beside it.
            inner = route.original_router.routes
            yield from templates(inner, prefix + route.include_context.prefix)
        elif isinstance(route, Mount):
            regex, label, _ = compile_path(f"{prefix}{route.path}/{{path:path}}")
            yield Template(regex, label, None)
        elif isinstance(getattr(route, "path", None), str):
            regex, label, _ = compile_path(prefix + route.path)
            methods = getattr(route, "methods", None)
            yield Template(regex, label, frozenset(methods) if methods else None)


class RouteLabels:
    """The route template a request's path belongs to, as the router would pick it."""

    def __init__(self, routes: Iterable[Any]) -> None:
        self.templates = list(templates(routes))

    def label(self, method: str, path: str) -> str:
        other_method: str | None = None
        for template in self.templates:
            if template.regex.match(path):
                if template.methods is None or method in template.methods:
                    return template.label
                other_method = other_method or template.label
        return other_method or UNMATCHED


def method_label(method: str) -> str:
    return method if method in METHODS else "OTHER"


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else "other"


class RequestMetrics:
    """ASGI middleware: counts and times every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.labels: RouteLabels | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception that escapes becomes the server's 500

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            if self.labels is None:
                # Built on the first request, when every route has been added.
                self.labels = RouteLabels(scope["app"].routes)
            method = str(scope.get("method", ""))
            labels = (
                method_label(method),
                self.labels.label(method, str(scope.get("path", ""))),
                status_class(status),
            )
            REQUESTS.labels(*labels).inc()
            LATENCY.labels(*labels).observe(time.perf_counter() - started)


def install(app: FastAPI, token: str) -> None:
    """`/metrics` and the request metrics. A non-empty token must come as a bearer token."""
    expected = f"Bearer {token}".encode()

    def metrics(request: Request) -> Response:
        if token:
            given = request.headers.get("authorization", "").encode()
            if not secrets.compare_digest(given, expected):
                return Response(
                    "Unauthorized\n",
                    status_code=401,
                    media_type="text/plain",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        # Text or OpenMetrics by the scraper's Accept header, as the workers' and projector's.
        encode, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encode(REGISTRY), media_type=content_type)

    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
    app.add_middleware(RequestMetrics)
