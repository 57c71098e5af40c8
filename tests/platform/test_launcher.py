"""`make run`'s launcher: health-gated start, restart of a dead child, idempotent start, stop."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from infra.stack import REPO, Ports, port_open
from tests.harness.waiting import eventually

pytestmark = pytest.mark.chaos


def launcher(env: dict[str, str], command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra.launcher", command],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_launcher_starts_restarts_a_dead_child_and_stops() -> None:
    """The launcher prints the URL once healthy, restarts a child killed with SIGKILL, answers a
    second start without starting anything, and `stop` ends every process."""
    ports = Ports.free()
    # Not under pytest's tmp_path: PostgreSQL runs as user postgres and must reach its folder.
    root = REPO / ".runtime" / "test" / f"launcher-{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BS_") and k != "DATABASE_URL"}
    env["BS_RUNTIME_DIR"] = str(root)
    env.update({f"BS_PORT_{name.upper()}": str(getattr(ports, name)) for name in vars(ports)})
    try:
        started = launcher(env, "start")
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"Børnesag kører: http://127.0.0.1:{ports.api}/" in started.stdout

        status = root / "launcher-status.json"
        first = json.loads(status.read_text())
        os.kill(first["workers"], signal.SIGKILL)
        eventually(
            lambda: json.loads(status.read_text())["workers"] != first["workers"],
            what="workers restarted by the launcher",
        )
        assert alive(json.loads(status.read_text())["workers"])
        assert "workers died (exit code -9)" in (root / "logs/launcher.log").read_text()

        again = launcher(env, "start")
        assert again.returncode == 0 and "already running" in again.stdout
        assert json.loads(status.read_text())["broker"] == first["broker"]

        pids = json.loads(status.read_text()).values()
        assert launcher(env, "stop").returncode == 0
        assert not [pid for pid in pids if alive(pid)]
        assert not port_open(ports.gateway) and not port_open(ports.api)
    finally:
        launcher(env, "reset")
        shutil.rmtree(root, ignore_errors=True)
