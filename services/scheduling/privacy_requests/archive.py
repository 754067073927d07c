"""A ZIP archive written as it is read: each entry's bytes go out as they come in, so that a
person's documents are never held whole (the archive uses data descriptors, which need no
seeking back)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterable, AsyncIterator


class _Sink(io.RawIOBase):
    """Where ``zipfile`` writes: the bytes kept until :meth:`drain`; it can tell, not seek."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._chunks.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def drain(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


class Archive:
    """Entries added one after the other (:meth:`entry`), then :meth:`close`."""

    def __init__(self) -> None:
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, "w", compression=zipfile.ZIP_DEFLATED)

    async def entry(self, name: str, chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        """The archive's bytes while ``chunks`` become the entry ``name``."""
        with self._zip.open(name, "w") as file:
            async for chunk in chunks:
                file.write(chunk)
                if out := self._sink.drain():
                    yield out
        if out := self._sink.drain():
            yield out

    def close(self) -> bytes:
        """The archive's last bytes (its central directory)."""
        self._zip.close()
        return self._sink.drain()


async def once(data: bytes) -> AsyncIterator[bytes]:
    yield data
