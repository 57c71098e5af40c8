"""Settings for the API, the projector and the workers: read once, passed on explicitly."""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BS_", extra="ignore")

    # DATABASE_URL (unprefixed) wins, so an operator can point the stack at another database.
    database_url: SecretStr = Field(
        validation_alias=AliasChoices("DATABASE_URL", "BS_DATABASE_URL")
    )
    # The schema owner, for migrations and read-model rebuilds; defaults to database_url.
    owner_database_url: SecretStr | None = None
    redis_url: str = "redis://127.0.0.1:56379/0"
    redis_password: SecretStr = SecretStr("")
    stream_prefix: str = "zeebe"
    zeebe_gateway: str = "127.0.0.1:26500"
    zeebe_rest_url: str = "http://127.0.0.1:8080"
    zeebe_management_url: str = "http://127.0.0.1:9600"
    projector_group: str = "projector"
    projector_consumer: str = "projector-1"
    projector_batch: int = 500
    # Entries of a consumer that has been silent this long are taken over (XAUTOCLAIM).
    projector_claim_idle_ms: int = 60_000
    log_format: str = "console"


def owner_url(settings: Settings) -> str:
    chosen = settings.owner_database_url or settings.database_url
    return chosen.get_secret_value()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
