"""Each study's grading in a topic, kept in the store and reused while nothing it read changed.

Grading (`classify`) reads the record, the topic's query and the rules; at 10,000 studies it
was a third of a build. A kept grading is reused only while its key is the same: a digest of
the stored record, of the query as loaded and of the source of every module the grading runs
(and the package version). A revised record, an edited query or a change to the rules grades
again; a reviewer's curation is applied after, on every build, and is not part of it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import evidence
from evidence.classify import classify
from evidence.queries import Query
from evidence.study import Study, Tags

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
        self.fresh: list[tuple[str, str, str, str]] = []
        self.reused = 0

    def __call__(self, study: Study, query: Query) -> Tags:
        record = self._records.get(study.pmid)
        if record is None:  # not a stored record: nothing to key it by
            return classify(study, query)
        query_key = self._queries.get(query.id)
        if query_key is None:
            query_key = self._queries[query.id] = query_digest(query)
        key = grade_key(record, query_key, self._code)
        kept = self._kept.get((query.id, study.pmid))
        if kept is not None and kept[0] == key:
            self.reused += 1
            return tags_from_json(kept[1])
        tags = classify(study, query)
        self.fresh.append((query.id, study.pmid, key, tags_json(tags)))
        return tags
