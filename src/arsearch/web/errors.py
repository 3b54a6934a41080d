"""One error shape for every failure, and the request ids that tie a report to a log line.

Every request gets an id (the ``X-Request-Id`` response header); every error response
carries it (``{"error": {status, message, request_id}}`` for the API and ``/healthz``,
the Arabic error page otherwise) and every error is logged with it, so a user's report
can be matched with the server's log line. Each exception maps to one status here: a
request the user can fix (:class:`~arsearch.web.params.WebError`, the engine's
``QueryError``) is a 400 or 404, an index that is missing or unreadable a 503, anything
else a 500 whose traceback goes to the log and never to the client.
"""

from __future__ import annotations

import logging
import secrets

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from arsearch.errors import (
    ArsearchError,
    IndexDamagedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
)
from arsearch.web.params import SearchParams, WebError, parse_search_args
from arsearch.web.server import log_safe

log = logging.getLogger(__name__)

#: Arabic titles of the friendly error page, by status.
ERROR_TITLES = {
    400: "طلب غير صالح",
    404: "الصفحة غير موجودة",
    405: "طريقة الطلب غير مسموح بها",
    413: "الطلب كبير جدا",
    414: "الرابط طويل جدا",
    431: "ترويسات الطلب كبيرة جدا",
    500: "حدث خطأ في الخادم",
    503: "الفهرس غير متاح",
}
#: Arabic messages for HTTP errors raised by Flask itself (routing, methods, sizes).
ERROR_MESSAGES = {
    400: "تعذّر فهم الطلب.",
    404: "لم نجد هذه الصفحة. ابحث من جديد من مربع البحث.",
    405: "هذه الصفحة تُطلب بطريقة GET فقط.",
    413: "حجم الطلب أكبر من المسموح.",
    414: "الرابط أطول من المسموح. اختصر نص البحث.",
    431: "ترويسات الطلب أكبر من المسموح.",
}
#: For any other status: never werkzeug's English description under an Arabic title.
OTHER_MESSAGE = "تعذّر إتمام الطلب."
#: The error page shows at most this much of the query in its search box.
MAX_QUERY_ECHO = 2000


def init_app(app: Flask) -> None:
    """Give every request an id, send it back as ``X-Request-Id``, and answer every
    exception through :func:`handle_error`."""
    app.before_request(_assign_request_id)
    app.after_request(_request_id_header)
    app.register_error_handler(Exception, handle_error)


def request_id() -> str:
    """This request's id (made on first use when the error came before the request hooks)."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(8)
    return g.request_id


def _assign_request_id() -> None:
    request_id()


def _request_id_header(response: Response) -> Response:
    response.headers["X-Request-Id"] = request_id()
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status: int, message: str, arabic: str | None = None,
                   rebuild: bool = False) -> Response:
    """The one error shape: JSON ``{"error": {status, message, request_id}}`` or the Arabic
    page, which shows the request id and keeps the user's query in the search box.

    ``rebuild``: the page shows how to rebuild the index (damaged or incompatible).
    """
    rid = request_id()
    if _wants_json():
        response = jsonify(error={"status": status, "message": message, "request_id": rid})
    else:
        response = current_app.make_response(render_template(
            "error.html", status=status, title=ERROR_TITLES.get(status, "خطأ"),
            message=arabic or OTHER_MESSAGE, index_missing=status == 503 and not rebuild,
            rebuild=rebuild, request_id=rid, params=_kept_state(),
            calendar="gregorian", index_folder=current_app.config["ARSEARCH_INDEX"]))
    response.status_code = status
    return response


def _kept_state() -> SearchParams:
    """The user's search as the URL had it, for the error page's form: all of it when it
    reads, else the query alone (cut to MAX_QUERY_ECHO) — never a second error."""
    try:
        params = parse_search_args(request.args)
        return SearchParams(q=params.q, source=params.source, category=params.category,
                            calendar=params.calendar)
    except Exception:  # noqa: BLE001 - the page of an error must render whatever came
        return SearchParams(q=request.args.get("q", "")[:MAX_QUERY_ECHO])


def handle_error(exc: Exception) -> Response:
    """Every failure, expected or not, becomes the same JSON shape or Arabic page, and a
    log line with the request id (client errors at INFO, the service down at WARNING,
    bugs at ERROR with the traceback)."""
    # the path is the client's: escaped, so that %0A or ESC cannot forge or colour a line
    where = f"[{request_id()}] {log_safe(request.method)} {log_safe(request.path)}"
    if isinstance(exc, WebError):
        log.info("%s: %s %s", where, exc.status, exc.message)
        return error_response(exc.status, exc.message, exc.arabic)
    if isinstance(exc, IndexNotFoundError):
        log.warning("%s: 503 %s", where, exc)
        return error_response(503, str(exc), "لم يُبنَ فهرس البحث بعد.")
    if isinstance(exc, (IndexDamagedError, IndexVersionError)):
        log.error("%s: index unreadable: %s", where, exc)
        return error_response(503, str(exc), "تعذّرت قراءة فهرس البحث: يجب إعادة بنائه.",
                              rebuild=True)
    if isinstance(exc, QueryError):  # the engine's own checks: the request, not the index
        log.info("%s: 400 %s", where, exc)
        return error_response(400, str(exc), "طلب البحث غير صالح.")
    if isinstance(exc, ArsearchError):  # a damaged index, a lock...: the service is down
        log.warning("%s: 503 index unavailable: %s", where, exc)
        return error_response(503, str(exc), "تعذّر فتح فهرس البحث.")
    if isinstance(exc, HTTPException):
        return _http_error(exc, where)
    log.exception("%s: 500 unhandled error", where)
    return error_response(500, "internal server error",
                          "نعتذر، حدث خطأ غير متوقع. حاول مرة أخرى بعد قليل.")


def _http_error(exc: HTTPException, where: str) -> Response:
    """Flask's own errors (no route, wrong method, too large) in the one shape."""
    code = exc.code or 500
    log.info("%s: %s %s", where, code, exc.name)
    response = error_response(code, exc.description or exc.name, ERROR_MESSAGES.get(code))
    for name, value in exc.get_headers():  # e.g. Allow on 405
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
