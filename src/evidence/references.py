"""The reference-manager exports: RIS, MEDLINE/.nbib, BibTeX and CSL-JSON.

Each takes the studies in report order, an optional `note` (the offline sample's label,
carried into every record so an imported reference never passes for a PubMed search) and
optional `reviews` (the reviewer's work on each study, by PMID), written into the fields each
reader maps to notes and tags, so a Zotero import keeps them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from evidence.citations import article_number, expand_pages, locator
from evidence.study import MONTH_NUMBERS, Author, Study

# MEDLINE's three-letter language codes as BCP 47 tags (what CSL's `language` holds); a code
# not listed here is left out rather than passed on as if it were a tag.
LANGUAGE_TAGS = {
    *[("eng", "en"), ("ger", "de"), ("fre", "fr"), ("spa", "es"), ("ita", "it")],
    *[("por", "pt"), ("dut", "nl"), ("rus", "ru"), ("chi", "zh"), ("jpn", "ja")],
    *[("kor", "ko"), ("pol", "pl"), ("swe", "sv"), ("dan", "da"), ("nor", "no")],
    *[("fin", "fi"), ("cze", "cs"), ("hun", "hu"), ("tur", "tr"), ("heb", "he")],
    *[("gre", "el"), ("per", "fa"), ("ara", "ar"), ("hrv", "hr"), ("slo", "sk")],
}
_LANGUAGE_TAGS = dict(LANGUAGE_TAGS)
_SEASONS = {"spring": 1, "summer": 2, "fall": 3, "autumn": 3, "winter": 4}


@dataclass(frozen=True)
class Review:
    """The reviewer's work on one study, as readable text (what the page shows)."""

    design: str = ""  # "Systematic review"
    level: str = ""  # "Systematic reviews and meta-analyses"
    note: str = ""  # the reviewer's note (or reason for excluding)
    conclusion: str = ""  # the authors' own conclusion (evidence.findings), shown without a note
    exclusion: str = ""  # why it is not counted, "" when included

    def notes(self) -> list[str]:
        """The lines a reference manager keeps as notes: the reviewer's note, else the
        authors' conclusion; then the design, the evidence level and any exclusion."""
        out = []
        if self.note:
            out.append(f"Reviewer's note: {self.note}")
        elif self.conclusion:
            out.append(f"Authors' conclusion: {self.conclusion}")
        if self.design:
            out.append(f"Study design: {self.design}")
        if self.level:
            out.append(f"Evidence level: {self.level}")
        if self.exclusion:
            out.append(f"Not counted: {self.exclusion}")
        return out

    def keywords(self) -> list[str]:
        """Tags for the design and the evidence level (commas would split a BibTeX tag)."""
        tags = [f"Study design: {self.design}" if self.design else ""]
        tags.append(f"Evidence level: {self.level}" if self.level else "")
        return [t.replace(",", "") for t in tags if t]


def record_notes(study: Study, note: str = "") -> str:
    """What a reference manager must carry with the record: a retraction, an erratum, an
    expression of concern, and the export's own note (the offline sample's label)."""
    flags = [f"{label} (PMID {pmid})" if pmid else label for label, pmid in study.notices]
    if study.retracted:
        flags.insert(0, "RETRACTED")
    return "; ".join([*flags, *([note] if note else [])])


def _all_notes(study: Study, note: str, reviews: Mapping[str, Review] | None) -> list[str]:
    """A retraction or correction first (a reader must see it), then the reviewer's work,
    then the export's note."""
    review = (reviews or {}).get(study.pmid)
    lines = review.notes() if review else []
    flags = record_notes(study)
    return [*([flags] if flags else []), *lines, *([note] if note else [])]


def _keywords(study: Study, reviews: Mapping[str, Review] | None) -> list[str]:
    review = (reviews or {}).get(study.pmid)
    return review.keywords() if review else []


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


def _month(word: str) -> int | None:
    return MONTH_NUMBERS.get(word[:3].title()) if len(word) >= 3 else None


