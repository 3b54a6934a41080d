"""What the site tells browsers and what it trusts: security headers on every response,
and absolute URLs that never come from the request's own Host header.

Absolute URLs (only ``/opensearch.xml`` needs them) come from ``ARSEARCH_PUBLIC_URL``, or
from trusted proxy headers when ``ARSEARCH_PROXIES`` says how many proxies stand in front
(werkzeug's ``ProxyFix``); any client sets Host, and a cached page or an OpenSearch
description would then send users to the attacker's host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from arsearch.errors import ArsearchError

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


def init_app(app: Flask) -> None:
    """Check the address settings (ArsearchError at start, not at the first request),
    trust the configured number of proxies, and add the headers to every response."""
    app.config["ARSEARCH_PUBLIC_URL"] = check_public_url(app.config["ARSEARCH_PUBLIC_URL"])
    proxies = check_proxies(app.config["ARSEARCH_PROXIES"])
    app.config["ARSEARCH_PROXIES"] = proxies
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_port=proxies, x_prefix=proxies)
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """Every response, errors and static files included, carries SECURITY_HEADERS."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


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
