"""The wheel ships the web front end: templates and static files from the top-level web/.

Builds a real wheel (no build isolation, so no network), checks its file list, then
renders the search page with Python importing arsearch from the unpacked wheel only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

WEB_FILES = ["arsearch/web/templates/base.html", "arsearch/web/templates/search.html",
             "arsearch/web/templates/doc.html", "arsearch/web/templates/error.html",
             "arsearch/web/templates/opensearch.xml", "arsearch/web/static/style.css"]

RENDER = """
import sys, arsearch
from arsearch.web.app import create_app
assert arsearch.__file__.startswith(sys.argv[1]), arsearch.__file__
app = create_app({"ARSEARCH_INDEX": sys.argv[2]})
client = app.test_client()
page = client.get("/?q=%D8%A5%D8%AF%D9%84%D8%A8")
assert page.status_code == 200, page.status_code
assert '<html lang="ar" dir="rtl">' in page.get_data(as_text=True)
with client.get("/static/style.css") as css:
    assert css.status_code == 200
print(app.template_folder)
app.extensions["arsearch"].close()
"""


@pytest.mark.slow
def test_wheel_ships_and_renders_the_web_front_end(tmp_path: Path, index_dir: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, timeout=300)
    if build.returncode and "No module named" in build.stderr:
        pytest.skip(f"cannot build wheels here: {build.stderr[-300:]}")
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("arsearch-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for name in [*WEB_FILES, "arsearch/web/app.py", "arsearch/cli/__init__.py",
                 "arsearch/data/stopwords_ar.txt"]:
        assert name in names, name
    assert not [n for n in names if n.startswith(("web/", "tests/"))]

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run([sys.executable, "-c", RENDER, str(site), str(index_dir)],
                         capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == str(site / "arsearch" / "web" / "templates")
