"""Breaking changes between a service's released contract and its current one.

A change is breaking when a client built on the released contract can fail against the
current service. Contracts are compared as the wire sees them: each path joined to the path
of the first server URL (a ``/v1`` moved from the paths into ``servers`` changes nothing),
path parameters by their place in the path, not by name. In two directions:

- **What a client sends** (parameters, request bodies) is accepted as before: every value
  the released contract accepts, the current one accepts. A new required parameter or body
  field, a parameter or body newly required, a removed query parameter (the services refuse
  undeclared ones) or body field (bodies refuse unknown fields), a narrowed type or enum, a
  tightened constraint (``maxLength`` down, ``minimum`` up, a new or changed ``pattern`` or
  ``format``) and a media type no longer taken break.
- **What a client receives** (response bodies and headers, the payloads of ``webhooks``) is
  what it was promised: every value the current contract may return, the released one
  allowed. A removed property, a property no longer ``required``, a widened type (``null``
  now possible), a new enum value, a loosened constraint, a media type or a response header
  no longer offered, and a new success status (clients read a body by its status) break.
- An operation removed or moved (path or method) or renamed (``operationId``: generated
  clients name their functions by it), a way to authenticate no longer accepted, and an
  event no longer sent break.

Not breaking: whatever is added without being required (operations, optional inputs,
response properties, webhooks), an error status added or removed (every error is the same
problem+json, which clients handle by ``status`` and ``type``), texts and examples, and the
names of component schemas (compared through their ``$ref``s). ``allOf`` is read as its
parts merged (a later part's property wins), which is how the contracts use it.

:func:`blocking` lets every breaking change pass once the current ``info.version`` has a
higher major than the released one; ADR 0054 says how a contract is released.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from .base import _TEMPLATE, METHODS, Change, Json, _resolve
from .schemas import _Schemas


def major(version: str) -> int:
    """The major of a ``MAJOR.MINOR.PATCH`` version."""
    return int(version.lstrip("vV").split(".", 1)[0])


def blocking(released: Json, current: Json) -> list[Change]:
    """The breaking changes from ``released`` to ``current``; none once the major is higher."""
    if major(current["info"]["version"]) > major(released["info"]["version"]):
        return []
    return breaking_changes(released, current)


def explain(service: str, changes: list[Change], *, version: str) -> str:
    """The gate's failure: each breaking change, and the two ways on."""
    lines = "\n".join(f"- {change}" for change in changes)
    return (
        f"{len(changes)} breaking change(s) in contracts/{service}.yaml against"
        f" contracts/released/{service}.yaml (version {version}):\n{lines}\n"
        "Make the change compatible (optional input, fields added, nothing removed), or bump"
        f" the major of the contract's version ({version} -> {major(version) + 1}.0.0, the"
        f" `version` of services/{service}/app.py), run `make contracts`, and once that version"
        " is published, `make release-contracts`."
    )


def breaking_changes(released: Json, current: Json) -> list[Change]:
    """Every change from ``released`` to ``current`` that can break a client of ``released``."""
    changes: list[Change] = []
    now = dict(_operations(current))
    for key, (where, before) in _operations(released):
        if key not in now:
            changes.append(Change(where=where, what="the operation was removed"))
        else:
            changes += _Operation(released, current, where, before, now[key][1]).changes()
    events = current.get("webhooks") or {}
    for name, item in (released.get("webhooks") or {}).items():
        for method in METHODS:
            if method in item:
                where = f"webhook {name}"
                if method not in events.get(name, {}):
                    changes.append(Change(where=where, what="the event is no longer sent"))
                    continue
                sent = _Operation(released, current, where, item[method], events[name][method])
                changes += sent.bodies(receiving=True)
    return changes


def _operations(doc: Json) -> Iterator[tuple[tuple[str, str], tuple[str, Json]]]:
    """``((METHOD, path with its parameters blanked), (what to call it, the operation))``;
    the operation carries its path item's parameters."""
    servers = doc.get("servers") or [{}]
    prefix = urlsplit(servers[0].get("url", "")).path.rstrip("/")
    for path, raw in (doc.get("paths") or {}).items():
        item = _resolve(doc, raw)
        for method in METHODS:
            if method in item:
                operation = {**item[method]}
                operation["parameters"] = _parameters(doc, item, item[method], path)
                wire = prefix + path
                yield (
                    (method.upper(), _TEMPLATE.sub("{}", wire)),
                    (
                        f"{method.upper()} {wire}",
                        operation,
                    ),
                )


def _parameters(doc: Json, item: Json, operation: Json, path: str) -> dict[tuple[str, str], Json]:
    """An operation's parameters (its own over its path item's), keyed by where they go:
    a path parameter by its place in the path, a header by its name in lower case."""
    places = {name: str(n) for n, name in enumerate(re.findall(r"\{([^}]*)\}", path))}
    found: dict[tuple[str, str], Json] = {}
    for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = _resolve(doc, raw)
        where, name = parameter["in"], parameter["name"]
        key = places.get(name, name) if where == "path" else name
        found[where, key.lower() if where == "header" else key] = parameter
    return found


