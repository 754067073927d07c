"""The checkpoint signing key: from settings, ephemeral in development, required when asked."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.accreditation.config import checkpoint_signer, load_settings
from services.accreditation.ledger import chain

URL = "postgresql://kring@localhost/kring"


def pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_the_key_comes_from_the_environment() -> None:
    key = Ed25519PrivateKey.generate()
    settings = load_settings({"KRING_DATABASE_URL": URL, "KRING_CHECKPOINT_SIGNING_KEY": pem(key)})
    signer = checkpoint_signer(settings)

    assert signer.public_key == chain.raw_public_key(key.public_key())
    assert chain.signature_valid(signer.public_key, "m", signer.sign("m"))


def test_a_pem_on_one_line_with_escaped_newlines_also_does() -> None:
    key = Ed25519PrivateKey.generate()
    one_line = pem(key).replace("\n", "\\n")
    settings = load_settings({"KRING_DATABASE_URL": URL, "KRING_CHECKPOINT_SIGNING_KEY": one_line})
    assert checkpoint_signer(settings).public_key == chain.raw_public_key(key.public_key())


def test_without_a_key_development_gets_an_ephemeral_one() -> None:
    settings = load_settings({"KRING_DATABASE_URL": URL})
    first, second = checkpoint_signer(settings), checkpoint_signer(settings)
    assert first.key_id != second.key_id


def test_production_refuses_to_start_without_a_key() -> None:
    settings = load_settings({"KRING_DATABASE_URL": URL, "KRING_CHECKPOINT_KEY_REQUIRED": "true"})
    with pytest.raises(SystemExit, match="KRING_CHECKPOINT_SIGNING_KEY"):
        checkpoint_signer(settings)


def test_a_key_that_is_not_ed25519_is_refused() -> None:
    settings = load_settings({"KRING_DATABASE_URL": URL, "KRING_CHECKPOINT_SIGNING_KEY": "nope"})
    with pytest.raises(SystemExit):
        checkpoint_signer(settings)


def test_previous_keys_stay_trusted_after_a_rotation() -> None:
    old = chain.raw_public_key(Ed25519PrivateKey.generate().public_key())
    settings = load_settings(
        {"KRING_DATABASE_URL": URL, "KRING_CHECKPOINT_PREVIOUS_PUBLIC_KEYS": old}
    )
    signer = checkpoint_signer(settings)
    assert set(signer.trusted().values()) == {old, signer.public_key}
