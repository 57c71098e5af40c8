"""Alembic environment: the URL comes from the same settings as the app."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from api.projector.tables import metadata as projector_metadata
from api.settings import get_settings, owner_url
from api.tables import metadata as case_store_metadata

target_metadata = [projector_metadata, case_store_metadata]


def run() -> None:
    url = context.config.attributes.get("url") or owner_url(get_settings())
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run()
