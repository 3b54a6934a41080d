"""The JSON API: ``/api/search``, ``/api/documents/<id>``, ``/api/explain``, the search
box's suggestions ``/api/suggest`` and the exports ``/api/export.csv`` and
``/api/export.jsonl``.

Responses are the engine's own ``to_dict()`` so the CLI's ``--json`` and the API agree,
plus what only the web adds: the display names of facet values (``labels``) and each
hit's Hijri date (``date_hijri``). Errors come from :mod:`arsearch.web.errors` in the one
``{"error": {status, message}}`` shape. Each route is the JSON twin of an HTML page
(:mod:`arsearch.web.pages`) or a part of one: the suggestions are the search box's,
the exports the results page's downloads.
"""

from __future__ import annotations

import io
from datetime import datetime

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from arsearch.search.complete import MAX_SUGGESTIONS
from arsearch.search.export import (
    FORMATS,
    MAX_EXPORT_ROWS,
    rows,
    search_many,
    write_csv,
    write_jsonl,
)
from arsearch.search.hijri import to_hijri
from arsearch.web.engine import get_engine, lookup_document
from arsearch.web.params import (
    FACET_PARAMS,
    DocumentParams,
    WebError,
    check_page,
    parse_document_args,
    parse_explain_args,
    parse_search_args,
    query_arg,
)

api = Blueprint("api", __name__, url_prefix="/api")
#: What an export is sent as.
MIMETYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson"}
#: Browsers may keep suggestions this long (seconds): they change only with the index.
SUGGEST_MAX_AGE = 300


@api.get("/suggest")
def suggest() -> Response:
    """Completions of ``q`` as typed so far (the search box's listbox): ``{"query",
    "suggestions": [{"text", "kind": "query"|"title", "id", "url"}]}``."""
    q = query_arg(request.args)
    limit = request.args.get("limit", "")
    if limit and not (len(limit) <= 2 and limit.isascii() and limit.isdigit()
                      and 1 <= int(limit) <= MAX_SUGGESTIONS):
        raise WebError(400, f"limit must be between 1 and {MAX_SUGGESTIONS}",
                       f"عدد الاقتراحات يجب أن يكون بين 1 و{MAX_SUGGESTIONS}.")
    found = get_engine().complete(q, int(limit or 8))
    out = []
    for suggestion in found:
        item = suggestion.to_dict()
        if suggestion.id is not None:
            item["url"] = url_for("pages.document", doc_id=suggestion.id)
        out.append(item)
    response = jsonify(query=q, suggestions=out)
    response.headers["Cache-Control"] = f"public, max-age={SUGGEST_MAX_AGE}"
    return response


@api.get("/search")
def search() -> Response:
    """Search; the same parameters as the HTML page, plus ``per_page``."""
    params = parse_search_args(request.args, current_app.config["ARSEARCH_PER_PAGE"])
    engine = get_engine()
    results = engine.search(params.q, **params.engine_kwargs())
    check_page(params, results.pages, len(results.hits))
    data = results.to_dict()
    for hit in data["hits"]:
        found = to_hijri(datetime.fromisoformat(hit["date"])) if hit["date"] else None
        hit["date_hijri"] = f"{found.year:04d}-{found.month:02d}-{found.day:02d}" \
            if found else None
    data["labels"] = {
        facet: engine.labels.names(facet, sorted(
            set(data["facets"].get(facet, {})) | {h[facet] for h in data["hits"] if h[facet]}))
        for facet in FACET_PARAMS}
    return jsonify(data)


@api.get("/export.<fmt>")
def export(fmt: str) -> Response:
    """The first ``limit`` results (default and at most MAX_EXPORT_ROWS) as CSV or JSON
    Lines: the search page's parameters, downloaded as a file."""
    if fmt not in FORMATS:
        raise WebError(404, f"no export format {fmt!r} (csv or jsonl)",
                       "صيغة التصدير غير معروفة (csv أو jsonl).")
    params = parse_search_args(request.args, current_app.config["ARSEARCH_PER_PAGE"])
    limit = request.args.get("limit", "")
    if limit and not (len(limit) <= 6 and limit.isascii() and limit.isdigit()
                      and 1 <= int(limit) <= MAX_EXPORT_ROWS):
        raise WebError(400, f"limit must be between 1 and {MAX_EXPORT_ROWS}",
                       f"عدد النتائج المصدَّرة يجب أن يكون بين 1 و{MAX_EXPORT_ROWS}.")
    kwargs = params.engine_kwargs()
    kwargs.pop("page")
    kwargs.pop("per_page")
    results = search_many(get_engine(), params.q, 1, int(limit or MAX_EXPORT_ROWS),
                          snippets=False, **kwargs)
    out = io.StringIO()
    if fmt == "csv":
        out.write("\ufeff")  # spreadsheets read UTF-8 Arabic only after a byte order mark
        write_csv(rows(results), out)
    else:
        write_jsonl(rows(results), out)
    response = Response(out.getvalue(), mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="arsearch-results.{fmt}"'
    response.headers["X-Total-Count"] = str(results.total)
    if not results.total_exact:
        response.headers["X-Total-Exact"] = "false"  # an estimate (Results.total_exact)
    return response


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
