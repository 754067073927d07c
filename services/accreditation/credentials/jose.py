"""VC-JOSE: a credential secured as a compact JWS (RFC 7515), pure functions, no I/O.

The protected header is ``{"alg": "EdDSA", "cty": "vc", "kid": <issuer>#<key id>, "typ":
"vc+jwt"}`` and the payload the unsecured credential, both as compact JSON with sorted keys;
the signature is Ed25519 over ``<header>.<payload>`` (base64url without padding), with the key
that signs the ledger's checkpoints (:class:`..ledger.chain.Signer`). Ed25519 is deterministic:
the same credential and key give the same bytes.

:func:`examine` is what a verifier does with a token: the shape (three base64url parts, else
:class:`Malformed`), the header, the key named by ``kid`` among the keys this service trusts,
the signature, and the payload. It answers whether the token is what Kring signed, and if
not, whether it claims to be (``tampered``) or is someone else's (``unknown``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..ledger.chain import Signer, b64, signature_valid
from .schemas import Check

ALG = "EdDSA"
TYP = "vc+jwt"
CTY = "vc"
MEDIA_TYPE = "application/vc+jwt"
MAX_LENGTH = 65_536
_COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
ISSUER_PATH = re.compile(r"/v1/issuers/[0-9a-fA-F-]{36}(?:/|$)|:v1:issuers:[0-9a-fA-F-]{36}$")
"""How an issuer id or credential id of this service reads (URL or ``did:web``)."""


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(payload: Mapping[str, Any], *, signer: Signer, kid: str) -> str:
    """The credential ``payload`` as a compact JWS signed by ``signer``."""
    header = {"alg": ALG, "cty": CTY, "kid": kid, "typ": TYP}
    signing_input = f"{b64(_json(header))}.{b64(_json(payload))}"
    return f"{signing_input}.{signer.sign(signing_input)}"


def payload_of(token: str) -> dict[str, Any]:
    """The payload of a token this service signed and stored (no check: it is its own)."""
    decoded: dict[str, Any] = json.loads(_part(token.split(".")[1]))
    return decoded


def key_id_of(kid: str) -> str:
    """The key id after the issuer in a ``kid`` (``did:web:…#<key id>``)."""
    return kid.rpartition("#")[2]


class Malformed(ValueError):
    """The text is no compact JWS at all: a request to refuse, not a credential to judge."""


Verdict = Literal["signed", "tampered", "unknown"]


@dataclass
class Examined:
    """What the token itself proves: ``signed`` (by a trusted key, payload in hand), or why not."""

    verdict: Verdict
    checks: list[Check] = field(default_factory=list)
    payload: dict[str, Any] | None = None


def _part(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(_part(text))
    except (binascii.Error, ValueError):
        return None
    return value if isinstance(value, dict) else None


def claims_kring(payload: Mapping[str, Any] | None) -> bool:
    """Whether a payload says it is a credential of this service (its id or its issuer)."""
    if payload is None:
        return True  # undecodable: nothing shows it is someone else's
    issuer = payload.get("issuer")
    names = [payload.get("id"), issuer.get("id") if isinstance(issuer, dict) else issuer]
    return any(isinstance(n, str) and ISSUER_PATH.search(n) for n in names)


def examine(token: str, *, trusted: Mapping[str, str]) -> Examined:
    """Shape, header, key, signature and payload of ``token``; ``trusted`` maps key ids to raw
    Ed25519 public keys (base64url). :class:`Malformed` when it is no compact JWS."""
    if len(token) > MAX_LENGTH or not _COMPACT.match(token):
        raise Malformed("not a compact JWS: three base64url parts separated by dots")
    head, body, signature = token.split(".")
    header, payload = _object(head), _object(body)
    checks: list[Check] = []
    if header is None or header.get("alg") != ALG or header.get("typ") != TYP:
        checks.append(Check(check="header", passed=False, message=_header_problem(header)))
        return Examined("tampered" if claims_kring(payload) else "unknown", checks, None)
    checks.append(Check(check="header", passed=True, message=f"alg {ALG}, typ {TYP}"))
    kid = header.get("kid")
    key = trusted.get(key_id_of(kid)) if isinstance(kid, str) else None
    if key is None:
        message = f"signed with key {kid!r}, which this service does not hold or trust"
        checks.append(Check(check="issuer_key", passed=False, message=message))
        return Examined("tampered" if claims_kring(payload) else "unknown", checks, None)
    checks.append(Check(check="issuer_key", passed=True, message=f"key {kid} is the issuer's"))
    if not signature_valid(key, f"{head}.{body}", signature) or payload is None:
        message = "the Ed25519 signature does not verify: the credential was changed"
        checks.append(Check(check="signature", passed=False, message=message))
        return Examined("tampered", checks, None)
    checks.append(Check(check="signature", passed=True, message="the Ed25519 signature verifies"))
    return Examined("signed", checks, payload)


def _header_problem(header: Mapping[str, Any] | None) -> str:
    if header is None:
        return "the protected header is not a JSON object"
    return f"the header must say alg {ALG} and typ {TYP}, not {header.get('alg')!r}, " + repr(
        header.get("typ")
    )
