"""Digital Post: the simple adapter the underretning flow needs until SF1601 is built."""

from adapters.digitalpost.simple import Delivery, LocalMailbox, Recipient

__all__ = ["Delivery", "LocalMailbox", "Recipient"]
