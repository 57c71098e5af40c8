from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.platform import StackOptions
from tests.harness.api import ApiClient
from tests.harness.engine import EngineClock
from tests.harness.platform import Ids, Platform, run_platform


@pytest.fixture(scope="session")
def clock_platform(pytestconfig: pytest.Config) -> Iterator[Platform]:
    """A broker of its own with the controlled clock: moving it affects every timer on it."""
    yield from run_platform(
        pytestconfig,
        "clock",
        StackOptions(
            test_mode=True,
            clock_controlled=True,
            broker_heap="384m",
            stream_prefix="zeebeclock",
        ),
    )


@pytest.fixture(scope="session")
def clock(clock_platform: Platform) -> EngineClock:
    return EngineClock(f"http://127.0.0.1:{clock_platform.stack.ports.management}")


@pytest.fixture
def ids() -> Ids:
    return Ids.new()


@pytest.fixture
def clients(clock_platform: Platform) -> Iterator[tuple[ApiClient, ApiClient]]:
    """A signed-in caseworker and team leader on the clock stack."""
    base = f"http://127.0.0.1:{clock_platform.stack.ports.api}"
    pair = (ApiClient(base, "caseworker"), ApiClient(base, "leader"))
    yield pair
    for client in pair:
        client.close()
