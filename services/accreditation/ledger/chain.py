"""The hash chain and its signed checkpoints: pure functions, no I/O.

Each entry's ``hash`` is SHA-256 over ``prev_hash`` and the entry's canonical JSON (keys
sorted, times in UTC) of the columns its ``hash_version`` hashes (ADR 0092): version 1 every
column but ``hash`` as ADR 0010 wrote them, version 2 the same with the person's name and
registration number replaced by ``personal_commitment``, SHA-256 of a random salt and the
two, so that shredding them (and the salt) leaves the hash as it was. The first entry of an
organisation links to :data:`GENESIS`. A checkpoint signs (Ed25519) the text::

    kring-ledger-checkpoint:v1
    <org id>
    <seq>
    <head hash>
    <signed_at, RFC 3339 UTC>

A version-1 entry is shredded only under a signed redaction (:func:`redaction_message`)
stating its hash and the hash of what is left of it (:func:`residual_hash`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS = "0" * 64
MAX_PROBLEMS = 100


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


PERSONAL = ("person_name", "registration_number")
"""What identifies the person in an entry: shredded on erasure."""
V1_COLUMNS = (
    "org_id",
    "id",
    "seq",
    "kind",
    "session_id",
    "person_id",
    "register_code",
    "revision",
    "registration_number",
    "person_name",
    "session_date",
    "started_at",
    "ended_at",
    "mode",
    "group_size",
    "method",
    "facilitator_name",
    "facilitator_recognitions",
    "minutes",
    "points_centi",
    "rule_set_id",
    "rule_version",
    "cycle_start",
    "cycle_end",
    "self_declared",
    "reverses_id",
    "reason",
    "recorded_at",
    "recorded_by",
    "prev_hash",
)
"""The columns an entry of ``hash_version`` 1 hashes (every column ADR 0010 knew but ``hash``)."""
V2_COLUMNS = (
    *(c for c in V1_COLUMNS if c not in PERSONAL),
    "hash_version",
    "personal_commitment",
)
"""Version 2: the person only through their commitment."""
RESIDUAL_COLUMNS = tuple(c for c in V1_COLUMNS if c not in PERSONAL)
"""What is left of a version-1 entry once shredded, which its redaction vouches for."""


def _json(body: Mapping[str, Any]) -> bytes:
    plain = {key: _plain(value) for key, value in body.items()}
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def hashed_columns(entry: Mapping[str, Any]) -> tuple[str, ...]:
    return V1_COLUMNS if entry.get("hash_version", 1) == 1 else V2_COLUMNS


def canonical(entry: Mapping[str, Any]) -> bytes:
    return _json({key: entry[key] for key in hashed_columns(entry)})


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(entry["prev_hash"].encode() + b"\n" + canonical(entry)).hexdigest()


def new_salt() -> str:
    return secrets.token_hex(32)


def commitment(salt: str, *, person_name: str | None, registration_number: str | None) -> str:
    """SHA-256 of the salt and the person's fields: binds them without stating them."""
    body = _json({"person_name": person_name, "registration_number": registration_number})
    return hashlib.sha256(bytes.fromhex(salt) + body).hexdigest()


def shredded(entry: Mapping[str, Any]) -> bool:
    return entry["person_name"] is None


def residual_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(_json({key: entry[key] for key in RESIDUAL_COLUMNS})).hexdigest()


def redaction_message(
    *,
    org_id: uuid.UUID,
    seq: int,
    entry_id: uuid.UUID,
    entry_hash: str,
    residual_hash: str,
    signed_at: datetime,
) -> str:
    return "\n".join(
        [
            "kring-ledger-redaction:v1",
            str(org_id),
            str(seq),
            str(entry_id),
            entry_hash,
            residual_hash,
            signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        ]
    )


# --- keys and checkpoints -------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public_key(key: Ed25519PublicKey) -> str:
    return b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def key_id(public_key: str) -> str:
    return b64(hashlib.sha256(public_key.encode()).digest())[:16]


def checkpoint_message(*, org_id: uuid.UUID, seq: int, head_hash: str, signed_at: datetime) -> str:
    return "\n".join(
        [
            "kring-ledger-checkpoint:v1",
            str(org_id),
            str(seq),
            head_hash,
            signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        ]
    )


@dataclass(frozen=True)
class Signer:
    """The checkpoint signing key, and the public keys older checkpoints may be signed with."""

    private_key: Ed25519PrivateKey
    previous: tuple[str, ...] = ()

    @property
    def public_key(self) -> str:
        return raw_public_key(self.private_key.public_key())

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, message: str) -> str:
        return b64(self.private_key.sign(message.encode()))

    def trusted(self) -> dict[str, str]:
        """Trusted public keys by key id: the current one and the previous ones."""
        keys = {key_id(k): k for k in self.previous}
        keys[self.key_id] = self.public_key
        return keys


