"""Who may call each operation, and on which rows: a service's declared policy (ADR 0080).

Each service writes its policy once, as data next to its routes
(``services/<service>/policy.py``): the row scopes it knows (a name and what it reaches) and,
for every operation id of its contract, the roles that may call it and the scope each gets::

    SCOPES = {"tenant": "every row of the tenant", "own_groups": "the groups it facilitates"}
    TABLE = {"listSessions": {"admin": "tenant", "facilitator": "own_groups"}, ...}

The kit enforces the role half with one guard on every route (``kit.policy_guard``: a role
the table does not name for the operation is a 403); the row half is the service's code,
which asks :meth:`Policy.scope` which rows the caller reaches. The contract states both on
each operation (``x-kring-roles`` and a sentence of its description, :meth:`Policy.describe`),
and the tests are generated from the same table. An operation without a declared policy, a
policy for an operation that does not exist, or a route carrying a guard of its own fails the
app's start (``kit.policy_guard.check``): there is one place to read who may do what. This
module is plain data, so that a service's pure rules may read its scope names.

An operation open without a token is declared :data:`PUBLIC`: one its handler opens
(``exclude_from_auth``: a capability URL, a credential's public verification) or one on a path
outside authentication (the app's ``public_paths``: ``/internal/``, whose callers prove
themselves by a webhook signature). A handler without an operation id must be open so (health,
metrics, the published contract, the docs): anything needing a token is an operation, declared.

Scope names are each service's own, except :data:`TENANT` (every row of the caller's tenant),
which the kit reads where it serves operations of its own: a role with it manages every webhook
subscription of the tenant; any other role admitted to the subscriptions only its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .principal import Principal

PUBLIC: Mapping[str, str] = {}
"""The policy of an operation anyone may call, without a token."""
EXTENSION = "x-kring-roles"
"""The contract's extension on each operation: role to row scope (empty when public)."""
TENANT = "tenant"
"""The scope of every row of the caller's tenant (the one scope name the kit reads)."""


SUBSCRIPTION_OPERATIONS = (
    "createWebhookSubscription",
    "listWebhookSubscriptions",
    "getWebhookSubscription",
    "updateWebhookSubscription",
    "deleteWebhookSubscription",
    "pauseWebhookSubscription",
    "resumeWebhookSubscription",
    "rotateWebhookSubscriptionSecret",
    "listWebhookSubscriptionDeliveries",
    "replayWebhookSubscriptionDelivery",
    "replayWebhookSubscriptionEvents",
)
"""The operations of ``/v1/webhook-subscriptions`` (``kit.subscriptions``)."""


PRIVACY_OPERATIONS = ("listProcessingLog", "getRetentionSettings", "updateRetentionSettings")
"""The operations every app serves, events or not: its processing log and its retention
settings (``kit.privacy``)."""


def event_rows(
    *, feed: Mapping[str, str], log: Mapping[str, str], subscriptions: Mapping[str, str]
) -> dict[str, Mapping[str, str]]:
    """The rows of the operations the kit serves a producer of events: who reads the ``feed``
    (``listEvents``), runs the delivery ``log`` and manages ``subscriptions`` (a role with
    :data:`TENANT` every one of the tenant, any other its own)."""
    return {
        "listEvents": feed,
        "listDeliveries": log,
        "replayDelivery": log,
        **dict.fromkeys(SUBSCRIPTION_OPERATIONS, subscriptions),
    }


class Policy:
    """``table`` maps each operation id to the roles that may call it and the row scope each
    gets (a name of ``scopes``); roles are listed widest first, and a caller holding several
    gets the scope of the first one the operation admits."""

    def __init__(
        self,
        *,
        roles: Iterable[str],
        scopes: Mapping[str, str],
        table: Mapping[str, Mapping[str, str]],
    ) -> None:
        self.roles = tuple(roles)
        self.scopes = dict(scopes)
        self.table = {operation: dict(grants) for operation, grants in table.items()}
        for operation, grants in self.table.items():
            if unknown := set(grants) - set(self.roles):
                raise ValueError(f"{operation}: unknown roles {sorted(unknown)}")
            if unknown := set(grants.values()) - set(self.scopes):
                raise ValueError(f"{operation}: unknown scopes {sorted(unknown)}")
        order = {role: i for i, role in enumerate(self.roles)}
        self._admitted = {
            operation: tuple(sorted(grants, key=order.__getitem__))
            for operation, grants in self.table.items()
        }

    def admits(self, operation: str, principal: Principal) -> bool:
        return any(role in principal.roles for role in self._admitted[operation])

    def scope(self, operation: str, principal: Principal) -> str | None:
        """The rows ``principal`` reaches in ``operation`` (``None``: it may not call it)."""
        for role in self._admitted[operation]:
            if role in principal.roles:
                return self.table[operation][role]
        return None

    def holding(self, operation: str, scope: str) -> tuple[str, ...]:
        """The roles ``operation`` admits with ``scope``, widest first."""
        return tuple(r for r in self._admitted[operation] if self.table[operation][r] == scope)

    def describe(self, document: dict[str, Any]) -> None:
        """State each operation's policy in ``document``: ``x-kring-roles`` and a sentence
        ending its description."""
        for item in document.get("paths", {}).values():
            for operation in item.values():
                if not isinstance(operation, dict) or "operationId" not in operation:
                    continue
                grants = self.table.get(operation["operationId"])
                if grants is None:
                    continue
                operation[EXTENSION] = dict(grants)
                sentence = self.sentence(grants)
                text = operation.get("description", "").rstrip()
                operation["description"] = f"{text}\n\n{sentence}" if text else sentence

    def sentence(self, grants: Mapping[str, str]) -> str:
        if not grants:
            return "**Who:** anyone, without a token."
        named = "; ".join(f"`{role}` ({self.scopes[scope]})" for role, scope in grants.items())
        return f"**Who:** {named}. Any other role is refused (403)."
