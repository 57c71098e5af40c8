"""The test backend selection, with the Docker check faked."""

from __future__ import annotations

import pytest

from tests.harness.backend import BackendUnavailable, choose_backend


def test_local_is_the_default_and_never_asks_docker() -> None:
    """Without a request the local processes are used, and Docker is not even probed."""

    def boom() -> bool:
        raise AssertionError("docker must not be probed")

    assert choose_backend("", boom) == "local"
    assert choose_backend("local", boom) == "local"


def test_auto_takes_containers_only_when_docker_answers() -> None:
    """auto falls back to local processes when no engine answers."""
    assert choose_backend("auto", lambda: True) == "containers"
    assert choose_backend("auto", lambda: False) == "local"


def test_containers_without_docker_is_a_clear_error() -> None:
    """Asking for containers on a machine without Docker fails loudly instead of hanging."""
    with pytest.raises(BackendUnavailable, match="no Docker engine"):
        choose_backend("containers", lambda: False)
    assert choose_backend("containers", lambda: True) == "containers"


def test_unknown_backend_is_rejected() -> None:
    """A typo in BS_TEST_BACKEND is named in the error."""
    with pytest.raises(ValueError, match="kubernetes"):
        choose_backend("kubernetes", lambda: True)
