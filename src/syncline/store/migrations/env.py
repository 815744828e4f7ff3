"""Alembic environment: runs migrations on the connection (or else the engine) handed over in
`config.attributes`; `store.db.migrate` hands over a connection that holds the migration lock."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from syncline.store.tables import Base


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    with context.config.attributes["engine"].connect() as connection:
        run(connection)
