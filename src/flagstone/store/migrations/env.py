"""Alembic environment: always runs on the connection handed over by ``flagstone.store.engine``."""

from alembic import context

from flagstone.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - flagstone never runs alembic without a connection
    raise RuntimeError("flagstone migrations run through flagstone.store.upgrade/downgrade")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
