"""Citation strings (AMA, Vancouver/NLM, APA 7) and the CSV export of the evidence table.

The formatters are written here rather than run through CSL styles (citeproc-py): PubMed's
records need rules the CSL processors get wrong or lack, such as MedlineDate ranges kept as
printed ("2019 Nov-Dec"), bracketed English translations of non-English titles with the
language named (NLM), titles carrying inline markup, and incomplete author lists. Each rule
is tested against hand-checked strings in tests/test_citations.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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


# English names on purpose: calendar.month_name follows the process locale.
_MONTH_NAMES = {
    m[:3]: m
    for m in (
        *("January", "February", "March", "April", "May", "June", "July"),
        *("August", "September", "October", "November", "December"),
    )
}


def _ama_date(study: Study) -> str:
    """'March 1, 2023', 'March 2023' or '2023' from PubMed's '2023 Mar 1' (AMA spells months)."""
    words = study.pub_date.split()
    if len(words) >= 2 and words[1] in _MONTH_NAMES and words[0].isdigit():
        month = _MONTH_NAMES[words[1]]
        if len(words) >= 3 and words[2].isdigit():
            return f"{month} {int(words[2])}, {words[0]}"
        return f"{month} {words[0]}"
    return str(study.year or "")


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
        online_only = not (study.volume or study.issue or study.pages or study.elocation)
        # Only where PubMed says the article was published electronically: a record that
        # merely lacks a volume (as the offline sample may) is not claimed to be online-only.
        if online_only and study.doi and "Electronic" in study.pub_model:
            # AMA for an article known only by its DOI (online ahead of print).
            parts.append(e(f"Published online {_ama_date(study)}."))
        else:
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


# --- citation styles -------------------------------------------------------------------------

STYLES = ("ama", "vancouver", "apa")
STYLE_LABELS = {"ama": "AMA 11th edition", "vancouver": "Vancouver (NLM)", "apa": "APA 7th edition"}
VANCOUVER_MAX_AUTHORS = 6  # ICMJE/NLM: list the first 6, then "et al."
APA_MAX_AUTHORS = 20  # APA 7: up to 20 listed; 21 or more: first 19, an ellipsis, the last
# PubMed's Language codes (MEDLINE's three-letter set) for the ones seen most; NLM names the
# language of a non-English article after the citation ("… 2009;106(11):184-9. German.").
LANGUAGES = {
    "chi": "Chinese",
    "cze": "Czech",
    "dan": "Danish",
    "dut": "Dutch",
    "fin": "Finnish",
    "fre": "French",
    "ger": "German",
    "gre": "Greek, Modern",
    "heb": "Hebrew",
    "hun": "Hungarian",
    "ita": "Italian",
    "jpn": "Japanese",
    "kor": "Korean",
    "nor": "Norwegian",
    "per": "Persian",
    "pol": "Polish",
    "por": "Portuguese",
    "rus": "Russian",
    "spa": "Spanish",
    "swe": "Swedish",
    "tur": "Turkish",
}


def cite(study: Study, style: str = "ama") -> str:
    """The citation of `study` in `style` ("ama", "vancouver" or "apa") as plain text."""
    return _FORMATTERS[_check_style(style)](study, False)


def cite_html(study: Study, style: str = "ama") -> Markup:
    """The citation as safe HTML: every text escaped, the title's safe inline markup kept."""
    return Markup(_FORMATTERS[_check_style(style)](study, True))


def _check_style(style: str) -> str:
    if style not in _FORMATTERS:
        raise ValueError(f"unknown citation style {style!r}; choose one of {', '.join(STYLES)}")
    return style


def _title(study: Study, html: bool) -> str:
    if html:
        return study.title_html or str(escape(study.title))
    return study.title


def _non_english(study: Study) -> list[str]:
    return [
        LANGUAGES.get(code, code.title())
        for code in study.languages
        if code and code.lower() not in ("eng", "und")
    ]


def _vancouver_authors(study: Study) -> str:
    names = [a.short for a in study.authors if a.short]
    if not names:
        return ""
    if len(names) > VANCOUVER_MAX_AUTHORS:
        return ", ".join(names[:VANCOUVER_MAX_AUTHORS]) + ", et al."
    return ", ".join(names) + (", et al." if not study.authors_complete else "")


