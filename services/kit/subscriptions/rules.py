"""The rules of subscriptions, pure: what a tenant may register, and whom a subscription reads as.

- At most :data:`MAX_SUBSCRIPTIONS` per tenant, an HR client's included (``subscription_limit``).
- Event types from the service's catalogue only (``unknown_event_type``), each once
  (``duplicate_event_type``).
- A secret of the client's own is ``whsec_`` and the base64 of :data:`MIN_SECRET_BYTES` to
  :data:`MAX_SECRET_BYTES` bytes (``secret_format``, ``secret_too_short``, ``secret_too_long``),
  as Standard Webhooks recommends.
- A rotated secret signs beside the new one for :data:`ROTATION_OVERLAP`.
- A replayed time range spans at most :data:`MAX_REPLAY_WINDOW` (``replay_window``).
- A subscription reads as the caller who created it (:func:`reader_of`): its subject, roles
  and narrowing claims. A caller with one of the service's operator roles manages every
  subscription of its tenant; any other caller those whose reader has its roles and claims
  (an HR client, those of its client organisation).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import msgspec

from ..errors import Conflict, FieldError, RuleViolation
from ..principal import BASE_FIELDS, Principal

MAX_SUBSCRIPTIONS = 50
MAX_EVENT_TYPES = 50
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
ROTATION_OVERLAP = timedelta(hours=24)
MAX_REPLAY_WINDOW = timedelta(days=31)

EVENT_TYPE_RULES = ("unknown_event_type", "duplicate_event_type")
SECRET_RULES = ("secret_format", "secret_too_short", "secret_too_long")
REPLAY_RULES = ("replay_window",)

P = TypeVar("P", bound=Principal)


def check_room(existing: int) -> None:
    if existing >= MAX_SUBSCRIPTIONS:
        raise RuleViolation(
            f"The organisation has {existing} subscriptions, the most it may have.",
            errors=[
                FieldError(
                    rule="subscription_limit",
                    message=f"at most {MAX_SUBSCRIPTIONS} subscriptions per organisation",
                )
            ],
        )


def check_event_types(wanted: Sequence[str], catalogue: Collection[str]) -> None:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, event_type in enumerate(wanted):
        field = f"body.event_types[{i}]"
        if event_type not in catalogue:
            known = ", ".join(sorted(catalogue)) or "none"
            message = f"{event_type!r} is not an event this service sends (it sends {known})"
            errors.append(FieldError(field=field, rule="unknown_event_type", message=message))
        elif event_type in seen:
            message = f"{event_type!r} is named twice"
            errors.append(FieldError(field=field, rule="duplicate_event_type", message=message))
        seen.add(event_type)
    if errors:
        raise RuleViolation("The event types are not ones to subscribe to.", errors=errors)


def check_secret(secret: str) -> None:
    def refuse(rule: str, message: str) -> RuleViolation:
        return RuleViolation(
            f"The secret is refused: {message}.",
            errors=[FieldError(field="body.secret", rule=rule, message=message)],
        )

    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise refuse("secret_format", "not whsec_ and base64") from exc
    if len(key) < MIN_SECRET_BYTES:
        raise refuse("secret_too_short", f"{len(key)} bytes, fewer than {MIN_SECRET_BYTES}")
    if len(key) > MAX_SECRET_BYTES:
        raise refuse("secret_too_long", f"{len(key)} bytes, more than {MAX_SECRET_BYTES}")


def check_window(since: datetime, until: datetime) -> None:
    if until <= since or until - since > MAX_REPLAY_WINDOW:
        raise RuleViolation(
            "The time range to replay is not one Kring replays.",
            errors=[
                FieldError(
                    field="body.until",
                    rule="replay_window",
                    message=f"after since, and at most {MAX_REPLAY_WINDOW.days} days after it",
                )
            ],
        )


def check_pausable(status: str) -> None:
    if status == "disabled":
        raise Conflict(
            "A disabled subscription is resumed, not paused.",
            errors=[FieldError(rule="subscription_disabled", message="resume it instead")],
        )


def claims_of(principal: Principal) -> dict[str, Any]:
    """The claims that narrow the caller (the service's own, beyond tenant, subject, roles)."""
    claims = msgspec.to_builtins(principal)
    return {k: v for k, v in claims.items() if k not in BASE_FIELDS and v is not None}


def reader_of(principal: Principal) -> dict[str, Any]:
    """Whom a subscription the caller creates reads as (stored with it)."""
    return {
        "subject": principal.subject,
        "roles": sorted(principal.roles),
        "claims": claims_of(principal),
    }


def owner_of(principal: Principal, operators: Collection[str]) -> dict[str, Any] | None:
    """The readers whose subscriptions the caller manages: ``None`` for every one of the tenant
    (an operator), else its own roles and claims (``reader`` without its subject)."""
    if principal.has(*operators):
        return None
    return {"roles": sorted(principal.roles), "claims": claims_of(principal)}


def principal_of(reader: dict[str, Any], org_id: uuid.UUID, principal_type: type[P]) -> P:
    """The principal a subscription reads as, of the service's type."""
    values = {
        **reader["claims"],
        "subject": reader["subject"],
        "org_id": str(org_id),
        "roles": reader["roles"],
    }
    return msgspec.convert(values, principal_type, strict=False)
