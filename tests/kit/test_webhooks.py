"""Standard Webhooks signatures: what verifies, and every way a delivery is refused."""

from __future__ import annotations

import time

import pytest

from services.kit import webhooks
from services.kit.errors import Unauthorized

BODY = b'{"type":"session.closed"}'


def test_signed_headers_verify() -> None:
    secret = webhooks.new_secret()
    headers = webhooks.headers(secret, message_id="msg_1", body=BODY)
    assert webhooks.verify([secret], headers, BODY) == "msg_1"


def test_known_vector_from_the_standard_webhooks_spec() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    sig = webhooks.signature(
        secret, message_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330, body=body
    )
    assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_rotated_secrets_both_verify() -> None:
    old, new = webhooks.new_secret(), webhooks.new_secret()
    headers = webhooks.headers(old, message_id="m", body=BODY)
    assert webhooks.verify([new, old], headers, BODY) == "m"


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"webhook-signature": "v1,AAAA"}, "webhook_signature"),
        ({"webhook-timestamp": str(int(time.time()) - 3600)}, "webhook_timestamp"),
        ({"webhook-timestamp": str(int(time.time()) + 3600)}, "webhook_timestamp"),
        ({"webhook-id": ""}, "webhook_headers"),
        ({"webhook-timestamp": "soon"}, "webhook_headers"),
    ],
)
def test_bad_or_stale_deliveries_are_refused(change: dict[str, str], rule: str) -> None:
    secret = webhooks.new_secret()
    headers = {**webhooks.headers(secret, message_id="m", body=BODY), **change}
    with pytest.raises(Unauthorized) as refused:
        webhooks.verify([secret], headers, BODY)
    assert refused.value.errors[0].rule == rule


def test_a_changed_body_does_not_verify() -> None:
    secret = webhooks.new_secret()
    headers = webhooks.headers(secret, message_id="m", body=BODY)
    with pytest.raises(Unauthorized):
        webhooks.verify([secret], headers, BODY + b" ")