class _Operation:
    """One operation in the released and the current contract."""

    def __init__(self, released: Json, current: Json, where: str, before: Json, now: Json) -> None:
        self.released, self.current = released, current
        self.where, self.before, self.now = where, before, now

    def changes(self) -> list[Change]:
        return [
            *self.naming(),
            *self.security(),
            *self.parameters(),
            *self.bodies(receiving=False),
            *self.responses(),
        ]

    def change(self, what: str, *, part: str = "") -> Change:
        return Change(where=f"{self.where} {part}".rstrip(), what=what)

    def naming(self) -> Iterator[Change]:
        before, now = self.before.get("operationId"), self.now.get("operationId")
        if before and before != now:
            yield self.change(
                f"operationId was {before}, is {now} (generated clients name their calls by it)"
            )

    def security(self) -> Iterator[Change]:
        def ways(doc: Json, operation: Json) -> set[frozenset[tuple[str, tuple[str, ...]]]]:
            required = operation.get("security", doc.get("security")) or [{}]
            return {
                frozenset((scheme, tuple(sorted(scopes))) for scheme, scopes in way.items())
                for way in required
            }

        now = ways(self.current, self.now)
        if frozenset() in now:
            return
        for way in ways(self.released, self.before) - now:
            schemes = ", ".join(scheme for scheme, _ in sorted(way))
            yield self.change(
                f"no longer accepts authentication by {schemes}"
                if way
                else "now requires authentication"
            )

    def parameters(self) -> Iterator[Change]:
        before, now = self.before["parameters"], self.now["parameters"]
        for key, old in before.items():
            part = f"{old['in']} parameter `{old['name']}`"
            new = now.get(key)
            if new is None:
                if old["in"] in ("query", "cookie"):  # undeclared ones are refused
                    yield self.change("was removed", part=part)
                continue
            if new.get("required") and not old.get("required"):
                yield self.change("is now required", part=part)
            for key_word in ("style", "explode"):
                if new.get(key_word) != old.get(key_word):
                    yield self.change(f"is now sent with another {key_word}", part=part)
            yield from self.compare(old.get("schema"), new.get("schema"), part, receiving=False)
        for key, new in now.items():
            if key not in before and new.get("required"):
                yield self.change(
                    "is new and required", part=f"{new['in']} parameter `{new['name']}`"
                )

    def bodies(self, *, receiving: bool) -> Iterator[Change]:
        """The request body: what a client sends, or (``receiving``) a webhook's payload."""
        old = _resolve(self.released, self.before.get("requestBody"))
        new = _resolve(self.current, self.now.get("requestBody"))
        part = "request body"
        if not receiving and new and new.get("required") and not (old and old.get("required")):
            yield self.change("is now required", part=part)
        if not old:
            return
        if not new:
            if not receiving:  # an operation that takes no body refuses one
                yield self.change("is no longer taken", part=part)
            return
        yield from self.media(old, new, part, receiving=receiving)

    def responses(self) -> Iterator[Change]:
        before = self.before.get("responses") or {}
        now = self.now.get("responses") or {}
        for status in now:
            if str(status).startswith("2") and status not in before and "2XX" not in before:
                yield self.change(f"may now answer {status}, which the released contract lacks")
        for status, raw in before.items():
            if status not in now:
                continue
            part = f"response {status}"
            old, new = _resolve(self.released, raw), _resolve(self.current, now[status])
            yield from self.media(old, new, part, receiving=True)
            headers = {k.lower(): v for k, v in (new.get("headers") or {}).items()}
            for name, header in (old.get("headers") or {}).items():
                sent = _resolve(self.current, headers.get(name.lower()))
                header = _resolve(self.released, header)
                if sent is None:
                    yield self.change(f"header {name} is no longer sent", part=part)
                    continue
                if header.get("required") and not sent.get("required"):
                    yield self.change(f"header {name} is no longer always sent", part=part)
                yield from self.compare(
                    header.get("schema"),
                    sent.get("schema"),
                    f"{part} header {name}",
                    receiving=True,
                )

    def media(self, old: Json, new: Json, part: str, *, receiving: bool) -> Iterator[Change]:
        offered = new.get("content") or {}
        for media_type, content in (old.get("content") or {}).items():
            if media_type not in offered:
                verb = "answered" if receiving and part.startswith("response") else "taken"
                yield self.change(f"{media_type} is no longer {verb}", part=part)
                continue
            yield from self.compare(
                content.get("schema"),
                offered[media_type].get("schema"),
                f"{part} ({media_type})" if len(offered) > 1 else part,
                receiving=receiving,
            )

    def compare(self, old: Any, new: Any, part: str, *, receiving: bool) -> Iterator[Change]:
        if old is None or new is None:
            return
        # What is received may hold no value the released schema refused: the released
        # schema must be as wide as the current one. What is sent, the other way round.
        if receiving:
            schemas = _Schemas(self.current, self.released, receiving=True)
            found = schemas.narrowing(new, old, "")
        else:
            schemas = _Schemas(self.released, self.current, receiving=False)
            found = schemas.narrowing(old, new, "")
        for what in found:
            yield self.change(what, part=part)
