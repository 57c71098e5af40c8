"""Letters as the stack's SF1601 simulator received them (the workers send through it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.digitalpost.simulator import read_message
from tests.harness.platform import Platform


def sf1601_store(platform: Platform) -> Path:
    """Where the stack's simulators process keeps SF1601 messages (`$BS_SIMULATOR_DIR/sf1601`)."""
    return platform.stack.root / "data" / "simulators" / "sf1601"


def sent_message(platform: Platform, message_id: str) -> dict[str, Any]:
    """One delivered letter: recipient, subject, body, attachments (bytes), channel, address."""
    return read_message(sf1601_store(platform), message_id)
