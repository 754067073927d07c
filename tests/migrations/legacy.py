"""A new database migrated up to a revision, given legacy rows, then migrated past it: how a
revision that rewrites data is tested on the data it rewrites."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from services.cli import with_database
from services.invoicing.config import MIGRATIONS
from services.kit.migrations import upgrade
from tests import database


@contextmanager
def invoicing_migrated(
    database_url: str,
    name: str,
    *,
    before: str,
    after: str,
    legacy: Callable[[str], Coroutine[Any, Any, None]],
) -> Iterator[str]:
    """The URL of a new database ``name_…``: invoicing at ``before``, ``legacy`` rows written
    (given the URL), then migrated to ``after``; dropped afterwards."""
    name = f"{name}_{secrets.token_hex(4)}"
    database._admin(database_url, f'CREATE DATABASE "{name}"')
    url = with_database(database_url, name)
    try:
        upgrade(script_location=MIGRATIONS, database_url=url, revision=before)
        asyncio.run(legacy(url))
        upgrade(script_location=MIGRATIONS, database_url=url, revision=after)
        yield url
    finally:
        database.drop(database_url, name)
