"""A default a client may rely on, written so that generated clients type it right.

openapi-typescript (with its defaults, as a frontend team runs it) types a property that has a
``default`` as always present, ``required`` or not: in a request body's schema the field a
client may leave out becomes one it must send, and ``tsc --strict`` refuses a body without it
(a group without ``max_absences``, a debtor without ``country_code``). So a property that is
not ``required`` states its default in its description ("Default: `1`.") and carries no
``default`` keyword; a required one (an answer's field the server always sends) keeps it.
"""

from __future__ import annotations

from typing import Any

import msgspec


def described(document: dict[str, Any]) -> None:
    """Move the ``default`` of every optional property in ``document``'s schemas into its
    description."""
    _walk(document.get("components", {}).get("schemas", {}))


def _walk(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item)
        return
    if not isinstance(node, dict):
        return
    properties = node.get("properties")
    if isinstance(properties, dict):
        required = set(node.get("required") or ())
        for name, prop in properties.items():
            if isinstance(prop, dict) and "default" in prop and name not in required:
                default = msgspec.json.encode(prop.pop("default")).decode()
                text = prop.get("description", "").rstrip()
                prop["description"] = f"{text} Default: `{default}`.".lstrip()
    for value in node.values():
        _walk(value)
