"""The full evidence page's own values: what each study's list item carries for the filters,
the filter choices, each condition as counts with links to its filtered list, and the
evidence map (one table per topic: conditions by evidence level).

The page lists every study without JavaScript; its script (templates/evidence-filter.js)
reads the data attributes these values fill and the page's query string
(?topic=&condition=&level=&route=&from=&to=&q=&sort=).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from evidence.classify import LEVELS
from evidence.publish import LEVEL_KEY, citation_parts, condition_counts
from evidence.queries import Query
from evidence.routes import ROUTE_LABELS
from evidence.study import Study
from evidence.view import View

# Column heads of the evidence map: short, so that a topic's table fits a phone's width.
LEVEL_SHORT: dict[str, str] = {
    "synthesis": "Systematic reviews",
    "rct": "Randomized trials",
    "trial": "Other trials",
    "observational": "Observational",
    "cases": "Case reports",
    "review": "Reviews",
    "other": "Other",
    "preclinical": "Preclinical",
}
_ROUTE_CODE = {label: code for code, label in ROUTE_LABELS.items()}


def filtered(**params: str) -> str:
    """A link to this page showing only the studies that match `params`."""
    return "?" + urlencode(params) + "#ev-studies"


def page_values(view: View, topics: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Adds to each topic of the report context its conditions as counts (with links) and
    its evidence map, and to each of its entries the data the filters read; returns the
    filter choices."""
    studies: dict[str, Study] = {
        p.study.pmid: p.study for placed in view.placed.values() for p in placed
    }
    years: set[int] = set()
    routes: set[str] = set()
    for topic in topics:
        included = [p for p in view.placed.get(topic["id"], []) if p.included]
        entries = [e for lv in topic["levels"] for e in lv["entries"]]
        entries += [e for group in topic["excluded"] for e in group["entries"]]
        for e in entries:
            e["cite_parts"] = citation_parts(studies[e["pmid"]], e["citation_html"])
            e["level_key"] = LEVEL_KEY.get(e["evidence_level"], "other")
            e["route_code"] = _ROUTE_CODE.get(e["route"], "")
            if e["year"]:
                years.add(int(e["year"]))
            if e["route_code"]:
                routes.add(e["route_code"])
        counts = condition_counts(_query(view, topic["id"]), included)
        for c in counts:
            c["url"] = filtered(topic=topic["id"], condition=c["id"])
            for lv in c["levels"]:
                lv["url"] = filtered(topic=topic["id"], condition=c["id"], level=lv["key"])
        topic["condition_counts"] = counts
        topic["map"] = _map(topic["id"], counts)
        topic["included_count"] = len(included)
    return {
        "topics": [{"id": t["id"], "title": t["title"]} for t in topics],
        "conditions": [
            {
                "topic": t["title"],
                "options": [(f"{t['id']}:{c['id']}", c["label"]) for c in t["condition_counts"]],
            }
            for t in topics
        ],
        "levels": [(lv.key, lv.label) for lv in LEVELS if lv.key != "preclinical"],
        "routes": [(code, ROUTE_LABELS[code]) for code in ROUTE_LABELS if code in routes],
        "year_min": min(years, default=0),
        "year_max": max(years, default=0),
    }


def _query(view: View, qid: str) -> Query:
    return next(q for q in view.queries if q.id == qid)


def _map(topic_id: str, counts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Conditions as rows, the evidence levels the topic has as columns; each count links to
    the list filtered to its condition and level."""
    present = {lv["key"] for c in counts for lv in c["levels"]}
    columns = [lv.key for lv in LEVELS if lv.key in present]
    rows = []
    for c in counts:
        by_key = {lv["key"]: lv for lv in c["levels"]}
        rows.append(
            {
                "label": c["label"],
                "url": c["url"],
                "total": c["total"],
                "cells": [
                    {
                        "count": by_key[k]["count"] if k in by_key else 0,
                        "url": by_key[k]["url"] if k in by_key else "",
                    }
                    for k in columns
                ],
            }
        )
    return {
        "columns": [{"key": k, "label": LEVEL_SHORT[k]} for k in columns],
        "rows": rows,
    }
