"""The whole stack as one object: infrastructure, migrations, deployment and our own processes.

The launcher and the test harness both build a `Stack`, so `make run` and `make test` start the
same thing the same way. Paths:

    <root>/data/{postgres,redis,zeebe}   wiped together by `make reset`
    <root>/logs/<component>.log
    <root>/secrets/                      generated passwords (mode 600)
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from infra.stack import (
    REPO,
    Broker,
    BrokerOptions,
    Ports,
    Postgres,
    Process,
    Redis,
    port_open,
    wait_for,
)

PYTHON = sys.executable


@dataclass(frozen=True)
class Endpoints:
    """Where our processes find the infrastructure."""

    database_url: str
    # The schema owner's URL: migrations and read-model rebuilds. Services use database_url.
    owner_database_url: str
    redis_url: str
    redis_password: str
    gateway: str
    rest_url: str
    management_url: str


@dataclass
class StackOptions:
    test_mode: bool = False
    clock_controlled: bool = False
    broker_heap: str = "512m"
    database: str = "boernesag"
    stream_prefix: str = "zeebe"
    # DATABASE_URL from the environment: use that database instead of our own PostgreSQL.
    external_database_url: str | None = None
    api: bool = True
    projector_env: dict[str, str] = field(default_factory=dict)
    # Infrastructure run by someone else (the testcontainers backend): start none of our own.
    external: Endpoints | None = None


class Stack:
    def __init__(
        self,
        root: Path,
        ports: Ports,
        options: StackOptions,
        *,
        postgres: Postgres | None = None,
        redis: Redis | None = None,
    ) -> None:
        self.root = root
        self.ports = ports
        self.options = options
        self.logs = root / "logs"
        secrets = root / "secrets"
        data = root / "data"
        self.postgres = postgres or (
            None
            if options.external_database_url
            else Postgres(data / "postgres", ports.postgres, secrets)
        )
        self.redis = redis or Redis(data / "redis", ports.redis, secrets)
        self.broker = Broker(
            data / "zeebe",
            ports,
            self.redis,
            BrokerOptions(
                heap=options.broker_heap,
                test_mode=options.test_mode,
                clock_controlled=options.clock_controlled,
                stream_prefix=options.stream_prefix,
            ),
        )
        self.database_url = options.external_database_url or ""
        self.owner_database_url = options.external_database_url or ""
        self.apps: dict[str, Process] = {}

    # -- infrastructure -------------------------------------------------------------------

    def endpoints(self) -> Endpoints:
        if self.options.external:
            return self.options.external
        return Endpoints(
            database_url=self.database_url,
            owner_database_url=self.owner_database_url,
            redis_url=self.redis.url(),
            redis_password=self.redis.password,
            gateway=f"127.0.0.1:{self.ports.gateway}",
            rest_url=f"http://127.0.0.1:{self.ports.rest}",
            management_url=f"http://127.0.0.1:{self.ports.management}",
        )

    def start_infrastructure(self) -> None:
        if self.options.external:
            return
        if self.postgres:
            self.postgres.start()
            self.owner_database_url, self.database_url = self.postgres.ensure_database(
                self.options.database
            )
        self.redis.start()
        self.broker.start(self.logs / "broker.log")
        self.broker.wait_ready()

    def app_env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BS_", "ZEEBE_")) and k != "DATABASE_URL"
        }
        ends = self.endpoints()
        env.update(
            {
                "DATABASE_URL": ends.database_url,
                "BS_OWNER_DATABASE_URL": ends.owner_database_url,
                "BS_REDIS_URL": ends.redis_url,
                "BS_REDIS_PASSWORD": ends.redis_password,
                "BS_STREAM_PREFIX": self.options.stream_prefix,
                "BS_ZEEBE_GATEWAY": ends.gateway,
                "BS_ZEEBE_REST_URL": ends.rest_url,
                "BS_ZEEBE_MANAGEMENT_URL": ends.management_url,
                "BS_WORKERS_METRICS_PORT": str(self.ports.workers_metrics),
                "BS_PROJECTOR_METRICS_PORT": str(self.ports.projector_metrics),
                "PYTHONUNBUFFERED": "1",
                "BS_DEV_USERS": "true",
                # The demo's Nord kommune operates the platform: its analysts may deploy.
                "BS_OPERATING_MUNICIPALITY": "901",
                "BS_CPR_ENDPOINT": f"http://127.0.0.1:{self.ports.simulators}/sf1520",
                "BS_CPR_EVENTS_ENDPOINT": f"http://127.0.0.1:{self.ports.simulators}/cpr-haendelser",
                "BS_SIMULATOR_DIR": str(self.root / "data" / "simulators"),
                "BS_SF2900_ENDPOINT": f"http://127.0.0.1:{self.ports.simulators}/sf2900",
                "BS_SF1470_ENDPOINT": f"http://127.0.0.1:{self.ports.simulators}/sf1470",
                "BS_SF2900_INBOX_ENDPOINT": f"http://127.0.0.1:{self.ports.simulators}/sf2900",
                "BS_SF1510_ENDPOINT": f"http://127.0.0.1:{self.ports.simulators}/sf1510",
                # OIOIDWS: SF1520 and SF1510 take the production route, a token from the
                # simulator STS with the TEST certificates (adapters/sts/README.md).
                "BS_STS_ENDPOINT": f"http://127.0.0.1:{self.ports.simulators}/sts",
                "BS_CPR_VARIANT": "token",
                "BS_SF1510_VARIANT": "token",
                "BS_FKOEKO_ENDPOINT": f"http://127.0.0.1:{self.ports.simulators}/fkoeko",
                # Letters go through the SF1601 simulator, which keeps them in
                # data/simulators/sf1601 (adapters.digitalpost.simulator.read_message).
                "BS_DIGITALPOST_ENDPOINT": f"http://127.0.0.1:{self.ports.simulators}/sf1601",
                "BS_MAILBOX_DIR": str(self.root / "data" / "mailbox"),
                # Event files to Danmarks Statistik go to the DST simulator (data/simulators/dst).
                "BS_DST_ENDPOINT": f"http://127.0.0.1:{self.ports.simulators}/dst",
            }
        )
        return env

    def run_step(self, name: str, argv: list[str]) -> None:
        """A one-shot step (migration, deployment); its output goes to its log."""
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / f"{name}.log").open("ab") as out:
            result = subprocess.run(
                argv,
                env=self.app_env(),
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=300,
            )
        if result.returncode != 0:
            tail = (self.logs / f"{name}.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name} failed with exit code {result.returncode}:\n{tail}")

    def migrate(self) -> None:
        self.run_step("migrate", [PYTHON, "-m", "alembic", "upgrade", "head"])

    def classification(self) -> None:
        """KLE and the kontoplan from SF1510 into the case store: intake needs them. Under
        make run and in tests SF1510 is the simulator, so the simulators start first."""
        self.start_app("simulators")
        wait_for(lambda: port_open(self.ports.simulators), 60, "simulators")
        self.run_step("classification", [PYTHON, "-m", "api.classification.sync"])

    def seed(self) -> None:
        self.run_step("seed", [PYTHON, "-m", "api.demo.seed"])

    def seed_synthetic(self) -> None:
        """`make run` only: a year of synthetic cases, grants and payments in Demo Nord."""
        self.run_step("seed-synthetic", [PYTHON, "-m", "api.demo.synthetic"])

    def deploy(self) -> None:
        self.run_step("deploy", [PYTHON, "-m", "api.engine.deploy"])

    # -- our processes ----------------------------------------------------------------------

    def app_process(self, name: str) -> Process:
        argv = {
            "simulators": [
                PYTHON,
                "-m",
                "adapters.simulators",
                "--port",
                str(self.ports.simulators),
            ],
            "workers": [PYTHON, "-m", "workers"],
            "projector": [PYTHON, "-m", "api.projector"],
            "api": [
                PYTHON,
                "-m",
                "uvicorn",
                "api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.ports.api),
                "--no-access-log",
            ],
        }[name]
        env = self.app_env()
        if name == "projector":
            env.update(self.options.projector_env)
        if self.options.clock_controlled:
            env["BS_ENGINE_CLOCK_URL"] = self.endpoints().management_url
        return Process(name, argv, env, self.logs / f"{name}.log")

    def start_app(self, name: str) -> Process:
        proc = self.apps.get(name) or self.app_process(name)
        self.apps[name] = proc
        if not proc.alive():
            proc.start()
        return proc

    def start_apps(self) -> None:
        names = ["simulators", "workers", "projector"] + (["api"] if self.options.api else [])
        for name in names:
            self.start_app(name)
        if self.options.api:
            wait_for(lambda: port_open(self.ports.api), 60, "API")

    def start(self) -> None:
        self.start_infrastructure()
        self.migrate()
        self.classification()
        self.seed()
        self.deploy()
        self.start_apps()

    def stop(self) -> None:
        for proc in reversed(list(self.apps.values())):
            proc.stop()
        if self.options.external:
            return
        self.broker.stop()
        self.redis.stop()
        if self.postgres:
            self.postgres.stop()
