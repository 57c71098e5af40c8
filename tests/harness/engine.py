"""Synchronous access to the engine for tests: gRPC through pyzeebe on a private event loop,
REST for user tasks, and the actuator clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pyzeebe import ZeebeClient, create_insecure_channel
from pyzeebe.grpc_internals.types import DeployResourceResponse

T = TypeVar("T")


class Engine:
    def __init__(self, gateway: str, rest_url: str) -> None:
        # The gRPC channel belongs to the loop it was made on, so the loop is ours alone.
        self.loop = asyncio.new_event_loop()
        self.channel = self._run(self._channel(gateway))
        self.client = ZeebeClient(self.channel, max_connection_retries=-1)
        self.rest = httpx.Client(base_url=rest_url, timeout=10)

    @staticmethod
    async def _channel(gateway: str) -> Any:
        return create_insecure_channel(grpc_address=gateway)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def deploy(self, *paths: Path) -> dict[str, int]:
        response = self._run(self.client.deploy_resource(*[str(p) for p in paths]))
        return {
            item.bpmn_process_id: item.process_definition_key
            for item in response.deployments
            if isinstance(item, DeployResourceResponse.ProcessMetadata)
        }

    def start(self, bpmn_process_id: str, variables: dict[str, Any] | None = None) -> int:
        response = self._run(self.client.run_process(bpmn_process_id, variables or {}))
        return int(response.process_instance_key)

    def cancel(self, process_instance_key: int) -> None:
        self._run(self.client.cancel_process_instance(process_instance_key))

    def publish(
        self,
        name: str,
        correlation_key: str,
        variables: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> None:
        self._run(
            self.client.publish_message(
                name,
                correlation_key,
                variables or {},
                time_to_live_in_milliseconds=60_000,
                message_id=message_id,
            )
        )

    def complete_user_task(self, key: int, variables: dict[str, Any] | None = None) -> None:
        response = self.rest.post(
            f"/v1/user-tasks/{key}/completion", json={"variables": variables or {}}
        )
        assert response.status_code == 204, response.text

    def close(self) -> None:
        self.rest.close()
        self._run(self.channel.close())
        self.loop.close()


class EngineClock:
    """The broker's controlled clock, and the one 'now' that clock tests may use.

    The clock is global to the broker, so it only ever moves forward.
    """

    def __init__(self, management_url: str) -> None:
        self.http = httpx.Client(base_url=management_url, timeout=10)

    def now(self) -> datetime:
        response = self.http.get("/actuator/clock")
        response.raise_for_status()
        return datetime.fromtimestamp(response.json()["epochMilli"] / 1000, tz=UTC)

    def advance(self, delta: timedelta) -> datetime:
        if delta <= timedelta(0):
            raise ValueError("the engine clock only moves forward in tests")
        response = self.http.post(
            "/actuator/clock/add",
            content=json.dumps({"offsetMilli": int(delta.total_seconds() * 1000)}),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        return datetime.fromtimestamp(response.json()["epochMilli"] / 1000, tz=UTC)
