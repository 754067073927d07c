"""Rate limits per tenant and per client: token buckets in memory, the ``RateLimit-Policy`` and
``RateLimit`` headers (draft-ietf-httpapi-ratelimit-headers), and 429 with ``Retry-After``.

Two policies: ``"tenant"``, one bucket per organisation, and ``"client"``, one per token subject
within it. A bucket holds up to its quota ``q`` and refills continuously at ``q / w`` per second:
a caller may burst its whole quota, then keeps ``q`` requests per window of ``w`` seconds. An
authenticated request takes one unit from each of its buckets; when one is empty it takes
none and is answered 429 problem+json, with ``Retry-After`` the whole seconds until every bucket
holds a unit again. Every authenticated answer says where its caller stands::

    RateLimit-Policy: "tenant";q=60000;w=60, "client";q=30000;w=60
    RateLimit: "tenant";r=59987;t=1, "client";r=29990;t=1

(``r``: the units left; ``t``: the seconds until the bucket is full again). Each of the
service's ``replicas`` processes holds its share of every quota (rounded up), so the quotas hold
across replicas with no shared store and no round trip; the headers state the answering
process's share and buckets (ADR 0018). Requests without a principal (health, metrics, docs, a
refused token) are not limited here; one a capability URL authorises is, once its capability is
found, in its tenant's bucket and a client bucket of the capability's (``kit.capabilities``).
The check is part of authentication (:mod:`.auth`), as soon as the principal is known: no layer
of its own and no wrapper around the answer, so a refused request claims no idempotency key and
opens no transaction, and an admitted one pays two bucket updates and one header string.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Hashable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, Literal

from .errors import FieldError, TooManyRequests
from .observability import RESPONSE_HEADERS
from .principal import Principal
from .problems import PROBLEM_MEDIA_TYPE
from .settings import Settings

MAX_KEYS = 100_000
"""Buckets one policy keeps before it forgets the full ones (a full bucket holds no news)."""
_EPSILON = 1e-9
"""Float slack: a unit refilled as 0.999999999 is a unit, a wait of 15.000000001 s is 15 s."""


@dataclass(frozen=True, slots=True)
class Policy:
    """``quota`` requests per ``window`` seconds, for each tenant or each client of a tenant."""

    name: Literal["tenant", "client"]
    quota: int
    window: int

    @property
    def item(self) -> str:
        """The policy as a ``RateLimit-Policy`` list member."""
        return f'"{self.name}";q={self.quota};w={self.window}'

    def key(self, principal: Principal) -> Hashable:
        if self.name == "tenant":
            return principal.org_id
        return principal.org_id, principal.subject


def _seconds(duration: float) -> int:
    """Whole seconds, rounded up."""
    return max(math.ceil(duration - _EPSILON), 0)


class Buckets:
    """One policy's buckets by key, each ``[units, when]``: refilled when read, never by a task."""

    def __init__(self, policy: Policy, *, max_keys: int = MAX_KEYS) -> None:
        self.policy = policy
        self.quota = policy.quota
        self.prefix = f'"{policy.name}";r='
        self.per_unit = policy.window / policy.quota
        """Seconds a bucket takes to refill one unit."""
        self.max_keys = max_keys
        self.key = policy.key
        self._buckets: dict[Hashable, list[float]] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def level(self, key: Hashable, now: float) -> list[float]:
        """The key's bucket, refilled up to ``now`` (a new key's is full)."""
        bucket = self._buckets.get(key)
        quota = self.policy.quota
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_full(now)
            bucket = self._buckets[key] = [float(quota), now]
            return bucket
        units = bucket[0] + (now - bucket[1]) / self.per_unit
        bucket[0] = quota if units > quota else units
        bucket[1] = now
        return bucket

    def wait(self, bucket: list[float]) -> float:
        """Seconds until ``bucket`` holds a whole unit (0: it does now)."""
        return 0.0 if bucket[0] >= 1.0 - _EPSILON else (1.0 - bucket[0]) * self.per_unit

    def state(self, bucket: list[float]) -> str:
        """The bucket as a ``RateLimit`` list member: units left, seconds until full."""
        units = bucket[0]
        full_in = math.ceil((self.quota - units) * self.per_unit - _EPSILON)
        return f"{self.prefix}{int(units + _EPSILON)};t={full_in}"

    def _forget_full(self, now: float) -> None:
        quota = self.policy.quota
        self._buckets = {
            key: bucket
            for key, bucket in self._buckets.items()
            if bucket[0] + (now - bucket[1]) / self.per_unit < quota
        }


