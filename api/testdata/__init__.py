"""Synthetic test and demo data: fixtures and demo seeds take personal identifiers from here."""
