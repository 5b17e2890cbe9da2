"""Content-defined chunking (FastCDC) over streams, block by block, in bounded memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from pyfastcdc import FastCDC

__all__ = ["AVG_SIZE", "BLOCK_SIZE", "MAX_SIZE", "MIN_SIZE", "RING", "Block", "Chunker"]

AVG_SIZE = 64 * 1024
MIN_SIZE = 16 * 1024
MAX_SIZE = 256 * 1024
BLOCK_SIZE = 4 * 1024 * 1024
RING = 3

_CUTTER = FastCDC(AVG_SIZE, min_size=MIN_SIZE, max_size=MAX_SIZE)


@dataclass(frozen=True)
class Block:
    """Whole chunks read in one go: ``data`` is all of them back to back."""

    data: memoryview
    chunks: list[memoryview]


class Chunker:
    """Cuts streams into chunks exactly as FastCDC cuts the whole stream, whatever the block size.

    Blocks live in a ring of ``RING`` buffers reused across files: a block's memory stays valid
    until ``RING - 1`` more blocks have been yielded, so a writer thread may still hold one.
    """

    def __init__(self, block_size: int = BLOCK_SIZE) -> None:
        self._size = max(block_size, 2 * MAX_SIZE) + MAX_SIZE
        self._ring: list[bytearray] = []
        self._last = -1  # the ring slot of the block yielded last

    def _free_buffer(self) -> bytearray:
        """The slot after the one yielded last: RING - 1 blocks old at most."""
        turn = (self._last + 1) % RING
        if len(self._ring) <= turn:
            self._ring.append(bytearray(self._size))
        return self._ring[turn]

    def blocks(self, stream: BinaryIO) -> Iterator[Block]:
        buffer = self._free_buffer()
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
            chunks: list[memoryview] = []
            consumed = 0
            for chunk in _CUTTER.cut_buf(view[:filled]):
                if not eof and chunk.offset + MAX_SIZE > filled:
                    break
                chunks.append(view[chunk.offset : chunk.offset + chunk.length])
                consumed = chunk.offset + chunk.length
            self._last = (self._last + 1) % RING
            yield Block(view[:consumed], chunks)
            leftover = filled - consumed
            following = self._free_buffer()
            following[:leftover] = view[consumed:filled]
            buffer, filled = following, leftover
