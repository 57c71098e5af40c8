"""A running platform for tests: the stack plus clients for the engine, Redis and the database."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, create_engine

from infra.platform import Stack, StackOptions
from infra.stack import REPO, PortInUse, Ports, read_versions
from tests.harness.backend import choose_backend
from tests.harness.engine import Engine as ZeebeEngine
from tests.harness.readmodel import wait_projected

FIXTURES = REPO / "tests" / "fixtures"
TEST_RUNTIME = REPO / ".runtime" / "test"


@dataclass
class Ids:
    """Fresh identifiers per test, so no two tests ever share a case or a municipality."""

    case_id: str
    municipality_id: str

    @classmethod
    def new(cls) -> Ids:
        return cls(f"case-{uuid.uuid4()}", f"mun-{uuid.uuid4().hex[:8]}")


class Platform:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.endpoints = stack.endpoints()
        # Tests look at everything, so they connect as the schema owner; services use the app role.
        self.db: Engine = create_engine(self.endpoints.owner_database_url, pool_size=4)
        self.app_db: Engine = create_engine(self.endpoints.database_url, pool_size=2)
        self.redis: redis.Redis = redis.Redis.from_url(
            self.endpoints.redis_url,
            password=self.endpoints.redis_password,
            decode_responses=True,
            socket_timeout=10,
        )
        self.engine = ZeebeEngine(self.endpoints.gateway, self.endpoints.rest_url)

    @property
    def prefix(self) -> str:
        return self.stack.options.stream_prefix

    def deploy_fixtures(self) -> dict[str, int]:
        paths = sorted((FIXTURES / "bpmn").glob("*.bpmn")) + sorted(
            (FIXTURES / "forms").glob("*.form")
        )
        return self.engine.deploy(*paths)

    def require_local(self) -> None:
        """Tests that kill or restart the broker or Redis need them as our own processes."""
        if self.stack.options.external:
            pytest.skip("needs the local backend: it kills and restarts platform processes")

    def wait_projected(self, timeout: float = 60) -> None:
        wait_projected(self.redis, self.prefix, timeout)

    def restart_projector(self, **env: str) -> subprocess.Popen[bytes]:
        """Stop the projector and start it again, with extra environment for this run only."""
        proc = self.stack.apps["projector"]
        proc.stop()
        proc.env = {**self.stack.app_process("projector").env, **env}
        proc.start()
        assert proc.popen is not None
        return proc.popen

    def close(self) -> None:
        self.engine.close()
        self.redis.close()
        self.db.dispose()
        self.app_db.dispose()


def start_stack(root: Path, options: StackOptions, attempts: int = 3) -> Stack:
    """Start a stack on fresh ports, and again on other ports when a port chosen was taken
    before the broker could bind it."""
    for attempt in range(1, attempts + 1):
        stack = Stack(root, Ports.free(), options)
        try:
            stack.start()
            return stack
        except PortInUse:
            stack.stop()
            shutil.rmtree(root / "data", ignore_errors=True)
            if attempt == attempts:
                raise
        except BaseException:
            stack.stop()
            raise
    raise AssertionError("unreachable")


def run_platform(config: pytest.Config, name: str, options: StackOptions) -> Iterator[Platform]:
    backend = choose_backend(os.environ.get("BS_TEST_BACKEND", "local"))
    root = TEST_RUNTIME / f"{name}-{os.getpid()}"
    shutil.rmtree(root, ignore_errors=True)
    config._platform_roots = [*getattr(config, "_platform_roots", []), root]  # type: ignore[attr-defined]
    containers = None
    if backend == "containers":
        from tests.harness.containers import start_containers

        jar = REPO / ".runtime" / "dist" / read_versions()["EXPORTER_JAR"]
        containers = start_containers(
            str(jar), clock_controlled=options.clock_controlled, prefix=options.stream_prefix
        )
        options.external = containers.endpoints
    stack = start_stack(root, options)
    try:
        platform = Platform(stack)
        platform.deploy_fixtures()
        yield platform
        platform.close()
    finally:
        stack.stop()
        if containers:
            containers.stop()
        # Keep the logs of a failed session; the data is never needed again.
        shutil.rmtree(root / "data", ignore_errors=True)