class Limiter:
    """The policies' buckets together: one :meth:`take` per authenticated request."""

    def __init__(
        self, policies: Sequence[Policy], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.policies = tuple(policies)
        self.buckets = tuple(Buckets(policy) for policy in self.policies)
        self.policy_header = ", ".join(policy.item for policy in self.policies).encode()
        self._clock = clock

    def take(self, principal: Principal) -> tuple[int, bytes]:
        """The whole seconds to wait (0: admitted, one unit taken from every bucket) and the
        ``RateLimit`` header of the caller's buckets after this request."""
        now = self._clock()
        levels = [(b, b.level(b.key(principal), now)) for b in self.buckets]
        wait = 0.0
        for b, level in levels:
            wait = max(wait, b.wait(level))
        if wait == 0.0:
            for _, level in levels:
                level[0] -= 1.0
        state = ", ".join([b.state(level) for b, level in levels]).encode()
        return (0 if wait == 0.0 else max(_seconds(wait), 1)), state

    def exhausted(self, principal: Principal) -> list[Policy]:
        """The policies whose bucket for ``principal`` holds no whole unit now."""
        now = self._clock()
        return [b.policy for b in self.buckets if b.wait(b.level(b.key(principal), now)) > 0.0]


def limiter_of(settings: Settings) -> Limiter | None:
    """The limiter ``settings`` configure, each quota this process's share (``None``: off)."""
    replicas = max(settings.rate_limit_replicas, 1)
    window = settings.rate_limit_window_seconds
    tenant = Policy("tenant", math.ceil(settings.rate_limit_tenant / replicas), window)
    client = Policy("client", math.ceil(settings.rate_limit_client / replicas), window)
    policies = [policy for policy in (tenant, client) if policy.quota > 0]
    return Limiter(policies) if policies and window > 0 else None


def admit(limiter: Limiter, principal: Principal, added: list[tuple[bytes, bytes]] | None) -> None:
    """Take the request's units, or refuse it (:class:`TooManyRequests`, a 429 with
    ``Retry-After``); either way the answer carries the ``RateLimit`` headers, appended to the
    response headers the outermost middleware adds (``added``, ``None`` outside it)."""
    wait, state = limiter.take(principal)
    if added is not None:
        added += [(b"ratelimit-policy", limiter.policy_header), (b"ratelimit", state)]
    if not wait:
        return
    errors = [
        FieldError(
            rule=f"rate_limit.{policy.name}",
            message=f"the {policy.name}'s quota of {policy.quota} requests per {policy.window} s"
            " is used up",
        )
        for policy in limiter.exhausted(principal)
    ]
    raise TooManyRequests(
        "; ".join(e.message for e in errors) + f": try again in {wait} s.",
        errors=errors,
        retry_after=wait,
    )


PUBLIC_TENANT = uuid.UUID(int=0)
"""Whose "tenant" bucket the public's calls take from: one of its own, so that no flood of
calls without a token drains a real tenant's quota."""


def admit_public(limiter: Limiter, scope: Any) -> None:
    """Admit a call without a token to an operation anyone may call (a credential's public
    verification, an issuer's keys): the public's tenant bucket and a client bucket per client
    address, refused and announced as :func:`admit` does."""
    client = scope.get("client")
    address = client[0] if client else "unknown"
    holder = Principal(subject=f"address:{address}", org_id=PUBLIC_TENANT, roles=frozenset())
    admit(limiter, holder, scope.get(RESPONSE_HEADERS))


def _header(description: str, example: str, **schema: Any) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string", **schema}, "example": example}


HEADERS = {
    "RateLimit-Policy": _header(
        "The quotas this server holds for you (draft-ietf-httpapi-ratelimit-headers): `q`"
        ' requests per window of `w` seconds for your whole organisation (`"tenant"`) and for'
        ' your client, the subject of your token (`"client"`). A quota refills continuously,'
        " so you may spend it at once and then keep `q` per `w` seconds. Sent on every answer to"
        " an authenticated request.",
        '"tenant";q=60000;w=60, "client";q=30000;w=60',
    ),
    "RateLimit": _header(
        "Where you stand in each quota of `RateLimit-Policy` after this request: `r` requests"
        " left, `t` seconds until the quota is whole again. Sent on every answer to an"
        " authenticated request.",
        '"tenant";r=59987;t=1, "client";r=29990;t=1',
    ),
    "Retry-After": _header(
        "Whole seconds until a request will be admitted again.", "3", pattern="^[1-9][0-9]*$"
    ),
}
_REFS = {
    name: {"$ref": f"#/components/headers/{name}"} for name in ("RateLimit-Policy", "RateLimit")
}
_METHODS = frozenset({"get", "put", "post", "patch", "delete", "head", "options"})


def _too_many() -> dict[str, Any]:
    return {
        "description": "Too many requests: a quota of `RateLimit-Policy` is used up (`errors`"
        " names which, rule `rate_limit.tenant` or `rate_limit.client`); nothing was done."
        " Retry after `Retry-After` seconds.",
        "headers": {**deepcopy(_REFS), "Retry-After": {"$ref": "#/components/headers/Retry-After"}},
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def describe(document: dict[str, Any]) -> None:
    """Document, on every authenticated operation of ``document``, the 429 and the headers of
    the limits on its answers of success."""
    document.setdefault("components", {}).setdefault("headers", {}).update(deepcopy(HEADERS))
    default = document.get("security", [])
    for item in document.get("paths", {}).values():
        for method, spec in item.items():
            if method not in _METHODS or not spec.get("security", default):
                continue
            responses = spec["responses"]
            for status, response in responses.items():
                if str(status).startswith("2") or str(status) == "304":
                    response.setdefault("headers", {}).update(deepcopy(_REFS))
            responses["429"] = _too_many()
            spec["responses"] = dict(sorted(responses.items(), key=lambda kv: str(kv[0])))
