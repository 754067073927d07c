"""The W3C Bitstring Status List v1.0 (pure): which credentials of a list are revoked.

A list holds :data:`SIZE` positions (131,072 bits, the specification's minimum, 16 KiB). Bit
``i`` is the ``i``-th bit from the left: the most significant bit of byte ``i // 8`` first. The
``encodedList`` is the Multibase base64url form (prefix ``u``, no padding) of the bitstring
compressed with GZIP (``mtime`` 0, so the same bits always encode to the same text).
"""

from __future__ import annotations

import base64
import binascii
import gzip
from collections.abc import Iterable

SIZE = 131_072
"""Positions in one list; position ``n`` of an organisation is list ``n // SIZE + 1``."""


def position(issued_before: int) -> tuple[int, int]:
    """The list (from 1) and index of the organisation's credential after ``issued_before``."""
    return issued_before // SIZE + 1, issued_before % SIZE


def encode(revoked: Iterable[int], *, size: int = SIZE) -> str:
    """The ``encodedList`` with the bits of ``revoked`` set."""
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    """The bitstring of an ``encodedList``; ``ValueError`` when it is not one."""
    if not encoded.startswith("u"):
        raise ValueError("an encodedList is Multibase base64url: it starts with 'u'")
    text = encoded[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, OSError, EOFError) as exc:
        raise ValueError(f"not a GZIP-compressed, base64url-encoded bitstring: {exc}") from exc


def is_set(bitstring: bytes, index: int) -> bool:
    """Whether the bit at ``index`` is set (``IndexError`` beyond the list)."""
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))
