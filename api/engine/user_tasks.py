"""Zeebe user-task commands over the broker's REST API (8.5 has no gRPC for them)."""

from __future__ import annotations

from typing import Any

import httpx


class TaskConflict(Exception):
    """The engine refused: the task is assigned to someone else, or no longer open."""


class TaskGone(Exception):
    """The task does not exist any more (completed, or cancelled by a timer)."""


class EngineUnavailable(Exception):
    """The broker did not answer; nothing changed in the engine."""


class EngineUncertain(EngineUnavailable):
    """The request went out but no answer came back (a timeout, a dropped connection): the
    engine may or may not have carried it out."""


class UserTasks:
    def __init__(self, rest_url: str, timeout: float = 10) -> None:
        self.http = httpx.Client(base_url=f"{rest_url}/v1", timeout=timeout)

    def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> None:
        try:
            response = self.http.request(method, path, json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # Never connected: the request did not reach the broker.
            raise EngineUnavailable(type(exc).__name__) from exc
        except httpx.HTTPError as exc:
            raise EngineUncertain(type(exc).__name__) from exc
        if response.status_code in (200, 204):
            return
        detail = _detail(response)
        if response.status_code == 404:
            raise TaskGone(detail)
        if response.status_code in (400, 409):
            raise TaskConflict(detail)
        raise EngineUnavailable(f"{response.status_code}: {detail}")

    def claim(self, key: int, assignee: str) -> None:
        # allowOverride false makes this a claim: it fails if someone else holds the task.
        self._send(
            "POST",
            f"/user-tasks/{key}/assignment",
            {"assignee": assignee, "allowOverride": False, "action": "claim"},
        )

    def assign(self, key: int, assignee: str) -> None:
        self._send("POST", f"/user-tasks/{key}/assignment", {"assignee": assignee})

    def unassign(self, key: int) -> None:
        self._send("DELETE", f"/user-tasks/{key}/assignee")

    def complete(self, key: int, variables: dict[str, Any]) -> None:
        self._send("POST", f"/user-tasks/{key}/completion", {"variables": variables})

    def close(self) -> None:
        self.http.close()


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    return str(body.get("detail") or body.get("title") or body)[:300]
