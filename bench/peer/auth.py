"""Bearer JWTs verified with PyJWT against the same keys, issuer and audience as Kring's.

A token must carry ``iss``, ``aud``, ``exp``, ``sub``, ``org`` (the tenant) and ``roles``; a
registration body's token names its register (``register``).
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .settings import PeerSettings

ALGORITHMS = ["EdDSA", "ES256", "RS256"]
ROLES = frozenset({"admin", "facilitator", "participant", "hr", "registrar", "service"})


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    org_id: uuid.UUID
    roles: frozenset[str]
    register_code: str | None = None


class Claims(BaseModel):
    sub: str
    org: uuid.UUID
    roles: list[str]
    register_code: str | None = Field(default=None, alias="register")


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


class TokenVerifier:
    CACHE_SIZE = 10_000

    def __init__(self, settings: PeerSettings) -> None:
        self.keys = jwt.PyJWKSet.from_json(settings.jwt_jwks)
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.leeway = settings.jwt_leeway_seconds
        # Kring caches a verified token until it expires (clients reuse tokens); so does the
        # peer, with the same simple dict, so that both do the same work per request.
        self._cache: dict[str, tuple[Principal, float]] = {}

    def verify(self, token: str) -> Principal:
        cached = self._cache.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        principal, expires = self._verify(token)
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.clear()
        self._cache[token] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
            kid = header.get("kid")
            if kid is None and len(self.keys.keys) == 1:
                key = self.keys.keys[0]
            else:
                key = self.keys[str(kid)]
            payload = jwt.decode(
                token,
                key=key.key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
            claims = Claims.model_validate(payload)
        except (jwt.PyJWTError, KeyError, ValidationError) as exc:
            raise unauthorized(f"The token is not valid: {exc}") from exc
        principal = Principal(
            subject=claims.sub,
            org_id=claims.org,
            roles=frozenset(claims.roles) & ROLES,
            register_code=claims.register_code,
        )
        return principal, float(payload["exp"])


bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise unauthorized("A bearer token is required.")
    verifier: TokenVerifier = request.app.state.verifier
    return verifier.verify(credentials.credentials)


async def current_registrar(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    """A registration body: role ``registrar`` and the register it may read."""
    if "registrar" not in principal.roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This operation needs the role registrar.")
    if not principal.register_code:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "A registrar's token must name its register."
        )
    return principal


Registrar = Annotated[Principal, Depends(current_registrar)]
