"""Rate limits: the buckets' arithmetic (a clock of the test's own), the IETF headers, and the
429 problem+json with ``Retry-After`` through the accreditation app, per tenant and per client;
health is never limited."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st

from services.kit.principal import Principal
from services.kit.ratelimit import Buckets, Limiter, Policy, limiter_of
from services.kit.settings import Settings
from tests.conftest import _client

TENANT, CLIENT = 5, 3
"""The quotas of the app under test, per minute: small, so a test spends them."""


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def caller(org: uuid.UUID | None = None, subject: str = "hr-system") -> Principal:
    return Principal(subject=subject, org_id=org or uuid.uuid4(), roles=frozenset({"admin"}))


def limiter(clock: Clock, *, tenant: int = 4, client: int = 2, window: int = 60) -> Limiter:
    return Limiter(
        [Policy("tenant", tenant, window), Policy("client", client, window)], clock=clock
    )


def test_a_caller_may_spend_its_quota_at_once_then_waits_for_a_unit() -> None:
    clock = Clock()
    limits = limiter(clock)
    who = caller()
    assert limits.take(who) == (0, b'"tenant";r=3;t=15, "client";r=1;t=30')
    assert limits.take(who) == (0, b'"tenant";r=2;t=30, "client";r=0;t=60')
    assert limits.take(who) == (30, b'"tenant";r=2;t=30, "client";r=0;t=60')
    clock.now += 29.5
    assert limits.take(who)[0] == 1  # half a second short: whole seconds, rounded up
    clock.now += 0.5
    assert limits.take(who)[0] == 0


def test_the_tenant_quota_is_shared_by_its_clients_and_other_tenants_keep_theirs() -> None:
    limits = limiter(Clock())
    org = uuid.uuid4()
    for subject in ("a", "a", "b", "b"):
        assert limits.take(caller(org, subject))[0] == 0
    assert limits.take(caller(org, "c"))[0] == 15  # c's own bucket is full; the tenant's is not
    assert [p.name for p in limits.exhausted(caller(org, "c"))] == ["tenant"]
    assert limits.take(caller(subject="a"))[0] == 0


def test_a_refused_request_takes_nothing_from_the_other_bucket() -> None:
    limits = limiter(Clock())
    org = uuid.uuid4()
    for _ in range(2):
        limits.take(caller(org, "a"))
    for _ in range(5):
        assert limits.take(caller(org, "a"))[0] > 0
    assert limits.take(caller(org, "b"))[1].startswith(b'"tenant";r=1;')


@given(
    gaps=st.lists(st.floats(min_value=0.0, max_value=5.0), min_size=1, max_size=300),
    quota=st.integers(min_value=1, max_value=50),
    window=st.integers(min_value=1, max_value=120),
)
def test_never_more_than_the_quota_plus_what_the_window_refills(
    gaps: list[float], quota: int, window: int
) -> None:
    clock = Clock()
    limits = Limiter([Policy("client", quota, window)], clock=clock)
    who = caller()
    admitted = 0
    for gap in gaps:
        clock.now += gap
        admitted += limits.take(who)[0] == 0
    assert admitted <= quota + sum(gaps) * quota / window + 1e-9


@given(quota=st.integers(min_value=1, max_value=1000), window=st.integers(1, 3600))
def test_a_caller_at_the_sustained_rate_is_never_refused(quota: int, window: int) -> None:
    clock = Clock()
    limits = Limiter([Policy("tenant", quota, window)], clock=clock)
    who = caller()
    for _ in range(3 * quota):
        assert limits.take(who)[0] == 0
        clock.now += window / quota


def test_full_buckets_are_forgotten_when_there_are_too_many() -> None:
    clock = Clock()
    buckets = Buckets(Policy("tenant", 10, 60), max_keys=3)
    for key in "abc":
        buckets.level(key, clock.now)[0] -= 1
    clock.now += 60  # a, b and c are full again
    buckets.level("d", clock.now)
    assert len(buckets) == 1


@pytest.mark.parametrize(
    ("replicas", "shares"), [(1, (60_000, 30_000)), (4, (15_000, 7_500)), (7, (8_572, 4_286))]
)
def test_each_replica_holds_its_share_of_every_quota(
    settings_for: Callable[..., Settings], replicas: int, shares: tuple[int, int]
) -> None:
    settings = settings_for(
        "accreditation", rate_limit_tenant=60_000, rate_limit_client=30_000,
        rate_limit_replicas=replicas,
    )  # fmt: skip
    limits = limiter_of(settings)
    assert limits is not None
    assert tuple(p.quota for p in limits.policies) == shares


def test_a_quota_of_zero_turns_its_limit_off(settings_for: Callable[..., Settings]) -> None:
    only_tenant = limiter_of(settings_for("accreditation", rate_limit_client=0))
    assert only_tenant is not None and [p.name for p in only_tenant.policies] == ["tenant"]
    off = settings_for("accreditation", rate_limit_client=0, rate_limit_tenant=0)
    assert limiter_of(off) is None


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def limited(settings_for: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for("accreditation", rate_limit_tenant=TENANT, rate_limit_client=CLIENT)
    async for client in _client(settings, "accreditation"):
        yield client


async def _list(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await client.get("/v1/registers", headers=headers)


@pytest.mark.asyncio(loop_scope="session")
async def test_answers_carry_the_policy_and_the_callers_standing(
    limited: httpx.AsyncClient, token_for: Callable[..., dict[str, str]]
) -> None:
    answer = await _list(limited, token_for(uuid.uuid4(), "admin"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["ratelimit-policy"] == '"tenant";q=5;w=60, "client";q=3;w=60'
    assert answer.headers["ratelimit"] == '"tenant";r=4;t=12, "client";r=2;t=20'
    missing = await _list(limited, {})
    assert "ratelimit" not in missing.headers  # no principal, no buckets


@pytest.mark.asyncio(loop_scope="session")
async def test_a_client_over_its_quota_gets_429_problem_with_retry_after(
    limited: httpx.AsyncClient, token_for: Callable[..., dict[str, str]]
) -> None:
    org = uuid.uuid4()
    hr = token_for(org, "admin", subject="hr-system")
    answers = [await _list(limited, hr) for _ in range(CLIENT + 1)]
    assert [a.status_code for a in answers] == [200] * CLIENT + [429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "20"
    assert refused.headers["ratelimit"].endswith('"client";r=0;t=60')
    assert refused.headers["x-content-type-options"] == "nosniff"
    problem = refused.json()
    assert problem["status"] == 429
    assert problem["type"] == "urn:kring:problem:too-many-requests"
    assert [e["rule"] for e in problem["errors"]] == ["rate_limit.client"]
    assert problem["request_id"] == refused.headers["x-request-id"]
    other_client = await _list(limited, token_for(org, "admin", subject="frontend"))
    assert other_client.status_code == 200, "another client of the tenant has its own bucket"


@pytest.mark.asyncio(loop_scope="session")
async def test_a_tenant_over_its_quota_is_refused_for_every_client(
    limited: httpx.AsyncClient, token_for: Callable[..., dict[str, str]]
) -> None:
    org = uuid.uuid4()
    statuses = [
        (await _list(limited, token_for(org, "admin", subject=f"client-{n}"))).status_code
        for n in range(TENANT + 1)
    ]
    assert statuses == [200] * TENANT + [429]
    elsewhere = await _list(limited, token_for(uuid.uuid4(), "admin", subject="client-0"))
    assert elsewhere.status_code == 200, "another tenant has its own bucket"


@pytest.mark.asyncio(loop_scope="session")
async def test_health_metrics_and_docs_are_not_limited(
    limited: httpx.AsyncClient, token_for: Callable[..., dict[str, str]]
) -> None:
    headers = token_for(uuid.uuid4(), "admin")
    for path in ("/health/live", "/health/ready", "/metrics", "/docs/openapi.json"):
        answers = [await limited.get(path, headers=headers) for _ in range(TENANT + 2)]
        assert {a.status_code for a in answers} == {200}, path
        assert "ratelimit" not in answers[-1].headers


@pytest.mark.asyncio(loop_scope="session")
async def test_the_publics_calls_take_from_buckets_of_their_own(
    limited: httpx.AsyncClient, token_for: Callable[..., dict[str, str]]
) -> None:
    """An operation anyone may call (an issuer's keys) is limited per client address, in a
    tenant bucket of the public's own: a flood of them leaves every real tenant's quota whole."""
    issuer = uuid.uuid4()
    answers = [await limited.get(f"/v1/issuers/{issuer}/jwks.json") for _ in range(CLIENT + 1)]
    assert [a.status_code for a in answers] == [200] * CLIENT + [429]
    assert answers[0].headers["ratelimit"] == '"tenant";r=4;t=12, "client";r=2;t=20'
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert [e["rule"] for e in refused.json()["errors"]] == ["rate_limit.client"]
    assert refused.headers["retry-after"] == "20"
    tenant = await _list(limited, token_for(issuer, "admin"))
    assert tenant.headers["ratelimit"] == '"tenant";r=4;t=12, "client";r=2;t=20'
