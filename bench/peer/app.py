"""The peer's FastAPI app: ``GET /v1/registrar/entries`` and ``GET /health``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import repository
from .auth import Registrar, TokenVerifier
from .database import SET_TENANT, create_engine
from .params import AskedPage
from .rules import encode_cursor
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
async def registrar_entries(page: AskedPage, session: TenantSession) -> dict[str, Any]:
    """The entries of the token's register, of registrants who consented, for a period."""
    entries = await repository.registrar_page(
        session,
        page.org_id,
        register_code=page.register_code,
        registration_numbers=page.registration_numbers,
        from_date=page.from_date,
        to_date=page.to_date,
        after=page.after,
        limit=page.limit,
    )
    more = len(entries) > page.limit
    # FastAPI validates the ORM objects into the response model (from_attributes) and encodes it.
    return {
        "items": entries[: page.limit],
        "next_cursor": encode_cursor(entries[page.limit - 1].id) if more else None,
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
