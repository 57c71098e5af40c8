"""`make run` / `make stop` / `make reset`: the local stack on loopback.

`start` launches a detached supervisor, waits until /health is UP and prints the URL. The
supervisor starts PostgreSQL, Redis and the broker, migrates, deploys, then runs the workers,
the projector and the API; a child that dies is reported and restarted with backoff.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from infra.platform import Stack, StackOptions
from infra.stack import REPO, Ports, Process, wait_for

RUNTIME = Path(os.environ.get("BS_RUNTIME_DIR") or REPO / ".runtime")
PIDFILE = RUNTIME / "launcher.pid"
STATUS = RUNTIME / "launcher-status.json"
LOG = RUNTIME / "logs" / "launcher.log"
BACKOFF_MAX_S = 30.0
HEALTHY_AFTER_S = 60.0


def say(message: str) -> None:
    stamp = time.strftime("%H:%M:%S")
    line = f"[{stamp}] {message}"
    print(line, flush=True)


def make_stack() -> Stack:
    return Stack(
        RUNTIME,
        Ports.from_env(os.environ),
        StackOptions(external_database_url=os.environ.get("DATABASE_URL") or None),
    )


def supervisor_pid() -> int | None:
    try:
        pid = int(PIDFILE.read_text())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None


def health(port: int) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as resp:
            return dict(json.load(resp))
    except urllib.error.HTTPError as exc:
        return dict(json.load(exc))
    except (urllib.error.URLError, OSError, ValueError):
        return None


def write_status(watched: dict[str, Process]) -> None:
    """Which process runs each component now: for operators and the launcher's own test."""
    STATUS.write_text(json.dumps({name: proc.pid for name, proc in watched.items()}))


def supervise() -> int:
    """Runs detached; owns every child process until SIGTERM."""
    PIDFILE.write_text(str(os.getpid()))
    stack = make_stack()
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        say("starting PostgreSQL, Redis and the Zeebe broker")
        started = time.monotonic()
        stack.start_infrastructure()
        say(f"broker ready after {time.monotonic() - started:.1f}s; migrating and deploying")
        stack.migrate()
        stack.classification()
        stack.seed()
        stack.seed_synthetic()
        stack.deploy()
        stack.start_apps()
        say("workers, projector and API started")
        watched: dict[str, Process] = {
            "redis": stack.redis.proc,  # type: ignore[dict-item]
            "broker": stack.broker.proc,  # type: ignore[dict-item]
            **stack.apps,
        }
        write_status(watched)
        backoff = dict.fromkeys(watched, 1.0)
        started_at = {name: time.monotonic() for name in watched}
        while not stopping:
            time.sleep(1)
            if stack.postgres and not stack.postgres.running():
                say("PostgreSQL is down; starting it again")
                stack.postgres.start()
            for name, proc in watched.items():
                if proc.alive():
                    if time.monotonic() - started_at[name] > HEALTHY_AFTER_S:
                        backoff[name] = 1.0
                    continue
                code = proc.popen.returncode if proc.popen else None
                say(f"{name} died (exit code {code}); restarting in {backoff[name]:.0f}s")
                time.sleep(backoff[name])
                backoff[name] = min(backoff[name] * 2, BACKOFF_MAX_S)
                proc.start()
                started_at[name] = time.monotonic()
                write_status(watched)
    except Exception as exc:  # reported, then everything started so far is stopped
        say(f"start failed: {exc}")
        stack.stop()
        PIDFILE.unlink(missing_ok=True)
        return 1
    say("stopping")
    stack.stop()
    PIDFILE.unlink(missing_ok=True)
    STATUS.unlink(missing_ok=True)
    say("stopped")
    return 0


def start() -> int:
    ports = Ports.from_env(os.environ)
    url = f"http://127.0.0.1:{ports.api}/"
    if supervisor_pid() is None:
        LOG.parent.mkdir(parents=True, exist_ok=True)
        with LOG.open("ab") as out:
            subprocess.Popen(
                [sys.executable, "-m", "infra.launcher", "supervise"],
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        say(f"stack starting (log: {LOG})")
    else:
        say("stack already running")
    started = time.monotonic()

    def up() -> bool:
        if supervisor_pid() is None and time.monotonic() - started > 5:
            raise RuntimeError(f"the supervisor exited; see {LOG}")
        result = health(ports.api)
        return bool(result and result.get("status") == "UP")

    try:
        wait_for(up, 300, "the stack", interval=1)
    except (TimeoutError, RuntimeError) as exc:
        say(f"not healthy: {exc}")
        print(LOG.read_text(errors="replace")[-3000:] if LOG.exists() else "")
        return 1
    say(f"healthy after {time.monotonic() - started:.1f}s")
    print(json.dumps(health(ports.api), indent=2))
    say(f"Børnesag kører: {url}")
    return 0


def stop() -> int:
    pid = supervisor_pid()
    if pid is None:
        say("stack is not running")
        return 0
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: supervisor_pid() is None, 120, "shutdown", interval=0.5)
    say("stack stopped")
    return 0


def reset() -> int:
    """Broker data, Redis and PostgreSQL go together: the exporter's position lives in the
    broker, so wiping one alone would leave gaps or duplicates in the read model forever."""
    stop()
    shutil.rmtree(RUNTIME / "data", ignore_errors=True)
    say("broker data, Redis and PostgreSQL wiped")
    return 0


def rebuild() -> int:
    """Replay the raw records into fresh projections, against the running stack's database."""
    stack = make_stack()
    if stack.postgres:
        stack.postgres.start()
        stack.owner_database_url, stack.database_url = stack.postgres.ensure_database(
            stack.options.database
        )
    stack.run_step("rebuild", [sys.executable, "-m", "api.projector", "rebuild"])
    say("read model rebuilt; see .runtime/logs/rebuild.log")
    return 0


def audit_verify() -> int:
    """Walk every audit chain of the stack's database (`python -m api.audit.verify`): exit 1
    and the first broken link of each broken chain if any was tampered with."""
    stack = make_stack()
    if stack.postgres:
        stack.postgres.start()
        stack.owner_database_url, stack.database_url = stack.postgres.ensure_database(
            stack.options.database
        )
    argv = [sys.executable, "-m", "api.audit.verify"]
    return subprocess.run(argv, env=stack.app_env(), cwd=REPO, check=False).returncode


def main(argv: list[str]) -> int:
    commands = {
        "start": start,
        "stop": stop,
        "reset": reset,
        "supervise": supervise,
        "rebuild": rebuild,
        "audit-verify": audit_verify,
    }
    if not argv or argv[0] not in commands:
        print(f"usage: python -m infra.launcher {{{'|'.join(commands)}}}", file=sys.stderr)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
