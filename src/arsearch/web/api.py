"""The JSON API: ``/api/search`` and ``/api/documents/<id>``.

Responses are the engine's own ``to_dict()`` so the CLI's ``--json`` and the API agree;
errors come from webapp's handler in the one ``{"error": {status, message}}`` shape.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, jsonify, request

from arsearch.errors import QueryError
from arsearch.web.app import get_engine
from arsearch.web.params import (
    DocumentParams,
    WebError,
    check_page,
    parse_document_args,
    parse_search_args,
)

api = Blueprint("api", __name__, url_prefix="/api")

#: Longer ids are never looked up: no stored id is that long, and it bounds the work.
MAX_ID_CHARS = 1000


@api.get("/search")
def search() -> Response:
    """Search; the same parameters as the HTML page, plus ``per_page``."""
    params = parse_search_args(request.args, current_app.config["ARSEARCH_PER_PAGE"])
    results = get_engine().search(params.q, **params.engine_kwargs())
    check_page(params, results.pages)
    return jsonify(results.to_dict())


@api.get("/documents/<path:doc_id>")
def document(doc_id: str) -> Response:
    """The stored document; ``?q=`` highlights the query's words in ``body_html``.

    ``body`` and ``body_html`` hold at most DOCUMENT_PAGE_CHARS characters from
    ``?start=`` (``?length=`` asks for fewer); ``body_start``, ``body_end`` and
    ``body_length`` say which part of how much.
    """
    doc = lookup_document(doc_id, parse_document_args(request.args))
    return jsonify({k: v.isoformat() if isinstance(v, datetime) else v for k, v in doc.items()})


@api.get("/explain")
def explain() -> Response:
    """Why the document ``id`` scores what it does for ``q`` (the article page's block)."""
    params = parse_document_args(request.args)
    doc_id = request.args.get("id", "")
    lookup_document(doc_id, params)  # 404 for an unknown id, 400 for a bad query
    return jsonify(get_engine().explain(params.q, doc_id).to_dict())


def lookup_document(doc_id: str, params: DocumentParams) -> dict:
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
