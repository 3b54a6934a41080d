"""Running the web app for ``arsearch serve``: bind first, log each request, accept raw UTF-8.

- The listening socket is bound *before* the server says it is serving, so a port in
  use, a forbidden port or an unknown host is one line on stderr and exit status 1,
  never "serving …" followed by a traceback.
- :class:`AccessLog` writes one line per request in the Common Log Format (what Apache,
  nginx and log analysers read) to the ``arsearch.access`` logger: stderr by default.
  Under gunicorn use its own ``--access-logfile -`` instead.
- Browsers percent-encode Arabic in URLs, but curl, scripts and some bots send the
  UTF-8 bytes as they are. waitress rejects such a request line with a plain-text
  "400 Bad URI" before the app sees it; :class:`TolerantParser` percent-encodes the
  non-ASCII bytes of the request line first, which is exactly the request a browser
  would have sent, so the app answers it (or explains its error) like any other.
- Idle and unfinished connections are closed after :data:`IDLE_SECONDS`, up to
  :data:`CONNECTIONS` are served at once, and a request body (no route takes one) is
  refused above :data:`MAX_BODY` (:func:`waitress_settings`).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import IO, Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("arsearch.serve")
access_log = logging.getLogger("arsearch.access")

WSGIApp = WSGIApplication

_NON_ASCII = re.compile(rb"[\x80-\xff]")


def quote_non_ascii(line: bytes) -> bytes:
    """``line`` with each byte above 0x7F percent-encoded (``إ`` -> ``%D8%A5``)."""
    return _NON_ASCII.sub(lambda m: b"%%%02X" % m.group()[0], line)


@cache
def _tolerant_channel() -> type:
    """waitress's channel class, with a parser that accepts raw UTF-8 request lines."""
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser

    class TolerantParser(HTTPRequestParser):
        def parse_header(self, header_plus: bytes) -> None:
            end = header_plus.find(b"\r\n")
            if end > 0:
                header_plus = quote_non_ascii(header_plus[:end]) + header_plus[end:]
            super().parse_header(header_plus)

    class TolerantChannel(HTTPChannel):
        parser_class = TolerantParser

    return TolerantChannel


# --------------------------------------------------------------------------- access log


def log_safe(text: str) -> str:
    """Like Apache: quotes, backslashes and non-printable characters as ``\\xhh``, so a
    request cannot forge a log line or smuggle terminal escapes."""
    out = []
    for c in text:
        if c in '"\\' or not " " <= c <= "~":
            # WSGI strings hold bytes as latin-1 characters: log those bytes
            raw = c.encode("latin-1") if ord(c) < 256 else c.encode("utf-8", "surrogatepass")
            out.append("".join(f"\\x{b:02x}" for b in raw))
        else:
            out.append(c)
    return "".join(out)


def common_log_line(environ: WSGIEnvironment, status: str, size: int, when: float) -> str:
    """``host - user [time] "request line" status bytes`` (the Common Log Format)."""
    uri = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if not uri:
        query = environ.get("QUERY_STRING")
        uri = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "") \
            + (f"?{query}" if query else "")
    request_line = (f"{environ.get('REQUEST_METHOD', '-')} {uri} "
                    f"{environ.get('SERVER_PROTOCOL', '-')}")
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(when))
    return (f"{log_safe(environ.get('REMOTE_ADDR') or '-')} - "
            f"{log_safe(environ.get('REMOTE_USER') or '-')} [{stamp}] "
            f"\"{log_safe(request_line)}\" {status} {size or '-'}")


class AccessLog:
    """WSGI middleware: one Common Log Format line per request, once its body is sent.

    Put it outermost: ProxyFix inside the app rewrites ``REMOTE_ADDR`` in the same
    environ, so with trusted proxies the line shows the client's address.
    """

    def __init__(self, app: WSGIApp, logger: logging.Logger = access_log):
        self.app, self.logger = app, logger

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        when = time.time()
        status = ["-"]

        def start(status_line: str, headers: list[tuple[str, str]],
                  exc_info: Any = None) -> Callable[[bytes], object]:
            status[0] = status_line.split(" ", 1)[0]
            return start_response(status_line, headers, exc_info)

        return _Logged(self.app(environ, start), lambda size: self.logger.info(
            common_log_line(environ, status[0], size, when)))


