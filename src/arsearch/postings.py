"""A compact, fast positions format for Whoosh text fields.

Whoosh's :class:`~whoosh.formats.Positions` pickles a delta list for every posting and
routes tokens through generic helpers; on a news archive that is a large share of the
indexing time. This format stores the same information (frequency and positions, so
phrase queries work) as a 4-byte count followed by the position deltas as little-endian
unsigned 32-bit ints, built in one pass over the analyzer's tokens. It is pickled into
the schema by reference, so the class name and module must stay stable (see
``schema.FORMAT_VERSION``).
"""

from __future__ import annotations

import struct
from itertools import accumulate

from whoosh.formats import Positions

_COUNT = struct.Struct(">I")


class FastPositions(Positions):
    """Frequency + positions: ``>I`` count, then ``<I`` deltas."""

    def word_values(self, value, analyzer, **kwargs):
        fb = self.field_boost
        poses: dict[str, list[int]] = {}
        get = poses.get
        for t in analyzer(value, positions=True, mode=kwargs.get("mode", "index")):
            plist = get(t.text)
            if plist is None:
                poses[t.text] = [t.pos]
            else:
                plist.append(t.pos)
        encode = self.encode
        for word, plist in poses.items():
            n = len(plist)
            yield word, n, n * fb, encode(plist)

    def encode(self, poslist: list[int]) -> bytes:
        n = len(poslist)
        if n == 1:
            return _COUNT.pack(1) + poslist[0].to_bytes(4, "little")
        deltas = [poslist[0]]
        deltas.extend(b - a for a, b in zip(poslist, poslist[1:], strict=False))
        return _COUNT.pack(n) + struct.pack(f"<{n}I", *deltas)

    def decode_frequency(self, valuestring: bytes) -> int:
        return _COUNT.unpack_from(valuestring)[0]

    def decode_positions(self, valuestring: bytes) -> list[int]:
        n = _COUNT.unpack_from(valuestring)[0]
        return list(accumulate(struct.unpack_from(f"<{n}I", valuestring, 4)))

    def combine(self, vs):
        positions: set[int] = set()
        for v in vs:
            positions.update(self.decode_positions(v))
        return self.encode(sorted(positions))
