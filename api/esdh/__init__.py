"""Journalising: case documents rendered to PDF/A, filed in the municipality's ESDH through SF2900
and indexed in SF1470, each exactly once, with their status on the case page."""
