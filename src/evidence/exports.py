"""Every export of a build's studies: CSV (the evidence table), JSON for a headless CMS, and the
reference-manager formats (RIS, NBIB, BibTeX, CSL-JSON), each a function of the View.

Every record of the offline sample carries the sample's label (`View.note`), so an imported
reference never passes for a PubMed search.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
from markupsafe import escape

from evidence.citations import expand_pages, locator
from evidence.classify import LEVELS
from evidence.errors import ConfigError, OutputError
from evidence.study import MONTH_NUMBERS, Author, Study, doi_url, pmc_url
from evidence.view import View

# `evidence export --format F` and the file of the same content a build writes into reports/.
EXPORT_FILES = {
    "csv": "studies.csv",
    "ris": "studies.ris",
    "bibtex": "studies.bib",
    "csl-json": "studies.csl.json",
    "nbib": "studies.nbib",
    "json": "studies.json",
}
# The CSV's columns: the documented ones first (README, up to first_seen), then the grading and
# the citation.
CSV_COLUMNS = [
    *("pmid", "title", "authors", "journal", "year", "doi", "pmcid", "publication_types"),
    *("design", "topics", "conditions", "retracted", "first_seen", "evidence_level", "route"),
    *("agent", "participants", "curation_decision", "curation_note", "notices", "exclusion"),
    *("citation", "pubmed_url", "origin"),
]


def export_text(view: View, fmt: str) -> str:
    """One export of the view's studies as text; `fmt` is a key of EXPORT_FILES."""
    if fmt == "csv":
        out = io.StringIO()
        write_csv(view.table(), out)
        return out.getvalue()
    if fmt == "json":
        return _json_text(cms_json(view))
    writers = {"ris": to_ris, "bibtex": to_bibtex, "nbib": to_nbib}
    if fmt in writers:
        return writers[fmt](view.studies(), note=view.note)
    if fmt == "csl-json":
        return _json_text(to_csl_json(view.studies(), note=view.note))
    raise ConfigError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FILES)}")


def export(view: View, fmt: str, *, out: TextIO | None = None, path: Path | None = None) -> None:
    """Write one export to `out`, or to `path` atomically (a temporary file beside it, renamed
    into place: a failure leaves no half-written file and any earlier file as it was)."""
    text = export_text(view, fmt)
    if path is None:
        if out is None:
            raise ValueError("export needs `out` or `path`")
        out.write(text)
        return
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise OutputError(f"{path}: cannot write the export: {exc.strerror or exc}") from exc


