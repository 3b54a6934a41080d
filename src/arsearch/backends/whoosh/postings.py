"""Reading Whoosh's postings and field lengths fast, as NumPy arrays.

Whoosh's own matchers step through a posting list one posting at a time in Python; a
ten-word query over tens of thousands of articles then takes a tenth of a second. These
decoders read whole blocks (Whoosh's W3 codec) and field-length columns at once. They
are the only code outside Whoosh that reads its formats, and they are listed as decoders
in :mod:`~arsearch.backends.whoosh.integrity` (an error raised here is blamed on a
damaged file when the checksums cannot vouch for it).
"""

from __future__ import annotations

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.util.numeric import byte_to_length


class PackedValues:
    """A posting list's encoded positions in one bytes object plus end offsets.

    About 6 bytes a posting instead of ~45 for a list of small bytes objects, so the
    cache can hold the long posting lists of a large archive.
    """

    __slots__ = ("blob", "ends")

    def __init__(self, values: list[bytes]):
        self.blob = b"".join(values)
        self.ends = np.cumsum(np.fromiter(map(len, values), np.int64, count=len(values)))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> bytes:
        start = int(self.ends[i - 1]) if i else 0
        return self.blob[start:int(self.ends[i])]


#: Whoosh's one-byte field-length code -> the length it stands for (0 -> 0).
_BYTE_LENGTHS = np.asarray([byte_to_length(b) if b else 0 for b in range(256)],
                           dtype=np.float32)


def segment_lengths(leaf, field: str) -> np.ndarray:
    """Length of ``field`` in each document of one segment, read as one block of bytes.

    Whoosh keeps a byte per document in a column and hands them out one call at a
    time (seconds for a large archive); a segment of another codec falls back to that.
    """
    n = leaf.doc_count_all()
    try:
        reader = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    except AttributeError:
        reader = False
    if reader is None:  # no document of the segment has this field
        return np.zeros(n, dtype=np.float32)
    if reader is False or getattr(reader, "_fixedlen", None) != 1:
        return np.asarray([leaf.doc_field_length(d, field, 0) or 0 for d in range(n)],
                          dtype=np.float32)
    codes = np.zeros(n, dtype=np.uint8)
    count = min(reader._count, n)
    if count:
        codes[:count] = np.frombuffer(reader._dbfile.get(reader._basepos, count), np.uint8)
    return _BYTE_LENGTHS[codes]


def read_postings(m) -> tuple[np.ndarray, np.ndarray, list]:
    """Decode a whole posting list (ids, weights, encoded values), a block at a time.

    Whoosh's W3 blocks hold the ids as deltas: NumPy's cumsum undoes them per block,
    where Whoosh's own matcher would step through a Python generator per posting.
    """
    if isinstance(m, W3LeafMatcher) and not m._byteids:
        id_parts: list[np.ndarray] = []
        tf_parts: list[np.ndarray] = []
        values: list = []
        while m.is_active():
            if m._data is None:
                m._read_data()
            raw_ids, raw_w, raw_v = m._data[0], m._data[1], m._data[2]
            id_parts.append(np.cumsum(raw_ids, dtype=np.int64))
            n = m._blocklength
            if raw_w is None or isinstance(raw_w, float):
                tf_parts.append(np.full(n, 1.0 if raw_w is None else raw_w, np.float32))
            else:
                tf_parts.append(np.asarray(raw_w, dtype=np.float32))
            if raw_v:
                values.extend(raw_v)
            m._next_block()
        if not id_parts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), []
        ids = np.concatenate(id_parts)
        return ids, np.concatenate(tf_parts), values if len(values) == len(ids) else []
    id_list: list[int] = []
    tf_list: list[float] = []
    value_list: list = []
    while m.is_active():
        id_list.append(m.id())
        tf_list.append(m.weight())
        value_list.append(m.value())
        m.next()
    return (np.asarray(id_list, dtype=np.int64), np.asarray(tf_list, dtype=np.float32),
            value_list if all(value_list) else [])
