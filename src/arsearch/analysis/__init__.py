"""Arabic text analysis: normalisation, tokenising, stop words, stemming, exact forms,
synonyms — everything that turns text into the terms both documents and queries are
made of. The same chain serves indexing and searching, so a query word and the text it
should match always meet at the same term.
"""

from arsearch.analysis.chain import (
    TOKEN_PATTERN,
    AnalyzedToken,
    ArabicAnalyzer,
    ArabicStopFilter,
    ArabicTokenizer,
    NormalizeFilter,
    StemFilter,
    analyze,
    index_positions,
    normalize_token,
    query_terms,
)
from arsearch.analysis.exact import EXACT, is_exact, twin, written_term
from arsearch.analysis.stem import stem
from arsearch.analysis.stopwords import stopwords

__all__ = [
    "EXACT", "TOKEN_PATTERN", "AnalyzedToken", "ArabicAnalyzer", "ArabicStopFilter",
    "ArabicTokenizer", "NormalizeFilter", "StemFilter", "analyze",
    "index_positions", "is_exact", "normalize_token", "query_terms", "stem", "stopwords",
    "twin", "written_term",
]