def load_private_key(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the checkpoint signing key must be an Ed25519 private key")
    return key


def signature_valid(public_key: str, message: str, signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(unb64(public_key)).verify(
            unb64(signature), message.encode()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Found:
    rule: str
    seq: int | None
    entry_id: uuid.UUID | None
    message: str
    checkpoint_id: uuid.UUID | None = None


@dataclass(slots=True)
class Walk:
    """Walks an organisation's entries in ``seq`` order, one at a time, keeping what it needs."""

    problems: list[Found]
    checked: int = 0
    head_seq: int = 0
    head_hash: str | None = None
    total_problems: int = 0
    org_id: uuid.UUID | None = None
    redactions: Mapping[uuid.UUID, Mapping[str, Any]] = field(default_factory=dict)
    """The signed redactions of shredded version-1 entries, by entry id."""
    trusted: Mapping[str, str] = field(default_factory=dict)

    def note(self, found: Found) -> None:
        self.total_problems += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(found)

    def step(
        self,
        entry: Mapping[str, Any],
        hashes: dict[int, tuple[str, uuid.UUID]],
        wanted: set[int],
    ) -> None:
        seq, entry_id = int(entry["seq"]), entry["id"]
        expected_seq = self.head_seq + 1
        if seq == self.head_seq and self.checked:
            self.note(Found("sequence_duplicate", seq, entry_id, f"a second entry has seq {seq}"))
        elif seq != expected_seq:
            self.note(
                Found(
                    "sequence_gap",
                    seq,
                    entry_id,
                    f"expected seq {expected_seq}, found {seq}: entries are missing or moved",
                )
            )
        expected_prev = self.head_hash if self.checked else GENESIS
        if entry["prev_hash"] != expected_prev:
            self.note(
                Found(
                    "link_broken",
                    seq,
                    entry_id,
                    "prev_hash is not the hash of the entry before it",
                )
            )
        for found in self._content(entry):
            self.note(found)
        self.checked += 1
        self.head_seq = seq
        self.head_hash = entry["hash"]
        if seq in wanted:
            hashes[seq] = (entry["hash"], entry_id)

    def _content(self, entry: Mapping[str, Any]) -> Iterator[Found]:
        """The entry's content against its hash, and its person against their commitment; a
        shredded version-1 entry against its signed redaction instead. Each is a
        ``hash_mismatch`` (the content is not what the chain proves), its message saying how."""
        seq, entry_id = int(entry["seq"]), entry["id"]
        if entry.get("hash_version", 1) == 1 and shredded(entry):
            yield from self._redaction(entry)
            return
        if entry_hash(entry) != entry["hash"]:
            yield Found(
                "hash_mismatch",
                seq,
                entry_id,
                "the stored hash is not the hash of the entry's content: it was changed",
            )
        if entry.get("hash_version", 1) >= 2 and not shredded(entry):
            salt = entry["personal_salt"]
            person = {key: entry[key] for key in PERSONAL}
            if salt is None or commitment(salt, **person) != entry["personal_commitment"]:
                yield Found(
                    "hash_mismatch",
                    seq,
                    entry_id,
                    "the person's name or registration number is not what the entry committed to",
                )

    def _redaction(self, entry: Mapping[str, Any]) -> Iterator[Found]:
        seq, entry_id = int(entry["seq"]), entry["id"]
        redaction = self.redactions.get(entry_id)
        if redaction is None or self.org_id is None:
            yield Found(
                "hash_mismatch",
                seq,
                entry_id,
                "the entry's personal data is gone, and no signed redaction vouches for the rest",
            )
            return
        message = redaction_message(
            org_id=self.org_id,
            seq=seq,
            entry_id=entry_id,
            entry_hash=redaction["entry_hash"],
            residual_hash=redaction["residual_hash"],
            signed_at=redaction["signed_at"],
        )
        key = self.trusted.get(redaction["key_id"])
        if (
            key is None
            or key != redaction["public_key"]
            or not signature_valid(key, message, redaction["signature"])
        ):
            yield Found(
                "hash_mismatch",
                seq,
                entry_id,
                "the entry's redaction is not signed by a key this service trusts",
            )
        if (
            redaction["entry_hash"] != entry["hash"]
            or residual_hash(entry) != redaction["residual_hash"]
        ):
            yield Found(
                "hash_mismatch",
                seq,
                entry_id,
                "the shredded entry is not what its redaction signed: it was changed",
            )


def check_checkpoints(
    checkpoints: Iterable[Mapping[str, Any]],
    *,
    org_id: uuid.UUID,
    hashes: Mapping[int, tuple[str, uuid.UUID]],
    head_seq: int,
    trusted: Mapping[str, str],
) -> Iterator[Found]:
    """Each checkpoint must be signed by a trusted key and match the chain at its ``seq``."""
    for cp in checkpoints:
        seq, cp_id = int(cp["seq"]), cp["id"]
        message = checkpoint_message(
            org_id=org_id, seq=seq, head_hash=cp["head_hash"], signed_at=cp["signed_at"]
        )
        key = trusted.get(cp["key_id"])
        if key is None:
            yield Found(
                "checkpoint_unknown_key",
                seq,
                None,
                f"checkpoint signed by key {cp['key_id']}, which this service does not trust",
                cp_id,
            )
        elif key != cp["public_key"] or not signature_valid(key, message, cp["signature"]):
            yield Found("checkpoint_signature", seq, None, "the signature does not verify", cp_id)
        if seq > head_seq:
            yield Found(
                "checkpoint_beyond_head",
                seq,
                None,
                f"a checkpoint signed seq {seq}, but the chain ends at {head_seq}: "
                "entries were removed",
                cp_id,
            )
        elif (at := hashes.get(seq)) is None or at[0] != cp["head_hash"]:
            yield Found(
                "checkpoint_mismatch",
                seq,
                at[1] if at else None,
                f"the chain's hash at seq {seq} is not the signed one: history was rewritten",
                cp_id,
            )
