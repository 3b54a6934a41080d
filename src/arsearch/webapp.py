"""The web front end: a thin Flask layer over :class:`arsearch.search.Engine`.

``create_app()`` is the application factory (``gunicorn 'arsearch.webapp:create_app()'``).
Each app owns ONE engine, opened on first use and shared by all threads, because opening
an index loads per-document columns that are far too costly to repeat per request. All
search logic stays in the engine; this module only handles HTTP: configuration, the
engine's lifetime, security headers and one error shape for every failure.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from . import integrity
from .errors import ArsearchError, IndexDamagedError, IndexNotFoundError, IndexVersionError
from .search import Engine, open_index
from .webutil import WebError, arabic_count, arabic_date, is_http_url, paragraphs

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
    500: "حدث خطأ في الخادم",
    503: "الفهرس غير متاح",
}


def web_folder() -> Path:
    """Where templates/ and static/ are: inside the installed package, else the checkout.

    A wheel ships them as ``arsearch/web/``; in a source checkout (``PYTHONPATH=src`` or an
    editable install) they are the top-level ``web/`` folder beside ``src/``.
    """
    installed = Path(__file__).resolve().parent / "web"
    if (installed / "templates").is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "web"


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


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. Config: ``ARSEARCH_INDEX`` (default ``$ARSEARCH_INDEX`` or ./index)."""
    folder = web_folder()
    app = Flask("arsearch", template_folder=str(folder / "templates"),
                static_folder=str(folder / "static"))
    app.config.from_mapping(
        ARSEARCH_INDEX=os.environ.get("ARSEARCH_INDEX", "index"),
        ARSEARCH_PER_PAGE=10,
        ARSEARCH_TITLE="بحث الأخبار العربية",
        MAX_CONTENT_LENGTH=64 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    if test_config:
        app.config.update(test_config)
    # ids are opaque strings: /doc//x must look up "/x" (404), not redirect to /doc/x
    app.url_map.merge_slashes = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]  # facets are ordered by count
    app.extensions["arsearch"] = EngineHolder(app.config["ARSEARCH_INDEX"])
    app.jinja_env.filters["arabic_date"] = arabic_date
    app.jinja_env.filters["arabic_count"] = arabic_count
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.tests["http_url"] = is_http_url
    app.jinja_env.globals["site_title"] = app.config["ARSEARCH_TITLE"]

    from .webapi import api
    from .webviews import pages

    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.after_request(_security_headers)
    app.register_error_handler(Exception, _handle_error)
    return app


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status: int, message: str, arabic: str | None = None,
                   rebuild: bool = False) -> Response:
    """The one error shape: JSON ``{"error": {status, message}}`` or the Arabic page.

    ``rebuild``: the page shows how to rebuild the index (damaged or incompatible).
    """
    if _wants_json():
        response = jsonify(error={"status": status, "message": message})
    else:
        response = current_app.make_response(render_template(
            "error.html", status=status, title=ERROR_TITLES.get(status, "خطأ"),
            message=arabic or message, index_missing=status == 503 and not rebuild,
            rebuild=rebuild, index_folder=current_app.config["ARSEARCH_INDEX"]))
    response.status_code = status
    return response


def _handle_error(exc: Exception) -> Response:
    """Every failure, expected or not, becomes the same JSON shape or Arabic page."""
    if isinstance(exc, WebError):
        return error_response(exc.status, exc.message, exc.arabic)
    if isinstance(exc, IndexNotFoundError):
        return error_response(503, str(exc), "لم يُبنَ فهرس البحث بعد.")
    if isinstance(exc, (IndexDamagedError, IndexVersionError)):
        log.error("index unreadable: %s", exc)
        return error_response(503, str(exc), "تعذّرت قراءة فهرس البحث: يجب إعادة بنائه.",
                              rebuild=True)
    if isinstance(exc, ArsearchError):  # a damaged index, a lock...: the service is down
        log.warning("index unavailable: %s", exc)
        return error_response(503, str(exc), "تعذّر فتح فهرس البحث.")
    if isinstance(exc, HTTPException):
        response = error_response(exc.code or 500, exc.description or exc.name)
        for name, value in exc.get_headers():  # e.g. Allow on 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response
    log.exception("unhandled error on %s", request.path)
    return error_response(500, "internal server error",
                          "نعتذر، حدث خطأ غير متوقع. حاول مرة أخرى بعد قليل.")