def _json_text(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def cms_json(view: View) -> dict[str, Any]:
    """The evidence table for a headless CMS: provenance, then one object per study."""
    table = view.table()
    studies = {s.pmid: s for s in view.studies()}
    levels = {lv.rank: lv.label for lv in LEVELS}
    records = []
    for r in table.to_dict("records"):
        s = studies[str(r["pmid"])]
        records.append(
            {
                "pmid": s.pmid,
                "title": s.title,
                "title_html": s.title_html or str(escape(s.title)),
                "authors": [a.short for a in s.authors if a.short],
                "authors_complete": s.authors_complete,
                "journal": s.journal or s.journal_abbrev,
                "year": s.year,
                "doi": s.doi or None,
                "pmcid": s.pmcid or None,
                "design": r["design"],
                "design_label": r["design_label"],
                "evidence_level": int(r["evidence_level"]),
                "evidence_level_label": levels.get(int(r["evidence_level"]), ""),
                "topics": list(r["topics"]),
                "conditions": list(r["conditions"]),
                "participants": None if pd.isna(r["participants"]) else int(r["participants"]),
                "retracted": bool(r["retracted"]),
                "note": r["curation_note"] or None,
                "curation_decision": r["curation_decision"] or None,
                "exclusion": r["exclusion"] or None,
                "notices": list(r["notices"]),
                "first_seen": r["first_seen"],
                "citation": r["citation"],
                "citation_html": str(r["citation_html"]),
                "links": {
                    "pubmed": s.pubmed_url,
                    "doi": doi_url(s.doi) or None,
                    "pmc": pmc_url(s.pmcid) or None,
                },
            }
        )
    return {
        "origin": view.origin,
        "sample": view.sample is not None,
        "notice": view.note or None,
        "data_date": view.data_date().isoformat(),
        "citation_style": view.style,
        "studies": records,
    }


# --- CSV ----------------------------------------------------------------------------------


def write_csv(table: pd.DataFrame, out: TextIO) -> None:
    """The evidence table as CSV, in CSV_COLUMNS' order."""
    frame = table.reindex(columns=CSV_COLUMNS)
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


# --- reference-manager exports ---------------------------------------------------------------
# Each takes the studies in report order and an optional `note` (the offline sample's label,
# carried into every record so an imported reference never passes for a PubMed search).


def _date_parts(study: Study) -> list[int]:
    """[year, month, day] as far as PubDate says; a MedlineDate range gives its first month."""
    if study.year is None:
        return []
    parts = [study.year]
    words = study.pub_date.split()
    if len(words) >= 2 and words[1][:3] in MONTH_NUMBERS:
        parts.append(MONTH_NUMBERS[words[1][:3]])
        if len(words) >= 3 and words[2].isdigit() and "-" not in words[1]:
            parts.append(int(words[2]))
    return parts


def _page_range(pages: str) -> tuple[str, str]:
    """('642', '647') from '642-7'; a single page or an odd form stays as the start."""
    full = expand_pages(pages)
    start, _, end = full.partition("-")
    return start.strip(), end.strip()


def _given(author: Author) -> str:
    return author.fore_name or author.initials


def _ris_type(study: Study) -> str:
    if study.kind == "book":
        return "CHAP" if study.chapter else "BOOK"
    return "JOUR"


def record_notes(study: Study, note: str = "") -> str:
    """What a reference manager must carry with the record: a retraction, an erratum, an
    expression of concern, and the export's own note (the offline sample's label)."""
    flags = [f"{label} (PMID {pmid})" if pmid else label for label, pmid in study.notices]
    if study.retracted:
        flags.insert(0, "RETRACTED")
    return "; ".join([*flags, *([note] if note else [])])


def to_ris(studies: Sequence[Study], *, note: str = "") -> str:
    """RIS (Zotero, EndNote, Mendeley): one TY…ER record per study."""
    out: list[str] = []
    for s in studies:
        tags: list[tuple[str, str]] = [("TY", _ris_type(s))]
        for a in s.authors:
            name = a.collective_name or (
                f"{a.last_name}, {_given(a)}" if _given(a) else a.last_name
            )
            if name:
                tags.append(("AU", name))
        tags.append(("TI", s.title))
        if s.kind == "book":
            if s.chapter and s.journal:
                tags.append(("T2", s.journal))
            if s.publisher:
                tags.append(("PB", s.publisher))
        else:
            if s.journal or s.journal_abbrev:
                tags.append(("T2", s.journal or s.journal_abbrev))
            if s.journal_abbrev:
                tags.append(("J2", s.journal_abbrev))
        if s.year:
            tags.append(("PY", str(s.year)))
        date = _date_parts(s)
        if date:
            tags.append(("DA", "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(date))))
        tags += [("VL", s.volume), ("IS", s.issue)]
        if s.pages:
            start, end = _page_range(s.pages)
            tags += [("SP", start), ("EP", end)]
        elif s.elocation:
            tags.append(("SP", s.elocation))
        tags += [("DO", s.doi), ("AN", s.pmid), ("DB", "PubMed"), ("UR", s.pubmed_url)]
        if s.pmcid:
            tags.append(("C2", s.pmcid))
        tags += [("LA", lang) for lang in s.languages]
        tags += [("KW", k) for k in s.keywords]
        if s.abstract_text:
            tags.append(("AB", s.abstract_text))
        if record_notes(s, note):
            tags.append(("N1", record_notes(s, note)))
        for tag, value in tags:
            if value:
                out.append(f"{tag}  - {_one_line(value)}")
        out.append("ER  - ")
        out.append("")
    return "\n".join(out)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_BIBTEX_ESCAPES = {
    **{c: "\\" + c for c in "&%$#_{}"},
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _bibtex_text(text: str) -> str:
    """Text safe inside a braced BibTeX value: LaTeX specials escaped, UTF-8 kept, and "--"
    kept as two hyphens (LaTeX would print an en dash: PubMed writes "ketamine--a trial")."""
    escaped = "".join(_BIBTEX_ESCAPES.get(ch, ch) for ch in _one_line(text))
    while "--" in escaped:
        escaped = escaped.replace("--", "-{}-")
    return escaped


def to_bibtex(studies: Sequence[Study], *, note: str = "") -> str:
    """BibTeX: @article (or @incollection/@book) keyed by PMID."""
    out: list[str] = []
    if note:
        out.append(f"@comment{{{_bibtex_text(note)}}}\n")
    for s in studies:
        names = []
        for a in s.authors:
            if a.collective_name:
                names.append("{" + _bibtex_text(a.collective_name) + "}")
            elif a.last_name:
                given = _given(a)
                names.append(_bibtex_text(f"{a.last_name}, {given}" if given else a.last_name))
        fields: list[tuple[str, str]] = [("author", " and ".join(names))]
        # Double braces keep the title's capitals as PubMed prints them (drug names, acronyms).
        fields.append(("title", "{" + _bibtex_text(s.title) + "}"))
        if s.kind == "book":
            kind = "incollection" if s.chapter else "book"
            if s.chapter:
                fields.append(("booktitle", _bibtex_text(s.journal)))
            fields.append(("publisher", _bibtex_text(s.publisher)))
        else:
            kind = "article"
            fields.append(("journal", _bibtex_text(s.journal or s.journal_abbrev)))
        fields += [
            ("year", str(s.year or "")),
            ("volume", _bibtex_text(s.volume)),
            ("number", _bibtex_text(s.issue)),
        ]
        if s.pages:
            start, end = _page_range(s.pages)
            fields.append(("pages", f"{start}--{end}" if end else start))
        elif s.elocation:
            fields.append(("pages", _bibtex_text(s.elocation)))
        fields += [
            ("doi", _bibtex_text(s.doi)),
            ("pmid", s.pmid),
            ("pmcid", s.pmcid),
            ("url", s.pubmed_url),
            ("note", _bibtex_text(record_notes(s, note))),
        ]
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
        out.append(f"@{kind}{{pmid{s.pmid},\n{body}\n}}\n")
    return "\n".join(out)


def to_csl_json(studies: Sequence[Study], *, note: str = "") -> list[dict[str, object]]:
    """CSL-JSON items (what citeproc processors, Zotero and pandoc read)."""
    items: list[dict[str, object]] = []
    for s in studies:
        item: dict[str, object] = {
            "id": f"pmid{s.pmid}",
            "type": ("chapter" if s.chapter else "book") if s.kind == "book" else "article-journal",
            "title": s.title,
            "author": [
                {"literal": a.collective_name}
                if a.collective_name
                else {"family": a.last_name, "given": _given(a)}
                for a in s.authors
                if a.short
            ],
            "PMID": s.pmid,
            "URL": s.pubmed_url,
        }
        if s.kind == "book":
            if s.chapter and s.journal:
                item["container-title"] = s.journal
            if s.publisher:
                item["publisher"] = s.publisher
        else:
            if s.journal or s.journal_abbrev:
                item["container-title"] = s.journal or s.journal_abbrev
            if s.journal_abbrev:
                item["container-title-short"] = s.journal_abbrev
        date = _date_parts(s)
        if date:
            item["issued"] = {"date-parts": [date]}
        optional = {
            "volume": s.volume,
            "issue": s.issue,
            "page": expand_pages(s.pages) if s.pages else s.elocation,
            "DOI": s.doi,
            "PMCID": s.pmcid,
            "language": s.languages[0] if s.languages else "",
            "abstract": s.abstract_text,
            "note": record_notes(s, note),
        }
        item.update({k: v for k, v in optional.items() if v})
        items.append(item)
    return items


_NBIB_WIDTH = 88  # PubMed wraps MEDLINE lines near here, continuing with six spaces


def to_nbib(studies: Sequence[Study], *, note: str = "") -> str:
    """MEDLINE/.nbib, the format of PubMed's own "Send to: Citation manager" file."""
    records: list[str] = []
    for s in studies:
        tags: list[tuple[str, str]] = [("PMID", s.pmid)]
        tags += [("LA", lang) for lang in s.languages]
        tags.append(("DP", s.pub_date or str(s.year or "")))
        tags.append(("TI" if s.kind != "book" or s.chapter else "BTI", s.title))
        if s.kind == "book" and s.chapter and s.journal:
            tags.append(("BTI", s.journal))
        if s.pages:
            tags.append(("PG", s.pages))
        if s.elocation:
            tags.append(("LID", f"{s.elocation} [pii]"))
        if s.doi:
            tags.append(("LID", f"{s.doi} [doi]"))
        if s.abstract_text:
            tags.append(("AB", s.abstract_text))
        for a in s.authors:
            if a.collective_name:
                tags.append(("CN", a.collective_name))
            elif a.last_name:
                if a.fore_name:
                    tags.append(("FAU", f"{a.last_name}, {a.fore_name}"))
                tags.append(("AU", a.short))
        tags += [("PT", pt) for pt in s.publication_types]
        if s.kind == "book":
            tags.append(("PB", s.publisher))
        else:
            tags += [
                ("TA", s.journal_abbrev),
                ("JT", s.journal),
                ("VI", s.volume),
                ("IP", s.issue),
            ]
        tags += [("MH", ("*" if m.major else "") + m.descriptor) for m in s.mesh]
        tags += [("OT", k) for k in s.keywords]
        if s.pmcid:
            tags.append(("PMC", s.pmcid))
        if s.doi:
            tags.append(("AID", f"{s.doi} [doi]"))
        if note:
            tags.append(("GN", note))
        tags.append(("SO", _nbib_source(s)))
        lines = [_nbib_line(tag, value) for tag, value in tags if value]
        records.append("\n".join(lines) + "\n")
    return "\n".join(records)


def _nbib_source(s: Study) -> str:
    journal = s.journal_abbrev or s.journal
    text = f"{journal}. " + locator(str(s.pub_date or s.year or ""), s, s.pages or s.elocation)
    text += "."
    if s.doi:
        text += f" doi: {s.doi}."
    return text


def _nbib_line(tag: str, value: str) -> str:
    words = _one_line(value).split(" ")
    lines: list[str] = []
    start = current = f"{tag:<4}- "
    for word in words:
        if len(current) + len(word) > _NBIB_WIDTH and current not in (start, "      "):
            lines.append(current.rstrip())
            current = "      "
        current += word + " "
    lines.append(current.rstrip())
    return "\n".join(lines)