def csl_date(study: Study) -> dict[str, object]:
    """PubMed's PubDate as a CSL date: ranges ("2019 Nov-Dec", "1998 Dec-1999 Jan",
    "2001-2002") as two date-parts, seasons as CSL's season (1-4, spring to winter)."""
    if study.year is None:
        return {}
    text = " ".join(study.pub_date.split())
    m = re.fullmatch(r"(\d{4})(?: (\w+))?(?: (\d{1,2}))?-(?:(\d{4}) )?(\w+)(?: (\d{1,2}))?", text)
    if m:
        y1, w1, d1, y2, w2, d2 = m.groups()
        if w1 is None and w2.isdigit() and len(w2) == 4:  # "2001-2002"
            return {"date-parts": [[int(y1)], [int(w2)]]}
        if w1 is not None and w1.lower() in _SEASONS and w2.lower() in _SEASONS:
            return {"date-parts": [[int(y1)]], "season": _SEASONS[w1.lower()]}
        first, second = _month(w1 or ""), _month(w2)
        if first and second:
            start = [int(y1), first, *([int(d1)] if d1 else [])]
            end = [int(y2 or y1), second, *([int(d2)] if d2 else [])]
            return {"date-parts": [start, end]}
        if first and w2.isdigit() and d1:  # "2019 Mar 1-15": a day range
            return {"date-parts": [[int(y1), first, int(d1)], [int(y1), first, int(w2)]]}
    words = text.split()
    if len(words) >= 2 and words[1].lower() in _SEASONS:
        return {"date-parts": [[study.year]], "season": _SEASONS[words[1].lower()]}
    return {"date-parts": [_date_parts(study)]}


def _page_range(pages: str) -> tuple[str, str]:
    """('642', '647') from '642-7'; a single page or an odd form stays as the start."""
    full = expand_pages(pages)
    start, _, end = full.partition("-")
    return start.strip(), end.strip()


def _initials_only(author: Author) -> bool:
    """PubMed gives initials alone ("HR"), or a ForeName that is only the initials again."""
    fore = author.fore_name.replace(".", "").replace(" ", "")
    return not fore or (fore == author.initials.replace(" ", "") and fore.isupper())


def given_names(author: Author) -> str:
    """The given names as CSL processors and reference managers split them: the ForeName,
    or the initials each with a period ("H. R.", "J.-P."), never "HR" read as one name."""
    if not _initials_only(author):
        return author.fore_name
    initials = author.initials.replace(" ", "").replace(".", "")
    if "-" in initials:
        return "-".join(f"{part}." for part in initials.split("-") if part)
    return " ".join(f"{ch}." for ch in initials)


def _ris_type(study: Study) -> str:
    if study.kind == "book":
        return "CHAP" if study.chapter else "BOOK"
    return "JOUR"


def to_ris(
    studies: Sequence[Study], *, note: str = "", reviews: Mapping[str, Review] | None = None
) -> str:
    """RIS (Zotero, EndNote, Mendeley): one TY…ER record per study."""
    return "\n".join(ris_records(studies, note=note, reviews=reviews))


def ris_records(
    studies: Iterable[Study], *, note: str = "", reviews: Mapping[str, Review] | None = None
) -> Iterator[str]:
    """The RIS record of each study, one at a time (to_ris joins them with a newline)."""
    for s in studies:
        out: list[str] = []
        tags: list[tuple[str, str]] = [("TY", _ris_type(s))]
        for a in s.authors:
            given = given_names(a)
            name = a.collective_name or (f"{a.last_name}, {given}" if given else a.last_name)
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
        tags += [("KW", k) for k in (*s.keywords, *_keywords(s, reviews))]
        if s.abstract_text:
            tags.append(("AB", s.abstract_text))
        tags += [("N1", line) for line in _all_notes(s, note, reviews)]
        for tag, value in tags:
            if value:
                out.append(f"{tag}  - {_one_line(value)}")
        out.append("ER  - ")
        yield "\n".join(out) + "\n"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_BIBTEX_ESCAPES = {
    **{c: "\\" + c for c in "&%$#_{}"},
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


_BIBTEX_TABLE = str.maketrans(_BIBTEX_ESCAPES)


def _bibtex_text(text: str) -> str:
    """Text safe inside a braced BibTeX value: LaTeX specials escaped, UTF-8 kept, and "--"
    kept as two hyphens (LaTeX would print an en dash: PubMed writes "ketamine--a trial")."""
    escaped = _one_line(text).translate(_BIBTEX_TABLE)
    while "--" in escaped:
        escaped = escaped.replace("--", "-{}-")
    return escaped


def to_bibtex(
    studies: Sequence[Study], *, note: str = "", reviews: Mapping[str, Review] | None = None
) -> str:
    """BibTeX: @article (or @incollection/@book) keyed by PMID."""
    return "\n".join(bibtex_records(studies, note=note, reviews=reviews))


def bibtex_records(
    studies: Iterable[Study], *, note: str = "", reviews: Mapping[str, Review] | None = None
) -> Iterator[str]:
    """The note's @comment, then each study's entry, one at a time (to_bibtex joins them
    with a newline)."""
    if note:
        yield f"@comment{{{_bibtex_text(note)}}}\n"
    for s in studies:
        names = []
        for a in s.authors:
            if a.collective_name:
                names.append("{" + _bibtex_text(a.collective_name) + "}")
            elif a.last_name:
                given = given_names(a)
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
            # bibutils and biblatex read the PMID from eprint/eprinttype, not from `pmid`.
            ("eprint", s.pmid),
            ("eprinttype", "pubmed"),
            ("url", s.pubmed_url),
            ("keywords", ", ".join(_bibtex_text(k) for k in _keywords(s, reviews))),
            ("note", _bibtex_text(" ".join(map(_sentence, _all_notes(s, note, reviews))))),
        ]
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
        yield f"@{kind}{{pmid{s.pmid},\n{body}\n}}\n"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


