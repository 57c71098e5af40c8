"""The SF1520 simulator on a free loopback port in a background thread, and clients for it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn

from adapters.cpr import CprClient, CprSettings
from adapters.cpr.simulator import accepted_invocation_context, create_app

# The simulator's slow answer comes after this; clients in the slow test time out well before.
SLOW_SECONDS = 1.0


@dataclass(frozen=True)
class Simulator:
    base_url: str

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/sf1520"


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(slow_seconds=SLOW_SECONDS),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the SF1520 simulator did not start")
        time.sleep(0.01)
    yield Simulator(f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


ClientFactory = Callable[..., CprClient]


@pytest.fixture
def make_client(simulator: Simulator) -> Iterator[ClientFactory]:
    """Build a client for the simulator; keyword arguments override `CprSettings` fields."""
    clients: list[CprClient] = []

    def make(*, on_call: Any = None, **overrides: Any) -> CprClient:
        values: dict[str, Any] = {
            "endpoint": simulator.endpoint,
            "variant": "context",
            "invocation_context": accepted_invocation_context(),
            "timeout_seconds": 5.0,
        }
        values.update(overrides)
        client = CprClient(CprSettings(**values), on_call=on_call)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> CprClient:
    return make_client()
