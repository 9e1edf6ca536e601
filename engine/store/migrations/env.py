"""Alembic environment: runs migrations on the engine handed in by engine.store.database."""

from alembic import context

from engine.store.tables import Base

config = context.config
connectable = config.attributes["connection_engine"]

with connectable.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