_CSL_TAGS = re.compile(r"(</?(?:i|b|sup|sub|u)>)")


def csl_title(study: Study) -> str:
    """The title with the inline markup CSL-JSON supports (<i>, <b>, <sup>, <sub>) and the
    text unescaped; underlining, which CSL lacks, is dropped."""
    if not study.title_html:
        return study.title
    out = []
    for piece in _CSL_TAGS.split(study.title_html):
        if _CSL_TAGS.fullmatch(piece):
            out.append("" if "u>" in piece else piece)
        else:
            out.append(html.unescape(piece))
    return "".join(out)


def to_csl_json(
    studies: Sequence[Study], *, note: str = "", reviews: Mapping[str, Review] | None = None
) -> list[dict[str, object]]:
    """CSL-JSON items (what citeproc processors, Zotero and pandoc read)."""
    return list(csl_items(studies, note=note, reviews=reviews))


def csl_items(
    studies: Iterable[Study], *, note: str = "", reviews: Mapping[str, Review] | None = None
) -> Iterator[dict[str, object]]:
    """The CSL-JSON item of each study, one at a time."""
    for s in studies:
        item: dict[str, object] = {
            "id": f"pmid{s.pmid}",
            "type": ("chapter" if s.chapter else "book") if s.kind == "book" else "article-journal",
            "title": csl_title(s),
            "author": [
                {"literal": a.collective_name}
                if a.collective_name
                else {"family": a.last_name, "given": given_names(a)}
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
        date = csl_date(s)
        if date:
            item["issued"] = date
        number = article_number(s)
        optional = {
            "volume": s.volume,
            "issue": s.issue,
            "page": "" if number else expand_pages(s.pages),
            "number": number,
            "DOI": s.doi,
            "PMCID": s.pmcid,
            "language": _LANGUAGE_TAGS.get(s.languages[0], "") if s.languages else "",
            "abstract": s.abstract_text,
            "keyword": ", ".join(_keywords(s, reviews)),
            "note": "\n".join(_all_notes(s, note, reviews)),
        }
        item.update({k: v for k, v in optional.items() if v})
        yield item


_NBIB_WIDTH = 88  # PubMed wraps MEDLINE lines near here, continuing with six spaces


def to_nbib(
    studies: Sequence[Study], *, note: str = "", reviews: Mapping[str, Review] | None = None
) -> str:
    """MEDLINE/.nbib, the format of PubMed's own "Send to: Citation manager" file."""
    return "\n".join(nbib_records(studies, note=note, reviews=reviews))


def nbib_records(
    studies: Iterable[Study], *, note: str = "", reviews: Mapping[str, Review] | None = None
) -> Iterator[str]:
    """The MEDLINE record of each study, one at a time (to_nbib joins them with a newline)."""
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
        tags += [("OT", k) for k in (*s.keywords, *_keywords(s, reviews))]
        if s.pmcid:
            tags.append(("PMC", s.pmcid))
        if s.doi:
            tags.append(("AID", f"{s.doi} [doi]"))
        review = (reviews or {}).get(s.pmid)
        tags += [("GN", line) for line in (review.notes() if review else [])]
        if note:
            tags.append(("GN", note))
        tags.append(("SO", _nbib_source(s)))
        lines = [_nbib_line(tag, value) for tag, value in tags if value]
        yield "\n".join(lines) + "\n"


def _nbib_source(s: Study) -> str:
    journal = s.journal_abbrev or s.journal
    text = f"{journal}. " + locator(str(s.pub_date or s.year or ""), s, s.pages or s.elocation)
    text += "."
    if s.doi:
        text += f" doi: {s.doi}."
    return text


# MEDLINE's wrapping, greedy: each line as many words as fit in the width after its six-character
# tag column ("AB  - " or the continuation's six spaces); a longer word alone on its line.
_NBIB_LINES = re.compile(rf"(\S{{{_NBIB_WIDTH - 5},}}|.{{1,{_NBIB_WIDTH - 6}}})(?: |$)")


def _nbib_line(tag: str, value: str) -> str:
    start = f"{tag:<4}- "
    text = _one_line(value)
    if len(start) + len(text) <= _NBIB_WIDTH or not text:  # most fields fit on one line
        return (start + text).rstrip()
    return start + "\n      ".join(_NBIB_LINES.findall(text))
