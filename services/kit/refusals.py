"""The rules a 422 may name, as the contract lists them on each operation (ADR 0051).

An operation that can refuse a request by a domain rule declares every rule it applies
(``openapi.problems(rules=...)``, ``routes.action(rules=...)``); its 422 response then says
"Rules: `location_required`, `video_link_required`." in its description, so that a client
(or a generated one) knows each `errors[].rule` it may meet. :func:`listed` reads them back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_SENTENCE = re.compile(r"\s*Rules: ((?:`[a-z0-9_.]+`(?:, )?)+)\.$")
_NAME = re.compile(r"`([a-z0-9_.]+)`")


def described(description: str, rules: Iterable[str]) -> str:
    """``description`` with the sentence that lists ``rules`` (with any it listed already)."""
    names = sorted({*listed(description), *rules})
    base = _SENTENCE.sub("", description)
    return f"{base} Rules: {', '.join(f'`{n}`' for n in names)}." if names else base


def listed(description: str) -> list[str]:
    """The rules a 422's ``description`` lists."""
    sentence = _SENTENCE.search(description)
    return _NAME.findall(sentence.group(1)) if sentence else []


def add(response: dict[str, Any], *rules: str) -> None:
    """List ``rules`` too in the 422 ``response`` of a document."""
    response["description"] = described(response.get("description", ""), rules)
