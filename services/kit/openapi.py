"""OpenAPI: the shared problem responses, the security scheme, and the published contract."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import msgspec
from litestar import Litestar, Request, Response, Router
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import (
    JsonRenderPlugin,
    OpenAPIRenderPlugin,
    ScalarRenderPlugin,
    SwaggerRenderPlugin,
)
from litestar.openapi.spec import Components, Contact, Schema, SecurityScheme, Server
from litestar.typing import FieldDefinition

from . import constraints, defaults, directions, links, ratelimit, refusals, yaml_emitter
from .conditional import describe
from .problems import PROBLEM_MEDIA_TYPE, Problem
from .published import describe_versioning, nullable_formats_on_top

T = TypeVar("T")

_DESCRIPTIONS = {
    400: "The request is not valid: `errors` names each field and the rule it breaks.",
    401: "No valid bearer token: missing, expired, or not signed by a trusted key.",
    403: "The token is valid, but its roles do not allow this operation.",
    404: "No such resource in the caller's organisation.",
    405: "The method is not allowed on this path.",
    409: "The request conflicts with the current state: `detail` names what it conflicts with.",
    413: "The request body is larger than the service accepts.",
    415: "The request body must be sent as `application/json` (UTF-8).",
    422: "A domain rule refuses the request: `errors` names each rule broken.",
    431: "The request's headers are larger than the service accepts (16 KiB by default).",
    503: "The service cannot answer now: its database, or another service this request needs,"
    " cannot be reached (`errors` names which). `Retry-After` says in how many seconds to try"
    " again, when that is known.",
}


def problems(*statuses: int, rules: Sequence[str] = ()) -> dict[int, ResponseSpec]:
    """Response specs for the given error statuses, all ``application/problem+json``.

    Every authenticated route answers 401 and 403, and every route may answer 400 (bad
    parameters, a malformed path parameter), 404 (no such resource), 431 (headers over the
    limit) and 503 (the database cannot be reached). ``rules`` are the domain rules the
    operation applies: it answers 422 naming them, and its 422 lists every one
    (``kit.refusals``); a 422 without its rules is refused here.
    """
    if 422 in statuses and not rules:
        raise ValueError("an operation that answers 422 names the rules it applies (rules=)")
    wanted = {400, 401, 403, 404, 431, 503, *statuses, *([422] if rules else [])}
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=refusals.described(_DESCRIPTIONS[status], rules)
            if status == 422
            else _DESCRIPTIONS[status],
            generate_examples=False,
        )
        for status in sorted(wanted)
    }


CONTACT = Contact(name="Kring", url="https://kring.nl", email="api@kring.nl")
"""Who answers for the API (the contract's ``info.contact``)."""


def openapi_config(*, title: str, version: str, description: str, port: int) -> OpenAPIConfig:
    return OpenAPIConfig(
        title=title,
        version=version,
        description=description,
        path="/docs",
        render_plugins=[
            _Published(ScalarRenderPlugin(path="/")),
            _Published(SwaggerRenderPlugin(path="/swagger")),
            _Published(JsonRenderPlugin(path="/openapi.json")),
        ],
        contact=CONTACT,
        servers=[Server(url=f"http://127.0.0.1:{port}", description="local development")],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="A JWT from the organisation's identity provider.",
                )
            }
        ),
        security=[{"bearer": []}],
        use_handler_docstrings=True,
        create_examples=False,
    )


class _Published(OpenAPIRenderPlugin):
    """Renders the published contract (:func:`contract`) with ``plugin``, not Litestar's bare
    document, so that what a service serves is what ``contracts/`` publishes."""

    def __init__(self, plugin: OpenAPIRenderPlugin) -> None:
        self.plugin = plugin
        self.paths, self.media_type = plugin.paths, plugin.media_type

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return self.plugin.render(request, contract(request.app))

    def receive_router(self, router: Router) -> None:
        self.plugin.receive_router(router)


def contract(app: Litestar) -> dict[str, Any]:
    """The app's OpenAPI document, with the events it sends as OpenAPI 3.1 ``webhooks`` and
    the headers of retries and concurrent edits (``kit.conditional``) and of the rate limits
    (``kit.ratelimit``). Built once per app: it is what the app serves and what ``contracts/``
    publishes."""
    if (published := app.state.get("contract")) is None:
        published = app.state.contract = _contract(app)
    return published


def _contract(app: Litestar) -> dict[str, Any]:
    document = app.openapi_schema.to_schema()
    describe(document, app.state.operations)
    ratelimit.describe(document)
    events: Mapping[str, type[msgspec.Struct]] = app.state.get("webhooks") or {}
    if events:
        document["webhooks"] = webhooks_section(events, document["components"]["schemas"])
    directions.require_answered(document, _encoded_fields(app))
    constraints.printable_parameters(document)
    links.describe(document, app)
    describe_versioning(document)
    nullable_formats_on_top(document)
    defaults.described(document)
    if (policy := app.state.get("policy")) is not None:
        policy.describe(document)
    return document


