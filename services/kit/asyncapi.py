"""AsyncAPI 3.0: the events a service sends, one channel, operation and message per type, built
from the same ``webhooks`` mapping (type to data Struct) and the same schemas as the
``webhooks`` of its OpenAPI contract (``kit.openapi``), and written as YAML by the same
emitter. The envelope and its versioning are ADR 0062's."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Litestar

from . import yaml_emitter
from .openapi import STANDARD_WEBHOOK, event_body, event_schemas

VERSION = "3.0.0"

ENVELOPE = (
    "Every event, pushed to a subscriber or listed by `GET /v1/events`, is the same JSON body:"
    " `id` (the event's, also the `webhook-id` header), `type` (one of this document's"
    " messages), `timestamp`, `org_id` (the tenant), `aggregate_id` (events of one aggregate"
    " arrive in order), `correlation_id` (the request that caused it) and `data`, a snapshot"
    " of the resource as the change left it."
    "\n\nVersioned by type: a type's data only gains fields, so a receiver must ignore fields"
    " and types it does not know. A change that would break a receiver is a new type,"
    " `<type>.v2`, sent beside the old one until the old one is retired."
)

HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["webhook-id", "webhook-timestamp", "webhook-signature"],
    "properties": {
        "webhook-id": {
            "type": "string",
            "format": "uuid",
            "description": "The event's `id`, the same on every attempt: a receiver that"
            " applied it before acknowledges it and changes nothing.",
        },
        "webhook-timestamp": {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "When this attempt was signed, in Unix seconds; refuse one more"
            " than five minutes away.",
        },
        "webhook-signature": {
            "type": "string",
            "description": "`v1,` and the base64 HMAC-SHA256 of"
            " `{webhook-id}.{webhook-timestamp}.{body}` with the subscriber's secret"
            " (`whsec_...`); several, separated by spaces, while a secret is rotated.",
        },
        "x-request-id": {
            "type": "string",
            "description": "The correlation id of the request that caused the event.",
        },
    },
}


def document(app: Litestar) -> dict[str, Any]:
    """The app's AsyncAPI document: each event type in its ``webhooks`` as a message."""
    config = app.openapi_config
    assert config is not None
    events: Mapping[str, type[msgspec.Struct]] = app.state.get("webhooks") or {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event_type, data in events.items():
        key = event_type.replace(".", "_")
        described = inspect.cleandoc(data.__doc__ or event_type)
        messages[key] = {
            "name": event_type,
            "title": event_type,
            "summary": described.split("\n\n")[0].replace("\n", " "),
            "description": described + "\n\n" + STANDARD_WEBHOOK,
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/StandardWebhookHeaders"},
            "payload": event_body(event_type, data),
        }
        channels[key] = {
            "address": None,
            "title": event_type,
            "description": f"`{event_type}` events: posted to the URL of each subscriber to"
            " the type, and listed by `GET /v1/events`.",
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
        }
        operations[f"send_{key}"] = {
            "action": "send",
            "title": f"Send {event_type}",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
        }
    return {
        "asyncapi": VERSION,
        "info": {
            "title": f"{config.title} events",
            "version": config.version,
            "description": ENVELOPE,
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": {**event_schemas(events), "StandardWebhookHeaders": HEADERS},
            "messages": messages,
        },
    }


def document_yaml(app: Litestar) -> str:
    return yaml_emitter.dump(document(app))
