"""The peer's FastAPI app: ``GET /v1/registrar/entries`` and ``GET /health``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import repository
from .auth import Registrar, TokenVerifier
from .database import SET_TENANT, create_engine
from .rules import (
    CURSOR_PATTERN,
    NUMBER_PATTERN,
    decode_cursor,
    encode_cursor,
    normalise_code,
    spellings,
)
from .schemas import EntryPage
from .settings import PeerSettings

router = APIRouter()


async def tenant_session(request: Request, principal: Registrar) -> AsyncIterator[AsyncSession]:
    """One session and one transaction per request, with the caller's tenant set for RLS."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions.begin() as session:
        await session.execute(SET_TENANT, {"org_id": str(principal.org_id)})
        yield session


# "function": commit before the response is sent, as Kring's per-request transaction does.
TenantSession = Annotated[AsyncSession, Depends(tenant_session, scope="function")]


@router.get("/v1/registrar/entries", response_model=EntryPage)
async def registrar_entries(
    principal: Registrar,
    session: TenantSession,
    registration_number: Annotated[str | None, Query(pattern=NUMBER_PATTERN)] = None,
    from_date: Annotated[date | None, Query(alias="from")] = None,
    to_date: Annotated[date | None, Query(alias="to")] = None,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The entries of the token's register, of registrants who consented, for a period."""
    assert principal.register_code is not None  # current_registrar refuses a token without
    register_code = normalise_code(principal.register_code)
    try:
        after = decode_cursor(cursor) if cursor else None
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Not a cursor from this service.") from exc
    entries = await repository.registrar_page(
        session,
        principal.org_id,
        register_code=register_code,
        registration_numbers=spellings(register_code, registration_number)
        if registration_number
        else None,
        from_date=from_date,
        to_date=to_date,
        after=after,
        limit=limit,
    )
    more = len(entries) > limit
    # FastAPI validates the ORM objects into the response model (from_attributes) and encodes it.
    return {
        "items": entries[:limit],
        "next_cursor": encode_cursor(entries[limit - 1].id) if more else None,
    }


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app(settings: PeerSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(title="Kring peer", lifespan=lifespan, openapi_url=None)
    app.state.verifier = TokenVerifier(settings)
    app.include_router(router)
    return app