def _vancouver(study: Study, html: bool) -> str:
    """NLM's Citing Medicine as PubMed prints it: abbreviated journal, the PubDate as given
    (month and MedlineDate ranges kept), page ranges as printed, the language when not
    English."""

    def e(text: str) -> str:
        return str(escape(text)) if html else text

    parts: list[str] = []
    authors = _vancouver_authors(study)
    if authors:
        parts.append(e(_sentence(authors)))
    title = _title(study, html)
    if title:
        parts.append(_sentence(title))
    date = study.pub_date or str(study.year or "")
    if study.kind == "book":
        book = study.journal
        if study.chapter and book:
            parts.append(e("In: " + _sentence(book)))
        tail = "; ".join(p for p in (study.publisher, date) if p)
        if tail:
            parts.append(e(_sentence(tail)))
    else:
        journal = study.journal_abbrev or study.journal
        if journal:
            parts.append(e(_sentence(journal)))
        source = date
        if study.volume:
            source += f";{study.volume}"
            if study.issue:
                source += f"({study.issue})"
        elif study.issue:
            source += f";({study.issue})"
        pages = study.pages.strip() or study.elocation
        if pages:
            source += f":{pages}"
        if source:
            parts.append(e(_sentence(source)))
    if study.doi:
        parts.append(e(f"doi:{study.doi}."))
    for language in _non_english(study):
        parts.append(e(f"{language}."))
    return " ".join(parts)


def _apa_name(author: Author) -> str:
    if author.collective_name:
        return author.collective_name
    initials = author.initials.replace(" ", "").replace(".", "")
    if not initials:
        return author.last_name
    if "-" in initials:  # "J-P" → "J.-P."
        dotted = "-".join(f"{part}." for part in initials.split("-") if part)
    else:
        dotted = " ".join(f"{ch}." for ch in initials)
    return f"{author.last_name}, {dotted}"


def _apa_authors(study: Study) -> str:
    names = [_apa_name(a) for a in study.authors if a.short]
    if not names:
        return ""
    if len(names) > APA_MAX_AUTHORS:
        return ", ".join(names[: APA_MAX_AUTHORS - 1]) + ", . . . " + names[-1]
    if not study.authors_complete:
        return ", ".join(names) + ", et al."
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + ", & " + names[-1]


def _apa_pages(pages: str) -> str:
    return expand_pages(pages).replace("-", "\u2013") if re.fullmatch(r"\d+-\d+", pages) else pages


def _apa(study: Study, html: bool) -> str:
    """APA 7: full journal name and volume in italics, the issue in parentheses, the full page
    range with an en dash (or "Article eNNN"), and the DOI as a https://doi.org/ link."""

    def e(text: str) -> str:
        return str(escape(text)) if html else text

    def italic(text: str) -> str:
        return f"<i>{e(text)}</i>" if html else text

    parts: list[str] = []
    authors = _apa_authors(study)
    year = f"({study.year})." if study.year else "(n.d.)."
    title = _title(study, html)
    if authors:
        parts.append(e(authors if authors.endswith(".") else authors + "."))
        parts.append(e(year))
        if title:
            parts.append(_sentence(title))
    else:  # APA: with no author, the title moves to the author position
        if title:
            parts.append(_sentence(title))
        parts.append(e(year))
    if study.kind == "book":
        if study.chapter and study.journal:
            parts.append("In " + italic(_sentence(study.journal)))
        if study.publisher:
            parts.append(e(_sentence(study.publisher)))
    else:
        journal = study.journal or study.journal_abbrev
        source = italic(journal) if journal else ""
        if study.volume:
            source += (", " if source else "") + italic(study.volume)
            if study.issue:
                source += e(f"({study.issue})")
        elif study.issue:
            source += e(f", ({study.issue})")
        pages = study.pages.strip()
        if pages:
            source += e(f", {_apa_pages(pages)}")
        elif study.elocation:
            source += e(f", Article {study.elocation}")
        if source:
            parts.append(source + ".")
    if study.doi:
        parts.append(e(f"https://doi.org/{study.doi}"))
    return " ".join(parts)


_FORMATTERS: dict[str, Callable[[Study, bool], str]] = {
    "ama": lambda study, html: _ama(study, html=html),
    "vancouver": _vancouver,
    "apa": _apa,
}


# --- reference-manager exports ---------------------------------------------------------------
# Each takes the studies in report order and an optional `note` (the offline sample's label,
# carried into every record so an imported reference never passes for a PubMed search).

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def _date_parts(study: Study) -> list[int]:
    """[year, month, day] as far as PubDate says; a MedlineDate range gives its first month."""
    if study.year is None:
        return []
    parts = [study.year]
    words = study.pub_date.split()
    if len(words) >= 2 and words[1][:3] in _MONTHS:
        parts.append(_MONTHS[words[1][:3]])
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
    text = f"{journal}. {s.pub_date or s.year or ''}"
    if s.volume:
        text += f";{s.volume}"
        if s.issue:
            text += f"({s.issue})"
    if s.pages or s.elocation:
        text += f":{s.pages or s.elocation}"
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
