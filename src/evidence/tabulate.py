"""pandas tables over the store: the evidence table, the evidence map (conditions by design)
and the PRISMA-style flow (identified, duplicates, excluded, included)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from markupsafe import Markup

from evidence.citations import cite, cite_html
from evidence.classify import DESIGN_LABELS, LEVELS, classify, is_notice
from evidence.curation import Curation, apply
from evidence.findings import authors_conclusion
from evidence.queries import Query
from evidence.runs import Hit
from evidence.study import Study, Tags

OTHER = "other"


# Why a study found by a search is not among a topic's included studies, in the order the
# rules apply: the reviewer's word first, then retraction, then the automatic criteria.
EXCLUSIONS: dict[str, str] = {
    "reviewer": "Excluded by the reviewer",
    "retracted": "Retracted publications",
    "preclinical": "Preclinical studies (animal or laboratory only)",
    "language": "Not in the included languages",
    "notice": "Notices, comments and letters (not studies)",
}


@dataclass(frozen=True)
class Placed:
    """A study as it stands in one topic."""

    study: Study
    tags: Tags
    first_seen: str
    exclusion: str = ""  # a key of EXCLUSIONS, or "" when included
    new: bool = False  # first seen by the latest refresh (and there was one before it)

    @property
    def included(self) -> bool:
        return not self.exclusion


def exclusion_for(
    study: Study, tags: Tags, query: Query, notice: Callable[[Study], bool] = is_notice
) -> str:
    """Why the study is left out of the topic's clinical evidence, or '' if it is in.
    `notice`: whether the record is a notice (classify.is_notice, or its kept answer)."""
    if tags.decision == "exclude":
        return "reviewer"
    if study.retracted:
        return "retracted"  # no reviewer's "include" overrides a retraction
    if tags.decision == "include":
        return ""  # the reviewer's word overrides every automatic criterion below
    if tags.preclinical:
        return "preclinical"
    if notice(study):
        return "notice"
    if query.languages and study.languages and not set(study.languages) & set(query.languages):
        return "language"
    return ""


def place(
    studies: Mapping[str, Study],
    hits: Sequence[Hit],
    queries: Sequence[Query],
    curation: Curation,
    new_since: Mapping[str, str] | None = None,
    grade: Callable[[Study, Query], Tags] = classify,
    notice: Callable[[Study], bool] = is_notice,
) -> dict[str, list[Placed]]:
    """Each query's studies with their tags (classification, then curation), by query id.

    `new_since` gives, per query, when its previous successful refresh finished: studies
    first seen after it are marked new. A query with no previous refresh marks none.
    `grade` classifies a study in a topic (a `grades.Grader` reuses kept gradings);
    `notice` says whether a record is a notice (an abridged one's answer is kept with it).
    """
    by_id = {q.id: q for q in queries}
    out: dict[str, list[Placed]] = {q.id: [] for q in queries}
    since = new_since or {}
    for hit in hits:
        query = by_id.get(hit.query_id)
        study = studies.get(hit.pmid)
        if query is None or study is None:
            continue  # a query file since removed, or a deleted record
        tags = apply(grade(study, query), curation.get(study.pmid), query)
        previous = since.get(query.id, "")
        out[query.id].append(
            Placed(
                study,
                tags,
                hit.first_seen,
                exclusion=exclusion_for(study, tags, query, notice),
                new=bool(previous) and hit.first_seen > previous,
            )
        )
    for placed in out.values():
        placed.sort(key=_order)
    return out


def _order(p: Placed) -> tuple[int, int, str]:
    return (p.tags.evidence_level, -(p.study.year or 0), p.study.pmid)


def evidence_table(
    placed: Mapping[str, list[Placed]],
    queries: Sequence[Query],
    origin: str = "pubmed",
    style: str = "ama",
    citations: Mapping[str, tuple[str, Markup]] | None = None,
) -> pd.DataFrame:
    """One row per study, deduplicated across queries, ordered by evidence level then year.

    A study found by several queries keeps every topic and condition; its design is the one
    of the first topic (curation is per PMID, so it agrees across topics). `citations`: the
    citations in `style` already made (text and HTML) by PMID; the rest are made here.
    """
    made = citations or {}
    rows: dict[str, dict[str, object]] = {}
    for query in queries:
        for p in placed.get(query.id, []):
            s, t = p.study, p.tags
            conditions = [f"{query.id}:{c}" for c in (t.conditions or (OTHER,))]
            row = rows.get(s.pmid)
            if row is not None:
                row["topics"].append(query.id)  # type: ignore[attr-defined]
                row["conditions"].extend(conditions)  # type: ignore[attr-defined]
                row["first_seen"] = min(str(row["first_seen"]), p.first_seen)
                continue
            cited = made.get(s.pmid) or (cite(s, style), cite_html(s, style))
            rows[s.pmid] = {
                "pmid": s.pmid,
                "title": s.title,
                "authors": "; ".join(a.short for a in s.authors)
                + ("" if s.authors_complete else "; et al"),
                "journal": s.journal or s.journal_abbrev,
                "year": s.year,
                "doi": s.doi,
                "pmcid": s.pmcid,
                "publication_types": list(s.publication_types),
                "design": t.design,
                "design_label": DESIGN_LABELS.get(t.design, t.design),
                "design_basis": t.design_basis,
                "evidence_level": t.evidence_level,
                "topics": [query.id],
                "conditions": conditions,
                "participants": t.participants,
                "route": t.route,
                "agent": t.agent,
                "curation_decision": t.decision,
                "curation_note": t.reason if t.decision == "exclude" and not t.note else t.note,
                "authors_conclusion": authors_conclusion(s),
                "retracted": s.retracted,
                "notices": [
                    f"{label} (PMID {pmid})" if pmid else label for label, pmid in s.notices
                ],
                "exclusion": p.exclusion,
                "first_seen": p.first_seen,
                "origin": origin,
                "citation": cited[0],
                "citation_html": cited[1],
                "pubmed_url": s.pubmed_url,
            }
    columns = [
        "pmid",
        "title",
        "authors",
        "journal",
        "year",
        "doi",
        "pmcid",
        "publication_types",
        "design",
        "design_label",
        "design_basis",
        "evidence_level",
        "topics",
        "conditions",
        "participants",
        "route",
        "agent",
        "curation_decision",
        "curation_note",
        "authors_conclusion",
        "retracted",
        "notices",
        "exclusion",
        "first_seen",
        "origin",
        "citation",
        "citation_html",
        "pubmed_url",
    ]
    table = pd.DataFrame(list(rows.values()), columns=columns)
    table["year"] = table["year"].astype("Int64")
    table["participants"] = table["participants"].astype("Int64")
    table = table.sort_values(
        ["evidence_level", "year", "pmid"],
        ascending=[True, False, True],
        na_position="last",
        kind="stable",
    )
    return table.reset_index(drop=True)


def counts_by_condition_and_design(
    placed: Mapping[str, list[Placed]], queries: Sequence[Query]
) -> pd.DataFrame:
    """Included studies per (topic, condition) and study design, with a total column.

    The index is (topic title, condition label); the columns are the designs present, in
    evidence-level order. A study counted under two conditions counts once in each row.
    """
    records = []
    for query in queries:
        labels = {c.id: c.label for c in query.conditions} | {OTHER: query.other_label}
        for p in placed.get(query.id, []):
            if not p.included:
                continue
            design = DESIGN_LABELS.get(p.tags.design, p.tags.design)
            for cid in p.tags.conditions or (OTHER,):
                records.append(
                    {
                        "topic": query.title,
                        "condition": labels[cid],
                        "design": design,
                        "order": (query.order, query.id, _cond_order(query, cid)),
                    }
                )
    design_order = [DESIGN_LABELS[d] for lv in LEVELS for d in lv.designs]
    if not records:
        return pd.DataFrame(columns=["Total"])
    frame = pd.DataFrame(records)
    order = frame.drop_duplicates(["topic", "condition"]).sort_values("order", kind="stable")
    counts = pd.crosstab([frame["topic"], frame["condition"]], frame["design"])
    known = [c for c in design_order if c in counts.columns]
    counts = counts.reindex(columns=known + [c for c in counts.columns if c not in known])
    counts = counts.reindex(pd.MultiIndex.from_frame(order[["topic", "condition"]]))
    counts["Total"] = counts.sum(axis=1)
    counts.columns.name = None
    return counts.astype(int)


def _cond_order(query: Query, cid: str) -> int:
    for i, c in enumerate(query.conditions):
        if c.id == cid:
            return i
    return len(query.conditions)


@dataclass(frozen=True)
class Flow:
    """PRISMA-style counts for one topic, or for all topics together."""

    identified: int  # records the search(es) matched
    duplicates: int  # found by more than one topic (counted once in the total)
    not_retrieved: int  # matched but not fetchable, or withdrawn from PubMed
    excluded: dict[str, int]  # by EXCLUSIONS key
    reasons: dict[str, int]  # the reviewer's reasons, with how many studies each
    included: int

    def as_dict(self) -> dict[str, object]:
        return {
            "identified": self.identified,
            "duplicates_removed": self.duplicates,
            "not_retrieved": self.not_retrieved,
            "excluded_automatically": {k: v for k, v in self.excluded.items() if k != "reviewer"},
            "excluded_by_reviewer": self.excluded.get("reviewer", 0),
            "reviewer_reasons": dict(self.reasons),
            "included": self.included,
        }

    def rows(self) -> list[tuple[str, int]]:
        """A PRISMA-style flow as (step, studies) rows, from identified down to included."""
        rows = [("Identified by the search", self.identified)]
        if self.duplicates:
            rows.append(("Duplicates removed (found by more than one topic)", self.duplicates))
        rows.append(("Not retrieved", self.not_retrieved))
        for key, label in EXCLUSIONS.items():
            if key != "reviewer":
                rows.append((f"Excluded: {label}", self.excluded.get(key, 0)))
        rows.append(("Excluded by the reviewer", self.excluded.get("reviewer", 0)))
        rows += [(f"  Reason: {reason or 'none given'}", n) for reason, n in self.reasons.items()]
        rows.append(("Included", self.included))
        return rows


def flow(
    placed: Mapping[str, list[Placed]],
    queries: Sequence[Query],
    identified: Mapping[str, int],
) -> dict[str, Flow]:
    """Per topic (by query id) and for all topics ("all"): identified, then removed step by
    step down to included. `identified` is each query's search count."""
    out: dict[str, Flow] = {}
    seen: dict[str, Placed] = {}
    for q in queries:
        members = placed.get(q.id, [])
        out[q.id] = _flow(members, identified.get(q.id, len(members)), duplicates=0)
        for p in members:
            seen.setdefault(p.study.pmid, p)
    total = sum(identified.get(q.id, len(placed.get(q.id, []))) for q in queries)
    found = sum(len(placed.get(q.id, [])) for q in queries)
    out["all"] = _flow(list(seen.values()), total - (found - len(seen)), found - len(seen))
    return out


def _flow(members: Sequence[Placed], identified: int, duplicates: int) -> Flow:
    excluded = {key: sum(1 for p in members if p.exclusion == key) for key in EXCLUSIONS}
    reasons: dict[str, int] = {}
    for p in members:
        if p.exclusion == "reviewer":
            reasons[p.tags.reason] = reasons.get(p.tags.reason, 0) + 1
    return Flow(
        identified=identified + duplicates,
        duplicates=duplicates,
        not_retrieved=max(0, identified - len(members)),
        excluded=excluded,
        reasons=dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        included=sum(1 for p in members if p.included),
    )
