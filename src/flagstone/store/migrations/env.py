"""Alembic environment: always runs on the connection handed over by ``flagstone.store.engine``."""

from alembic import context

from flagstone.store.schema import all_metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - flagstone never runs alembic without a connection
    raise RuntimeError("flagstone migrations run through flagstone.store.upgrade/downgrade")

# Every capability's tables (``store/schema.py``) are the target, so autogenerate sees every table the
# migrations make; the abuse tables keep their own MetaData (unnamed constraints, as create_all made
# them before migration 0004_abuse).
context.configure(connection=connection, target_metadata=all_metadata(), render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
