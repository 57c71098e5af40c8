"""A Digital Post sender with one backend: a local mailbox folder (the dev and test fallback).

It has the shape of the SF1601 client (`adapters.digitalpost.sf1601`): recipient, subject, body,
attachments and an idempotency key in; a delivery time out.
Each message is one JSON file named by its idempotency key, attachments included: sending again
returns the first delivery and writes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from adapters.errors import ContractViolation, NotFound, Rejected, Unavailable

# What the appeal package needs; Digital Post itself accepts more formats and larger messages.
ATTACHMENT_MEDIA_TYPES = frozenset({"application/pdf"})
MAX_ATTACHMENTS_BYTES = 10 * 1024 * 1024
_MESSAGE_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Recipient:
    """Who gets the letter. The optional fields come from CPR and decide how SF1601 delivers:
    `digital_post` False (not tilmeldt) sends a physical letter, None lets the service choose;
    `address` is printed on a physical letter unless `address_protected` (adressebeskyttelse)."""

    kind: Literal["cpr", "cvr", "email"]
    identifier: str
    name: str | None = None
    digital_post: bool | None = None
    address: str | None = None
    address_protected: bool = False


@dataclass(frozen=True)
class Sender:
    """The authority the letter is from (the case's municipality), by CVR."""

    cvr: str
    name: str


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Delivery:
    message_id: str
    delivered_at: datetime


class LocalMailbox:
    def __init__(self, folder: Path, now: Callable[[], datetime] | None = None) -> None:
        self.folder = folder
        self.now = now or (lambda: datetime.now(UTC))

    def send(
        self,
        *,
        recipient: Recipient,
        subject: str,
        body: str,
        idempotency_key: str,
        attachments: Sequence[Attachment] = (),
        sender: Sender | None = None,
        case_number: str | None = None,
    ) -> Delivery:
        """`sender` and `case_number` are what SF1601 needs; the mailbox does not keep them."""
        if not recipient.identifier.strip():
            raise Rejected("modtageren mangler")
        check_attachments(attachments)
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
                        "attachments": [_stored(a) for a in attachments],
                        "delivered_at": delivered.isoformat(),
                    }
                )
            )
            os.replace(tmp, path)  # atomic: a crash never leaves half a message
            return Delivery(message_id, delivered)
        except OSError as exc:
            raise Unavailable(f"mailbox not writable: {type(exc).__name__}") from exc


def read_message(folder: Path, message_id: str) -> dict[str, Any]:
    """A delivered message as stored, with each attachment's content decoded to bytes."""
    if not _MESSAGE_ID.fullmatch(message_id):
        raise NotFound("no such message")
    path = folder / f"{message_id}.json"
    try:
        message: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise NotFound("no such message") from exc
    except OSError as exc:
        raise Unavailable(f"mailbox not readable: {type(exc).__name__}") from exc
    except json.JSONDecodeError as exc:
        raise ContractViolation("a stored message is not JSON") from exc
    # Messages stored before attachments existed have no list.
    message["attachments"] = [_decoded(a) for a in message.get("attachments", [])]
    return message


def check_attachments(attachments: Sequence[Attachment]) -> None:
    """Refuse the whole message before anything is written; the texts carry no file names, since
    a name can hold personal data and the error ends up in logs and incidents."""
    for number, attachment in enumerate(attachments, start=1):
        if not attachment.filename.strip():
            raise Rejected(f"vedhæftning {number} mangler et filnavn")
        if not attachment.content:
            raise Rejected(f"vedhæftning {number} er tom")
        if attachment.media_type not in ATTACHMENT_MEDIA_TYPES:
            raise Rejected(
                f"vedhæftning {number} har medietypen {attachment.media_type!r}; "
                "kun application/pdf er tilladt"
            )
    total = sum(len(a.content) for a in attachments)
    if total > MAX_ATTACHMENTS_BYTES:
        raise Rejected(f"vedhæftningerne fylder {total} bytes; højst {MAX_ATTACHMENTS_BYTES}")


def _stored(attachment: Attachment) -> dict[str, object]:
    return {
        "filename": attachment.filename,
        "media_type": attachment.media_type,
        "size": len(attachment.content),
        "sha256": hashlib.sha256(attachment.content).hexdigest(),
        "content_base64": base64.b64encode(attachment.content).decode("ascii"),
    }


def _decoded(stored: dict[str, Any]) -> dict[str, Any]:
    try:
        content = base64.b64decode(stored["content_base64"], validate=True)
    except (KeyError, binascii.Error) as exc:
        raise ContractViolation("a stored attachment cannot be decoded") from exc
    if hashlib.sha256(content).hexdigest() != stored.get("sha256"):
        raise ContractViolation("a stored attachment does not match its sha256")
    return {
        "filename": stored["filename"],
        "media_type": stored["media_type"],
        "size": len(content),
        "sha256": stored["sha256"],
        "content": content,
    }
