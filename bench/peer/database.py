"""The engine (one pool, the service's size and role) and the per-request tenant transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .settings import PeerSettings

# RLS policies on the tables read `app.org_id`; `true`: for this transaction only.
SET_TENANT = text("SELECT set_config('app.org_id', :org_id, true)")


def create_engine(settings: PeerSettings) -> AsyncEngine:
    url = make_url(settings.database_url).set(drivername="postgresql+asyncpg")
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_max,
        max_overflow=0,
        connect_args={
            "server_settings": {
                "search_path": settings.search_path,
                "application_name": "kring-peer",
            }
        },
    )
    if settings.database_role:
        role = '"' + settings.database_role.replace('"', '""') + '"'

        @event.listens_for(engine.sync_engine, "connect")
        def set_role(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"SET ROLE {role}")
            cursor.close()

    return engine
