"""Plain-text articles: title, dateline and byline by shape, body, boilerplate, the cap."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import pytest

from tests.ingest.support import CAP, SEED, read, read_capped, write


def test_seed_article() -> None:
    docs, problems = read(SEED)
    assert problems == []
    [doc] = docs
    assert doc.id == "000_f4303bb32ac63e1e.txt"
    assert doc.title == 'رغم دعم النظام.. نهاية "داعش" في ريف إدلب'
    assert doc.date == datetime(2018, 2, 15)
    assert (doc.source, doc.author) == ("رؤية", "محمود سعيد")
    assert doc.body.startswith("أعلنت الفصائل المقاتلة")
    assert "تعليق" not in doc.body.splitlines()[-1]
    assert doc.body == doc.body.strip()
    assert "مفاوضات" in doc.body.splitlines()  # sub-headings stay in the body
    assert doc.path == str(SEED)


@pytest.mark.parametrize(
    ("dateline", "expected"),
    [("١٥ فبراير ٢٠١٨", datetime(2018, 2, 15)), ("3 كانون الأول 2019", datetime(2019, 12, 3)),
     ("٢٢ جويلية ٢٠١٦", datetime(2016, 7, 22)), ("2020-05-01", datetime(2020, 5, 1))],
)  # fmt: skip
def test_text_datelines_in_every_month_system(
    tmp_path: Path, dateline: str, expected: datetime
) -> None:
    path = write(tmp_path / "a.txt", f"العنوان\n\n{dateline}\n\nالجزيرة نت - كاتب\n\nالنص هنا.\n")
    [doc] = read(path)[0]
    assert doc.date == expected
    assert doc.body == "النص هنا."


def test_text_without_dateline_or_byline_keeps_first_paragraph(tmp_path: Path) -> None:
    body = "وصلت قافلة مساعدات - وفق مصادر محلية - إلى المدينة.\n\nفقرة ثانية."
    [doc] = read(write(tmp_path / "a.txt", f"عنوان الخبر\n{body}\n"))[0]
    assert (doc.date, doc.source, doc.author) == (None, None, None)
    assert doc.body == body


def test_text_byline_before_dateline_and_boilerplate_variants(tmp_path: Path) -> None:
    text = "عنوان\nفرانس 24 - سلمى\n٣ فيفري ٢٠٢٢\nالنص.\n\nأضف تعليق\n\n  \n"
    [doc] = read(write(tmp_path / "a.txt", text))[0]
    assert (doc.source, doc.author, doc.date) == ("فرانس 24", "سلمى", datetime(2022, 2, 3))
    assert doc.body == "النص."


@pytest.mark.parametrize("button", ["أضف تعليق", "اضف تعليق", "إضافة تعليق", "اضافه تعليق",
                                    "أضف تعليقاً", "اضف تعليقا", "طباعه", "شارك هذا المقال:"])
def test_text_comment_and_share_buttons_are_dropped_in_any_spelling(
    tmp_path: Path, button: str
) -> None:
    [doc] = read(write(tmp_path / "a.txt", f"عنوان\nالنص.\n\n{button}\n"))[0]
    assert doc.body == "النص."


def test_text_keeps_diacritics_and_normalises_layout(tmp_path: Path) -> None:
    raw = "\ufeffعنوان\r\n\r\nكُتِبَ عَلَيْكُمُ الصِّيَامُ   \r\n\r\n\r\n\r\nمـــصر\r\n"
    [doc] = read(write(tmp_path / "a.txt", raw))[0]
    assert doc.title == "عنوان"
    assert doc.body == "كُتِبَ عَلَيْكُمُ الصِّيَامُ\n\nمـــصر"


def test_text_impossible_dateline_is_dropped_with_problem(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "عنوان\n٣١ فبراير ٢٠١٨\nالنص.\n")
    [doc], problems = read(path)
    assert doc.date is None and doc.body == "النص."
    assert [(p.line, p.skipped) for p in problems] == [(2, False)]


def test_gzip_bomb_article_is_read_only_up_to_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "bomb.txt.gz"
    with gzip.open(path, "wb") as f:
        f.write("عنوان\n".encode())
        chunk = ("نص " * 100_000).encode()
        for _ in range(300):  # 180 MB inflated, 180 KB on disk
            f.write(chunk)
    [doc], problems = read_capped(path)
    assert len(doc.body.encode()) <= CAP and doc.title == "عنوان"
    assert [p.skipped for p in problems] == [False] and "larger than" in problems[0].message


@pytest.mark.parametrize(("dateline", "why"), [
    ("15 جمادى الأولى 1439", "Hijri"),
    ("١٥ جمادى الأولى ١٤٣٩ هـ", "Hijri"),
    ("1439/05/29 هـ", "Hijri"),
    ("منذ ساعتين", "relative date"),
    ("قبل 3 ساعات", "relative date"),
])
def test_text_hijri_or_relative_dateline_warns_and_keeps_the_byline(
    tmp_path: Path, dateline: str, why: str
) -> None:
    path = write(tmp_path / "a.txt", f"عنوان\n{dateline}\nالجزيرة - أحمد علي\nالنص.\n")
    [doc], problems = read(path)
    assert (doc.date, doc.source, doc.author, doc.body) == (None, "الجزيرة", "أحمد علي",
                                                            "النص.")
    assert [(p.line, p.skipped) for p in problems] == [(2, False)]
    assert why in problems[0].message and "date left empty" in problems[0].message


def test_text_dual_hijri_and_gregorian_dateline_keeps_the_gregorian_date(
    tmp_path: Path
) -> None:
    path = write(tmp_path / "a.txt", "عنوان\nالثلاثاء 13 جمادى الأولى 1439 هـ - 30 يناير "
                 "2018 م\nالنص.\n")
    [doc], problems = read(path)
    assert (doc.date, doc.body, problems) == (datetime(2018, 1, 30), "النص.", [])
