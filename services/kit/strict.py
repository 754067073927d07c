"""Requests are taken as sent or refused, never silently changed, and refused before they cost
anything: everything here runs before a handler's dependencies (its database transaction).

- A query parameter the route does not declare, and a control character in a path or query
  value, are refused. (Contracts write patterns as ``^…$``; in Python ``$`` also matches
  before a final newline, in JSON Schema it does not, so ``abc\\n`` would pass here while the
  contract says it must not.)
- An operation that takes a body takes ``application/json`` (UTF-8), else 415; an operation
  that takes none refuses one (400, rule ``unexpected_body``).
- The body is decoded once, strictly, straight into the operation's Struct (:class:`Body`):
  no string is read as a number, no field is dropped. A wrong type, an unknown or missing
  field, a broken constraint, malformed JSON and invalid UTF-8 are 400s naming the field by
  its wire name (``body.travel_km``, ``body.people[3].given_name``) and the rule. A body can
  nest no deeper than its schema, which may nest at most :data:`MAX_DEPTH` levels (checked
  when the app is built), so deeper JSON is refused where it goes deeper (rule ``type``)
  in the same single pass.
- A whole number written with a fraction (``2.0``) is that integer, as JSON Schema reads it
  (its ``integer`` is any whole number, and a contract must not promise what the service
  refuses): only a body refused for such a number is read a second time, with those numbers
  as integers. ``2.5`` stays a ``type`` error.
- A path parameter that does not parse (a path id that is no UUID) is a 400 naming it
  (``path.session_id``), not a 404.

Litestar validates the parameters; :func:`parameter_errors` names them as the wire does
(``query.from``, not the handler's ``from_``).
"""

from __future__ import annotations

import math
import re
from typing import Any, cast

import msgspec
import msgspec.inspect as mi
from litestar import Litestar, Request
from litestar.exceptions import ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from .errors import FieldError, InvalidInput, UnsupportedMediaType

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
JSON = "application/json"
MAX_DEPTH = 64
"""The deepest a body's schema may nest (objects and arrays), and so the deepest a body may."""
_STATE_KEY = "strict_inputs"

# msgspec's messages, mapped to a stable rule name a client can switch on.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), rule)
    for pattern, rule in (
        (r"missing required field", "required"),
        (r"unknown field", "unknown_field"),
        (r"length [<>]=", "length"),
        (r"length$", "length"),
        (r"Expected `(int|float|number)` [<>]=?", "range"),
        (r"Expected `(int|float|number)` that is a multiple", "multiple_of"),
        (r"matching regex", "pattern"),
        (r"Invalid enum value", "enum"),
        (r"Invalid value", "enum"),  # a tagged union's tag, or an integer literal, not among them
        (r"Invalid (UUID|RFC ?3339|date|time|datetime|base64|decimal)", "format"),
        (r"Expected `(date|datetime|time|uuid)`(?!, got)", "format"),
        (r"control characters", "control_character"),
        (r"must be", "value"),
        (r"Expected `", "type"),
        (r"JSON|malformed|truncated|Invalid", "syntax"),
    )
)
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_UNKNOWN_FIELD = re.compile(r"(?:unknown|missing required) field `(.*)`")
_NAMED_FIELD = re.compile(r"^`(\w+)` ")


def rule_of(message: str) -> str:
    for pattern, rule in _RULES:
        if pattern.search(message):
            return rule
    return "invalid"


def _located(message: str, where: str) -> FieldError:
    """A msgspec message (``… - at `$.people[0]` ``) as the field it is about, under ``where``."""
    match = _AT.match(message)
    text, path = (match.group("message"), match.group("path") or "") if match else (message, "")
    if named := _UNKNOWN_FIELD.search(text) or _NAMED_FIELD.match(text):
        path += "." + named.group(1)
    return FieldError(field=where + path, rule=rule_of(text), message=text)


_FLOAT_FOR_INT = re.compile(r"Expected `int[^`]*`, got `float`")
_EXACT = 2**53
"""Up to here a float spells every whole number exactly."""


