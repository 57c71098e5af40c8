"""Digital Post: SF1601 (`Sf1601Client`, MeMo messages) and the local mailbox fallback.

Both senders take the same arguments (recipient, subject, body, attachments, an idempotency key,
the sender and the case number) and answer a `Delivery` with the delivery time. The SF1601
contract simulator and its reader live in `adapters.digitalpost.simulator`; the mailbox's
reader is `read_message` here.
"""

from adapters.digitalpost.sf1601 import Sf1601Client, Sf1601Settings, kombit_token_provider
from adapters.digitalpost.simple import (
    Attachment,
    Delivery,
    LocalMailbox,
    Recipient,
    Sender,
    read_message,
)

__all__ = [
    "Attachment",
    "Delivery",
    "LocalMailbox",
    "Recipient",
    "Sender",
    "Sf1601Client",
    "Sf1601Settings",
    "kombit_token_provider",
    "read_message",
]
