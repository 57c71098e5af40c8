from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.platform import StackOptions
from tests.harness.api import ApiClient
from tests.harness.platform import Ids, Platform, run_platform


@pytest.fixture(scope="session")
def platform(pytestconfig: pytest.Config) -> Iterator[Platform]:
    yield from run_platform(
        pytestconfig, "platform", StackOptions(test_mode=True, broker_heap="384m")
    )


@pytest.fixture
def ids() -> Ids:
    return Ids.new()


def _signed_in(platform: Platform, username: str) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", username)
    yield client
    client.close()


@pytest.fixture(scope="module")
def caseworker(platform: Platform) -> Iterator[ApiClient]:
    yield from _signed_in(platform, "caseworker")


@pytest.fixture(scope="module")
def leader(platform: Platform) -> Iterator[ApiClient]:
    yield from _signed_in(platform, "leader")
