"""The app's one engine, and the document lookup the article page and its JSON twin share.

Each app owns ONE engine, opened on first use and shared by all threads, because opening
an index loads per-document columns that are far too costly to repeat per request.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from flask import Flask, current_app

import arsearch.backends.whoosh.integrity as integrity
from arsearch.errors import IndexDamagedError, QueryError
from arsearch.search.engine import Engine, open_index
from arsearch.web.params import DocumentParams, WebError

#: ``app.extensions`` key of the app's :class:`EngineHolder`.
EXTENSION = "arsearch"
#: Longer ids are never looked up: no stored id is that long, and it bounds the work.
MAX_ID_CHARS = 1000


class EngineHolder:
    """Opens the engine lazily, once, and retries while the index does not exist yet.

    A missing index is not cached as a failure: once ``arsearch index`` has built it, the
    next request opens it without restarting the server. A damaged index is: opening it
    can cost as much as opening a sound one, so it is tried again only once a file of
    the folder has changed (a rebuild, a restored file).
    """

    def __init__(self, folder: str | os.PathLike[str], allow_partial: bool = False,
                 exact_counts: bool = False):
        self.folder = Path(folder)
        self.allow_partial = allow_partial
        self.exact_counts = exact_counts
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._damaged: tuple[tuple, IndexDamagedError] | None = None

    def get(self) -> Engine:
        engine = self._engine
        if engine is not None:
            return engine
        with self._lock:
            if self._engine is None:
                key = integrity.folder_key(self.folder)
                if self._damaged is not None and self._damaged[0] == key:
                    raise IndexDamagedError(*self._damaged[1].args)
                try:
                    self._engine = open_index(self.folder, allow_partial=self.allow_partial,
                                              exact_counts=self.exact_counts)
                except IndexDamagedError as exc:
                    self._damaged = (key, exc)
                    raise
                self._damaged = None
            return self._engine

    def close(self) -> None:
        """Close the index files (tests, or an embedding application shutting down)."""
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None


def init_app(app: Flask) -> None:
    """Give ``app`` its engine holder, for the index folder in ``ARSEARCH_INDEX``."""
    app.extensions[EXTENSION] = EngineHolder(
        app.config["ARSEARCH_INDEX"], bool(app.config.get("ARSEARCH_ALLOW_PARTIAL")),
        bool(app.config.get("ARSEARCH_EXACT_COUNTS")))


def get_engine() -> Engine:
    """The app's engine; raises IndexNotFoundError (answered with 503) when there is none."""
    holder: EngineHolder = current_app.extensions[EXTENSION]
    return holder.get()


def lookup_document(doc_id: str, params: DocumentParams) -> dict[str, Any]:
    """The document (part) from the engine (ids are never paths), or WebError(404/400)."""
    if len(doc_id) > MAX_ID_CHARS or "\x00" in doc_id:
        doc = None
    else:
        try:
            doc = get_engine().document(doc_id, params.q, start=params.start,
                                        length=params.length)
        except QueryError as exc:  # a start past the end of the article
            raise WebError(400, str(exc), "موضع البداية بعد نهاية المقال.") from None
    if doc is None:
        raise WebError(404, "no document with this id", "لا يوجد مقال بهذا المعرّف.")
    return doc
