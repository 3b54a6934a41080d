"""Display names of facet values: Arabic names for the codes archives store.

News archives fill their source and category fields with codes (``internationalNews``,
``skynews``); readers want أخبار دولية and سكاي نيوز عربية. The names come from
``data/labels_ar.txt`` shipped with arsearch, overridden line by line by
``labels.txt`` in the index folder (same format), so an archive names its own codes
without touching the package. Names only change what is shown (and what a filter may be
typed as, :meth:`arsearch.search.facets.Column.select`): the index keeps its values.

Format, one value a line under the heading of its facet::

    [source]
    skynews = سكاي نيوز عربية
    [category]
    internationalNews = أخبار دولية
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from arsearch.errors import ArsearchError

FACETS = ("source", "category", "author")
BUNDLED = "labels_ar.txt"


class Labels:
    """Names of facet values, looked up case-insensitively; a value without one is its
    own name."""

    def __init__(self, table: dict[str, dict[str, str]] | None = None):
        self.table = {facet: {k.casefold(): v for k, v in names.items()}
                      for facet, names in (table or {}).items()}
        self._namers = {facet: functools.partial(self.name, facet) for facet in FACETS}

    def namer(self, facet: str) -> Callable[[str], str]:
        """``name`` for one facet, the same object each time (columns cache by it)."""
        return self._namers[facet]

    def name(self, facet: str, value: str) -> str:
        """The display name of ``value`` in ``facet`` (``value`` itself when unnamed)."""
        return self.table.get(facet, {}).get(value.casefold(), value)

    def names(self, facet: str, values: list[str]) -> dict[str, str]:
        """{value: name} for the named ones among ``values`` (for the JSON API)."""
        return {v: self.name(facet, v) for v in values if self.name(facet, v) != v}


def parse_labels(text: str, origin: str) -> dict[str, dict[str, str]]:
    """The table of a labels file; ArsearchError naming the line when one is malformed."""
    table: dict[str, dict[str, str]] = {}
    facet = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            facet = line[1:-1].strip().lower()
            if facet not in FACETS:
                raise ArsearchError(f"{origin}:{number}: unknown facet [{facet}] "
                                    f"(one of {', '.join(FACETS)})")
            continue
        value, sep, name = line.partition("=")
        if not sep or not value.strip() or not name.strip() or facet is None:
            raise ArsearchError(f"{origin}:{number}: expected 'value = name' under a "
                                f"[source], [category] or [author] heading")
        table.setdefault(facet, {})[value.strip()] = name.strip()
    return table


def load_labels(*extra: str | os.PathLike | None) -> Labels:
    """The bundled names, then each existing file of ``extra`` over them."""
    bundled = resources.files("arsearch").joinpath(f"data/{BUNDLED}").read_text("utf-8")
    table = parse_labels(bundled, BUNDLED)
    for path in extra:
        if path is None or not Path(path).is_file():
            continue
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ArsearchError(f"cannot read the labels file {path}: {exc}") from None
        for facet, names in parse_labels(text, str(path)).items():
            table.setdefault(facet, {}).update(names)
    return Labels(table)
