"""Compact posting blocks: readable by stock Whoosh, smaller, tiny blocks uncompressed."""

from __future__ import annotations

import pickle
import zlib
from io import BytesIO

from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.filedb.structfile import StructFile

from arsearch.backends.whoosh.codec import (
    COMPRESS_MIN,
    CompactPostingsWriter,
    CompactTermInfo,
    compress,
)
from arsearch.backends.whoosh.schema import make_schema


def test_compress_is_a_standard_zlib_stream():
    data = "نص عربي للتجربة ".encode() * 200
    packed = compress(data, 3)
    assert zlib.decompress(packed) == data
    assert len(packed) < len(data) // 10


def test_inlined_term_info_round_trips_through_whoosh():
    info = CompactTermInfo()
    info._weight, info._df, info._minid, info._maxid = 3.0, 2, 4, 9
    info._maxlength, info._maxweight = 12, 2.0
    info.set_inline([4, 9], [1.0, 2.0], [b"\x00", b"\x01\x02"])
    raw = info.to_bytes()
    back = W3TermInfo.from_bytes(raw)
    assert back.is_inlined()
    assert back.inlined_postings() == ((4, 9), (1.0, 2.0), (b"\x00", b"\x01\x02"))
    assert back.doc_frequency() == 2 and back.min_id() == 4 and back.max_id() == 9
    # the protocol-2 pickle Whoosh writes is several times longer
    assert len(raw) < len(info._struct.pack(1, 0, 0, 0, 0, 0, 0, 0)) + len(
        pickle.dumps(info._inlined, 2))


def _blocks(n: int) -> list[tuple]:
    """Write ``n`` postings as one list; return each block's (info, data) as read back."""
    buf = BytesIO()
    postfile = StructFile(buf)
    writer = CompactPostingsWriter(postfile, blocklimit=128, compression=3)
    writer.start_postings(make_schema()["body"].format, CompactTermInfo())
    for i in range(n):
        writer.add_posting(i * 3, 1.0, bytes([i % 100]), 10 + i)
    writer.finish_postings()
    raw = buf.getvalue()[4:]  # after the W3Bl magic
    out = []
    while raw:
        length = int.from_bytes(raw[:4], "big", signed=True)
        body, raw = raw[4:4 + abs(length)], raw[4 + abs(length):]
        info_len = len(pickle.dumps(pickle.loads(body), pickle.HIGHEST_PROTOCOL))
        info, data = pickle.loads(body), body[info_len:]
        out.append((info, data))
        if length < 0:
            break
    return out


def test_tiny_blocks_are_stored_uncompressed_and_big_ones_compressed():
    (info, data), = _blocks(4)
    assert info[3] == 0 and len(data) < COMPRESS_MIN  # compression level 0
    ids, weights, values = pickle.loads(data)
    assert ids == (0, 3, 3, 3) and weights is None and len(values) == 4  # as Whoosh minifies
    blocks = _blocks(300)
    assert len(blocks) == 3 and all(info[3] == 3 for info, _ in blocks)
    ids, _, values = pickle.loads(zlib.decompress(blocks[0][1]))
    assert len(ids) == 128 and values[7] == bytes([7])
