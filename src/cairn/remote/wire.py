"""The chunk-pack wire format shared by the server and the remote client.

A pack is a sequence of frames ``[1 byte: id length][id, ASCII][8 bytes: data length, big
endian][data]``. It is streamed both ways; each chunk is verified against its id on arrival.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator

from cairn.errors import CorruptData, InvalidInput

__all__ = ["CHUNK_PACK_TYPE", "FrameReader", "encode_frame", "encode_frames"]

CHUNK_PACK_TYPE = "application/x-cairn-chunks"
_LENGTH = struct.Struct(">Q")
_MAX_CHUNK = 16 * 1024 * 1024


def encode_frame(chunk_id: str, data: bytes) -> bytes:
    raw = chunk_id.encode("ascii")
    return bytes([len(raw)]) + raw + _LENGTH.pack(len(data)) + data


def encode_frames(chunks: Iterable[tuple[str, bytes]]) -> Iterator[bytes]:
    for chunk_id, data in chunks:
        yield encode_frame(chunk_id, data)


class FrameReader:
    """Feed bytes as they arrive; take out the complete (id, data) frames."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[str, bytes]]:
        self._buffer += data
        out: list[tuple[str, bytes]] = []
        view = self._buffer
        pos = 0
        while True:
            if len(view) - pos < 1:
                break
            id_len = view[pos]
            head = 1 + id_len + _LENGTH.size
            if len(view) - pos < head:
                break
            (length,) = _LENGTH.unpack_from(view, pos + 1 + id_len)
            if length > _MAX_CHUNK or id_len == 0:
                raise InvalidInput("a chunk frame is malformed", "send chunks in the cairn format")
            if len(view) - pos < head + length:
                break
            try:
                chunk_id = bytes(view[pos + 1 : pos + 1 + id_len]).decode("ascii")
            except UnicodeDecodeError:
                raise InvalidInput(
                    "a chunk id is not ASCII", "send chunks in the cairn format"
                ) from None
            out.append((chunk_id, bytes(view[pos + head : pos + head + length])))
            pos += head + length
        del self._buffer[:pos]
        return out

    def finish(self) -> None:
        if self._buffer:
            raise CorruptData(
                f"the chunk stream ended inside a frame ({len(self._buffer)} bytes left)",
                "the connection dropped; retry (only missing chunks are sent again)",
            )
