from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.platform import StackOptions
from tests.harness.platform import Ids, Platform, run_platform


@pytest.fixture(scope="session")
def platform(pytestconfig: pytest.Config) -> Iterator[Platform]:
    yield from run_platform(
        pytestconfig, "platform", StackOptions(test_mode=True, broker_heap="384m")
    )


@pytest.fixture
def ids() -> Ids:
    return Ids.new()
