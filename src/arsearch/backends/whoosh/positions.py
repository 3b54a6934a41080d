"""A compact, fast positions format for Whoosh text fields.

Whoosh's :class:`~whoosh.formats.Positions` pickles a delta list for every posting and
routes tokens through generic helpers; on a news archive that is a large share of the
indexing time. This format stores the same information (frequency and positions, so
phrase queries work) as the position deltas in LEB128 varints, built in one pass over
the analyzer's tokens. It is pickled into the schema by reference, so the class name
and module must stay stable (see ``schema.FORMAT_VERSION``).
"""

from __future__ import annotations

from whoosh.formats import Positions

from arsearch.analysis import EXACT, index_positions

#: The value of an exact-form twin's posting: an unterminated varint, which decodes to
#: no positions. Not empty: Whoosh's block format drops empty values, and merging
#: segments then fails reading them back.
NO_POSITIONS = b"\x80"


class FastPositions(Positions):
    """Frequency + positions: the position deltas as LEB128 varints (1 byte each, mostly).

    The frequency is the number of varints, so it is not stored; most postings of a
    news archive hold one position, which encodes in a byte or two. Exact-form twins
    (:data:`~arsearch.analysis.chain.EXACT`) keep their frequency (the posting weight) but no
    positions: phrases, leads and proximity are matched on stems, so the twins'
    positions were a third of the postings file and never read.
    """

    def word_values(self, value, analyzer, **kwargs):
        fb = self.field_boost
        poses = index_positions(analyzer, value)  # the standard chain, fused
        if poses is None:
            poses = {}
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
            yield word, n, n * fb, NO_POSITIONS if word.startswith(EXACT) else encode(plist)

    def encode(self, poslist: list[int]) -> bytes:
        if len(poslist) == 1 and poslist[0] < 0x80:
            return bytes(poslist)
        out = bytearray()
        last = 0
        for pos in poslist:
            delta = pos - last
            last = pos
            while delta >= 0x80:
                out.append((delta & 0x7F) | 0x80)
                delta >>= 7
            out.append(delta)
        return bytes(out)

    def decode_frequency(self, valuestring: bytes) -> int:
        return sum(1 for b in valuestring if b < 0x80)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        positions = []
        pos = delta = shift = 0
        for b in valuestring:
            delta |= (b & 0x7F) << shift
            if b & 0x80:
                shift += 7
            else:
                pos += delta
                positions.append(pos)
                delta = shift = 0
        return positions

    def combine(self, vs):
        positions: set[int] = set()
        for v in vs:
            positions.update(self.decode_positions(v))
        return self.encode(sorted(positions))
