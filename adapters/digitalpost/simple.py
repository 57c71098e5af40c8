"""A Digital Post sender with one backend: a local mailbox folder.

It has the shape the SF1601 adapter will have (recipient, subject, body, idempotency key in;
a delivery time out), so the workers do not change when the real one arrives. Each message is
one JSON file named by its idempotency key: sending again returns the first delivery.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from adapters.errors import Rejected, Unavailable


@dataclass(frozen=True)
class Recipient:
    kind: Literal["cpr", "cvr", "email"]
    identifier: str


@dataclass(frozen=True)
class Delivery:
    message_id: str
    delivered_at: datetime


class LocalMailbox:
    def __init__(self, folder: Path, now: Callable[[], datetime] | None = None) -> None:
        self.folder = folder
        self.now = now or (lambda: datetime.now(UTC))

    def send(
        self, *, recipient: Recipient, subject: str, body: str, idempotency_key: str
    ) -> Delivery:
        if not recipient.identifier.strip():
            raise Rejected("modtageren mangler")
        message_id = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        path = self.folder / f"{message_id}.json"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if path.exists():
                stored = json.loads(path.read_text())
                return Delivery(message_id, datetime.fromisoformat(stored["delivered_at"]))
            delivered = self.now()
            tmp = path.with_suffix(".tmp")
            tmp.write_text(
                json.dumps(
                    {
                        "recipient": {"kind": recipient.kind, "id": recipient.identifier},
                        "subject": subject,
                        "body": body,
                        "delivered_at": delivered.isoformat(),
                    }
                )
            )
            os.replace(tmp, path)  # atomic: a crash never leaves half a message
            return Delivery(message_id, delivered)
        except OSError as exc:
            raise Unavailable(f"mailbox not writable: {type(exc).__name__}") from exc
