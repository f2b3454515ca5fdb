"""Alembic's environment for every service's revisions (shared.migrations runs it).

The connection is the service's own (its SQLite file, or its PostgreSQL schema
by `search_path`), handed in by `shared.migrations`; each revision runs in a
transaction of its own. SQLite alters a table by copying it (batch mode).
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
