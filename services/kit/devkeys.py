"""A local development signing key (Ed25519), kept in a git-ignored folder.

Only for ``make run``, the CLI and tests: production verifies tokens against the
identity provider's keys and never sees a private key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class DevKey:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self.private_key = private_key
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public_jwk = {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _b64(raw),
            "use": "sig",
            "alg": "EdDSA",
        }
        thumbprint = json.dumps(
            {k: self.public_jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":")
        )
        self.kid = _b64(hashlib.sha256(thumbprint.encode()).digest())[:16]
        self.public_jwk["kid"] = self.kid

    @classmethod
    def generate(cls) -> DevKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path) -> DevKey:
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise SystemExit(f"{path} is not an Ed25519 private key")
            return cls(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        dev = cls.generate()
        pem = dev.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.write_bytes(pem)
        path.chmod(0o600)
        return dev

    def jwks(self) -> str:
        return json.dumps({"keys": [self.public_jwk]})
