"""What the short fragment for an article shows: the publishing selection ([publish] in
evidence.toml), the conditions as counts, and the fragment's styles (inline, or as the small
stylesheet written beside it for hosts that allow one).

The selection looks at design, date and the reviewer's choices only, never at results: a
negative trial is chosen exactly as a positive one would be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from evidence.classify import LEVELS
from evidence.errors import ConfigError
from evidence.queries import Query
from evidence.settings import CONFIG_FILE, Publish
from evidence.study import Study
from evidence.tabulate import OTHER, Placed
from evidence.view import View

STYLESHEET_FILE = "research-studies.css"

# Evidence levels in running text ("3 randomized controlled trials"): singular, plural.
LEVEL_WORDS: dict[str, tuple[str, str]] = {
    "synthesis": ("systematic review or meta-analysis", "systematic reviews or meta-analyses"),
    "rct": ("randomized controlled trial", "randomized controlled trials"),
    "trial": ("other clinical trial", "other clinical trials"),
    "observational": ("observational study", "observational studies"),
    "cases": ("case series or case report", "case series or case reports"),
    "review": ("review or guideline", "reviews or guidelines"),
    "other": ("other publication", "other publications"),
    "preclinical": ("preclinical study", "preclinical studies"),
}
LEVEL_KEY = {lv.rank: lv.key for lv in LEVELS}


@dataclass(frozen=True)
class Chosen:
    """One topic's share of the fragment: the studies chosen, of how many included."""

    query: Query
    studies: list[Placed]
    included: int


def choose(view: View, publish: Publish) -> list[Chosen]:
    """Each published topic with its chosen studies, in the published order.

    Filters first (only, levels), then order, then the limits: per level and per condition
    within a topic (a study about two conditions counts against both), then per topic.
    """
    by_id = {q.id: q for q in view.queries}
    unknown = [t for t in publish.topics if t not in by_id]
    if unknown:
        raise ConfigError(
            f"{CONFIG_FILE}: [publish] topics (or --topics): no query file has the id "
            f"{unknown[0]!r}; the topics are: {', '.join(by_id)}"
        )
    topics = [by_id[t] for t in publish.topics] if publish.topics else view.queries
    levels = {lv.rank for lv in LEVELS if lv.key in publish.levels}
    out = []
    for q in topics:
        included = [p for p in view.placed.get(q.id, []) if p.included]
        pool = [
            p
            for p in included
            if p.tags.evidence_level in levels and _wanted(view, p, publish.only)
        ]
        pool.sort(key=_order_key(publish.order))
        chosen: list[Placed] = []
        per_level: dict[int, int] = {}
        per_condition: dict[str, int] = {}
        for p in pool:
            if publish.per_topic and len(chosen) >= publish.per_topic:
                break
            level = p.tags.evidence_level
            if publish.per_level and per_level.get(level, 0) >= publish.per_level:
                continue
            conditions = p.tags.conditions or (OTHER,)
            if publish.per_condition and any(
                per_condition.get(c, 0) >= publish.per_condition for c in conditions
            ):
                continue
            chosen.append(p)
            per_level[level] = per_level.get(level, 0) + 1
            for c in conditions:
                per_condition[c] = per_condition.get(c, 0) + 1
        out.append(Chosen(query=q, studies=chosen, included=len(included)))
    return out


def _wanted(view: View, p: Placed, only: str) -> bool:
    """`only`: every included study, those a reviewer included, or the reviewer's picks."""
    if only == "reviewed":
        return p.tags.decision == "include"
    if only == "featured":
        entry = view.curation.get(p.study.pmid)
        return entry is not None and entry.featured
    return True


def _order_key(order: str) -> Any:
    if order == "year":
        return lambda p: (-(p.study.year or 0), p.tags.evidence_level, p.study.pmid)
    return lambda p: (p.tags.evidence_level, -(p.study.year or 0), p.study.pmid)


def with_query(url: str, **params: str) -> str:
    """`url` asking the full page for a filtered list (its script reads the query string)."""
    if not url:
        return ""
    base, _, fragment = url.partition("#")
    sep = "&" if "?" in base else "?"
    return base + sep + urlencode(params) + (f"#{fragment}" if fragment else "")