RECEIVER_ANSWERS = (
    "Any 2xx acknowledges, within 10 seconds. Anything else (a redirect too: none is followed)"
    " is retried, for about three days; then, or at once on 410 Gone, the subscription is"
    " disabled. Only the answer's first kilobyte is read."
)
STANDARD_WEBHOOK = (
    "Sent as a Standard Webhook (`webhook-id`, `webhook-timestamp`, `webhook-signature`:"
    " HMAC-SHA256 with the subscriber's secret)."
)


def event_schemas(events: Mapping[str, type[msgspec.Struct]]) -> dict[str, Any]:
    """The schemas of the envelope (``Event``) and of each type's data, by name, for
    ``#/components/schemas/`` (the OpenAPI contract's and the AsyncAPI document's alike)."""
    from .outbox import Event

    _, components = msgspec.json.schema_components(
        [Event, *events.values()], ref_template="#/components/schemas/{name}"
    )
    for component in components.values():  # a docstring's later lines keep their indent
        if "description" in component:
            component["description"] = inspect.cleandoc(component["description"])
    directions.require_encoded(components, directions.structs_within([Event, *events.values()]))
    return dict(sorted(components.items()))


def event_body(event_type: str, data: type[msgspec.Struct]) -> dict[str, Any]:
    """The schema of one type's body: the envelope, its ``type`` that type, its ``data``."""
    return {
        "allOf": [
            {"$ref": "#/components/schemas/Event"},
            {
                "type": "object",
                "properties": {
                    "type": {"const": event_type},
                    "data": {"$ref": f"#/components/schemas/{data.__name__}"},
                },
            },
        ]
    }


def webhooks_section(
    events: Mapping[str, type[msgspec.Struct]], schemas: dict[str, Any]
) -> dict[str, Any]:
    """One ``post`` per event type: the Standard Webhooks envelope around the type's data."""
    schemas.update(event_schemas(events))
    section: dict[str, Any] = {}
    for event_type, data in events.items():
        section[event_type] = {
            "post": {
                "operationId": "on_" + event_type.replace(".", "_"),
                "summary": event_type,
                "description": inspect.cleandoc(data.__doc__ or "") + "\n\n" + STANDARD_WEBHOOK,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": event_body(event_type, data)}},
                },
                "responses": {"2XX": {"description": RECEIVER_ANSWERS}},
            }
        }
    return section


def contract_yaml(app: Litestar) -> str:
    """The published contract: YAML that YAML 1.1 and 1.2 parsers read alike (``yaml_emitter``)."""
    return yaml_emitter.dump(contract(app))


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Documents ``forbid_unknown_fields`` Structs with ``additionalProperties: false``.

    Inbound Structs refuse unknown fields; the contract must say so, or clients
    (and schemathesis) would read extra fields as allowed. It also notes the fields each
    Struct always encodes, which the contract requires in answers (``kit.directions``).
    """

    def __init__(self) -> None:
        self._encoded: dict[int, tuple[Schema, list[str]]] = {}

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        if field_definition.type_.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        constraints.restore(field_definition.type_, schema)
        self._encoded[id(schema)] = (schema, directions.always_encoded(field_definition.type_))
        return schema

    def encoded_fields(self, schemas: Mapping[str, Schema]) -> dict[str, list[str]]:
        """The fields always encoded by the Struct of each of ``schemas`` (by name) this
        plugin made."""
        return {
            name: self._encoded[id(schema)][1]
            for name, schema in schemas.items()
            if id(schema) in self._encoded
        }


def _encoded_fields(app: Litestar) -> dict[str, list[str]]:
    """The fields each Struct schema Litestar made for the app's routes always encodes, by
    schema name (the events' schemas require theirs already: :func:`event_schemas`)."""
    plugin = app.plugins.get(StrictStructSchemaPlugin)
    return plugin.encoded_fields(app.openapi_schema.components.schemas or {})


def upsert_responses(
    resource: type[Any], *statuses: int, rules: Sequence[str] = ()
) -> dict[int, ResponseSpec]:
    """An upsert answers 200 with the updated resource or 201 with the created one."""
    return {
        201: ResponseSpec(resource, description="Created.", generate_examples=False),
        **problems(413, 415, *statuses, rules=rules),
    }


def upserted(resource: T, created: bool) -> Response[T]:
    return Response(resource, status_code=201 if created else 200)
