"""The local Digital Post mailbox: one JSON per idempotency key, PDF attachments included."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.digitalpost import Attachment, LocalMailbox, Recipient, read_message
from adapters.digitalpost.simple import MAX_ATTACHMENTS_BYTES
from adapters.errors import NotFound, Rejected

ANKESTYRELSEN = Recipient("cvr", "11223344")
PDF = b"%PDF-1.4\n% klagesag\n%%EOF\n"


def _ticking() -> Iterator[datetime]:
    moment = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)
    while True:
        yield moment
        moment += timedelta(minutes=1)


@pytest.fixture
def mailbox(tmp_path: Path) -> LocalMailbox:
    clock = _ticking()
    return LocalMailbox(tmp_path / "mailbox", now=lambda: next(clock))


def _send(mailbox: LocalMailbox, *attachments: Attachment, key: str = "klagepakke-1") -> str:
    return mailbox.send(
        recipient=ANKESTYRELSEN,
        subject="Klage over afgørelse",
        body="Klagesag med dokumentliste:\n1. 2026-01-05 Børnefaglig undersøgelse",
        idempotency_key=key,
        attachments=attachments,
    ).message_id


def test_an_attachment_round_trips_through_the_stored_message(mailbox: LocalMailbox) -> None:
    """The PDF comes back byte for byte, with its name, media type and sha256."""
    message_id = _send(mailbox, Attachment("klagesag.pdf", "application/pdf", PDF))
    message = read_message(mailbox.folder, message_id)
    assert message["subject"] == "Klage over afgørelse"
    assert message["attachments"] == [
        {
            "filename": "klagesag.pdf",
            "media_type": "application/pdf",
            "size": len(PDF),
            "sha256": hashlib.sha256(PDF).hexdigest(),
            "content": PDF,
        }
    ]


def test_the_message_is_one_json_file_with_base64_content(mailbox: LocalMailbox) -> None:
    """Attachments live inside the message's one JSON file, base64-encoded."""
    message_id = _send(mailbox, Attachment("klagesag.pdf", "application/pdf", PDF))
    assert [p.name for p in mailbox.folder.iterdir()] == [f"{message_id}.json"]
    stored = json.loads((mailbox.folder / f"{message_id}.json").read_text())
    assert base64.b64decode(stored["attachments"][0]["content_base64"]) == PDF


def test_a_message_without_attachments_still_sends(mailbox: LocalMailbox) -> None:
    """Workers that pass no attachments keep working, and read back an empty list."""
    delivery = mailbox.send(
        recipient=ANKESTYRELSEN, subject="Kvittering", body="Tak", idempotency_key="k-1"
    )
    message = read_message(mailbox.folder, delivery.message_id)
    assert message["body"] == "Tak"
    assert message["attachments"] == []


def test_a_resend_returns_the_first_delivery_and_keeps_the_first_attachment(
    mailbox: LocalMailbox,
) -> None:
    """The same idempotency key sends nothing new, even with another attachment."""
    first = mailbox.send(
        recipient=ANKESTYRELSEN,
        subject="Klage over afgørelse",
        body="1",
        idempotency_key="klagepakke-1",
        attachments=[Attachment("klagesag.pdf", "application/pdf", PDF)],
    )
    path = mailbox.folder / f"{first.message_id}.json"
    written = path.read_bytes()
    again = mailbox.send(
        recipient=ANKESTYRELSEN,
        subject="Klage over afgørelse",
        body="2",
        idempotency_key="klagepakke-1",
        attachments=[Attachment("ny.pdf", "application/pdf", PDF + b"ny")],
    )
    assert again == first
    assert path.read_bytes() == written
    assert [p.name for p in mailbox.folder.iterdir()] == [path.name]
    assert read_message(mailbox.folder, first.message_id)["attachments"][0]["content"] == PDF


@pytest.mark.parametrize(
    "attachment",
    [
        Attachment("", "application/pdf", PDF),
        Attachment("   ", "application/pdf", PDF),
        Attachment("klagesag.pdf", "application/pdf", b""),
        Attachment("klagesag.txt", "text/plain", b"tekst"),
        Attachment("klagesag.pdf", "application/octet-stream", PDF),
    ],
    ids=["empty-filename", "blank-filename", "empty-content", "text-plain", "octet-stream"],
)
def test_an_invalid_attachment_is_rejected_and_nothing_is_written(
    mailbox: LocalMailbox, attachment: Attachment
) -> None:
    """A missing name, no content or another media type than PDF refuses the whole message."""
    with pytest.raises(Rejected):
        _send(mailbox, Attachment("bilag.pdf", "application/pdf", PDF), attachment)
    assert not mailbox.folder.exists() or not any(mailbox.folder.iterdir())


def test_more_than_10_mb_in_total_is_rejected(mailbox: LocalMailbox) -> None:
    """Two attachments under the limit each but over it together are refused."""
    half = b"%" * (MAX_ATTACHMENTS_BYTES // 2 + 1)
    with pytest.raises(Rejected, match="højst"):
        _send(
            mailbox,
            Attachment("del-1.pdf", "application/pdf", half),
            Attachment("del-2.pdf", "application/pdf", half),
        )
    assert not mailbox.folder.exists() or not any(mailbox.folder.iterdir())


def test_exactly_10_mb_is_accepted(mailbox: LocalMailbox) -> None:
    """The limit itself is allowed."""
    content = b"%" * MAX_ATTACHMENTS_BYTES
    message_id = _send(mailbox, Attachment("stor.pdf", "application/pdf", content))
    assert read_message(mailbox.folder, message_id)["attachments"][0]["size"] == len(content)


def test_a_rejection_never_names_the_file(mailbox: LocalMailbox) -> None:
    """A file name may hold personal data, and the error text ends up in logs and incidents."""
    with pytest.raises(Rejected) as raised:
        _send(mailbox, Attachment("Klage fra Jens Hansen.pdf", "text/plain", b"x"))
    assert "Jens" not in str(raised.value)


@pytest.mark.parametrize("message_id", ["0" * 32, "../mailbox", "not-a-message-id"])
def test_reading_an_unknown_message_is_not_found(mailbox: LocalMailbox, message_id: str) -> None:
    """An unknown or malformed message id is NotFound, and never reaches outside the folder."""
    _send(mailbox, Attachment("klagesag.pdf", "application/pdf", PDF))
    with pytest.raises(NotFound):
        read_message(mailbox.folder, message_id)