def condition_counts(query: Query, included: Sequence[Placed]) -> list[dict[str, Any]]:
    """Each condition of a topic with its included studies per evidence level (a study
    about two conditions counts under each); conditions without studies are left out."""
    labels = {c.id: c.label for c in query.conditions} | {OTHER: query.other_label}
    rows = []
    for cid, label in labels.items():
        members = [p for p in included if cid in (p.tags.conditions or (OTHER,))]
        if not members:
            continue
        levels = []
        for lv in LEVELS:
            n = sum(1 for p in members if p.tags.evidence_level == lv.rank)
            if n:
                one, many = LEVEL_WORDS[lv.key]
                levels.append({"key": lv.key, "count": n, "words": one if n == 1 else many})
        rows.append({"id": cid, "label": label, "total": len(members), "levels": levels})
    return rows


# The fragment's looks, one declaration list per element class. Only what a host stylesheet
# commonly changes is set, on the elements it would reach; everything else is inherited from
# the fragment's root. Inline, each becomes a style attribute (which beats any host selector
# without !important and reaches nothing outside the fragment); with `fragment = "classes"`
# they become research-studies.css, scoped under .evidence-studies.
_HEADING = (
    "display:block;margin:1.2em 0 .4em;padding:0;border:0;background:none;color:inherit;"
    "font-family:inherit;font-weight:bold;line-height:1.25;text-transform:none;"
    "letter-spacing:normal;text-indent:0;"
)
STYLES: dict[str, str] = {
    "root": "display:block;box-sizing:border-box;width:auto;max-width:100%;float:none;"
    "margin:1em 0;padding:0;border:0;background:#fff;color:#1a1a1a;font-size:1rem;"
    "line-height:1.5;font-style:normal;font-weight:normal;text-align:left;text-indent:0;"
    "text-transform:none;letter-spacing:normal;white-space:normal;overflow-wrap:anywhere",
    "h2": _HEADING + "font-size:1.5em",
    "h3": _HEADING + "font-size:1.25em",
    "h4": _HEADING + "font-size:1.05em",
    "p": "display:block;margin:.5em 0;padding:0;text-indent:0;white-space:normal",
    "notice": "display:block;margin:.8em 0;padding:.5em .8em;text-indent:0;"
    "white-space:normal;border-left:4px solid #b35c00;background:#fff6eb",
    "ul": "display:block;margin:.5em 0;padding:0 0 0 1.5em;list-style:disc outside",
    "ol": "display:block;margin:.5em 0;padding:0 0 0 1.8em;list-style:decimal outside",
    "li": "display:list-item;float:none;width:auto;margin:0 0 .3em;padding:0",
    "study": "display:list-item;float:none;width:auto;margin:0 0 .8em;padding:0",
    "facts": "display:block;position:static;color:#404040;font-size:.92em",
    "a": "color:#0b5394;text-decoration:underline;font-weight:inherit;background:none",
    "b": "font-weight:bold;color:inherit",
}


def fragment_styles(mode: str) -> dict[str, str]:
    """The style attribute value per element class: the declarations inline, none for
    `classes` (research-studies.css carries them)."""
    return {k: (v if mode == "inline" else "") for k, v in STYLES.items()}


def stylesheet() -> str:
    """research-studies.css, for `fragment = "classes"`: every rule scoped to the fragment,
    one class deeper than a host's element or class selectors."""
    lines = ['/* evidence: styles of research-studies.html (fragment = "classes") */']
    for key, declarations in STYLES.items():
        selector = ".evidence-studies" if key == "root" else f".evidence-studies .ev-{key}"
        lines.append(f"{selector}{{{declarations}}}")
    return "\n".join(lines) + "\n"


def citation_text_parts(study: Study, citation: str) -> tuple[str, str, str, str, str]:
    """The plain citation around its title, for Markdown: text before, the space before the
    title (or none), the title, the space after it, text after; the title '' when the
    citation does not contain it."""
    at = citation.find(study.title) if study.title else -1
    if at < 0:
        return citation, "", "", "", ""
    before, after = citation[:at], citation[at + len(study.title) :]
    return (
        before.rstrip(),
        " " if before[-1:].isspace() else "",
        study.title,
        " " if after[:1].isspace() else "",
        after.lstrip(),
    )


def citation_parts(study: Study, citation: str) -> tuple[Markup, Markup, Markup]:
    """The citation around its title, so that the title can be the link to PubMed; the
    whole citation first and no title when the title cannot be found in it."""
    title = Markup(study.title_html or escape(study.title))
    # Searched and cut as plain text: Markup's own slicing is some thirty times slower, and
    # the pieces of markup are markup as they were.
    text, plain = str.__str__(citation), str.__str__(title)
    at = text.find(plain) if plain else -1
    if at < 0:
        return Markup(text), Markup(""), Markup("")
    return Markup(text[:at]), title, Markup(text[at + len(plain) :])
