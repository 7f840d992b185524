"""A learned design classifier beside the rules, on the same labelled records: does a model
learned from the labelled records read new records better than the hand-written rules?

    python -m pip install scikit-learn
    PYTHONPATH=src python bench/learned.py

The model is a plain, well-tried text classifier (scikit-learn's TF-IDF of title and abstract
words and word pairs, plus the publication types and MeSH headings as features, into a
logistic regression). It is trained on each record twice, as indexed and with its indexing
removed, and it is measured where the rules were never tuned:

- trained on the real tune records, on the real holdout and on the fourth written set (the
  project's own field, written blind and never read);
- trained on the real tune records and the first three written sets, on the fourth set: the
  same writing method, so the model has seen the wording's style.

The project does not use the model: its figures are here to show what a learned reading of
this many records is worth beside the rules. scikit-learn is not a dependency of the project.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from evidence.classify import classify_design
from evidence.study import Study
from real_records import COMMENT, NOTICE, WRITTEN, Labelled, load, load_written, split, unindexed


def features(study: Study) -> tuple[dict[str, float], str]:
    """The indexing as named features, and the words of title and abstract."""
    named = {f"type={t}": 1.0 for t in study.publication_types}
    named.update({f"mesh={m.descriptor}": 1.0 for m in study.mesh})
    words = " ".join([study.title, *(s.text for s in study.abstract)])
    return named, words


class Learned:
    """The model, trained on `records` (each as indexed and unindexed)."""

    def __init__(self, records: Sequence[Labelled]) -> None:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        studies = [r.study for r in records] + [unindexed(r.study) for r in records]
        labels = [r.design for r in records] * 2
        self._named = DictVectorizer()
        self._words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self._model = LogisticRegression(C=1.0, max_iter=3000)
        self._model.fit(self._matrix(studies, fit=True), labels)

    def _matrix(self, studies: Sequence[Study], fit: bool = False) -> Any:
        from scipy.sparse import hstack

        named, words = zip(*(features(s) for s in studies), strict=True)
        if fit:
            parts = [self._named.fit_transform(named), self._words.fit_transform(words)]
        else:
            parts = [self._named.transform(named), self._words.transform(words)]
        return hstack([3 * parts[0], parts[1]]).tocsr()

    def designs(self, studies: Sequence[Study]) -> list[str]:
        return [str(d) for d in self._model.predict(self._matrix(studies))]


def right(designs: Sequence[str], records: Sequence[Labelled]) -> int:
    return sum(d == r.design for d, r in zip(designs, records, strict=True))


def line(name: str, model: Learned, records: Sequence[Labelled]) -> str:
    n = len(records)
    out = [f"  {name:<44} {n:4d}"]
    for strip in (False, True):
        studies = [unindexed(r.study) if strip else r.study for r in records]
        rules = right([classify_design(s) for s in studies], records)
        learned = right(model.designs(studies), records)
        out.append(f"{learned:4d} {100 * learned / n:3.0f} % | {rules:4d} {100 * rules / n:3.0f} %")
    return "   ".join(out)


def main() -> int:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("bench/learned.py needs scikit-learn: python -m pip install scikit-learn")
        return 2
    studies = [r for r in load() if r.design not in (NOTICE, COMMENT)]
    tune, holdout = split(studies, "tune"), split(studies, "holdout")
    written = {p.stem: load_written(p) for p in sorted(WRITTEN.glob("*.json"))}
    fourth = written.pop("fourth")
    seen = [r for records in written.values() for r in records]
    print("design right: learned model | rules")
    print(f"  {'':<44} {'n':>4}   {'as indexed':^20}   {'unindexed':^20}")
    on_tune = Learned(tune)
    print(line("trained on tune: real holdout", on_tune, holdout))
    print(line("trained on tune: fourth written set", on_tune, fourth))
    on_both = Learned([*tune, *seen])
    print(line("trained on tune + 3 written sets: fourth set", on_both, fourth))
    return 0


if __name__ == "__main__":
    sys.exit(main())
