"""The web front end: a thin Flask layer over :class:`arsearch.search.engine.Engine`.

``create_app()`` is the application factory (``gunicorn 'arsearch.web.app:create_app()'``).
Each app owns ONE engine, opened on first use and shared by all threads, because opening
an index loads per-document columns that are far too costly to repeat per request. All
search logic stays in the engine; this module only handles HTTP: configuration, the
engine's lifetime, security headers and one error shape for every failure.

Every request gets an id (the ``X-Request-Id`` response header); every error response
carries it (the JSON error, the error page) and every error is logged with it, so a
user's report can be matched with the server's log line.

Absolute URLs (only ``/opensearch.xml`` needs them) never come from the request's Host
header, which any client sets: they come from ``ARSEARCH_PUBLIC_URL``, or from trusted
proxy headers when ``ARSEARCH_PROXIES`` says how many proxies stand in front (werkzeug's
``ProxyFix``).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import PathConverter

import arsearch.backends.whoosh.integrity as integrity
from arsearch.errors import (
    ArsearchError,
    IndexDamagedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
)
from arsearch.search.engine import Engine, open_index
from arsearch.web.params import (
    SearchParams,
    WebError,
    arabic_count,
    arabic_date,
    is_http_url,
    paragraphs,
)
from arsearch.web.server import log_safe

log = logging.getLogger(__name__)

#: No inline scripts or styles anywhere: every template only links files in web/static.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # queries are in our URLs: never send them to the news sites we link to
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "interest-cohort=(), camera=(), microphone=(), geolocation=()",
}

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
}
#: The error page shows at most this much of the query in its search box.
MAX_QUERY_ECHO = 2000


def web_folder() -> Path:
    """Where templates/ and static/ are: inside the installed package, else the checkout.

    A wheel ships them as ``arsearch/web/templates`` and ``.../static`` beside this module;
    in a source checkout (``PYTHONPATH=src`` or an editable install) they are the
    top-level ``web/`` folder beside ``src/``.
    """
    installed = Path(__file__).resolve().parent
    if (installed / "templates").is_dir():
        return installed
    return Path(__file__).resolve().parents[3] / "web"


class EngineHolder:
    """Opens the engine lazily, once, and retries while the index does not exist yet.

    A missing index is not cached as a failure: once ``arsearch index`` has built it, the
    next request opens it without restarting the server. A damaged index is: opening it
    can cost as much as opening a sound one, so it is tried again only once a file of
    the folder has changed (a rebuild, a restored file).
    """

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
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
                    self._engine = open_index(self.folder)
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


def get_engine() -> Engine:
    """The app's engine; raises IndexNotFoundError (answered with 503) when there is none."""
    return current_app.extensions["arsearch"].get()


class AnyPathConverter(PathConverter):
    """Werkzeug's ``path`` converter, but a value may start with a slash too.

    (Static files stay safe: Flask joins their names with ``safe_join``.)
    """

    regex = ".+?"
    part_isolating = False  # it spans slashes (Werkzeug infers it from "/" in regex)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app.

    Config (each also read from the environment variable of the same name):
    ``ARSEARCH_INDEX`` (default ./index); ``ARSEARCH_PUBLIC_URL``, the site's address as
    users reach it (``https://news.example.org/search/``), for absolute URLs;
    ``ARSEARCH_PROXIES``, how many reverse proxies in front set ``X-Forwarded-*``
    headers that may be trusted (default 0: none are).
    """
    folder = web_folder()
    app = Flask("arsearch", template_folder=str(folder / "templates"),
                static_folder=str(folder / "static"))
    app.config.from_mapping(
        ARSEARCH_INDEX=os.environ.get("ARSEARCH_INDEX", "index"),
        ARSEARCH_PUBLIC_URL=os.environ.get("ARSEARCH_PUBLIC_URL", ""),
        ARSEARCH_PROXIES=os.environ.get("ARSEARCH_PROXIES", "0"),
        ARSEARCH_PER_PAGE=10,
        ARSEARCH_TITLE="بحث الأخبار العربية",
        MAX_CONTENT_LENGTH=64 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    if test_config:
        app.config.update(test_config)
    app.config["ARSEARCH_PUBLIC_URL"] = check_public_url(app.config["ARSEARCH_PUBLIC_URL"])
    proxies = check_proxies(app.config["ARSEARCH_PROXIES"])
    app.config["ARSEARCH_PROXIES"] = proxies
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_port=proxies, x_prefix=proxies)
    # ids are opaque strings: /doc//x must look up "/x", not redirect to /doc/x, and a
    # leading slash (a file outside the id root, a record's "/2018/01/x" id) must match
    app.url_map.merge_slashes = False
    app.url_map.converters["path"] = AnyPathConverter
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]  # facets are ordered by count
    app.extensions["arsearch"] = EngineHolder(app.config["ARSEARCH_INDEX"])
    app.jinja_env.filters["arabic_date"] = arabic_date
    app.jinja_env.filters["arabic_count"] = arabic_count
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.tests["http_url"] = is_http_url
    app.jinja_env.globals["site_title"] = app.config["ARSEARCH_TITLE"]

    from arsearch.web.api import api
    from arsearch.web.pages import pages

    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.before_request(_assign_request_id)
    app.after_request(_security_headers)
    app.register_error_handler(Exception, _handle_error)
    return app


def check_public_url(url: str) -> str:
    """``url`` as a site root ending in ``/`` ("" stays ""); ArsearchError if malformed."""
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment or any(c in url for c in "<>\"' \\"):
        raise ArsearchError("the public URL must look like https://example.org/search/, "
                            f"not {url!r}")
    return url if url.endswith("/") else url + "/"


def check_proxies(value: object) -> int:
    """The number of trusted proxies, 0 to 5; ArsearchError otherwise."""
    text = str(value).strip()
    if not text.isdigit() or not 0 <= int(text) <= 5:
        raise ArsearchError(f"the number of trusted proxies must be 0 to 5, not {value!r}")
    return int(text)


def public_root() -> str | None:
    """The site's absolute root URL, from configuration or trusted proxies; else None.

    Never from the request's own Host header: any client sets it, and a cached page or
    an OpenSearch description would then send users to the attacker's host.
    """
    configured = current_app.config["ARSEARCH_PUBLIC_URL"]
    if configured:
        return configured
    if current_app.config["ARSEARCH_PROXIES"]:
        return request.url_root  # rebuilt by ProxyFix from the proxies' headers
    return None


def request_id() -> str:
    """This request's id (made on first use when the error came before the request hooks)."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(8)
    return g.request_id


def _assign_request_id() -> None:
    request_id()


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
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
        query = request.args.get("q", "")
        response = current_app.make_response(render_template(
            "error.html", status=status, title=ERROR_TITLES.get(status, "خطأ"),
            message=arabic or message, index_missing=status == 503 and not rebuild,
            rebuild=rebuild, request_id=rid, params=SearchParams(q=query[:MAX_QUERY_ECHO]),
            index_folder=current_app.config["ARSEARCH_INDEX"]))
    response.status_code = status
    return response


def _handle_error(exc: Exception) -> Response:
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
        code = exc.code or 500
        log.info("%s: %s %s", where, code, exc.name)
        response = error_response(code, exc.description or exc.name,
                                  ERROR_MESSAGES.get(code))
        for name, value in exc.get_headers():  # e.g. Allow on 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response
    log.exception("%s: 500 unhandled error", where)
    return error_response(500, "internal server error",
                          "نعتذر، حدث خطأ غير متوقع. حاول مرة أخرى بعد قليل.")
