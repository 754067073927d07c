"""What never reaches a log line or a ``repr``: credentials, secrets, passwords and bodies.

Two rules, applied to every value of a log event (nested dicts and lists too) and to the
settings' ``repr``:

- a value under a secret-bearing name (``authorization``, ``cookie``, ``set-cookie``, any
  ``*secret*``, ``*password*``, ``*token*``, ``*private_key*``/``*signing_key*``, the
  webhook ``subscribers`` (they hold secrets), a request ``body``) is replaced whole;
- in any other text, what looks like a credential is cut out wherever it stands: a
  ``Bearer`` credential, a JWT, a ``whsec_`` webhook secret, a ``kcap_`` capability token
  (``services.kit.capabilities``: the secret of a URL, such as a calendar feed's path), a PEM
  private key, and the password of a URL (``postgresql://user:secret@host`` keeps ``user``
  and ``host``).

Pure: no I/O, no framework.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

import msgspec

REDACTED = "[redacted]"
CAPABILITY_PREFIX = "kcap_"
"""How every capability token begins (``services.kit.capabilities``), so that one is cut out of
any text it stands in: a request's path above all."""

_SECRET_NAME = re.compile(
    r"authorization|cookie|secret|passw|token|private_key|signing_key|subscribers|^body$",
    re.IGNORECASE,
)
_SECRET_TEXT = re.compile(
    r"(?:[Bb]earer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}"
    r"|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"
    r"|whsec_[A-Za-z0-9+/=]+"
    rf"|{CAPABILITY_PREFIX}[A-Za-z0-9_-]*"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    re.DOTALL,
)
_URL_PASSWORD = re.compile(r"(://[^:/?#@\s]*):[^@/\s]*@")
# Cheap test first (plain `in`: an alternation regex is several times slower): most log values
# (ids, paths, numbers) hold none of these.
_TELLTALES = ("earer", "Basic", "eyJ", "whsec_", CAPABILITY_PREFIX, "PRIVATE KEY", "://")
_names: dict[str, bool] = {}


def is_secret_name(name: str) -> bool:
    known = _names.get(name)
    if known is None:
        known = bool(_SECRET_NAME.search(name))
        if len(_names) < 4096:  # log keys are few; a logged mapping's keys may not be
            _names[name] = known
    return known


def may_hold_secret(text: str) -> bool:
    for telltale in _TELLTALES:
        if telltale in text:
            return True
    return False


def redact_text(text: str) -> str:
    """``text`` with every credential it holds replaced by ``[redacted]``."""
    if not may_hold_secret(text):
        return text
    text = _SECRET_TEXT.sub(REDACTED, text)
    return _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)


def redact(name: str, value: Any) -> Any:
    """``value`` as it may be shown under ``name``."""
    if is_secret_name(name) and value is not None and value != "" and value != ():
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, (bytes, bytearray)):
        return redact_text(bytes(value).decode("latin-1"))
    if isinstance(value, msgspec.Struct):
        value = msgspec.structs.asdict(value)
    if isinstance(value, Mapping):
        return {key: redact(str(key), item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(name, item) for item in value]
    if isinstance(value, tuple):
        return tuple(redact(name, item) for item in value)
    return value


def redact_event(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    """A structlog processor: the event with :func:`redact` applied to every value.

    It runs once per log line, so a line of plain values under names known to be plain (the
    request log) is judged in one pass over its text and passed on as it is."""
    texts = []
    for key, value in event.items():
        if _names.get(key, True):  # a secret name, or one not judged yet
            break
        kind = type(value)
        if kind is str:
            texts.append(value)
        elif kind not in _NUMBERS:
            break
    else:
        if not may_hold_secret("\n".join(texts)):
            return event
    return {key: redact(key, value) for key, value in event.items()}


_NUMBERS = frozenset({int, float, bool, type(None)})