def _whole_numbers(value: Any) -> Any:
    """``value`` with each whole float (``2.0``) the integer it spells (``2``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= _EXACT:
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    return value


class Body(msgspec.Struct, frozen=True):
    """What an operation takes as its body: its decoder, or none (``decoder is None``)."""

    decoder: msgspec.json.Decoder[Any] | None = None
    optional: bool = False
    raw: bool = False
    """The handler takes the request but no ``data``: it reads the body itself (a signed
    webhook), so neither its content type nor its bytes are judged here."""

    def decode(self, body: bytes) -> Any:
        assert self.decoder is not None
        try:
            try:
                return self.decoder.decode(body)
            except msgspec.ValidationError as exc:
                if not _FLOAT_FOR_INT.search(str(exc)):
                    raise
                whole = _whole_numbers(msgspec.json.decode(body))
                return msgspec.convert(whole, self.decoder.type, strict=True)
        except msgspec.ValidationError as exc:
            error = _located(str(exc), "body")
        except msgspec.DecodeError as exc:
            error = FieldError(field="body", rule="syntax", message=str(exc))
        except UnicodeDecodeError:
            error = FieldError(field="body", rule="encoding", message="the body is not UTF-8")
        except RecursionError:
            error = FieldError(field="body", rule="depth", message="the body nests too deep")
        raise InvalidInput(f"{error.field}: {error.message}", errors=[error])


class Inputs(msgspec.Struct, frozen=True):
    """What one handler takes: its query parameters' wire names, each parameter's wire name
    (``from_`` is ``query.from``), and its body."""

    query: frozenset[str] = frozenset()
    wire: dict[str, str] = msgspec.field(default_factory=dict)
    body: Body = Body()


class Routes(msgspec.Struct, frozen=True):
    handlers: dict[HTTPRouteHandler, Inputs]
    paths: list[tuple[re.Pattern[str], dict[str, tuple[Any, str]]]]
    """Each templated path as a pattern, and its parameters' parsers and type names by name."""


def schema_depth(annotation: Any) -> float:
    """How deep a value of ``annotation`` can nest in JSON; infinite for ``Any`` or recursion."""

    def depth(info: mi.Type, seen: frozenset[Any]) -> float:
        if isinstance(info, mi.Metadata):
            return depth(info.type, seen)
        if isinstance(info, mi.UnionType):
            return max(depth(member, seen) for member in info.types)
        if isinstance(info, (mi.AnyType, mi.RawType, mi.CustomType)):
            return math.inf
        if isinstance(info, (mi.StructType, mi.TypedDictType, mi.DataclassType)):
            if info.cls in seen:
                return math.inf
            inner = [depth(f.type, seen | {info.cls}) for f in info.fields]
            return 1 + max(inner, default=0)
        if isinstance(info, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
            return 1 + depth(info.item_type, seen)
        if isinstance(info, mi.TupleType):
            return 1 + max((depth(item, seen) for item in info.item_types), default=0)
        if isinstance(info, mi.DictType):
            return 1 + depth(info.value_type, seen)
        return 0

    return depth(mi.type_info(annotation), frozenset())


def _body(handler: HTTPRouteHandler) -> Body:
    parameters = handler.parsed_fn_signature.parameters
    data = parameters.get("data")
    if data is None:
        return Body(raw="request" in parameters)
    if schema_depth(data.annotation) > MAX_DEPTH:
        raise TypeError(f"{handler}: a body must nest at most {MAX_DEPTH} levels, and not `Any`")
    return Body(msgspec.json.Decoder(data.annotation, strict=True), optional=data.is_optional)


def _path_pattern(route: HTTPRoute) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)(?::\w+)?\}", route.path)
    # re.split keeps the captured names at the odd places: literal, name, literal, …
    pattern = "".join(f"(?P<{p}>[^/]+)" if i % 2 else re.escape(p) for i, p in enumerate(parts))
    return re.compile(f"^{pattern}$")


def read_routes(app: Litestar) -> Routes:
    handlers: dict[HTTPRouteHandler, Inputs] = {}
    paths = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        if route.path_parameters:
            parsers = {
                name: (p.parser, getattr(p.type, "__name__", "value"))
                for name, p in route.path_parameters.items()
                if p.parser
            }
            paths.append((_path_pattern(route), parsers))
        for handler, model in route.route_handler_map.values():
            declared = [
                *(("query", p) for p in model.expected_query_params),
                *(("path", p) for p in model.expected_path_params),
                *(("header", p) for p in model.expected_header_params),
            ]
            handlers[handler] = Inputs(
                query=frozenset(p.field_alias for p in model.expected_query_params),
                wire={p.field_name: f"{source}.{p.field_alias}" for source, p in declared},
                body=_body(handler),
            )
    return Routes(handlers, paths)


