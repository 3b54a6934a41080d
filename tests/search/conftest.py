"""An index of short hand-made articles for query understanding's tests (issue 14)."""

from __future__ import annotations

import pytest

import arsearch

ARTICLES = {
    "kitab": "صدر كتاب جديد عن تاريخ المدينة",
    "maktaba": "افتتحت مكتبة عامة في وسط البلدة",
    "katib": "فاز كاتب شاب بجائزة الرواية",
    "yaktubun": "الطلاب يكتبون رسائل إلى أهلهم",
    "maktub": "وصل خطاب مكتوب بخط اليد",
    "kabt": "الكبت يولد الانفجار في المجتمعات",
    "kutub": "نقلت الكتب إلى المخازن",
    "alima": "عَلِمَ الوزير بالخبر صباحا",
    "ulima": "عُلِمَ أن الاجتماع تأجل",
    "alm": "علم الفريق بالقرار",
    "li-iran": "زيارة لإيران في الشهر المقبل",
    "iran": "إيران تعلن عن مشروع جديد",
    "bi-trump": "اتصال بترامب من البيت الأبيض",
    "trump": "ترامب يوقع قرارا",
    "wa-putin": "لقاء بين أردوغان وبوتين",
    "putin": "بوتين يزور تركيا",
    "qatar": "قطر تستضيف البطولة",
    "li-qatar": "وصل الوفد لقطر أمس",
    "london": "أمطار غزيرة في لندن",
    "batatis": "ارتفاع أسعار البطاطس في الأسواق",
    "allah": "قال إمام المسجد إن الله غفور",
    "albania": "البانيا تفتح حدودها",
    "idlib": "قصف على إدلب شمال سوريا",
    "siyasa": "السياسة الخارجية للبلاد",
    "world-cup": "انطلاق كأس العالم لكرة القدم",
    "cup-apart": "كأس البطولة وأبطال العالم",
    "covid": "انتشار فيروس COVID-19 في العالم",
    "nineteen": "توفي 19 شخصا في الحادث",
    "dabit": "الضابط المسؤول عن الأمن",
    "dabit2": "اعتقل الضابط بعد التحقيق",
    "dabit3": "قال الضابط إن الوضع هادئ",
    "daesh": "تنظيم الدولة يتبنى الهجوم",
    "dawla": "الدولة تعلن ميزانية جديدة وتنظيم الانتخابات",
}


@pytest.fixture(scope="session")
def qu_index(tmp_path_factory) -> arsearch.Engine:
    """An engine on the hand-made articles (read-only)."""
    folder = tmp_path_factory.mktemp("understanding") / "index"
    arsearch.index_documents(folder, [arsearch.Document(id=k, title="", body=v)
                                      for k, v in ARTICLES.items()])
    engine = arsearch.open_index(folder)
    yield engine
    engine.close()


def ids(results) -> set[str]:
    return {h.id for h in results.hits}
