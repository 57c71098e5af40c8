"""Which backend runs the platform under test.

`local` (the default, and the only one these machines can run): PostgreSQL, Redis and the Zeebe
broker as our own processes. `containers`: the same three through testcontainers, for a machine
with a Docker engine. `auto` takes containers only when a Docker engine answers.
"""

from __future__ import annotations

from collections.abc import Callable

BACKENDS = ("local", "containers", "auto")


class BackendUnavailable(RuntimeError):
    pass


def docker_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # any failure to reach an engine means "no Docker here"
        return False


def choose_backend(requested: str, docker_check: Callable[[], bool] = docker_answers) -> str:
    requested = (requested or "local").strip().lower()
    if requested not in BACKENDS:
        raise ValueError(f"BS_TEST_BACKEND={requested!r}: choose one of {', '.join(BACKENDS)}")
    if requested == "local":
        return "local"
    available = docker_check()
    if requested == "containers" and not available:
        raise BackendUnavailable("BS_TEST_BACKEND=containers, but no Docker engine answers")
    return "containers" if available else "local"
