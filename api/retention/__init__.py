"""Retention (issue 10, item 4): closed cases deleted or anonymised on the KLE retention rules."""
