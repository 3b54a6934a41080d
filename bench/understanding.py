"""Query understanding on the hand-checked lists of tests/data (issue 14; README).

    python bench/understanding.py INDEX [--json FILE]

* roots and lemmas (tests/data/morphology_ar.tsv): coverage (words the resource knows)
  and precision of the root and of the lemma among them;
* Latin-script names (tests/data/names_latin_arabic.tsv): recall@5, the share of names
  whose Arabic spelling is among the five Arabic forms found (pairs whose Arabic form
  the index does not hold are listed and left out);
* misspellings (tests/data/misspellings_ar.tsv): top-1 accuracy of the correction, and
  the share of gibberish words (tests/data/gibberish.txt) that get no suggestion.

INDEX: an index of the ANT articles (bench/quality.py builds one into
bench/results/quality/indexes/arsearch-ant).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def rows(name: str) -> list[list[str]]:
    """The rows of a list under tests/data (comments and the header left out)."""
    lines = (DATA / name).read_text("utf-8").splitlines()
    body = [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]
    return body[1:]


def morphology() -> dict:
    from arsearch.analysis.morphology import _norm, analyse, root_norm

    words = rows("morphology_ar.tsv")
    known = roots = lemmas = 0
    misses = []
    for word, root, lemma in words:
        a = analyse(word)
        if not a.known:
            misses.append(f"{word}: unknown")
            continue
        known += 1
        r = a.root in {root_norm(x) for x in root.split("|")}
        m = a.lemma in {_norm(x) for x in lemma.split("|")}
        roots += r
        lemmas += m
        if not (r and m):
            misses.append(f"{word}: {a.root} {a.lemma} (want {root} {lemma})")
    return {"words": len(words), "coverage": known / len(words),
            "root_precision": roots / max(known, 1), "lemma_precision": lemmas / max(known, 1),
            "misses": misses}


def names(lex) -> dict:
    from arsearch.analysis import normalize_token
    from arsearch.search.translit import arabic_forms

    pairs = rows("names_latin_arabic.tsv")
    found = counted = 0
    absent, missed = [], []
    for latin, arabic in pairs:
        wanted = {normalize_token(a) for a in arabic.split("|")}
        if not any(lex.written_df(w) for w in wanted):
            absent.append(latin)
            continue
        counted += 1
        forms = arabic_forms(latin, lex)
        if wanted & set(forms):
            found += 1
        else:
            missed.append(f"{latin}: {' '.join(forms) or '-'} (want {arabic})")
    return {"pairs": len(pairs), "counted": counted, "recall@5": found / max(counted, 1),
            "absent_from_index": absent, "missed": missed}


def misspellings(lex) -> dict:
    from arsearch.analysis import normalize_token
    from arsearch.search.spelling import best_correction

    pairs = rows("misspellings_ar.tsv")
    right = 0
    wrong = []
    for typo, correct, *_ in pairs:
        got = best_correction(normalize_token(typo), lex)
        if got in {normalize_token(c) for c in correct.split("|")}:
            right += 1
        else:
            wrong.append(f"{typo}: {got} (want {correct})")
    junk = [w for w in (DATA / "gibberish.txt").read_text("utf-8").split()
            if not w.startswith("#")]
    quiet = sum(best_correction(normalize_token(w), lex) is None for w in junk)
    return {"pairs": len(pairs), "top1": right / max(len(pairs), 1), "wrong": wrong,
            "gibberish": len(junk), "gibberish_quiet": quiet / max(len(junk), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    import arsearch
    from arsearch.search.lexicon import Lexicon

    engine = arsearch.open_index(args.index)
    lex = Lexicon(engine.reader)
    started = time.perf_counter()
    out = {"morphology": morphology(), "names": names(lex), "spelling": misspellings(lex)}
    out["seconds"] = round(time.perf_counter() - started, 1)
    m, n, s = out["morphology"], out["names"], out["spelling"]
    print(f"roots and lemmas: {m['words']} words, coverage {m['coverage']:.3f}, "
          f"root precision {m['root_precision']:.3f}, lemma precision {m['lemma_precision']:.3f}")
    print(f"names: {n['counted']} of {n['pairs']} pairs in the index, recall@5 {n['recall@5']:.3f}")
    print(f"misspellings: {s['pairs']}, top-1 {s['top1']:.3f}; gibberish without a "
          f"suggestion {s['gibberish_quiet']:.3f} of {s['gibberish']}")
    for key in ("misses",):
        for line in m[key]:
            print("  morphology", line)
    for line in n["missed"]:
        print("  names", line)
    print("  names absent from the index:", " ".join(n["absent_from_index"]))
    for line in s["wrong"]:
        print("  spelling", line)
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
