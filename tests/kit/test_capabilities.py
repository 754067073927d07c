"""Capability tokens: 256 random bits behind a prefix, stored as SHA-256, cut out of logs."""

from __future__ import annotations

import base64
import hashlib

from services.kit.capabilities import digest, new_token
from services.kit.redaction import REDACTED, redact, redact_event


def test_a_token_is_256_random_bits_behind_its_prefix() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    for token in list(tokens)[:20]:
        prefix, _, secret = token.partition("_")
        assert prefix == "kcap"
        assert len(base64.urlsafe_b64decode(secret + "=")) == 32
        assert digest(token) == hashlib.sha256(token.encode()).digest()


def test_text_that_is_no_token_has_no_digest() -> None:
    token = new_token()
    for text in ("", token[:-1], token + "A", "kcap-" + token[5:], token.replace("kcap_", "xcap_"),
                 token[:-1] + "/", token[:-1] + "%"):  # fmt: skip
        assert digest(text) is None, text


def test_a_token_is_cut_out_of_any_log_value() -> None:
    token = new_token()
    path = f"/v1/calendar-feeds/{token}/calendar.ics"
    assert redact("path", path) == f"/v1/calendar-feeds/{REDACTED}/calendar.ics"
    event = redact_event(None, "info", {"event": "http_request", "path": path, "status": 200})
    assert token not in str(event)
    assert redact("detail", f"GET http://h{path} failed") == (
        f"GET http://h/v1/calendar-feeds/{REDACTED}/calendar.ics failed"
    )
