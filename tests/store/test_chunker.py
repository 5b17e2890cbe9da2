"""FastCDC over a stream: same cuts whatever the read size, bounded chunk sizes."""

from __future__ import annotations

import io
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from pyfastcdc import FastCDC

from cairn.store.chunker import AVG_SIZE, MAX_SIZE, MIN_SIZE, RING, Chunker


def cuts(data: bytes, block_size: int) -> list[bytes]:
    chunker = Chunker(block_size)
    found = []
    for block in chunker.blocks(io.BytesIO(data)):
        assert bytes(block.data) == b"".join(bytes(c) for c in block.chunks)
        found.extend(bytes(c) for c in block.chunks)
    return found


def whole_file_cuts(data: bytes) -> list[bytes]:
    cutter = FastCDC(AVG_SIZE, min_size=MIN_SIZE, max_size=MAX_SIZE)
    return [bytes(c.data) for c in cutter.cut_buf(data)]


def test_streaming_cuts_match_whole_file_cuts() -> None:
    data = random.Random(7).randbytes(3 * 1024 * 1024 + 12345)
    expected = whole_file_cuts(data)
    for block_size in (512 * 1024, 1024 * 1024 + 17, 8 * 1024 * 1024):
        assert cuts(data, block_size) == expected


@settings(max_examples=25, deadline=None)
@given(size=st.integers(0, 2_000_000), seed=st.integers(0, 2**32), block=st.integers(1, 4))
def test_cuts_do_not_depend_on_block_size(size: int, seed: int, block: int) -> None:
    data = random.Random(seed).randbytes(size)
    chunks = cuts(data, block * 300_000)
    assert b"".join(chunks) == data
    assert chunks == whole_file_cuts(data)
    assert all(len(c) <= MAX_SIZE for c in chunks)
    assert all(len(c) >= MIN_SIZE for c in chunks[:-1])


def test_small_input_is_one_chunk_and_empty_is_none() -> None:
    assert cuts(b"tiny", 1 << 20) == [b"tiny"]
    assert cuts(b"", 1 << 20) == []


def test_insert_at_front_keeps_later_chunks() -> None:
    data = random.Random(3).randbytes(2 * 1024 * 1024)
    before = set(whole_file_cuts(data))
    after = cuts(b"a new header " * 100 + data, 1 << 20)
    shared = sum(len(c) for c in after if c in before)
    assert shared > 0.9 * len(data)


def test_a_block_stays_valid_while_the_ring_turns() -> None:
    chunker = Chunker(512 * 1024)
    streams = [random.Random(seed).randbytes(size) for seed, size in enumerate([0, 900_000, 10])]
    streams.append(random.Random(9).randbytes(3_000_000))
    held: list[tuple[bytes, memoryview]] = []
    for data in streams:
        for block in chunker.blocks(io.BytesIO(data)):
            held.append((bytes(block.data), block.data))
            for copy, view in held[-RING:]:
                assert bytes(view) == copy
