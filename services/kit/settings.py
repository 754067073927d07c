"""Service settings: one frozen Struct, read once from the environment.

Every variable is prefixed ``KRING_``; lists are comma separated. Nothing else in
the code base reads ``os.environ``. Their ``repr`` (in a log line, a traceback, a debugger)
shows no secret: the database URL without its password, secrets and keys as ``[redacted]``
(``services.kit.redaction``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

import msgspec

from .redaction import redact
from .retries import DEFAULT_SCHEDULE, OPERATOR_SCHEDULE

ENV_PREFIX = "KRING_"

S = TypeVar("S", bound="Settings")


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """Settings shared by every service. A service may subclass to add its own."""

    service: str
    database_url: str
    database_role: str | None = None
    """Role the service takes after connecting (``SET ROLE``), when the URL's user owns more."""
    db_pool_min: int = 2
    db_pool_max: int = 10
    db_plan_cache_mode: Literal["force_generic_plan", "auto", "force_custom_plan"] = (
        "force_generic_plan"
    )
    """How PostgreSQL plans the service's prepared statements (``plan_cache_mode``): once per
    connection by default, not at each execution (ADR 0042); ``auto`` is PostgreSQL's own
    choice, the way back should a statement need a plan per value."""
    jwt_issuer: str = "kring-dev"
    jwt_audience: str = "kring"
    jwt_jwks: str | None = None
    """An inline JWKS document (JSON) with the public keys that may sign tokens."""
    jwt_jwks_url: str | None = None
    """A URL serving the JWKS of the identity provider; fetched and cached."""
    jwt_leeway_seconds: int = 30
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 1_048_576
    max_header_bytes: int = 16_384
    """The most a request's header lines may take together (names and values); more is 431."""
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    debug: bool = False
    webhook_subscribers: str = "[]"
    """JSON list of internal subscribers: ``[{"name", "url", "secret", "types": [...]}]``."""
    webhook_secrets: tuple[str, ...] = ()
    """Secrets (``whsec_…``) accepted on incoming webhooks; more than one while rotating."""
    webhook_retry_schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    """Seconds before each retry of a failed delivery (jittered ±20 %): 13 attempts over about
    three days, then the delivery fails and a tenant's subscription is disabled
    (``kit.retries``)."""
    webhook_operator_retry_schedule: tuple[float, ...] = OPERATOR_SCHEDULE
    """Seconds before each retry of a delivery to a subscriber of ``KRING_WEBHOOK_SUBSCRIBERS``
    (another Kring service), the last repeating without end: it is never disabled."""
    webhook_timeout_seconds: float = 10.0
    """Seconds one delivery may take, from connecting to the answer's first kilobyte."""
    webhook_lease_seconds: float = 60.0
    """Seconds a replica holds the deliveries it claimed; one that dies leaves them due after
    that. At least the timeout plus 2."""
    webhook_concurrency: int = 4
    """Deliveries in flight to one subscriber at once, all replicas together."""
    webhook_poll_seconds: float = 2.0
    """Seconds between looks at the outbox when no ``NOTIFY`` came."""
    webhook_allow_loopback: bool = False
    """Let subscriptions send to loopback hosts (``http`` too): for development and tests only
    (``services.kit.safeurl``)."""
    rate_limit_tenant: int = 60_000
    """Requests an organisation may make per window, all its clients and replicas together
    (0: no limit per organisation; ``services.kit.ratelimit``)."""
    rate_limit_client: int = 30_000
    """Requests one client (a token's subject) of an organisation may make per window (0: none)."""
    rate_limit_window_seconds: int = 60
    rate_limit_replicas: int = 1
    """The processes that serve this service (pods times workers): each holds its share of
    every quota. The Kubernetes manifests set it to the autoscaler's most replicas."""
    metrics_port: int = 0
    """The port ``/metrics`` is served on, apart from the API (``services.kit.metrics``); 0: on
    the API's port (local use). The Kubernetes manifests set it: never on the public port."""
    metrics_host: str = "127.0.0.1"
    """The address the metrics' own port listens on (``0.0.0.0`` in a pod)."""

    def _shown(self) -> list[tuple[str, Any]]:
        return [(name, redact(name, getattr(self, name))) for name in self.__struct_fields__]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self._shown())
        return f"{type(self).__name__}({shown})"

    def __rich_repr__(self) -> Any:
        yield from self._shown()


def _coerce(raw: str, annotation: Any) -> Any:
    text = str(annotation)
    if "tuple" in text:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def from_env(cls: type[S], environ: Mapping[str, str] | None = None, **overrides: Any) -> S:
    """Build ``cls`` from ``KRING_*`` variables; ``overrides`` win over the environment."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for field in msgspec.structs.fields(cls):
        key = ENV_PREFIX + field.name.upper()
        if key in env:
            values[field.name] = _coerce(env[key], field.type)
    values.update(overrides)
    try:
        return msgspec.convert(values, cls, strict=False)
    except msgspec.ValidationError as exc:
        raise SystemExit(f"invalid configuration: {exc}") from exc
