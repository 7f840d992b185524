"""The values the report templates see: page, fragment and Markdown, the feed and the chart.

Each is a function of one `View`, in the view's citation style, so every output of a build
agrees (documented in templates/README.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pandas as pd

from evidence.chart import YearCounts, inline_svg, studies_by_year_svg, year_counts
from evidence.citations import STYLE_LABELS
from evidence.classify import DESIGN_LABELS, LEVELS
from evidence.page import page_values
from evidence.publish import (
    LEVEL_WORDS,
    choose,
    citation_parts,
    citation_text_parts,
    condition_counts,
    fragment_styles,
    with_query,
)
from evidence.queries import Query
from evidence.routes import ROUTE_LABELS
from evidence.runs import Changes, Run
from evidence.settings import Publish
from evidence.study import Study, doi_url, pmc_url
from evidence.tabulate import EXCLUSIONS, OTHER, Placed
from evidence.view import View

CHART_FILE = "studies-by-year.svg"
FEED_ENTRIES = 50  # the newest studies a feed carries; readers keep what they have seen


# Draws the chart's SVG file from its data and title (chart.studies_by_year_svg, or a build's
# worker process drawing it on the other core).
Draw = Callable[[YearCounts, str], str]


def _draw_here(data: YearCounts, title: str) -> str:
    return studies_by_year_svg(data, title=title)


def report_context(view: View, *, draw: Draw = _draw_here) -> dict[str, Any]:
    """The values the report templates see (documented in templates/README.md); `draw`
    makes the chart's SVG (last of all: a worker drawing it has had the longest time)."""
    style = view.style
    data_date = view.data_date()
    sample = view.sample.as_dict() if view.sample is not None else None
    flows = view.flows()
    missing = view.missing_sentinels()
    shorts = short_labels(view.placed)
    topics = []
    included: set[str] = set()
    for q in view.queries:
        placed = view.placed.get(q.id, [])
        labels = condition_labels(q)
        entries = [_entry(q, p, view, shorts, labels) for p in placed if p.included]
        included.update(e["pmid"] for e in entries)
        conditions = []
        for c in (*q.conditions, None):
            cid = c.id if c else OTHER
            members = [e for e in entries if cid in e["condition_ids"]]
            if c is None and not members:
                continue
            members.sort(key=lambda e: (-(e["year"] or 0), e["short"]))
            conditions.append(
                {"id": cid, "label": c.label if c else q.other_label, "entries": members}
            )
        levels = [
            {
                "key": lv.key,
                "label": lv.label,
                "entries": [e for e in entries if e["evidence_level"] == lv.rank],
            }
            for lv in LEVELS
        ]
        left_out = {
            key: [_entry(q, p, view, shorts, labels) for p in placed if p.exclusion == key]
            for key in EXCLUSIONS
        }
        excluded = [
            {"key": key, "label": label, "entries": left_out[key]}
            for key, label in EXCLUSIONS.items()
        ]
        run = view.last_success.get(q.id)
        # Changes link to every study listed on the page, excluded groups included (a study
        # newly retracted moves to the retracted group).
        by_pmid = {e["pmid"]: e for e in entries}
        for group_entries in left_out.values():
            by_pmid.update((e["pmid"], e) for e in group_entries)
        topics.append(
            {
                "id": q.id,
                "title": q.title,
                "description": q.description,
                "term": q.term,
                "translation": run.translation if run else "",
                "search_count": run.count or 0 if run else 0,
                "searched_at": run.finished_at[:10] if run else "",
                "warnings": [w for w in (run.warnings if run else ()) if "sentinel" not in w],
                "conditions": conditions,
                "levels": [lv for lv in levels if lv["entries"]],
                "excluded": [group for group in excluded if group["entries"]],
                "new_count": sum(1 for e in entries if e["new"]),
                "sentinels": list(q.sentinels),
                "missing_sentinels": missing.get(q.id, []),
                "languages": list(q.languages),
                "flow": flows[q.id].as_dict(),
                "changes": _topic_changes(run, view.topic_changes(q.id), by_pmid) if run else None,
            }
        )
    context: dict[str, Any] = {
        "origin": view.origin,
        "sample": sample,
        "data_date": data_date.isoformat(),
        "data_date_text": f"{data_date:%B} {data_date.day}, {data_date.year}",
        "total_studies": len(included),
        "topics": topics,
        "page": page_values(view, topics),
        "flow_all": flows["all"].as_dict(),
        "exclusion_labels": EXCLUSIONS,
        "design_labels": DESIGN_LABELS,
        "style": style,
        "style_label": STYLE_LABELS[style],
        "chart": None,
        "feed": _feed(view, data_date),
        "changes": view.changes(),
        "fragment": _fragment(view, shorts),
    }
    context["chart"] = _chart(view, draw)  # in its place among the keys, made last
    return context


