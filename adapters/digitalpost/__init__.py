"""Digital Post: the simple adapter the underretning flow needs until SF1601 is built."""

from adapters.digitalpost.simple import (
    Attachment,
    Delivery,
    LocalMailbox,
    Recipient,
    read_message,
)

__all__ = ["Attachment", "Delivery", "LocalMailbox", "Recipient", "read_message"]
