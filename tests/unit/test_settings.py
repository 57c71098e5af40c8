"""Settings are read in one place; DATABASE_URL wins over our own database."""

from __future__ import annotations

import pytest

from api.settings import Settings


def test_plain_database_url_overrides_the_prefixed_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator's DATABASE_URL points every process at that database."""
    monkeypatch.setenv("BS_DATABASE_URL", "postgresql+psycopg://ours@127.0.0.1/ours")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://theirs@127.0.0.1/theirs")
    assert Settings().database_url.get_secret_value().endswith("/theirs")


def test_secrets_do_not_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Redis password and the database URL are SecretStr: never printed by accident."""
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u:pw-123@127.0.0.1/db")
    monkeypatch.setenv("BS_REDIS_PASSWORD", "redis-pw-456")
    text = repr(Settings())
    assert "pw-123" not in text and "redis-pw-456" not in text
