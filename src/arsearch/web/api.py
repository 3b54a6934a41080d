"""The JSON API: ``/api/search``, ``/api/documents/<id>`` and ``/api/explain``.

Responses are the engine's own ``to_dict()`` so the CLI's ``--json`` and the API agree;
errors come from :mod:`arsearch.web.errors` in the one ``{"error": {status, message}}``
shape. Each route is the JSON twin of an HTML page (:mod:`arsearch.web.pages`).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, jsonify, request

from arsearch.web.engine import get_engine, lookup_document
from arsearch.web.params import (
    DocumentParams,
    check_page,
    parse_document_args,
    parse_explain_args,
    parse_search_args,
)

api = Blueprint("api", __name__, url_prefix="/api")


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
    q, doc_id = parse_explain_args(request.args)
    lookup_document(doc_id, DocumentParams(q=q))  # 404 for an unknown id, 400 a bad query
    return jsonify(get_engine().explain(q, doc_id).to_dict())
