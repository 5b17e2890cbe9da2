"""Content-defined chunking (FastCDC) over a stream, block by block, in bounded memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from pyfastcdc import FastCDC

__all__ = ["AVG_SIZE", "BLOCK_SIZE", "MAX_SIZE", "MIN_SIZE", "iter_chunks"]

AVG_SIZE = 64 * 1024
MIN_SIZE = 16 * 1024
MAX_SIZE = 256 * 1024
BLOCK_SIZE = 8 * 1024 * 1024

_CUTTER = FastCDC(AVG_SIZE, min_size=MIN_SIZE, max_size=MAX_SIZE)


def iter_chunks(stream: BinaryIO, block_size: int = BLOCK_SIZE) -> Iterator[list[memoryview]]:
    """Yield lists of chunks, one list per block read; views are valid until the next yield.

    Cuts are the ones FastCDC makes on the whole stream: a chunk is only emitted once at least
    ``MAX_SIZE`` bytes follow its start (or the stream ended), so the block size never matters.
    """
    block_size = max(block_size, 2 * MAX_SIZE)
    buffer = bytearray(block_size + MAX_SIZE)
    filled = 0
    eof = False
    while not eof:
        view = memoryview(buffer)
        while filled < len(buffer):
            read = stream.readinto(view[filled:])  # type: ignore[attr-defined]
            if not read:
                eof = True
                break
            filled += read
        if filled == 0:
            return
        data = view[:filled]
        chunks: list[memoryview] = []
        consumed = 0
        for chunk in _CUTTER.cut_buf(data):
            if not eof and chunk.offset + MAX_SIZE > filled:
                break
            chunks.append(data[chunk.offset : chunk.offset + chunk.length])
            consumed = chunk.offset + chunk.length
        yield chunks
        del chunks, data, view
        leftover = filled - consumed
        buffer[:leftover] = buffer[consumed:filled]
        filled = leftover
