"""What a build reads of each stored record, kept in the store and reused while nothing it
was made from changed: each study's grading in a topic, and its abridged values.

Grading (`classify`) reads the record, the topic's query and the rules; at 10,000 studies it
was a third of a build. A kept grading is reused only while its key is the same: a digest of
the stored record, of the query as loaded and of the source of every module the grading runs
(and the package version). A revised record, an edited query or a change to the rules grades
again; a reviewer's curation is applied after, on every build, and is not part of it.

A build's View holds each study abridged (Study.abridged), with the two things it reads of
the rest of the record: whether it is a notice (`is_notice` reads the abstract) and the
authors' conclusion. Reading every whole record to make them again was a quarter of a
nightly build, so they are kept too (`Abridged`), under a digest of the stored record and of
every module of the package: only a new or revised record, or new code, is read whole.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from markupsafe import Markup

import evidence
from evidence.citations import cite, cite_html
from evidence.classify import classify, is_notice
from evidence.findings import authors_conclusion
from evidence.pieces import code_digest as package_digest
from evidence.queries import Query
from evidence.runs import Hit
from evidence.study import Study, Tags, study_from_dict

# The modules whose code decides a grading: the rules, and the reading of a stored record.
GRADING_CODE = (
    *("classify", "designs", "designs_text", "participants", "routes", "queries", "study"),
)


@cache
def code_digest() -> str:
    """A digest of the grading code (GRADING_CODE's sources) and the package version."""
    digest = hashlib.blake2b(evidence.__version__.encode(), digest_size=16)
    folder = Path(evidence.__file__).resolve().parent
    for name in GRADING_CODE:
        digest.update(f"\n{name}\n".encode())
        digest.update((folder / f"{name}.py").read_bytes())
    return digest.hexdigest()


def query_digest(query: Query) -> str:
    """A digest of the query as loaded (every field: conditions, words, languages…), but
    not where its file is (a project moved keeps its gradings)."""
    fields = repr(dataclasses.replace(query, path=Path(query.path.name)))
    return hashlib.blake2b(fields.encode(), digest_size=16).hexdigest()


def grade_key(record_digest: str, query_key: str, code: str) -> str:
    return hashlib.blake2b(
        f"{record_digest}:{query_key}:{code}".encode(), digest_size=16
    ).hexdigest()


def tags_json(tags: Tags) -> str:
    """What `classify` sets (a curation is laid over it on each build), as JSON."""
    return json.dumps(
        [
            tags.design,
            tags.evidence_level,
            list(tags.conditions),
            tags.participants,
            tags.route,
            tags.agent,
            tags.preclinical,
            tags.design_basis,
        ]
    )


def tags_from_json(text: str) -> Tags:
    design, level, conditions, participants, route, agent, preclinical, basis = json.loads(text)
    return Tags(
        design=design,
        evidence_level=level,
        conditions=tuple(conditions),
        participants=participants,
        route=route,
        agent=agent,
        preclinical=preclinical,
        design_basis=basis,
    )


class Grader:
    """`classify` that first looks for a kept grading under the same key. What it grades
    anew is in `fresh`, to be kept; `reused` counts the gradings it did not redo."""

    def __init__(
        self,
        kept: Mapping[tuple[str, str], tuple[str, str]],
        record_digests: Mapping[str, str],
    ) -> None:
        self._kept = kept
        self._records = record_digests
        self._code = code_digest()
        self._queries: dict[str, str] = {}
        # Kept gradings read back, by their JSON: most studies share a grading with others
        # (a frozen Tags, so one object serves them all).
        self._read: dict[str, Tags] = {}
        self.fresh: list[tuple[str, str, str, str]] = []
        self.reused = 0

    def _key(self, pmid: str, query: Query) -> str | None:
        record = self._records.get(pmid)
        if record is None:  # not a stored record: nothing to key it by
            return None
        query_key = self._queries.get(query.id)
        if query_key is None:
            query_key = self._queries[query.id] = query_digest(query)
        return grade_key(record, query_key, self._code)

    def stale(self, hits: Iterable[Hit], queries: Iterable[Query]) -> set[str]:
        """The PMIDs among `hits` (of `queries`) that some topic grades anew: their whole
        records are what grading reads."""
        by_id = {q.id: q for q in queries}
        out = set()
        for hit in hits:
            query = by_id.get(hit.query_id)
            if query is None or hit.pmid not in self._records:
                continue
            kept = self._kept.get((query.id, hit.pmid))
            if kept is None or kept[0] != self._key(hit.pmid, query):
                out.add(hit.pmid)
        return out

    def __call__(self, study: Study, query: Query) -> Tags:
        key = self._key(study.pmid, query)
        if key is None:
            return classify(study, query)
        kept = self._kept.get((query.id, study.pmid))
        if kept is not None and kept[0] == key:
            self.reused += 1
            tags = self._read.get(kept[1])
            if tags is None:
                tags = self._read[kept[1]] = tags_from_json(kept[1])
            return tags
        tags = classify(study, query)
        self.fresh.append((query.id, study.pmid, key, tags_json(tags)))
        return tags


def abridged_key(record_digest: str, code: str, style: str) -> str:
    return hashlib.blake2b(f"{record_digest}:{code}:{style}".encode(), digest_size=16).hexdigest()


def abridged_json(short: Study, notice: bool, conclusion: str, citation: tuple[str, str]) -> str:
    """A study's abridged values, as kept: its abridged record (Study.abridged, as
    Study.to_dict without the fields it leaves empty), whether it is a notice, its authors'
    conclusion, and its citation (text and HTML)."""
    plain = short.to_dict()
    for name in ("abstract", "mesh", "keywords"):
        del plain[name]
    values = {
        "study": plain,
        "notice": notice,
        "conclusion": conclusion,
        "citation": list(citation),
    }
    return json.dumps(values, ensure_ascii=False, sort_keys=True)


class Abridged:
    """Each stored study's abridged values (by PMID): `studies` the abridged records,
    `conclusions` the authors' conclusions ("" ones left out), `citations` the citations in
    `style` (text and HTML), and whether each is a notice (`notice`). Made from the kept
    rows whose key is the same; `stale` lists the studies whose whole record is to be read
    and given to `add`, which keeps what it makes in `fresh`."""

    def __init__(
        self,
        kept: Mapping[str, tuple[str, str]],
        record_digests: Mapping[str, str],
        style: str,
    ) -> None:
        code = package_digest()
        self._style = style
        self._keys = {pmid: abridged_key(d, code, style) for pmid, d in record_digests.items()}
        self.studies: dict[str, Study] = {}
        self.conclusions: dict[str, str] = {}
        self.citations: dict[str, tuple[str, Markup]] = {}
        self._notices: dict[str, bool] = {}
        self.fresh: list[tuple[str, str, str]] = []
        for pmid, key in self._keys.items():
            row = kept.get(pmid)
            if row is not None and row[0] == key:
                # A damaged row raises before anything of it is held: made again, never used.
                with contextlib.suppress(ValueError, TypeError, KeyError, AttributeError):
                    self._take(pmid, row[1])

    def _take(self, pmid: str, text: str) -> None:
        values = json.loads(text)
        study = study_from_dict(values["study"])
        if study.pmid != pmid:  # a row under another study's PMID: never shown as this one
            raise ValueError(f"kept values of {study.pmid} under {pmid}")
        notice, conclusion, citation = values["notice"], values["conclusion"], values["citation"]
        if (
            not isinstance(notice, bool)
            or not isinstance(conclusion, str)
            or not isinstance(citation, list)
            or len(citation) != 2
            or not all(isinstance(c, str) for c in citation)
        ):
            raise TypeError(f"kept values of {pmid} are damaged")
        self._hold(study, notice, conclusion, (citation[0], citation[1]))

    def _hold(self, short: Study, notice: bool, conclusion: str, citation: tuple[str, str]) -> None:
        self.studies[short.pmid] = short
        self.citations[short.pmid] = (citation[0], Markup(citation[1]))
        self._notices[short.pmid] = notice
        if conclusion:
            self.conclusions[short.pmid] = conclusion

    def stale(self) -> list[str]:
        """The stored studies with no kept values under their key (new, revised, new code)."""
        return [pmid for pmid in self._keys if pmid not in self.studies]

    def add(self, whole: Study) -> None:
        """The values of a stale study, made from its whole record (and kept in `fresh`)."""
        short, notice, conclusion = whole.abridged(), is_notice(whole), authors_conclusion(whole)
        citation = (cite(whole, self._style), str(cite_html(whole, self._style)))
        self._hold(short, notice, conclusion, citation)
        text = abridged_json(short, notice, conclusion, citation)
        self.fresh.append((whole.pmid, self._keys[whole.pmid], text))

    def notice(self, study: Study) -> bool:
        """Whether `study` is a notice: its kept answer, else read from the record given."""
        kept = self._notices.get(study.pmid)
        return is_notice(study) if kept is None else kept
