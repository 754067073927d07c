"""Authentication: verify bearer JWTs, expose a ``Principal`` (who may call what is the
service's policy: ``kit.policy``).

Tokens come from the organisation's identity provider (or, locally, from
``kring token``). A token must carry ``iss``, ``aud``, ``exp``, ``sub``, ``org``
(the tenant) and ``roles``. Which roles exist and which further claims narrow a
principal is each service's own declaration (``services/<service>/principal.py``):
the verifier keeps the declared roles and fills the service's principal type.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

import httpx
import jwt
import msgspec
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware

from .errors import Unauthorized
from .observability import RESPONSE_HEADERS
from .principal import BASE_FIELDS, Principal
from .ratelimit import Limiter, admit
from .settings import Settings

ALGORITHMS = ["EdDSA", "ES256", "RS256"]


class _Claims(msgspec.Struct, frozen=True):
    sub: str
    org: uuid.UUID
    roles: list[str]


class KeySet:
    """Public keys by ``kid``, from an inline JWKS and/or a JWKS URL (cached, refreshed on miss)."""

    def __init__(self, *, jwks: str | None, jwks_url: str | None, ttl: float = 300.0) -> None:
        self._static = self._parse(jwks) if jwks else {}
        self._url = jwks_url
        self._remote: dict[str | None, Any] = {}
        self._fetched_at = 0.0
        self._ttl = ttl

    @staticmethod
    def _parse(document: str | bytes | dict[str, Any]) -> dict[str | None, Any]:
        data = msgspec.json.decode(document) if isinstance(document, (str, bytes)) else document
        keys: dict[str | None, Any] = {}
        for jwk in data.get("keys", []):
            key = jwt.PyJWK.from_dict(jwk)
            keys[jwk.get("kid")] = key.key
        return keys

    async def _refresh(self) -> None:
        if self._url is None:
            return
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.get(self._url)
            response.raise_for_status()
            self._remote = self._parse(response.content)
            self._fetched_at = time.monotonic()

    async def key_for(self, kid: str | None) -> Any:
        if kid in self._static:
            return self._static[kid]
        if kid is None and len(self._static) == 1:
            return next(iter(self._static.values()))
        stale = time.monotonic() - self._fetched_at > self._ttl
        if self._url and (stale or kid not in self._remote):
            try:
                await self._refresh()
            except (httpx.HTTPError, ValueError, jwt.PyJWKError) as exc:
                raise Unauthorized("The token's signing keys could not be fetched.") from exc
        if kid in self._remote:
            return self._remote[kid]
        if kid is None and len(self._remote) == 1:
            return next(iter(self._remote.values()))
        raise Unauthorized("The token is signed by an unknown key.")


class Verifier:
    CACHE_SIZE = 10_000

    def __init__(
        self,
        settings: Settings,
        *,
        principal_type: type[Principal] = Principal,
        roles: frozenset[str] | None = None,
    ) -> None:
        """``principal_type`` is the service's principal (its fields beyond the kit's are the
        claims it reads from a token); only ``roles`` are kept (all, when not given)."""
        self.principal_type = principal_type
        self.roles = roles
        self._claim_names = tuple(set(principal_type.__struct_fields__) - BASE_FIELDS)
        self.keys = KeySet(jwks=settings.jwt_jwks, jwks_url=settings.jwt_jwks_url)
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.leeway = settings.jwt_leeway_seconds
        self._cache: dict[str, tuple[Principal, float]] = {}

    async def verify(self, token: str) -> Principal:
        """The token's principal; a token verified before is taken from a cache until it expires
        (clients reuse tokens, and signature checks are the costliest part of a small request)."""
        cached = self._cache.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        principal, expires = await self._verify(token)
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.clear()
        self._cache[token] = (principal, expires)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("The bearer token is not a JWT.") from exc
        if header.get("alg") not in ALGORITHMS:
            raise Unauthorized(f"The token's algorithm must be one of {', '.join(ALGORITHMS)}.")
        key = await self.keys.key_for(header.get("kid"))
        try:
            payload = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired.") from exc
        except jwt.InvalidSignatureError as exc:
            raise Unauthorized("The token's signature does not verify.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The token is not valid: {exc}.") from exc
        try:
            claims = msgspec.convert(payload, _Claims, strict=False)
            roles = frozenset(claims.roles)
            principal = msgspec.convert(
                {
                    "subject": claims.sub,
                    "org_id": claims.org,
                    "roles": roles if self.roles is None else roles & self.roles,
                    **{name: payload[name] for name in self._claim_names if name in payload},
                },
                self.principal_type,
                strict=False,
            )
        except msgspec.ValidationError as exc:
            raise Unauthorized(f"The token's claims are not valid: {exc}.") from exc
        return principal, float(payload["exp"])


class JWTAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Verifies the bearer token and, with a ``limiter``, admits the principal to its rate
    limits (:func:`.ratelimit.admit`) before anything else of the request runs."""

    def __init__(
        self, app: Any, *, verifier: Verifier, exclude: list[str], limiter: Limiter | None = None
    ) -> None:
        super().__init__(app, exclude=exclude)
        self.verifier = verifier
        self.limiter = limiter

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = _authorization(connection.scope["headers"])
        if not header:
            raise Unauthorized("A bearer token is required.")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
        principal = await self.verifier.verify(token.strip())
        if self.limiter is not None:
            admit(self.limiter, principal, connection.scope.get(RESPONSE_HEADERS))  # type: ignore[arg-type]
        return AuthenticationResult(user=principal, auth=token)


def _authorization(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The ``Authorization`` header, read off the ASGI scope's headers (lowercased names, as
    servers send them) without building Litestar's ``Headers`` for it."""
    for name, value in headers:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


def authentication_middleware(
    verifier: Verifier, *, exclude: list[str], limiter: Limiter | None = None
) -> DefineMiddleware:
    return DefineMiddleware(
        JWTAuthenticationMiddleware, verifier=verifier, exclude=exclude, limiter=limiter
    )


def mint_token(
    private_key: Any,
    *,
    kid: str,
    issuer: str,
    audience: str,
    org_id: uuid.UUID,
    subject: str,
    roles: Iterable[str],
    ttl_seconds: int = 3600,
    now: int | None = None,
    **claims: Any,
) -> str:
    """Sign a token (EdDSA). Used by the development CLI and by tests."""
    issued = int(time.time()) if now is None else now
    payload: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "org": str(org_id),
        "roles": sorted(roles),
        "iat": issued,
        "exp": issued + ttl_seconds,
    }
    payload.update({k: str(v) for k, v in claims.items() if v is not None})
    return jwt.encode(payload, private_key, algorithm="EdDSA", headers={"kid": kid})
