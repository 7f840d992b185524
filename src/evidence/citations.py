"""Citation strings (AMA style) and the CSV export of the evidence table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TextIO

import pandas as pd
from markupsafe import Markup, escape

from evidence.study import Author, Study

AMA_MAX_AUTHORS = 6  # AMA: list all up to 6; more than 6, the first 3 then "et al"
AMA_SHOWN_WHEN_TRUNCATED = 3

EXPORT_COLUMNS = [
    "pmid",
    "title",
    "authors",
    "journal",
    "year",
    "doi",
    "pmcid",
    "publication_types",
    "design",
    "topics",
    "conditions",
    "retracted",
    "first_seen",
]


def ama_authors(authors: Sequence[Author], complete: bool = True) -> str:
    """'Afridi SK, Giffin NJ, Kaube H, Goadsby PJ' or 'A, B, C, et al'."""
    names = [a.short for a in authors if a.short]
    if not names:
        return ""
    if len(names) > AMA_MAX_AUTHORS:
        return ", ".join(names[:AMA_SHOWN_WHEN_TRUNCATED]) + ", et al"
    text = ", ".join(names)
    return f"{text}, et al" if not complete else text


def expand_pages(pages: str) -> str:
    """AMA prints page ranges in full: '642-7' becomes '642-647'."""
    m = re.fullmatch(r"(\d+)-(\d+)", pages.strip())
    if not m:
        return pages.strip()
    start, end = m.groups()
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return f"{start}-{end}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".?!" else text + "."


def _source(study: Study) -> str:
    """'2013;80(7):642-647' and friends, without the journal."""
    out = str(study.year or "")
    if study.volume:
        out += f";{study.volume}"
        if study.issue:
            out += f"({study.issue})"
    elif study.issue:
        out += f";({study.issue})"
    pages = expand_pages(study.pages) or study.elocation
    if pages:
        out += f":{pages}"
    return out


def ama(study: Study) -> str:
    """The AMA citation as plain text."""
    return _ama(study, html=False)


def ama_html(study: Study) -> Markup:
    """The AMA citation as safe HTML: journal in italics, title with its safe inline markup."""
    return Markup(_ama(study, html=True))


def _ama(study: Study, *, html: bool) -> str:
    def e(text: str) -> str:
        return str(escape(text)) if html else text

    parts: list[str] = []
    authors = ama_authors(study.authors, study.authors_complete)
    if authors:
        parts.append(e(_sentence(authors)))
    title = study.title_html if (html and study.title_html) else e(study.title)
    if title:
        parts.append(_sentence(title))
    journal = study.journal_abbrev or study.journal
    if study.kind == "book":
        # AMA: "Author. Chapter. In: *Book*. Publisher; Year." (a whole book: its title only)
        book = study.journal
        if study.chapter and book:
            parts.append("In: " + (f"<i>{e(_sentence(book))}</i>" if html else _sentence(book)))
        tail = "; ".join(p for p in (study.publisher, str(study.year or "")) if p)
        if tail:
            parts.append(e(_sentence(tail)))
    else:
        if journal:
            parts.append(f"<i>{e(_sentence(journal))}</i>" if html else _sentence(journal))
        source = _source(study)
        if source:
            parts.append(e(_sentence(source)))
    if study.doi:
        parts.append(e(f"doi:{study.doi}"))
    return " ".join(parts)


def write_csv(table: pd.DataFrame, out: TextIO) -> None:
    """The evidence table as CSV with the documented export columns first."""
    columns = EXPORT_COLUMNS + [c for c in CSV_EXTRA_COLUMNS if c in table.columns]
    frame = table.reindex(columns=columns)
    for col in [c for c in ("topics", "conditions", "publication_types", "notices") if c in frame]:
        frame[col] = frame[col].map(lambda v: "; ".join(v) if isinstance(v, (list, tuple)) else v)
    for col in frame.columns:
        frame[col] = frame[col].map(_inert_cell)
    frame.to_csv(out, index=False, lineterminator="\n")


def _inert_cell(value: object) -> object:
    """A text cell a spreadsheet will not run as a formula (=, +, -, @ lead a formula)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


CSV_EXTRA_COLUMNS = [
    "evidence_level",
    "route",
    "agent",
    "participants",
    "curation_decision",
    "curation_note",
    "notices",
    "exclusion",
    "citation",
    "pubmed_url",
    "origin",
]
