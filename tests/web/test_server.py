"""``arsearch serve`` as a real process on a free port, spoken to over raw sockets.

Binding before announcing, one-line errors, the Common Log Format access log, raw UTF-8
request lines (which waitress alone answers with a plain-text 400), hostile request lines
in the log, and the methods and headers a careless or hostile client sends.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from arsearch.web.server import common_log_line, quote_non_ascii
from tests.conftest import ROOT

ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
CLF = re.compile(r'^(\S+) - (\S+) \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] '
                 r'"([^"]*)" (\d{3}) (\d+|-)$')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw(port: int, request: bytes, timeout: float = 30) -> tuple[int, dict, bytes]:
    """Send ``request`` as is; (status, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def get(port: int, target: bytes, *headers: bytes, method: bytes = b"GET",
        body: bytes = b"") -> tuple:
    extra = b"".join(h + b"\r\n" for h in headers)
    return raw(port, method + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra
               + b"Connection: close\r\n\r\n" + body)


@contextmanager
def serve(index: Path, *args: str):
    """``arsearch serve`` on a free port; yields (port, lines of stderr so far)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "arsearch", "serve", "--index", str(index), "--port",
         str(port), *args], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    log: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read()
            try:
                if get(port, b"/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield port, log
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
        log.extend(err.splitlines())


# ------------------------------------------------------------------------------ binding


def test_port_in_use_is_one_line_and_exit_1_without_serving(index_dir) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for extra in ([], ["--dev-server"]):
            proc = subprocess.run(
                [sys.executable, "-m", "arsearch", "serve", "--index", str(index_dir),
                 "--port", str(port), *extra], env=ENV, capture_output=True, text=True,
                timeout=60)
            assert proc.returncode == 1, extra
            assert proc.stderr == (f"error: cannot listen on 127.0.0.1:{port}: "
                                   "Address already in use\n"), extra
            assert "serving" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("host", ["no.such.host.invalid", "192.0.2.1", "300.1.1.1"])
def test_unusable_host_is_one_line_and_exit_1(index_dir, host) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "arsearch", "serve", "--index", str(index_dir), "--host",
         host, "--port", str(free_port())], env=ENV, capture_output=True, text=True,
        timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: cannot listen on {host}:")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


# ----------------------------------------------------------------------------- raw UTF-8


def test_raw_utf8_in_the_request_line_is_answered_by_the_app(index_dir) -> None:
    with serve(index_dir) as (port, _):
        status, headers, body = get(port, "/api/search?q=إدلب".encode())
        assert status == 200 and headers["content-type"] == "application/json"
        data = json.loads(body)
        assert data["query"] == "إدلب" and data["total"] > 0
        status, headers, body = get(port, "/?q=إدلب&page=0".encode())
        assert status == 400 and headers["content-type"].startswith("text/html")
        assert 'value="إدلب"'.encode() in body and headers["x-request-id"].encode() in body
        status, _, body = get(port, "/api/search?q=إدلب&page=0".encode())
        assert status == 400 and json.loads(body)["error"]["status"] == 400
        status, _, _ = get(port, "/doc/txt/01_idlib_politics.txt?q=إدلب".encode())
        assert status == 200
        status, _, body = get(port, b"/api/search?q=\xff\xfe")  # not UTF-8 at all
        encoded = json.loads(get(port, b"/api/search?q=%FF%FE")[2])  # what a browser sends
        assert status == 200
        assert {**json.loads(body), "took_ms": 0} == {**encoded, "took_ms": 0}


def test_quote_non_ascii_is_what_a_browser_sends() -> None:
    assert quote_non_ascii("GET /?q=إ HTTP/1.1".encode()) == b"GET /?q=%D8%A5 HTTP/1.1"
    assert quote_non_ascii(b"GET /?q=a%20b HTTP/1.1") == b"GET /?q=a%20b HTTP/1.1"


# ---------------------------------------------------------------------------- access log


def test_access_log_in_common_log_format(index_dir) -> None:
    with serve(index_dir) as (port, log):
        get(port, "/?q=إدلب".encode())
        get(port, b"/api/search?q=x&page=0")
        get(port, b"/nowhere")
    lines = [m for m in map(CLF.match, log) if m]
    requests = {m[3]: (m[4], m[5]) for m in lines}
    assert requests["GET /?q=%D8%A5%D8%AF%D9%84%D8%A8 HTTP/1.1"][0] == "200"
    assert int(requests["GET /?q=%D8%A5%D8%AF%D9%84%D8%A8 HTTP/1.1"][1]) > 1000
    assert requests["GET /api/search?q=x&page=0 HTTP/1.1"][0] == "400"
    assert requests["GET /nowhere HTTP/1.1"][0] == "404"
    assert all(m[1] == "127.0.0.1" for m in lines)
    # the error lines carry the request id the client saw
    assert any(re.search(r"\[[0-9a-f]{16}\] GET /api/search: 400", line) for line in log)


def test_no_access_log_option(index_dir) -> None:
    with serve(index_dir, "--no-access-log") as (port, log):
        get(port, b"/?q=x")
    assert not [line for line in log if CLF.match(line)]
    assert any("serving" in line for line in log)


def test_hostile_request_lines_cannot_forge_log_lines(index_dir) -> None:
    with serve(index_dir) as (port, log):
        get(port, b'/?q="x"\x1b[31m')
        get(port, b"/?q=\\x22")
    hostile = [line for line in log if "?q=" in line and CLF.match(line)]
    assert len(hostile) == 2
    assert all("\x1b" not in line for line in log)
    assert '\\x22x\\x22' in hostile[0] and "\\x1b[31m" in hostile[0]
    assert "\\x5cx22" in hostile[1]


def test_common_log_line_without_request_uri() -> None:
    line = common_log_line({"REQUEST_METHOD": "GET", "PATH_INFO": "/doc/\xd8\xa5",
                            "QUERY_STRING": "q=1", "SERVER_PROTOCOL": "HTTP/1.0",
                            "REMOTE_ADDR": "10.0.0.1"}, "200", 0, 0.0)
    assert CLF.match(line)
    assert line.endswith('"GET /doc/\\xd8\\xa5?q=1 HTTP/1.0" 200 -')


# ------------------------------------------------------------------ methods and headers


def test_methods_and_headers_a_careless_client_sends(index_dir) -> None:
    with serve(index_dir) as (port, _):
        status, headers, body = get(port, b"/?q=x", method=b"HEAD")
        assert status == 200 and body == b"" and headers["x-request-id"]
        status, headers, _ = get(port, b"/api/search?q=x", method=b"OPTIONS")
        assert status == 200 and "GET" in headers["allow"]
        status, headers, body = get(port, b"/api/search?q=x", b"Content-Length: 3",
                                    method=b"POST", body=b"q=y")
        assert status == 405 and json.loads(body)["error"]["status"] == 405
        status, _, _ = get(port, b"/?q=x", method=b"DELETE")
        assert status == 405
        status, _, body = get(port, b"/api/search?q=x", b"Accept: application/xml;q=2, */*")
        assert status == 200 and json.loads(body)["query"] == "x"
        status, headers, body = get(port, b"/static/style.css", b"Range: bytes=0-9")
        assert status == 206 and len(body) == 10
        status, _, _ = get(port, b"/static/style.css", b"Range: bytes=999999-")
        assert status == 416
        try:  # waitress refuses headers over 256 KiB, and may close while we still send
            status = get(port, b"/?q=x", b"X-Big: " + b"a" * 300_000)[0]
        except ConnectionResetError:
            status = 431
        assert status == 431
        assert get(port, b"/healthz")[0] == 200  # and goes on serving
        status, _, body = get(port, b"/api/search?q=" + b"a" * 20_000)
        assert status == 400 and "longer than" in json.loads(body)["error"]["message"]


# ---------------------------------------------------------------- greedy clients (waitress)


def test_clients_holding_unfinished_requests_do_not_stop_the_server(index_dir) -> None:
    """150 sockets that send half a request and wait used to fill waitress's 100
    connection slots: the next /healthz waited 30 s. Now it is answered, and a silent
    connection is closed after IDLE_SECONDS."""
    from arsearch.web.server import IDLE_SECONDS

    with serve(index_dir) as (port, _):
        held: list[socket.socket] = []
        try:
            for _ in range(150):
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never the blank line
                held.append(s)
            assert get(port, b"/healthz")[0] == 200
            assert get(port, "/?q=إدلب".encode())[0] == 200
            held[0].settimeout(IDLE_SECONDS + 30)
            with contextlib.suppress(ConnectionResetError):  # closed, unanswered
                assert held[0].recv(1024) == b""
        finally:
            for s in held:
                s.close()


def test_a_request_body_is_refused_above_a_small_cap(index_dir) -> None:
    """No route takes a body: a 300 MB one is refused (413) before it is read, a small
    one is ignored."""
    from arsearch.web.server import MAX_BODY

    with serve(index_dir) as (port, _):
        try:  # waitress answers at once, and may close while we still send
            status = get(port, b"/api/search?q=x", b"Content-Length: 314572800",
                         body=b"x" * 65536)[0]
        except ConnectionResetError:
            status = 413
        assert status == 413
        chunk = b"%x\r\n" % (MAX_BODY + 1) + b"x" * (MAX_BODY + 1) + b"\r\n0\r\n\r\n"
        try:
            status = get(port, b"/api/search?q=x", b"Transfer-Encoding: chunked",
                         body=chunk)[0]
        except ConnectionResetError:
            status = 413
        assert status == 413
        status, _, body = get(port, b"/api/search?q=x", b"Content-Length: 5", body=b"hello")
        assert status == 200 and json.loads(body)["query"] == "x"