def _fragment(view: View, shorts: Mapping[str, str]) -> dict[str, Any]:
    """The short fragment for an article: the studies [publish] chooses, each condition as
    counts per evidence level, and the way to the full page."""
    publish = view.publish
    topics = []
    for chosen in choose(view, publish):
        q = chosen.query
        entries = []
        labels = condition_labels(q)
        for p in chosen.studies:
            entry = _entry(q, p, view, shorts, labels)
            entry["cite_parts"] = citation_parts(p.study, entry["citation_html"])
            entry["cite_text_parts"] = citation_text_parts(p.study, entry["citation"])
            entries.append(entry)
        if publish.order == "level":
            groups = [
                {"label": lv.label, "entries": members}
                for lv in LEVELS
                if (members := [e for e in entries if e["evidence_level"] == lv.rank])
            ]
        else:
            groups = [{"label": "", "entries": entries}] if entries else []
        included = [p for p in view.placed.get(q.id, []) if p.included]
        conditions = condition_counts(q, included)
        for c in conditions:
            c["url"] = with_query(publish.full_list_url, topic=q.id, condition=c["id"])
        topics.append(
            {
                "id": q.id,
                "title": q.title,
                "description": q.description,
                "conditions": conditions,
                "more_url": with_query(publish.full_list_url, topic=q.id),
                "groups": groups,
                "shown": len(entries),
                "included": chosen.included,
            }
        )
    return {
        "mode": publish.fragment,
        "styles": fragment_styles(publish.fragment),
        "topics": topics,
        "shown": sum(t["shown"] for t in topics),
        "included": view.included_count(),
        "selection": selection_text(publish),
        "full_list_url": publish.full_list_url,
    }


def selection_text(publish: Publish) -> str:
    """How the fragment chose its studies, in words a reader understands."""
    ranks = [lv for lv in LEVELS if lv.key in publish.levels]
    kinds = [LEVEL_WORDS[lv.key][1] for lv in ranks]
    what = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
    if {lv.key for lv in LEVELS} - {"preclinical"} <= set(publish.levels):
        what = "studies of every design"
    who = {
        "included": "",
        "reviewed": " that a reviewer checked and included",
        "featured": " that a reviewer picked to feature",
    }[publish.only]
    order = "strongest design first, then newest" if publish.order == "level" else "newest first"
    limits = [
        f"up to {n} per {unit}"
        for n, unit in (
            (publish.per_topic, "topic"),
            (publish.per_level, "kind of study"),
            (publish.per_condition, "condition"),
        )
        if n
    ]
    text = f"Shown: {what}{who}, {order}"
    return text + (f" ({', '.join(limits)})" if limits else "") + "."


def chart_data(view: View) -> tuple[YearCounts, str]:
    """The chart's data (included studies per year and evidence level) and its title, from
    the evidence table's columns (a build's worker is sent it before the table's rows are
    made as dicts)."""
    labels = {lv.rank: lv.label for lv in LEVELS}
    table = view.table()
    rows = [
        (None if pd.isna(year) else int(year), labels.get(int(lv), str(lv)))
        for year, lv, exclusion in zip(
            table["year"].tolist(),
            table["evidence_level"].tolist(),
            table["exclusion"].tolist(),
            strict=True,
        )
        if exclusion == ""  # the evidence: included studies only
    ]
    data = year_counts(rows, [lv.label for lv in LEVELS])
    sample = view.sample is not None
    title = "Studies per year by evidence level" + (" (curated offline sample)" if sample else "")
    return data, title


def _chart(view: View, draw: Draw) -> dict[str, Any]:
    data, title = view.once("chart_data", lambda: chart_data(view))
    svg = draw(data, title)
    return {
        "file": CHART_FILE,
        "file_svg": svg,
        "svg": inline_svg(svg, labelled_by="ev-chart-title ev-chart-summary"),
        "title": title,
        "summary": data.summary(),
        "years": list(data.years),
        "levels": [
            {"label": lv, "counts": list(data.counts[lv]), "total": sum(data.counts[lv])}
            for lv in data.levels
        ],
    }


