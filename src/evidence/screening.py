"""Screening: the queue of studies no reviewer has decided on, most useful first, progress per
topic, and everything a reviewer needs to decide on one study. Functions of a View and the
set of PMIDs already decided, shared by `evidence review`, `evidence status` and the app."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from evidence.classify import DESIGN_LABELS, LEVELS
from evidence.routes import ROUTE_LABELS
from evidence.study import doi_url, pmc_url
from evidence.tabulate import Placed
from evidence.view import View

LEVEL_LABELS = {level.rank: level.label for level in LEVELS}


@dataclass(frozen=True)
class Filters:
    """What the reviewer narrowed the queue to ('' or 0: everything)."""

    topic: str = ""
    condition: str = ""
    level: int = 0


@dataclass(frozen=True)
class Candidate:
    """One study waiting for a decision, once, with every topic it is in."""

    placed: Placed  # as placed in its first topic (the grading shown)
    topics: tuple[str, ...]  # query ids
    conditions: frozenset[str]  # condition ids, over all its topics

    @property
    def pmid(self) -> str:
        return self.placed.study.pmid

    @property
    def level(self) -> int:
        return self.placed.tags.evidence_level


def candidates(view: View) -> list[Candidate]:
    """Every study of the view once, most useful to screen first: evidence level, then what
    the last refresh newly found, then newest (publication year, then PMID)."""
    first: dict[str, Placed] = {}
    topics: dict[str, list[str]] = {}
    conditions: dict[str, set[str]] = {}
    for q in view.queries:
        for p in view.placed.get(q.id, []):
            first.setdefault(p.study.pmid, p)
            topics.setdefault(p.study.pmid, []).append(q.id)
            conditions.setdefault(p.study.pmid, set()).update(p.tags.conditions)
            if p.new and not first[p.study.pmid].new:  # new in any topic counts as new
                first[p.study.pmid] = dataclasses.replace(first[p.study.pmid], new=True)
    out = [
        Candidate(placed=p, topics=tuple(topics[pmid]), conditions=frozenset(conditions[pmid]))
        for pmid, p in first.items()
    ]
    out.sort(key=_usefulness)
    return out


def queue(
    everything: Iterable[Candidate], decided: Collection[str], filters: Filters = Filters()
) -> list[Candidate]:
    """The candidates nobody has decided on yet that pass the filters, in order."""
    return [
        c
        for c in everything
        if c.pmid not in decided
        and (not filters.topic or filters.topic in c.topics)
        and (not filters.condition or filters.condition in c.conditions)
        and (not filters.level or c.level == filters.level)
    ]


def progress(view: View, decided: Collection[str]) -> dict[str, dict[str, int]]:
    """Per topic id: how many of its studies a reviewer has decided on, of how many."""
    out = {}
    for q in view.queries:
        pmids = {p.study.pmid for p in view.placed.get(q.id, [])}
        out[q.id] = {"screened": sum(1 for p in pmids if p in decided), "studies": len(pmids)}
    return out


def details(view: View, candidate: Candidate) -> dict[str, Any]:
    """What the reviewer reads before deciding: the record, its grading, notices and links."""
    study, tags = candidate.placed.study, candidate.placed.tags
    titles = {q.id: q.title for q in view.queries}
    labels = {c.id: c.label for q in view.queries for c in q.conditions}
    return {
        "pmid": study.pmid,
        "title": study.title,
        "authors": [a.short for a in study.authors],
        "authors_complete": study.authors_complete,
        "journal": study.journal,
        "year": study.year,
        "abstract": [{"label": s.label, "text": s.text} for s in study.abstract],
        "design": tags.design,
        "design_label": DESIGN_LABELS.get(tags.design, tags.design),
        "design_basis": tags.design_basis,
        "level": tags.evidence_level,
        "level_label": LEVEL_LABELS.get(tags.evidence_level, ""),
        "conditions": [{"id": c, "label": labels.get(c, c)} for c in sorted(candidate.conditions)],
        "route": tags.route,
        "route_label": ROUTE_LABELS.get(tags.route, tags.route),
        "participants": tags.participants,
        "topics": [{"id": t, "title": titles[t]} for t in candidate.topics],
        "new": candidate.placed.new,
        "first_seen": candidate.placed.first_seen,
        "exclusion": candidate.placed.exclusion,
        "notices": [{"label": label, "pmid": pmid} for label, pmid in study.notices],
        "links": {
            "pubmed": study.pubmed_url,
            "doi": doi_url(study.doi),
            "pmc": pmc_url(study.pmcid),
        },
    }


def _usefulness(c: Candidate) -> tuple[int, bool, int, int]:
    return (c.level, not c.placed.new, -(c.placed.study.year or 0), -int(c.pmid))
