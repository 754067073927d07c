"""No secret in a log value or a settings ``repr``, wherever it stands in the text."""

from __future__ import annotations

import string
import uuid

from hypothesis import given
from hypothesis import strategies as st

from services.accreditation.config import load_settings as accreditation_settings
from services.invoicing.config import load_settings as invoicing_settings
from services.kit import webhooks
from services.kit.auth import mint_token
from services.kit.devkeys import DevKey
from services.kit.redaction import REDACTED, redact, redact_event, redact_text
from services.scheduling.config import load_settings as scheduling_settings

KEY = DevKey.generate()
TOKEN = mint_token(
    KEY.private_key,
    kid=KEY.kid,
    issuer="i",
    audience="a",
    org_id=uuid.uuid4(),
    subject="s",
    roles=["admin"],
    ttl_seconds=60,
)
PEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAbc\n-----END PRIVATE KEY-----"
# Text around a secret: anything but the characters a secret itself is made of.
around = st.text(alphabet=string.punctuation.replace("-", "").replace("_", "") + " \n:;()")


@given(before=around, after=around)
def test_a_bearer_token_is_cut_out_wherever_it_stands(before: str, after: str) -> None:
    for secret in (f"Bearer {TOKEN}", TOKEN, f"bearer {TOKEN}"):
        shown = redact_text(before + secret + after)
        assert TOKEN not in shown
        assert REDACTED in shown


@given(before=around, after=around)
def test_webhook_secrets_and_private_keys_are_cut_out(before: str, after: str) -> None:
    secret = webhooks.new_secret()
    for text in (secret, PEM):
        shown = redact_text(before + text + after)
        assert secret not in shown and "MC4CAQAw" not in shown


@given(password=st.text(alphabet=string.ascii_letters + string.digits + "!$%^&*()-_=+", min_size=1))
def test_a_url_keeps_its_user_and_host_but_not_its_password(password: str) -> None:
    shown = redact_text(f"connect to postgresql://kring:{password}@db.internal:5432/kring failed")
    assert shown == f"connect to postgresql://kring:{REDACTED}@db.internal:5432/kring failed"


def test_secret_names_hide_their_values_and_nesting_is_followed() -> None:
    event = {
        "event": "x",
        "headers": {"authorization": "Basic dXNlcjpwdw==", "Cookie": "sid=1", "accept": "*/*"},
        "set-cookie": "sid=2",
        "body": b'{"bsn": "123"}',
        "items": [{"client_secret": "abc"}, ("password", "pw")],
        "path": "/v1/people",
    }
    shown = redact_event(None, "info", event)
    assert shown["headers"] == {"authorization": REDACTED, "Cookie": REDACTED, "accept": "*/*"}
    assert shown["set-cookie"] == shown["body"] == REDACTED
    assert shown["items"][0] == {"client_secret": REDACTED}
    assert shown["path"] == "/v1/people" and shown["event"] == "x"
    assert redact("token", None) is None  # nothing hidden where there is nothing


def test_every_service_s_settings_repr_hides_its_secrets() -> None:
    secret = webhooks.new_secret()
    common = {
        "database_url": "postgresql://kring:s3cr3t-pw@db/kring",
        "webhook_secrets": (secret,),
        "webhook_subscribers": f'[{{"name": "i", "url": "http://i", "secret": "{secret}"}}]',
    }
    for settings in (
        scheduling_settings({}, **common),
        accreditation_settings({}, checkpoint_signing_key=PEM, **common),
        invoicing_settings({}, **common),
    ):
        shown = repr(settings)
        assert "s3cr3t-pw" not in shown and secret not in shown and "MC4CAQAw" not in shown
        assert "postgresql://kring:[redacted]@db/kring" in shown
        assert settings.database_url == common["database_url"]  # the value itself is intact
