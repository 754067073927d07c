"""The rungs between the framework ceiling and the registrant query, to see what each layer costs.

Every rung answers the registrant query's own answer (its page of entries, read from a file
the bench writes from a real response, or read from the database by the floor), so the response
body is the same on each:

1. ``/ladder/bare``: a bare Litestar app returning the page (the ceiling's app, plus the page);
2. ``/ladder/stack``: Kring's accreditation stack as ``create_service_app`` builds it (token
   check, the policy check, strict parameters, request context and log line, metrics, problem
   handling) returning the page;
3. ``/ladder/transaction``: the same plus the per-request transaction (a pooled connection,
   ``BEGIN READ ONLY`` with the tenant, ``COMMIT``) and no query;
4. the endpoint itself (``/v1/registrar/entries`` of ``kring serve accreditation``) adds the
   query and its rows.

The differences of CPU per request between rungs are what each layer costs. Beside them,
``/ladder/floor`` is the floor of the fixed choices: the bare app doing the endpoint's database
work (the service's pool, its transaction as a logged read, the repository function:
:class:`bench.dbceiling.EndpointWork`) and answering the page it read, with none of Kring's
stack. Kring against the floor is what all of Kring's own code costs, beyond what Litestar,
uvicorn and asyncpg cost.

``/ladder/sessions-floor`` is the same floor for the facilitator's session list: the bare app
doing the list's database work (the scheduling service's pool, its read-only transaction with
the tenant, the repository function ``sessions.repository.page`` building the sessions) and
answering the page it read (:class:`SessionListWork`).

``python -m bench.ladder bare|stack|floor|sessions-floor --port PORT [--page FILE] [--work JSON]``
(``bare`` and ``stack`` answer the page in ``--page``; ``stack`` reads the
accreditation service's ``KRING_*`` variables, as ``kring serve accreditation`` does; ``floor``
takes the database and the page's tenant, register, number and period as ``--work``, the
database ceiling's parameters; ``sessions-floor`` the database, tenant, person and first day).
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import asyncpg
import msgspec
import uvicorn
from litestar import Controller, Litestar, get
from litestar.datastructures import State
from litestar.di import NamedDependency

from services.accreditation.config import MIGRATIONS, PORT, SCHEMA, load_settings
from services.accreditation.ledger.schemas import EntryPage
from services.accreditation.policy import POLICY
from services.accreditation.principal import Principal
from services.cli import SERVE_OPTIONS, tune_gc
from services.kit.app import create_service_app
from services.kit.db import create_pool, transaction
from services.kit.migrations import app_role
from services.kit.pagination import DEFAULT_LIMIT, Keyset, page_of
from services.kit.policy import PRIVACY_OPERATIONS, TENANT, Policy
from services.scheduling import config as scheduling_config
from services.scheduling.sessions import repository as sessions
from services.scheduling.sessions import rules as session_rules
from services.scheduling.sessions.schemas import SessionPage

from .dbceiling import EndpointWork, service_settings


def read_page(path: Path) -> EntryPage:
    return msgspec.json.decode(path.read_bytes(), type=EntryPage)


def bare_app(page: EntryPage) -> Litestar:
    @get("/ladder/bare", sync_to_thread=False)
    def bare() -> EntryPage:
        return page

    return Litestar(route_handlers=[bare], logging_config=None, openapi_config=None)


def floor_app(work: dict[str, object]) -> Litestar:
    """The bare app doing the endpoint's database work and answering the page it read."""

    @get("/ladder/floor")
    async def floor(state: State) -> EntryPage:
        page: EntryPage = await state.work.page()
        return page

    @asynccontextmanager
    async def pool(app: Litestar) -> AsyncIterator[None]:
        settings = service_settings(str(work["database_url"]))
        async with await create_pool(settings, schema=SCHEMA) as opened:
            app.state.work = EndpointWork(opened, work)
            yield

    return Litestar(
        route_handlers=[floor], lifespan=[pool], logging_config=None, openapi_config=None
    )


