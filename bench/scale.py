"""The ~400,000-article scale set, generated on the fly from the 41,661 ANT articles.

Ten copies with distinct ids (``<id>~<copy>``). In each copy the paragraphs of all
articles of one source are shuffled across those articles (fixed seed per copy and
source); every article keeps its title, metadata and number of paragraphs. So the
vocabulary, term frequencies per source and document lengths stay realistic — a
plain duplicate would make every posting list exactly ten-fold and compress unrealistically
well — while no copy repeats an article verbatim.

Only the base corpus is held in memory (as paragraph pools); the 400k articles are
yielded one at a time and never written to the project.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator

COPIES = 10
SEED = 20260101


def _paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n") if p.strip()] or [body]


def scale_records(base: Iterable[dict], copies: int = COPIES, seed: int = SEED) -> Iterator[dict]:
    """Yield ``copies`` shuffled copies of the ``base`` records (dicts with id, title, body).

    Within a copy, the multiset of paragraphs of each source equals the base's, and each
    article gets as many paragraphs as it had.
    """
    records = list(base)
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        by_source[r.get("source") or ""].append(i)
    for copy in range(copies):
        bodies: dict[int, str] = {}
        for source, members in sorted(by_source.items()):
            pool = [p for i in members for p in _paragraphs(records[i]["body"])]
            random.Random(f"{seed}/{copy}/{source}").shuffle(pool)
            at = 0
            for i in members:
                k = len(_paragraphs(records[i]["body"]))
                bodies[i] = "\n".join(pool[at:at + k])
                at += k
        for i, r in enumerate(records):
            yield {**r, "id": f"{r['id']}~{copy}", "body": bodies.pop(i)}
