"""Migrations are frozen history: a revision carries the DDL it applied and imports no live code.

For each service a new, empty database is migrated one revision at a time, from the
first to the head, and its schema (``catalogue.describe``) must equal the committed
snapshot ``<service>.schema.txt``; so must the schema of the session's database, which
was migrated to head in one go, and the two must equal each other. A revision whose
DDL changes meaning (edited, or reading code that changed) fails here.

A new revision changes the head schema on purpose. Write the snapshots again, read
their diff, and commit it with the revision:

    KRING_WRITE_SCHEMA_SNAPSHOTS=1 python -m pytest tests/migrations -q

The snapshots are written on the embedded PostgreSQL; on a server of another major
version (``DATABASE_URL``) the comparisons with them are skipped, the others still run.
"""

from __future__ import annotations

import ast
import asyncio
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from services.cli import SERVICES, service_module, with_database
from services.kit.migrations import upgrade

from .catalogue import describe

HERE = Path(__file__).parent
REVISION_FILES = sorted(
    path
    for name in SERVICES
    for path in (service_module(name, "config").MIGRATIONS / "versions").glob("*.py")
)


@dataclass(frozen=True)
class Build:
    """A service's schema built one revision at a time, and the revision each step reached."""

    service: str
    schema: str
    reached: list[str]


def revisions(script_location: Path) -> list[str]:
    """The service's revisions, first to head."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return [script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions()][::-1]


def schema_of(database_url: str, schema: str) -> str:
    async def read() -> str:
        conn = await asyncpg.connect(database_url)
        try:
            return await describe(conn, schema)
        finally:
            await conn.close()

    return asyncio.run(read())


def snapshot(build: Build) -> str:
    """The committed head schema (written first when KRING_WRITE_SCHEMA_SNAPSHOTS=1)."""
    path = HERE / f"{build.service}.schema.txt"
    if os.environ.get("KRING_WRITE_SCHEMA_SNAPSHOTS") == "1":
        path.write_text(build.schema)
    committed = path.read_text()
    if committed.partition("\n")[0] != build.schema.partition("\n")[0]:
        pytest.skip(f"{path.name} was written on another PostgreSQL major version")
    return committed


async def _admin(database_url: str, statement: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def empty_database(database_url: str) -> Iterator[str]:
    """A new database on the test server with nothing in it; dropped after this module."""
    name = f"kring_history_{secrets.token_hex(4)}"
    asyncio.run(_admin(database_url, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(database_url, name)
    finally:
        asyncio.run(_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module", params=SERVICES)
def built(request: pytest.FixtureRequest, empty_database: str) -> Build:
    config = service_module(request.param, "config")
    reached = []
    for revision in revisions(config.MIGRATIONS):
        upgrade(script_location=config.MIGRATIONS, database_url=empty_database, revision=revision)
        reached.append(schema_of(empty_database, config.SCHEMA).splitlines()[1])
    return Build(
        service=request.param, schema=schema_of(empty_database, config.SCHEMA), reached=reached
    )


@pytest.mark.parametrize("path", REVISION_FILES, ids=lambda p: f"{p.parts[-4]}/{p.name}")
def test_a_revision_imports_no_live_code(path: Path) -> None:
    imported: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.append("." * node.level + (node.module or ""))
    live = [name for name in imported if name.split(".")[0] in {"services", ""}]
    assert live == [], f"{path.name} imports {live}: paste the DDL it applied instead"


def test_each_step_applies_one_revision(built: Build) -> None:
    expected = revisions(service_module(built.service, "config").MIGRATIONS)
    assert built.reached == [f"revision {revision}" for revision in expected]


def test_built_one_revision_at_a_time_the_schema_is_the_snapshot(built: Build) -> None:
    assert built.schema.splitlines() == snapshot(built).splitlines()


def test_migrated_to_head_in_one_go_the_schema_is_the_snapshot(
    built: Build, database_url: str
) -> None:
    schema = service_module(built.service, "config").SCHEMA
    assert schema_of(database_url, schema).splitlines() == snapshot(built).splitlines()


def test_built_one_revision_at_a_time_equals_migrated_in_one_go(
    built: Build, database_url: str
) -> None:
    schema = service_module(built.service, "config").SCHEMA
    assert built.schema.splitlines() == schema_of(database_url, schema).splitlines()
