"""The testcontainers backend: PostgreSQL, Redis and the broker in containers.

Not run on our machines (no Docker engine); selected with BS_TEST_BACKEND=containers or auto.
The broker runs the official 8.5 image with our exporter jar mounted and the same settings as
the local broker, so the projector and workers (still local subprocesses) see the same streams.
"""

from __future__ import annotations

from typing import Any

from infra.stack import EXPORTED_VALUE_TYPES, read_versions

REDIS_PASSWORD = "test-only-password"


def start_containers(exporter_jar: str) -> dict[str, Any]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs
    from testcontainers.postgres import PostgresContainer
    from testcontainers.redis import RedisContainer

    version = read_versions()["ZEEBE_VERSION"]
    postgres = PostgresContainer("postgres:15", driver="psycopg").start()
    redis = RedisContainer("redis:7.0", password=REDIS_PASSWORD)
    redis.with_command(
        f"redis-server --requirepass {REDIS_PASSWORD} --appendonly yes --appendfsync always"
    ).start()
    redis_host = redis.get_docker_client().bridge_ip(redis.get_wrapped_container().id)
    broker = (
        DockerContainer(f"camunda/zeebe:{version}")
        .with_volume_mapping(exporter_jar, "/usr/local/zeebe/exporters/exporter.jar")
        .with_env(
            "ZEEBE_BROKER_EXPORTERS_REDIS_CLASSNAME", "dk.boernesag.exporter.RedisStreamExporter"
        )
        .with_env("ZEEBE_BROKER_EXPORTERS_REDIS_JARPATH", "/usr/local/zeebe/exporters/exporter.jar")
        .with_env("ZEEBE_REDIS_REMOTE_ADDRESS", f"redis://{redis_host}:6379")
        .with_env("ZEEBE_REDIS_PASSWORD", REDIS_PASSWORD)
        .with_env("ZEEBE_REDIS_FORMAT", "json")
        .with_env("ZEEBE_REDIS_ENABLED_RECORD_TYPES", "EVENT")
        .with_env("ZEEBE_REDIS_ENABLED_VALUE_TYPES", ",".join(EXPORTED_VALUE_TYPES))
        .with_env("ZEEBE_REDIS_DELETE_AFTER_ACKNOWLEDGE", "true")
        .with_env("ZEEBE_REDIS_MAX_TIME_TO_LIVE_IN_SECONDS", "0")
        .with_env("ZEEBE_BROKER_DATA_DISK_ENABLEMONITORING", "false")
        .with_env("JAVA_TOOL_OPTIONS", "-Xmx512m")
        .with_exposed_ports(26500, 8080, 9600)
        .start()
    )
    wait_for_logs(broker, "Partition-1 recovered", timeout=120)
    return {
        "containers": [broker, redis, postgres],
        "database_url": postgres.get_connection_url(),
        "redis_url": f"redis://{redis.get_container_host_ip()}:{redis.get_exposed_port(6379)}/0",
        "redis_password": REDIS_PASSWORD,
        "gateway": f"{broker.get_container_host_ip()}:{broker.get_exposed_port(26500)}",
        "rest_url": f"http://{broker.get_container_host_ip()}:{broker.get_exposed_port(8080)}",
        "management_url": f"http://{broker.get_container_host_ip()}:{broker.get_exposed_port(9600)}",
    }
