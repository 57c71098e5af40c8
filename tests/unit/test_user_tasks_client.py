"""Which failures of the broker's REST API leave the engine untouched, and which may not."""

from __future__ import annotations

import httpx
import pytest

from api.engine.user_tasks import (
    EngineUnavailable,
    EngineUncertain,
    TaskConflict,
    TaskGone,
    UserTasks,
)


def client(handler: httpx.MockTransport) -> UserTasks:
    tasks = UserTasks("http://broker.invalid")
    tasks.http = httpx.Client(base_url="http://broker.invalid/v1", transport=handler)
    return tasks


def raising(exc: Exception) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc

    return httpx.MockTransport(handle)


def answering(code: int) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(code, json={"detail": "x"}))


@pytest.mark.parametrize("exc", [httpx.ConnectError("refused"), httpx.ConnectTimeout("no route")])
def test_never_connected_is_unavailable_and_certain(exc: Exception) -> None:
    with pytest.raises(EngineUnavailable) as caught:
        client(raising(exc)).complete(1, {})
    assert not isinstance(caught.value, EngineUncertain)


@pytest.mark.parametrize(
    "exc",
    [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"), httpx.ReadError("reset")],
)
def test_a_lost_answer_is_uncertain(exc: Exception) -> None:
    with pytest.raises(EngineUncertain):
        client(raising(exc)).complete(1, {})


@pytest.mark.parametrize(
    ("code", "error"),
    [(404, TaskGone), (409, TaskConflict), (400, TaskConflict), (503, EngineUnavailable)],
)
def test_answers_map_to_errors(code: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        client(answering(code)).complete(1, {})


def test_success() -> None:
    client(answering(204)).complete(1, {"outcome": "close"})
