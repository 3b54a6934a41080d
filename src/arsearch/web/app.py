"""The application factory: ``create_app()`` (``gunicorn 'arsearch.web.app:create_app()'``).

The web front end is a thin Flask layer over :class:`arsearch.search.engine.Engine`; all
search logic stays in the engine. The factory only puts the package's parts together:

- :mod:`~arsearch.web.pages` and :mod:`~arsearch.web.api`: the blueprints, each HTML page
  with its JSON twin (``/`` and ``/api/search``, ``/doc/<id>`` and
  ``/api/documents/<id>``, the article's "why this result" and ``/api/explain``), and
  the parts of the search page (``/api/suggest`` for its box, ``/api/export.csv|jsonl``)
- :mod:`~arsearch.web.feeds`: ``/feed.atom``, an Atom feed of any search
- :mod:`~arsearch.web.timeline` and :mod:`~arsearch.web.panel`: the results page's
  timeline and filter panel, computed from the engine's facet counts
- :mod:`~arsearch.web.params`: request parameters, checked once for both
- :mod:`~arsearch.web.engine`: the app's one engine and the shared document lookup
- :mod:`~arsearch.web.errors`: one error shape for every failure, request ids
- :mod:`~arsearch.web.security`: security headers, the public address and trusted proxies
- :mod:`~arsearch.web.filters`: what templates get from Python (Arabic dates and counts)
- :mod:`~arsearch.web.server`: running it for ``arsearch serve`` (waitress, access log)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import PathConverter

from arsearch.web import engine, errors, filters, params, security
from arsearch.web.api import api
from arsearch.web.feeds import feeds
from arsearch.web.pages import pages


def _flag(name: str) -> bool:
    """An on/off environment variable ("1", "true", "yes", "on": on)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app.

    Config (each also read from the environment variable of the same name):
    ``ARSEARCH_INDEX`` (default ./index); ``ARSEARCH_PUBLIC_URL``, the site's address as
    users reach it (``https://news.example.org/search/``), for absolute URLs;
    ``ARSEARCH_PROXIES``, how many reverse proxies in front set ``X-Forwarded-*``
    headers that may be trusted (default 0: none are); ``ARSEARCH_ALLOW_PARTIAL`` ("1":
    a cluster answers without the shards it cannot reach, and every page says so);
    ``ARSEARCH_EXACT_COUNTS`` ("1": a Xapian index counts the facets of every match, even
    of a search with very many, instead of a sample marked approximate).
    """
    folder = web_folder()
    app = Flask("arsearch", template_folder=str(folder / "templates"),
                static_folder=str(folder / "static"))
    app.request_class = params.ArsearchRequest  # invalid UTF-8 in the URL reads as U+FFFD
    app.config.from_mapping(
        ARSEARCH_INDEX=os.environ.get("ARSEARCH_INDEX", "index"),
        ARSEARCH_PUBLIC_URL=os.environ.get("ARSEARCH_PUBLIC_URL", ""),
        ARSEARCH_PROXIES=os.environ.get("ARSEARCH_PROXIES", "0"),
        ARSEARCH_ALLOW_PARTIAL=_flag("ARSEARCH_ALLOW_PARTIAL"),
        ARSEARCH_EXACT_COUNTS=_flag("ARSEARCH_EXACT_COUNTS"),
        ARSEARCH_PER_PAGE=10,
        ARSEARCH_TITLE="بحث الأخبار العربية",
        MAX_CONTENT_LENGTH=64 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    if test_config:
        app.config.update(test_config)
    security.init_app(app)
    # ids are opaque strings: /doc//x must look up "/x", not redirect to /doc/x, and a
    # leading slash (a file outside the id root, a record's "/2018/01/x" id) must match
    app.url_map.merge_slashes = False
    app.url_map.converters["path"] = AnyPathConverter
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]  # facets are ordered by count
    engine.init_app(app)
    filters.init_app(app)
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(feeds)
    errors.init_app(app)
    return app


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


class AnyPathConverter(PathConverter):
    """Werkzeug's ``path`` converter, but a value may start with a slash too.

    (Static files stay safe: Flask joins their names with ``safe_join``.)
    """

    regex = ".+?"
    part_isolating = False  # it spans slashes (Werkzeug infers it from "/" in regex)

    def to_url(self, value: str) -> str:
        """The id in a URL, with the slashes around a ``.`` or ``..`` segment encoded.

        Browsers and curl resolve dot segments before sending (``/doc/a/../b`` is sent
        as ``/doc/b``), and they do so for ``%2E%2E`` too (the URL standard's
        double-dot segment), so encoding the dots would not help: with its slashes
        encoded (``a%2F..%2Fb``) no segment is a dot segment, and the server still
        reads the id ``a/../b``. (An id that is only ``.`` or ``..`` has no slash to
        encode; readers give no such id.)
        """
        parts = super().to_url(value).split("/")
        out = parts[0]
        for before, part in zip(parts, parts[1:], strict=False):
            out += ("%2F" if _dot_segment(before) or _dot_segment(part) else "/") + part
        return out


def _dot_segment(part: str) -> bool:
    return part.lower() in (".", "..", "%2e", "%2e%2e", ".%2e", "%2e.")
