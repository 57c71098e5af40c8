"""The testcontainers backend: PostgreSQL, Redis and the broker in containers.

Not run on our machines (no Docker engine); selected with BS_TEST_BACKEND=containers, or auto
when a Docker engine answers. The broker runs the official 8.5 image with our exporter jar
mounted and the same exporter settings as the local broker, so the projector, the workers and the
API (still local subprocesses) see the same streams.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infra.platform import Endpoints
from infra.stack import EXPORTED_VALUE_TYPES, EXPORTER_CLASS, read_versions

REDIS_PASSWORD = "test-only-password"
EXPORTER_IN_CONTAINER = "/usr/local/zeebe/exporters/redis-stream-exporter.jar"


@dataclass
class Containers:
    endpoints: Endpoints
    running: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for container in reversed(self.running):
            container.stop()


def start_containers(exporter_jar: str, *, clock_controlled: bool, prefix: str) -> Containers:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.network import Network
    from testcontainers.core.waiting_utils import wait_for_logs
    from testcontainers.postgres import PostgresContainer
    from testcontainers.redis import RedisContainer

    version = read_versions()["ZEEBE_VERSION"]
    network = Network().create()
    running: list[Any] = []
    postgres = PostgresContainer("postgres:15", driver="psycopg").start()
    running.append(postgres)
    redis = (
        RedisContainer("redis:7.0", password=REDIS_PASSWORD)
        .with_network(network)
        .with_network_aliases("redis")
        .with_command(
            f"redis-server --requirepass {REDIS_PASSWORD} --appendonly yes --appendfsync always"
        )
        .start()
    )
    running.append(redis)
    broker = (
        DockerContainer(f"camunda/zeebe:{version}")
        .with_network(network)
        .with_volume_mapping(exporter_jar, EXPORTER_IN_CONTAINER)
        .with_env("ZEEBE_BROKER_EXPORTERS_REDIS_CLASSNAME", EXPORTER_CLASS)
        .with_env("ZEEBE_BROKER_EXPORTERS_REDIS_JARPATH", EXPORTER_IN_CONTAINER)
        .with_env("ZEEBE_REDIS_REMOTE_ADDRESS", "redis://redis:6379")
        .with_env("ZEEBE_REDIS_PASSWORD", REDIS_PASSWORD)
        .with_env("ZEEBE_REDIS_NAME", prefix)
        .with_env("ZEEBE_REDIS_FORMAT", "json")
        .with_env("ZEEBE_REDIS_ENABLED_RECORD_TYPES", "EVENT")
        .with_env("ZEEBE_REDIS_ENABLED_VALUE_TYPES", ",".join(EXPORTED_VALUE_TYPES))
        .with_env("ZEEBE_REDIS_DELETE_AFTER_ACKNOWLEDGE", "true")
        .with_env("ZEEBE_REDIS_MAX_TIME_TO_LIVE_IN_SECONDS", "0")
        .with_env("ZEEBE_BROKER_DATA_DISK_ENABLEMONITORING", "false")
        .with_env("ZEEBE_CLOCK_CONTROLLED", "true" if clock_controlled else "false")
        .with_env("JAVA_TOOL_OPTIONS", "-Xmx512m")
        .with_exposed_ports(26500, 8080, 9600)
        .start()
    )
    running.append(broker)
    wait_for_logs(broker, "Partition-1 recovered", timeout=120)

    def url(container: Any, port: int) -> str:
        return f"{container.get_container_host_ip()}:{container.get_exposed_port(port)}"

    return Containers(
        Endpoints(
            database_url=postgres.get_connection_url(),
            owner_database_url=postgres.get_connection_url(),
            redis_url=f"redis://{url(redis, 6379)}/0",
            redis_password=REDIS_PASSWORD,
            gateway=url(broker, 26500),
            rest_url=f"http://{url(broker, 8080)}",
            management_url=f"http://{url(broker, 9600)}",
        ),
        running,
    )
