"""Ports for the stack's servers, and starting again on other ports when one was taken."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import ClassVar

import pytest

import tests.harness.platform as harness
from infra.platform import StackOptions
from infra.stack import PortInUse, Ports, _ephemeral_low, free_port


def test_free_ports_are_distinct_bindable_and_below_the_ephemeral_range() -> None:
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)
    assert all(20_000 <= port < _ephemeral_low() for port in ports)
    for port in ports[:20]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))


def test_a_port_taken_by_a_listener_is_never_handed_out() -> None:
    taken = [socket.socket() for _ in range(50)]
    try:
        numbers = set()
        for s in taken:
            port = free_port()
            s.bind(("127.0.0.1", port))
            s.listen()
            numbers.add(port)
        assert not numbers & {free_port() for _ in range(200)}
    finally:
        for s in taken:
            s.close()


class FakeStack:
    """Stands in for the stack: the first start finds a port taken, like the broker does."""

    started: ClassVar[list[Ports]] = []
    stopped: ClassVar[list[Ports]] = []

    def __init__(self, root: Path, ports: Ports, options: StackOptions) -> None:
        self.ports = ports

    def start(self) -> None:
        FakeStack.started.append(self.ports)
        if len(FakeStack.started) == 1:
            raise PortInUse("the broker could not bind a port")

    def stop(self) -> None:
        FakeStack.stopped.append(self.ports)


def test_the_harness_starts_again_on_other_ports_when_one_was_taken(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    FakeStack.started, FakeStack.stopped = [], []
    monkeypatch.setattr(harness, "Stack", FakeStack)
    stack = harness.start_stack(tmp_path, StackOptions())
    first, second = FakeStack.started
    assert FakeStack.stopped == [first]
    assert stack.ports is second and first != second


def test_the_harness_gives_up_after_its_attempts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class AlwaysTaken(FakeStack):
        def start(self) -> None:
            FakeStack.started.append(self.ports)
            raise PortInUse("taken")

    FakeStack.started, FakeStack.stopped = [], []
    monkeypatch.setattr(harness, "Stack", AlwaysTaken)
    with pytest.raises(PortInUse):
        harness.start_stack(tmp_path, StackOptions(), attempts=2)
    assert len(FakeStack.started) == 2 and FakeStack.stopped == FakeStack.started


def test_another_error_stops_the_stack_and_is_not_retried(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class Broken(FakeStack):
        def start(self) -> None:
            FakeStack.started.append(self.ports)
            raise TimeoutError("Zeebe broker not ready after 120s")

    FakeStack.started, FakeStack.stopped = [], []
    monkeypatch.setattr(harness, "Stack", Broken)
    with pytest.raises(TimeoutError):
        harness.start_stack(tmp_path, StackOptions())
    assert len(FakeStack.started) == 1 and FakeStack.stopped == FakeStack.started
