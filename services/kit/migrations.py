"""Alembic, one environment per service, each in its own schema with its own version table.

A service's ``migrations/env.py`` calls :func:`run_env`. Before migrating, under an
advisory lock (so replicas or jobs started together migrate once), it makes sure
the schema and two roles exist:

- ``kring_<schema>_owner`` (no login) owns the schema and every table;
- ``kring_<schema>`` is the role the service runs as: it may read and write rows,
  but as a non-owner it is held by row-level security.

Migrations then run as the owner role. SQLAlchemy is used only as alembic's
connection; services talk to PostgreSQL through asyncpg.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine


def app_role(schema: str) -> str:
    return f"kring_{schema}"


def owner_role(schema: str) -> str:
    return f"kring_{schema}_owner"


def bootstrap_statements(schema: str) -> list[str]:
    app, owner = app_role(schema), owner_role(schema)
    ensure_role = """
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE "{role}" {options};
            END IF;
            IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
                EXECUTE format('GRANT %I TO %I', '{role}', current_user);
            END IF;
        END $$
    """
    return [
        ensure_role.format(role=owner, options="NOLOGIN"),
        ensure_role.format(role=app, options="LOGIN"),
        f'CREATE SCHEMA IF NOT EXISTS "{schema}" AUTHORIZATION "{owner}"',
        f'GRANT USAGE ON SCHEMA "{schema}" TO "{app}"',
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA "{schema}" '
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{app}"',
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA "{schema}" '
        f'GRANT USAGE, SELECT ON SEQUENCES TO "{app}"',
    ]


def sqlalchemy_url(database_url: str) -> str:
    scheme, sep, rest = database_url.partition("://")
    if not sep or scheme not in {"postgres", "postgresql", "postgresql+asyncpg"}:
        raise SystemExit("the database URL must start with postgresql://")
    return f"postgresql+asyncpg://{rest}"


def config(*, script_location: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return cfg


def head_revision(script_location: Path) -> str | None:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return ScriptDirectory.from_config(cfg).get_current_head()


def known_revisions(script_location: Path) -> frozenset[str]:
    """Every revision this release ships (a revision not among them is a later release's)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return frozenset(s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions())


def upgrade(*, script_location: Path, database_url: str, revision: str = "head") -> None:
    command.upgrade(config(script_location=script_location, database_url=database_url), revision)


def _migrate(connection: Connection, schema: str) -> None:
    connection.exec_driver_sql(f"SELECT pg_advisory_lock(hashtext('kring-migrate-{schema}'))")
    for statement in bootstrap_statements(schema):
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(f'SET ROLE "{owner_role(schema)}"')
    connection.exec_driver_sql(f'SET search_path = "{schema}"')
    connection.commit()
    context.configure(
        connection=connection,
        target_metadata=None,
        version_table_schema=schema,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.exec_driver_sql(
        f'REVOKE INSERT, UPDATE, DELETE ON "{schema}".alembic_version FROM "{app_role(schema)}"'
    )
    connection.commit()


def run_env(*, schema: str) -> None:
    """Body of every service's ``env.py`` (online mode only: we never emit SQL scripts)."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not configured"

    async def run() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(_migrate, schema)
        finally:
            await engine.dispose()

    asyncio.run(run())
