"""How one schema narrows another: the changes of what a client sends or receives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import (
    _EXACT,
    _LOWER,
    _UPPER,
    Json,
    _admits,
    _bound,
    _branches,
    _join,
    _label,
    _show,
    _shown,
    _type,
    _values,
)


class _Schemas:
    """The ways a ``narrow`` schema refuses values a ``wide`` one allows, each in words.

    For what is sent, the released schema is the wide one and the current the narrow one; for
    what is received (``receiving``), the other way round: the words say it either way.
    """

    def __init__(self, wide: Json, narrow: Json, *, receiving: bool) -> None:
        self.wide, self.narrow, self.receiving = wide, narrow, receiving
        self.comparing: set[tuple[str, str]] = set()

    def released(self, wide: Any, narrow: Any) -> tuple[Any, Any]:
        """``(released, current)`` of a wide and a narrow value."""
        return (narrow, wide) if self.receiving else (wide, narrow)

    def narrowing(self, wide: Any, narrow: Any, path: str) -> list[str]:
        found: list[str] = []
        options = _branches(self.narrow, narrow)
        for branch, ref in _branches(self.wide, wide):
            kind = _type(branch)
            admitting = [o for o in options if _admits(_type(o[0]), kind)]
            if not admitting:
                found.append(self.type_lost(kind or "any value", path))
                continue
            tries: list[tuple[bool, list[str]]] = []
            for option, option_ref in admitting:
                pair = (ref, option_ref) if ref and option_ref else None
                if pair in self.comparing:
                    tries = [(True, [])]  # being compared higher up this very path
                    break
                if pair:
                    self.comparing.add(pair)
                try:
                    tries.append((ref == option_ref, self.branch(branch, option, kind, path)))
                finally:
                    if pair:
                        self.comparing.discard(pair)
            if not any(not issues for _, issues in tries):
                found += min(tries, key=lambda t: (not t[0], len(t[1])))[1]
        return found

    def type_lost(self, kind: str, path: str) -> str:
        if self.receiving:
            return f"{_label(path)} may now be {kind}, which the released contract does not allow"
        return f"{_label(path)} no longer accepts {kind}"

    def branch(self, wide: Json, narrow: Json, kind: str | None, path: str) -> list[str]:
        found = self.values(wide, narrow, path)
        if kind in ("string", "integer", "number", "array", "object", None):
            found += self.constraints(wide, narrow, path)
        if kind == "array" and "items" in wide and "items" in narrow:
            found += self.narrowing(wide["items"], narrow["items"], f"{path}[]")
        elif kind == "array" and "items" in narrow:
            found += self.narrowing({}, narrow["items"], f"{path}[]")
        if kind == "object":
            found += self.properties(wide, narrow, path)
        return found

    def values(self, wide: Json, narrow: Json, path: str) -> list[str]:
        allowed, limited = _values(wide), _values(narrow)
        if limited is None:
            return []
        if allowed is None:
            if self.receiving:
                return [f"{_label(path)} is no longer limited to {_show(limited)}"]
            return [f"{_label(path)} now accepts only {_show(limited)}"]
        lost = [v for v in allowed if v not in limited]
        if not lost:
            return []
        if self.receiving:
            return [f"{_label(path)} may now be {_show(lost)}, which the released contract lacks"]
        return [f"{_label(path)} no longer accepts {_show(lost)}"]

    def constraints(self, wide: Json, narrow: Json, path: str) -> list[str]:
        tighter = [
            *(k for k in _LOWER if k in narrow and (k not in wide or narrow[k] > wide[k])),
            *(k for k in _UPPER if k in narrow and (k not in wide or narrow[k] < wide[k])),
            *(k for k in _EXACT if k in narrow and narrow[k] != wide.get(k)),
        ]
        if "multipleOf" in tighter and "multipleOf" in wide:
            if wide["multipleOf"] % narrow["multipleOf"] == 0:
                tighter.remove("multipleOf")
        if narrow.get("uniqueItems") and not wide.get("uniqueItems"):
            tighter.append("uniqueItems")
        found = []
        for key in tighter:
            before, now = self.released(wide.get(key), narrow.get(key))
            found.append(self.constraint(key, before, now, path))
        allowed, limit = _bound(wide, low=True), _bound(narrow, low=True)
        if limit is not None and (allowed is None or limit > allowed):
            found.append(self.constraint("minimum", *self.released(allowed, limit), path))
        allowed, limit = _bound(wide, low=False), _bound(narrow, low=False)
        if limit is not None and (allowed is None or limit < allowed):
            found.append(self.constraint("maximum", *self.released(allowed, limit), path))
        return found

    def constraint(self, key: str, before: Any, now: Any, path: str) -> str:
        effect = "may return what it did not" if self.receiving else "accepts less"
        where = f"{_label(path)}: " if path else ""
        return f"{where}{key} was {_shown(before)}, is {_shown(now)} ({effect})"

    def properties(self, wide: Json, narrow: Json, path: str) -> list[str]:
        found: list[str] = []
        wide_props, narrow_props = wide.get("properties") or {}, narrow.get("properties") or {}
        wide_more, narrow_more = (
            wide.get("additionalProperties", True),
            narrow.get("additionalProperties", True),
        )
        required = set(wide.get("required") or ())
        for name in narrow.get("required") or ():
            if name in required:
                continue
            field = _join(path, name)
            if not self.receiving:
                found.append(f"`{field}` is now required")
            elif name in wide_props:
                found.append(f"`{field}` is no longer always returned (it was required)")
        for name, schema in wide_props.items():
            field = _join(path, name)
            if name in narrow_props:
                found += self.narrowing(schema, narrow_props[name], field)
            elif narrow_more is False:
                found.append(
                    f"`{field}` is returned, where the released contract allows no more properties"
                    if self.receiving
                    else f"`{field}` is no longer accepted"
                )
            elif isinstance(narrow_more, Mapping):
                found += self.narrowing(schema, narrow_more, field)
        for name, schema in narrow_props.items():
            field = _join(path, name)
            if name in wide_props:
                continue
            if self.receiving:
                found.append(f"`{field}` was removed")
            elif isinstance(wide_more, Mapping):
                found += self.narrowing(wide_more, schema, field)
            elif wide_more is not False and _branches(self.narrow, schema) != [({}, None)]:
                found.append(f"`{field}` is new and constrained, where any value was accepted")
        if narrow_more is False and wide_more is not False:
            found.append(
                f"{_label(path)} may now carry properties the released contract does not list"
                if self.receiving
                else f"{_label(path)} no longer accepts properties it does not list"
            )
        elif isinstance(narrow_more, Mapping):
            more = {} if wide_more is True else wide_more
            if isinstance(more, Mapping):
                found += self.narrowing(more, narrow_more, _join(path, "*"))
        return found
