"""The command line over Xapian: ``index --backend xapian``, a cluster file as
``--index``, ``shard serve`` and ``cluster status``, in real processes (the README's
walk-through, step by step), and their one-line errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.xapian_support import LocalCluster, require_xapian

require_xapian()

from arsearch.backends.xapian import native  # noqa: E402
from arsearch.backends.xapian.cluster import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "arsearch", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=300)


def one_line_error(out: subprocess.CompletedProcess, code: int = 1) -> str:
    assert out.returncode == code, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and out.stderr.strip().count("\n") == 0, out.stderr
    return out.stderr


def test_cluster_walk_through_with_shard_serve(tmp_path, sample_dir):
    """Three ``arsearch shard serve --writable`` processes, a cluster file, then the usual
    commands with ``--index cluster.toml``."""
    ports = [free_port() for _ in range(3)]
    servers = [subprocess.Popen([sys.executable, "-m", "arsearch", "shard", "serve",
                                 str(tmp_path / f"shards/s{i}"), "--port", str(p),
                                 "--writable"], stderr=subprocess.PIPE, text=True, cwd=ROOT)
               for i, p in enumerate(ports)]
    try:
        for server, port in zip(servers, ports, strict=True):
            line = server.stderr.readline()
            assert "serving shard" in line and f"127.0.0.1:{port} (writable)" in line, line
            # the server it starts is the one this process's Xapian calls for
            assert line.strip().endswith("with arsearch's fixed Xapian") is native.prunes()
        config = tmp_path / "cluster.toml"
        config.write_text("".join(f'[[shard]]\nname = "s{i}"\nhost = "127.0.0.1"\n'
                                  f"port = {p}\n\n" for i, p in enumerate(ports)), "utf-8")
        out = cli("index", str(sample_dir), "--index", str(config), "--id-root",
                  str(sample_dir))
        assert out.returncode == 0, out.stderr
        assert "37 added" in out.stdout and "37 documents" in out.stdout
        again = cli("index", str(sample_dir), "--index", str(config))  # recorded id root
        assert "37 unchanged" in again.stdout, again.stdout + again.stderr
        status = cli("cluster", "status", str(config))
        assert status.returncode == 0 and "3 shards, 37 documents" in status.stdout
        shards = json.loads(cli("cluster", "status", str(config), "--json").stdout)
        assert [s["status"] for s in shards] == ["ok"] * 3
        assert [s["fixed_xapian"] for s in shards] == [native.prunes()] * 3
        assert sum(s["documents"] for s in shards) == 37
        found = cli("search", "داعش", "إدلب", "--index", str(config), "--json")
        data = json.loads(found.stdout)
        assert data["total"] == 5 and data["hits"][0]["id"] == "seed/000_f4303bb32ac63e1e.txt"
        assert "partial" not in data
        explained = json.loads(cli("explain", "داعش إدلب", "seed/000_f4303bb32ac63e1e.txt",
                                   "--index", str(config), "--json").stdout)
        assert explained["rank"] == 1
        assert explained["score"] == pytest.approx(data["hits"][0]["score"], abs=1e-4)
        stats = cli("stats", "--index", str(config))
        assert "documents: 37" in stats.stdout and stats.stdout.count("shard:") == 3
        os.kill(servers[1].pid, signal.SIGTERM)  # shard serve stops its server
        assert servers[1].wait(10) == 0
        down = cli("cluster", "status", str(config))
        assert down.returncode == 1 and "MISSING" in down.stdout and "missing: s1" in down.stdout
    finally:
        for server in servers:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                server.wait(10)
            server.stderr.close()
    time.sleep(0.2)
    assert not [line for line in subprocess.run(["ps", "-eo", "args"], capture_output=True,
                                                text=True).stdout.splitlines()
                if "xapian-tcpsrv" in line and str(tmp_path) in line]  # none left behind


def test_xapian_cli_index_backend_then_search_stats_explain(tmp_path, sample_dir):
    index = tmp_path / "xindex"
    out = cli("index", str(sample_dir), "--index", str(index), "--backend", "xapian",
              "--id-root", str(sample_dir))
    assert out.returncode == 0 and "37 added" in out.stdout, out.stderr
    assert json.loads((index / "arsearch.json").read_text())["backend"] == "xapian"
    out = cli("index", str(sample_dir), "--index", str(index))
    assert "37 unchanged" in out.stdout
    assert "كأس" in cli("search", '"كأس العالم"', "--index", str(index)).stdout
    stats = json.loads(cli("stats", "--index", str(index), "--json").stdout)
    assert stats["documents"] == 37 and stats["backend"] == "xapian" and stats["size_bytes"]
    x = cli("explain", "إدلب", "txt/11_idlib_aid.txt", "--index", str(index))
    assert x.returncode == 0 and "stem" in x.stdout
    one_line_error(cli("check", "--index", str(index)))
    err = one_line_error(cli("index", str(sample_dir), "--index", str(index), "--backend",
                             "whoosh"))
    assert "is a xapian index" in err


@pytest.mark.parametrize(("content", "message"), [
    (None, "no cluster file"),
    ("[[shard]\n", "not valid TOML"),
    ('[[shard]]\nhost = "127.0.0.1"\nport = 0\n', "port must be"),
    ("", "no [[shard]] table"),
    (b"\xff\xfe", "cannot read the cluster file"),
])
@pytest.mark.parametrize("command", ["search", "index", "stats", "status"])
def test_cluster_file_errors_are_one_line_for_every_command(tmp_path, sample_dir, content,
                                                            message, command):
    config = tmp_path / "c.toml"
    if isinstance(content, bytes):
        config.write_bytes(content)
    elif content is not None:
        config.write_text(content, "utf-8")
    args = {"search": ["search", "x", "--index", str(config)],
            "index": ["index", str(sample_dir / "txt"), "--index", str(config)],
            "stats": ["stats", "--index", str(config)],
            "status": ["cluster", "status", str(config)]}[command]
    assert message in one_line_error(cli(*args))


def test_cluster_commands_refuse_what_a_cluster_cannot_do(tmp_path, sample_dir):
    with LocalCluster(tmp_path, 2) as c:
        err = one_line_error(cli("index", str(sample_dir / "txt"), "--index", str(c.file),
                                 "--rebuild"))
        assert "not rebuilt in place" in err
        err = one_line_error(cli("index", str(sample_dir / "txt"), "--index", str(c.file),
                                 "--backend", "whoosh"))
        assert "cluster file" in err
        assert "xapian-check" in one_line_error(cli("check", "--index", str(c.file)))
    down = free_port()
    config = tmp_path / "down.toml"
    config.write_text(f'[[shard]]\nhost = "127.0.0.1"\nport = {down}\n', "utf-8")
    for args in (["search", "x"], ["stats"], ["index", str(sample_dir / "txt")]):
        err = one_line_error(cli(*args, "--index", str(config)))
        assert f"127.0.0.1:{down}" in err and "unavailable" in err


@pytest.mark.parametrize(("args", "message"), [
    (["--host", "0.0.0.0"], "no authentication"),
    (["--host", "8.8.8.8"], "no authentication"),
    ([], "no Xapian database"),  # read-only: the folder must hold a database
])
def test_cluster_shard_serve_errors_are_one_line(tmp_path, args, message):
    out = cli("shard", "serve", str(tmp_path / "none"), "--port", str(free_port()), *args)
    assert message in one_line_error(out)


def test_cluster_shard_serve_port_in_use_is_one_line(tmp_path):
    with LocalCluster(tmp_path, 1) as c:
        out = cli("shard", "serve", str(tmp_path / "other"), "--port",
                  str(c.servers[0].port), "--writable")
        assert "could not serve" in one_line_error(out)