class _Logged:
    """The app's response iterable, counting bytes; logs when the server closes it."""

    def __init__(self, body: Iterable[bytes], done: Callable[[int], None]):
        self.body, self.done, self.size = body, done, 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.body:
            self.size += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.done(self.size)


def configure_logging(access: bool, stream: IO[str] | None = None) -> None:
    """Errors (with request ids) and, if ``access``, the access log, to ``stream``.

    For the ``serve`` command's process; calling it again replaces what it set up.
    """
    stream = stream or sys.stderr
    detailed = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name, formatter in (("arsearch", detailed), ("waitress", detailed),
                            ("arsearch.access", logging.Formatter("%(message)s"))):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "_arsearch_serve", False)]:
            logger.removeHandler(old)
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        handler._arsearch_serve = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    if not access:
        access_log.setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the dev server's own log


# ------------------------------------------------------------------------------ serving

#: A connection silent this long (an idle keep-alive, or a request never finished) is
#: closed: with waitress's 120 s, 100 sockets that send half a request and wait held
#: every connection slot and the server stopped answering anyone.
IDLE_SECONDS = 10
#: Open connections at once (waitress: 100), each a file descriptor; polled with
#: ``poll``, as ``select`` fails above descriptor 1024. Fewer when the process may not
#: open that many files.
CONNECTIONS = 1000
#: No route takes a request body: a larger one is refused with 413 before it is read
#: (waitress reads and buffers up to 1 GiB).
MAX_BODY = 16 * 1024


def waitress_settings() -> dict[str, Any]:
    """What ``arsearch serve`` changes in waitress's defaults, and why (see above).

    A server open to the internet belongs behind a reverse proxy (nginx, Caddy) that
    buffers slow clients and limits connections per address (README, "Web search"):
    these settings only keep one greedy client from stopping the server by itself.
    """
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = CONNECTIONS if soft == resource.RLIM_INFINITY else max(
        16, min(CONNECTIONS, soft - 64))
    return {"channel_timeout": IDLE_SECONDS, "cleanup_interval": 1,
            "connection_limit": limit, "asyncore_use_poll": True,
            "max_request_body_size": MAX_BODY}


class BindError(OSError):
    """The server could not listen on the address asked for."""


def bind(app: WSGIApp, host: str, port: int, threads: int, dev_server: bool = False,
         proxy_headers: bool = False) -> Any:
    """A server listening on ``host:port`` (not yet serving); BindError if it cannot.

    ``proxy_headers``: pass ``X-Forwarded-*`` headers on to the app (whose ProxyFix
    decides how many to trust) instead of letting waitress delete them.
    """
    try:
        if dev_server:
            import socket

            from werkzeug.serving import make_server

            # bound here: werkzeug would print two lines and exit by itself on failure
            listener = socket.create_server((host, port), family=_family(host))
            return make_server(host, port, app, threaded=True, fd=listener.detach())
        import waitress

        sockets: dict[int, Any] = {}
        server = waitress.create_server(app, map=sockets, host=host, port=port,
                                        threads=threads, ident="arsearch",
                                        clear_untrusted_proxy_headers=not proxy_headers,
                                        **waitress_settings())
        for listener in list(sockets.values()):
            if hasattr(listener, "channel_class"):
                listener.channel_class = _tolerant_channel()
        return server
    except (OSError, ValueError, OverflowError) as exc:  # in use, forbidden, unknown host
        errno = getattr(exc, "errno", None)
        reason = os.strerror(errno) if isinstance(errno, int) and errno > 0 \
            else str(exc) or type(exc).__name__
        raise BindError(f"cannot listen on {host}:{port}: {reason}") from None


def _family(host: str) -> int:
    import socket

    return socket.AF_INET6 if ":" in host else socket.AF_INET


def run(server: Any) -> None:
    """Serve until interrupted."""
    if hasattr(server, "serve_forever"):
        server.serve_forever()
    else:
        server.run()
