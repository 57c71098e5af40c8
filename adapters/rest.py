"""Shared httpx plumbing for the REST adapters: the counterpart of `adapters.soap`'s zeep plugin.

`HttpAudit` gives an httpx client event hooks that log every request and answer through
structlog, with anything shaped like a CPR number masked (bodies only when asked for: even
masked they hold names and addresses), and `audited()` reports each call's outcome to the
caller's `on_call`, which writes the audit row. Adapters write none themselves.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import structlog

from adapters.soap import OnCall, mask_cpr, outcome_of

# Bodies are cut in the log: a letter with a PDF attachment runs to megabytes.
MAX_LOGGED_BODY = 4_000


def _logger() -> Any:
    # Fetched per use, so that a configuration made after import (or by a test) applies.
    return structlog.get_logger("adapters.rest")


def _body(content: bytes) -> str:
    return mask_cpr(content[:MAX_LOGGED_BODY].decode("utf-8", errors="replace"))


class HttpAudit:
    """Event hooks and an audit context for one system's httpx client."""

    def __init__(
        self, system: str, on_call: OnCall | None = None, *, log_bodies: bool = False
    ) -> None:
        self._system = system
        self._on_call = on_call
        self._log_bodies = log_bodies

    def event_hooks(self) -> dict[str, list[Any]]:
        """For `httpx.Client(event_hooks=...)`."""
        return {"request": [self._request], "response": [self._response]}

    def _request(self, request: httpx.Request) -> None:
        fields: dict[str, Any] = {"method": request.method, "path": mask_cpr(request.url.path)}
        if self._log_bodies:
            fields["body"] = _body(request.content)
        _logger().info("http.request", system=self._system, **fields)

    def _response(self, response: httpx.Response) -> None:
        fields: dict[str, Any] = {"status": response.status_code}
        if self._log_bodies:
            fields["body"] = _body(response.read())
        _logger().info("http.response", system=self._system, **fields)

    @contextmanager
    def audited(self, operation: str) -> Iterator[None]:
        """Time the block and report its outcome, also when it raises."""
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            yield
        except BaseException as raised:
            error = raised
            raise
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            outcome = outcome_of(error)
            _logger().info(
                "http.call",
                system=self._system,
                operation=operation,
                duration_ms=duration_ms,
                outcome=outcome,
                error=mask_cpr(str(error)) if error else None,
            )
            if self._on_call is not None:
                self._on_call(operation, duration_ms, outcome)