def _feed(view: View, data_date: date) -> dict[str, Any]:
    """The Atom feed: new and newly retracted studies first, one entry per study with a
    stable id. A study found retracted by a refresh is re-dated to that refresh, so readers
    see its entry as updated; retracted and excluded studies say so in title and summary."""
    studies = {s.pmid: s for s in view.studies()}
    retracted_at: dict[str, str] = {}
    for q in view.queries:
        for run in view.announced.get(q.id, ()):
            for pmid in run.changes.retracted:
                retracted_at[pmid] = run.finished_at
    records = [
        {**r, "updated": retracted_at.get(str(r["pmid"]), str(r["first_seen"]))}
        for r in view.records()
    ]
    # Newest first: by when first seen (or re-dated), then by PMID as a number (as text,
    # "9999999" would sort after "10000000").
    rows = sorted(records, key=lambda r: (r["updated"], int(r["pmid"])), reverse=True)
    entries = []
    for r in rows[:FEED_ENTRIES]:
        study = studies[str(r["pmid"])]
        flags = [f"{label} (PMID {pmid})" if pmid else label for label, pmid in study.notices]
        if r["exclusion"] and r["exclusion"] != "retracted":
            flags.append(f"Not counted: {EXCLUSIONS[str(r['exclusion'])]}")
        entries.append(
            {
                "id": study.pubmed_url,
                "pmid": study.pmid,
                "title": ("Retracted: " if study.retracted else "") + study.title,
                "updated": r["updated"],
                "published": str(r["first_seen"]),
                "authors": [a.short for a in study.authors if a.short][:3],
                "citation": str(r["citation"]),
                "design_label": str(r["design_label"]),
                "flags": flags,
                "doi_url": doi_url(study.doi),
            }
        )
    # Not "now": a feed rebuilt from the same data must not look changed to its readers.
    updated = entries[0]["updated"] if entries else f"{data_date.isoformat()}T00:00:00+00:00"
    key = view.origin + ":" + ",".join(q.id for q in view.queries)
    return {
        "id": uuid.uuid5(uuid.NAMESPACE_URL, f"evidence:{key}").urn,
        "updated": updated,
        "entries": entries,
    }


def _topic_changes(run: Run, c: Changes, entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A topic's last successful refresh and what changed since the last publication,
    studies as report entries (those shown on the page; a study a reviewer excluded is not
    listed)."""
    out: dict[str, Any] = {
        "refreshed_at": run.finished_at[:10],
        "full": run.mode == "full",
        "window_start": run.window_start,
        "any": bool(c),
        "deleted": list(c.deleted),
    }
    for kind in ("new", "changed", "retracted", "corrected"):
        out[kind] = [entries[p] for p in getattr(c, kind) if p in entries]
    return out


def _short_label(s: Study) -> str:
    """'Okafor et al 2024': the first author's surname (or group), 'et al' for more."""
    first = s.authors[0] if s.authors else None
    name = (first.collective_name or first.last_name) if first else "Anonymous"
    if len(s.authors) > 1 or not s.authors_complete:
        name += " et al"
    return f"{name} {s.year}" if s.year else name


def short_labels(placed: Mapping[str, list[Placed]]) -> dict[str, str]:
    """Each study's short label by PMID, unique within the page: studies sharing one get
    'a', 'b'... after the year, in PMID order (a study found later has a higher PMID, so the
    labels already on the page keep their letters)."""
    studies = {p.study.pmid: p.study for group in placed.values() for p in group}
    by_label: dict[str, list[str]] = {}
    for pmid, study in studies.items():
        by_label.setdefault(_short_label(study), []).append(pmid)
    out = {}
    for label, pmids in by_label.items():
        pmids.sort(key=lambda pmid: (len(pmid), pmid))
        for i, pmid in enumerate(pmids):
            out[pmid] = label if len(pmids) == 1 else label + _letters(i)
    return out


def _letters(i: int) -> str:
    """'a'..'z', then 'aa', 'ab'... (27 studies sharing one label is unlikely, not impossible)."""
    return chr(97 + i) if i < 26 else _letters(i // 26 - 1) + chr(97 + i % 26)


def condition_labels(query: Query) -> dict[str, str]:
    """A query's condition labels by id (made once per topic, not once per entry)."""
    return {c.id: c.label for c in query.conditions}


def _entry(
    query: Query, p: Placed, view: View, shorts: Mapping[str, str], labels: Mapping[str, str]
) -> dict[str, Any]:
    s, t = p.study, p.tags
    citation, citation_html = view.citation(s.pmid)  # made once, with the evidence table
    return {
        "pmid": s.pmid,
        "anchor": f"ev-{query.id}-{s.pmid}",
        "short": shorts[s.pmid],
        "citation": citation,
        "citation_html": citation_html,
        "design": t.design,
        "design_label": DESIGN_LABELS.get(t.design, t.design),
        "evidence_level": t.evidence_level,
        "participants": t.participants,
        "year": s.year,
        "condition_ids": t.conditions or (OTHER,),
        "condition_labels": [labels[c] for c in t.conditions if c in labels],
        "route": ROUTE_LABELS.get(t.route, t.route),
        "agent": t.agent,
        "note": t.note,
        "conclusion": view.conclusion(s.pmid),
        "design_basis": t.design_basis,
        "reason": t.reason,
        "retracted": s.retracted,
        "notices": [{"label": label, "pmid": pmid} for label, pmid in s.notices],
        "new": p.new,
        "languages": list(s.languages),
        "doi": s.doi,
        "doi_url": doi_url(s.doi),
        "pmcid": s.pmcid,
        "pmc_url": pmc_url(s.pmcid),
        "first_seen": p.first_seen,
    }
