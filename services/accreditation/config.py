"""Accreditation's settings and fixed names."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.kit.settings import Settings, from_env

from .ledger.chain import Signer, load_private_key

SERVICE = "accreditation"
SCHEMA = "accreditation"
PORT = 8102
MIGRATIONS = Path(__file__).parent / "migrations"


class AccreditationSettings(Settings, frozen=True, kw_only=True):
    checkpoint_signing_key: str | None = None
    """PEM of the Ed25519 key that signs ledger checkpoints (``KRING_CHECKPOINT_SIGNING_KEY``)."""
    checkpoint_previous_public_keys: tuple[str, ...] = ()
    """Raw public keys (base64url) of earlier signing keys, so older checkpoints still verify."""
    checkpoint_key_required: bool = False
    """Refuse to start without a signing key (production); otherwise an ephemeral key is used."""
    public_url: str = ""
    """Where the service is reached from outside (``KRING_PUBLIC_URL``): the base of every URL a
    credential names (its page, its issuer, its status list). Empty: the asking request's."""


def load_settings(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> AccreditationSettings:
    return from_env(AccreditationSettings, environ, service=SERVICE, **overrides)


def checkpoint_signer(settings: Settings) -> Signer:
    """The configured signing key; without one (development), an ephemeral key and a warning."""
    pem = getattr(settings, "checkpoint_signing_key", None)
    previous = tuple(getattr(settings, "checkpoint_previous_public_keys", ()))
    if pem:
        try:
            return Signer(load_private_key(pem.replace("\\n", "\n")), previous)
        except ValueError as exc:
            raise SystemExit(f"invalid KRING_CHECKPOINT_SIGNING_KEY: {exc}") from exc
    if getattr(settings, "checkpoint_key_required", False):
        raise SystemExit("KRING_CHECKPOINT_SIGNING_KEY is required")
    signer = Signer(Ed25519PrivateKey.generate(), previous)
    structlog.get_logger("kring.accreditation").warning(
        "checkpoint_key_ephemeral",
        key_id=signer.key_id,
        detail="no KRING_CHECKPOINT_SIGNING_KEY: checkpoints are signed with a key that "
        "dies with this process",
    )
    return signer
