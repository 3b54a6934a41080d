"""``arsearch stats`` and ``arsearch analyze``."""

from __future__ import annotations

import json

from arsearch.cli import main


def test_stats_json(runner, built, sample_docs):
    result = runner.invoke(main, ["stats", "--json", "--index", str(built)])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["documents"] == len(sample_docs)
    plain = runner.invoke(main, ["stats", "--index", str(built)])
    assert f"documents: {len(sample_docs)}" in plain.stdout


def test_analyze(runner):
    result = runner.invoke(main, ["analyze", "قَرَأْتُ الكتابَ في المدرسة"])
    assert result.exit_code == 0
    out = result.stdout
    assert "قرات" in out and "المدرسه" in out and "مدرسه" in out and "كتاب" in out
    assert "(stop word)" in out
    data = json.loads(runner.invoke(main, ["analyze", "والكتاب مسؤول", "--json"]).stdout)
    assert [(t["normalized"], t["stem"]) for t in data] == [("والكتاب", "كتاب"),
                                                           ("مسءول", "مسءول")]
