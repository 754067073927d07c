"""Every way a token can be wrong is a 401 problem; a missing role is a 403."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt

from services.kit.devkeys import DevKey
from tests.conftest import AUDIENCE, ISSUER, Token


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    return problem


async def test_no_token_is_401(scheduling: httpx.AsyncClient) -> None:
    response = await scheduling.get("/v1/people")
    problem = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "token is required" in problem["detail"]


async def test_not_bearer_is_401(scheduling: httpx.AsyncClient) -> None:
    response = await scheduling.get("/v1/people", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert_problem(response, 401)


async def test_garbage_token_is_401(scheduling: httpx.AsyncClient) -> None:
    response = await scheduling.get("/v1/people", headers={"Authorization": "Bearer not.a.jwt"})
    assert_problem(response, 401)


async def test_expired_token_is_401(
    scheduling: httpx.AsyncClient, token_for, org: uuid.UUID
) -> None:
    response = await scheduling.get("/v1/people", headers=token_for(org, "admin", ttl=-120))
    assert "expired" in assert_problem(response, 401)["detail"]


async def test_token_signed_by_another_key_is_401(
    scheduling: httpx.AsyncClient, token_for, org
) -> None:
    response = await scheduling.get(
        "/v1/people", headers=token_for(org, "admin", key=DevKey.generate())
    )
    assert "unknown key" in assert_problem(response, 401)["detail"]


async def test_token_with_trusted_kid_but_wrong_key_is_401(
    scheduling: httpx.AsyncClient, dev_key: DevKey, org: uuid.UUID
) -> None:
    stranger = DevKey.generate()
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "x",
            "org": str(org),
            "roles": ["admin"],
            "exp": now + 60,
        },
        stranger.private_key,
        algorithm="EdDSA",
        headers={"kid": dev_key.kid},
    )
    response = await scheduling.get("/v1/people", headers={"Authorization": f"Bearer {token}"})
    assert "signature" in assert_problem(response, 401)["detail"]


async def test_wrong_audience_or_issuer_is_401(
    scheduling: httpx.AsyncClient, dev_key: DevKey, org: uuid.UUID
) -> None:
    now = int(time.time())
    base = {"sub": "x", "org": str(org), "roles": ["admin"], "exp": now + 60}
    for claims in ({"iss": ISSUER, "aud": "someone-else"}, {"iss": "evil", "aud": AUDIENCE}):
        token = jwt.encode(
            {**base, **claims}, dev_key.private_key, algorithm="EdDSA", headers={"kid": dev_key.kid}
        )
        response = await scheduling.get("/v1/people", headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401)


async def test_unsigned_token_is_401(scheduling: httpx.AsyncClient, org: uuid.UUID) -> None:
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "x",
            "org": str(org),
            "roles": ["admin"],
            "exp": now + 60,
        },
        key=None,
        algorithm="none",
    )
    response = await scheduling.get("/v1/people", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401)


async def test_token_without_tenant_is_401(scheduling: httpx.AsyncClient, dev_key: DevKey) -> None:
    now = int(time.time())
    token = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "roles": ["admin"], "exp": now + 60},
        dev_key.private_key,
        algorithm="EdDSA",
        headers={"kid": dev_key.kid},
    )
    response = await scheduling.get("/v1/people", headers={"Authorization": f"Bearer {token}"})
    assert "org" in assert_problem(response, 401)["detail"]


async def test_missing_role_is_403(scheduling: httpx.AsyncClient, auth: Token) -> None:
    response = await scheduling.put(
        "/v1/client-organisations/by-external-id/x", json={"name": "X"}, headers=auth("participant")
    )
    assert "admin" in assert_problem(response, 403)["detail"]


async def test_a_verified_token_is_cached_until_it_expires(dev_key: DevKey, org: uuid.UUID) -> None:
    from services.kit.auth import Verifier, mint_token
    from services.kit.settings import Settings

    settings = Settings(
        service="t",
        database_url="x",
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_jwks=dev_key.jwks(),
    )
    verifier = Verifier(settings)
    token = mint_token(
        dev_key.private_key,
        kid=dev_key.kid,
        issuer=ISSUER,
        audience=AUDIENCE,
        org_id=org,
        subject="s",
        roles=["admin"],
        ttl_seconds=60,
    )
    first = await verifier.verify(token)
    assert await verifier.verify(token) is first
    verifier._cache[token] = (first, time.time() - 1)  # as if its expiry had passed
    assert await verifier.verify(token) is not first, "an expired entry is verified again"


async def test_options_answers_without_a_token_under_a_controllers_guards(
    invoicing: httpx.AsyncClient,
) -> None:
    """The cost-sheet and debtor controllers guard every handler at once; the automatic
    OPTIONS answer inherits those guards but carries no principal."""
    for path in ("/v1/debtors", "/v1/cost-sheets"):
        response = await invoicing.options(path)
        assert response.status_code == 204, (path, response.text)
        assert "GET" in response.headers["allow"]