def routes_of(app: Litestar) -> Routes:
    """The app's routes as this module reads them; read once, on first use."""
    routes = app.state.get(_STATE_KEY)
    if routes is None:
        routes = app.state[_STATE_KEY] = read_routes(app)
    return cast("Routes", routes)


def _inputs(request: Request[Any, Any, Any]) -> Inputs:
    handler = cast("HTTPRouteHandler", request.scope["route_handler"])
    return routes_of(request.app).handlers.get(handler) or Inputs()


class StrictRequest(Request[Any, Any, Any]):
    """A request whose JSON body is decoded strictly into the handler's own body type."""

    async def json(self) -> Any:
        body = _inputs(self).body
        if body.decoder is None:
            return await super().json()
        return body.decode(await self.body())


def _parameter_errors(request: Request[Any, Any, Any], allowed: frozenset[str]) -> list[FieldError]:
    errors = [
        FieldError(
            field=f"query.{name}",
            rule="unknown_parameter",
            message="this route takes no such parameter",
        )
        for name in request.query_params
        if name not in allowed
    ]
    errors += [
        FieldError(
            field=f"{source}.{name}",
            rule="control_character",
            message="control characters are not allowed",
        )
        for source, values in (
            ("query", request.query_params.multi_items()),
            ("path", request.path_params.items()),
        )
        for name, value in values
        if isinstance(value, str) and CONTROL.search(value)
    ]
    return errors


def _may_carry_body(request: Request[Any, Any, Any]) -> bool:
    for name, value in request.scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return True
    return False


async def _refuse_body(request: Request[Any, Any, Any], body: Body) -> None:
    if body.raw:
        return
    if body.decoder is None:
        if _may_carry_body(request) and await request.body():
            raise InvalidInput(
                "This operation takes no body.",
                errors=[FieldError(field="body", rule="unexpected_body", message="takes no body")],
            )
        return
    if body.optional and not await request.body():
        return
    media_type, options = request.content_type
    if media_type != JSON or options.get("charset", "utf-8").lower() != "utf-8":
        raise UnsupportedMediaType(
            f"The body must be sent as `{JSON}`.",
            errors=[
                FieldError(
                    field="header.content-type", rule="media_type", message=f"must be `{JSON}`"
                )
            ],
        )
    if not await request.body():
        raise InvalidInput(
            "This operation takes a JSON body.",
            errors=[FieldError(field="body", rule="required", message="a JSON body is required")],
        )


def strict_parameters() -> Any:
    """The ``before_request`` hook that refuses what this module refuses, before any work."""

    # Asynchronous on purpose: Litestar runs a synchronous hook in a worker thread.
    async def refuse_before_work(request: Request[Any, Any, Any]) -> None:
        inputs = _inputs(request)
        if errors := _parameter_errors(request, inputs.query):
            raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
        await _refuse_body(request, inputs.body)

    return refuse_before_work


def parameter_errors(request: Request[Any, Any, Any], exc: ValidationException) -> list[FieldError]:
    """Litestar's validation errors, each named by its wire name (``query.from``)."""
    extra = exc.extra
    items = extra if isinstance(extra, list) else [extra] if isinstance(extra, dict) else []
    wire = _inputs(request).wire if "route_handler" in request.scope else {}
    errors: list[FieldError] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        key, source = item.get("key"), getattr(item.get("source"), "value", item.get("source"))
        where = wire.get(str(key)) or ".".join(str(part) for part in (source, key) if part)
        message = str(item.get("message", "invalid"))
        errors.append(FieldError(field=where or None, rule=rule_of(message), message=message))
    if not errors and exc.detail:
        errors.append(FieldError(rule=rule_of(exc.detail), message=exc.detail))
    return errors


def malformed_path_parameter(app: Litestar, path: str) -> FieldError | None:
    """Which path parameter of a route ``path`` would match does not parse, if one does not."""
    for pattern, parsers in routes_of(app).paths:
        if match := pattern.match(path):
            for name, (parser, type_name) in parsers.items():
                try:
                    parser(match.group(name))
                except ValueError:
                    return FieldError(
                        field=f"path.{name}", rule="format", message=f"not a valid {type_name}"
                    )
    return None
