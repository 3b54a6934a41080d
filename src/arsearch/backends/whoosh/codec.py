"""Whoosh 3 posting blocks and term entries, written in fewer bytes and fewer calls.

Whoosh pickles every block of postings with pickle protocol 2, where each bytes value
(our encoded positions) becomes a call to ``_codecs.encode`` of about 30 bytes, and it
compresses every block with zlib, even a block of two postings, whose zlib stream is
no smaller and whose compressor set-up costs more than the rest of the block. Here the
same tuples are pickled with the highest protocol (two bytes of overhead a value),
blocks under :data:`COMPRESS_MIN` bytes are stored as they are, and the others are
compressed with an 8 KiB window: ``zlib.compress`` sets up a 32 KiB window and 128 KiB of
hash tables per call, which costs more than compressing a block of a few hundred
bytes, for no gain on input that small (measured: same size, 2.5x faster). Each block's header
says whether it is compressed and Whoosh unpickles any protocol, so the files stay
readable by stock Whoosh: only the writing side changes.
"""

from __future__ import annotations

import operator
import pickle
import zlib
from itertools import chain

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3PostingsWriter, W3TermInfo
from whoosh.util.numeric import length_to_byte

PROTOCOL = pickle.HIGHEST_PROTOCOL
#: Pickled blocks shorter than this are not compressed (zlib would not shrink them).
COMPRESS_MIN = 64
#: zlib window (2**13 bytes) and memory level: ample for blocks and articles of a few
#: KiB (sizes within 0.1% of the defaults on the news archive).
WBITS, MEMLEVEL = 13, 5


def compress(data: bytes, level: int) -> bytes:
    """A standard zlib stream (``zlib.decompress`` reads it), set up for small input.

    Also compresses the stored fields of each document (see ``fastwriter``).
    """
    c = zlib.compressobj(level, zlib.DEFLATED, WBITS, MEMLEVEL)
    return c.compress(data) + c.flush()


class CompactTermInfo(W3TermInfo):
    """A term entry whose inlined postings are pickled with the highest protocol."""

    # Whoosh's postings writer calls set_inline, but W3TermInfo defines only
    # set_inlined, so any inlinelimit above 1 crashes (whoosh-reloaded 2.7.x)
    set_inline = W3TermInfo.set_inlined

    def to_bytes(self) -> bytes:
        if not self.is_inlined():
            return super().to_bytes()
        head = self._struct.pack(
            1, self._weight, self._df,
            0 if self._minlength is None else length_to_byte(self._minlength),
            length_to_byte(self._maxlength), self._maxweight,
            0xFFFFFFFF if self._minid is None else self._minid,
            0xFFFFFFFF if self._maxid is None else self._maxid,
        )
        return head + pickle.dumps(self._inlined, PROTOCOL)


class CompactPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer with :meth:`_write_block` as described above.

    The block's ids and weights are minified as Whoosh does (delta-encoded ids; one
    weight or none when all are equal), with C-level iteration instead of a Python
    generator step per posting.
    """

    def _mini_ids(self) -> tuple:
        ids = self._ids
        if self._byteids:  # term vectors' ids are words: nothing to delta-encode
            return super()._mini_ids()
        return tuple(map(operator.sub, ids, chain((0,), ids)))

    def _mini_weights(self):
        weights = self._weights
        first = weights[0]
        if weights.count(first) == len(weights):
            return None if first == 1.0 else first
        return tuple(weights)

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()),
                            PROTOCOL)
        comp = self._compression if len(data) >= COMPRESS_MIN else 0
        if comp:
            data = compress(data, comp)
        ids = self._ids
        # the block info Whoosh's reader expects: count, last id, max weight,
        # compression level, min and max field length bytes
        info = pickle.dumps((len(ids), ids[-1], self._maxweight, comp,
                             length_to_byte(self._minlength),
                             length_to_byte(self._maxlength)), PROTOCOL)
        length = len(info) + len(data)
        self._postfile.write_int(-length if last else length)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()