class SessionListWork:
    """The session list's database work for one page, as ``GET /v1/sessions?person_id=...&from=...``
    does it for the person's own token: its read-only transaction with the tenant and its
    repository function, which builds the sessions. ``params`` name the database, the tenant,
    the person and the first day."""

    def __init__(self, pool: asyncpg.Pool, params: dict[str, object]) -> None:
        self.pool = pool
        self.org = uuid.UUID(str(params["org_id"]))
        self.person = uuid.UUID(str(params["person_id"]))
        self.first_day = date.fromisoformat(str(params["from_date"]))

    async def page(self) -> SessionPage:
        starts_from, starts_before = session_rules.period(self.first_day, None)
        asked = Keyset(None, DEFAULT_LIMIT)
        async with transaction(self.pool, org_id=self.org, readonly=True) as conn:
            items = await sessions.page(
                conn,
                self.org,
                asked,
                person_id=self.person,
                starts_from=starts_from,
                starts_before=starts_before,
            )
        return page_of(SessionPage, items, asked.limit)


def sessions_floor_app(work: dict[str, object]) -> Litestar:
    """The bare app doing the session list's database work and answering the page it read."""

    @get("/ladder/sessions-floor")
    async def sessions_floor(state: State) -> SessionPage:
        page: SessionPage = await state.work.page()
        return page

    @asynccontextmanager
    async def pool(app: Litestar) -> AsyncIterator[None]:
        settings = scheduling_config.load_settings(
            {},
            database_url=str(work["database_url"]),
            database_role=app_role(scheduling_config.SCHEMA),
        )
        async with await create_pool(settings, schema=scheduling_config.SCHEMA) as opened:
            app.state.work = SessionListWork(opened, work)
            yield

    return Litestar(
        route_handlers=[sessions_floor], lifespan=[pool], logging_config=None, openapi_config=None
    )


LADDER_POLICY = Policy(
    roles=POLICY.roles,
    scopes=POLICY.scopes,
    table={
        **{operation: POLICY.table[operation] for operation in PRIVACY_OPERATIONS},
        "ladderStack": {"registrar": TENANT},
        "ladderTransaction": {"registrar": TENANT},
    },
)
"""Accreditation's policy of the kit's operations, and the registrant query's for the rungs
that stand in for it."""


def stack_app(page: EntryPage) -> Litestar:
    class Ladder(Controller):
        path = "/ladder"

        @get("/stack", operation_id="ladderStack", include_in_schema=False)
        async def stack(self, principal: NamedDependency[Principal]) -> EntryPage:
            return page

        @get("/transaction", operation_id="ladderTransaction", include_in_schema=False)
        async def transaction(
            self, conn: NamedDependency[asyncpg.Connection], principal: NamedDependency[Principal]
        ) -> EntryPage:
            return page

    return create_service_app(
        load_settings(),
        schema=SCHEMA,
        title="Kring bench ladder",
        version="0",
        description="",
        port=PORT,
        route_handlers=[Ladder],
        migrations=MIGRATIONS,
        principal_type=Principal,
        policy=LADDER_POLICY,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ladder", description=__doc__)
    parser.add_argument("app", choices=("bare", "stack", "floor", "sessions-floor"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--page", type=Path, help="the page answered (by bare and stack)")
    parser.add_argument("--work", type=json.loads, default={}, help="a floor's parameters")
    args = parser.parse_args()
    if args.app == "sessions-floor":
        app = sessions_floor_app(args.work)
    elif args.app == "floor":
        app = floor_app(args.work)
    elif args.page is None:
        parser.error(f"{args.app} answers the page of --page")
    else:
        page = read_page(args.page)
        app = bare_app(page) if args.app == "bare" else stack_app(page)
    tune_gc()  # as kring serve does
    uvicorn.run(app, host=args.host, port=args.port, workers=1, **SERVE_OPTIONS)


if __name__ == "__main__":
    main()
