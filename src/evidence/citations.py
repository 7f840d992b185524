"""Citation strings: AMA, Vancouver/NLM and APA 7, as text and as safe HTML.

The formatters are written here rather than run through CSL styles (citeproc-py): PubMed's
records need rules the CSL processors get wrong or lack, such as MedlineDate ranges kept as
printed ("2019 Nov-Dec"), bracketed English translations of non-English titles with the
language named (NLM), titles carrying inline markup, and incomplete author lists. Each rule
is tested against hand-checked strings in tests/test_citations.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from evidence.study import MONTH_NAMES, Author, Study

AMA_MAX_AUTHORS = 6  # AMA: list all up to 6; more than 6, the first 3 then "et al"
AMA_SHOWN_WHEN_TRUNCATED = 3


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


def volume_issue(
    study: Study, volume: Callable[[str], str] = str, text: Callable[[str], str] = str
) -> str:
    """'80(7)', '80', '(7)' or '': the one place a volume and issue are joined (`volume`
    dresses the volume, as APA's italics do; `text` the rest, as HTML escaping does)."""
    issue = text(f"({study.issue})") if study.issue else ""
    return (volume(study.volume) if study.volume else "") + issue


def locator(lead: str, study: Study, pages: str) -> str:
    """'2013;80(7):642-647': `lead` (year or date), volume and issue, then pages, as AMA, NLM
    and MEDLINE print them."""
    vi = volume_issue(study)
    return lead + (f";{vi}" if vi else "") + (f":{pages}" if pages else "")


def _source(study: Study) -> str:
    """'2013;80(7):642-647' and friends, without the journal."""
    return locator(str(study.year or ""), study, expand_pages(study.pages) or study.elocation)


def _ama_date(study: Study) -> str:
    """'March 1, 2023', 'March 2023' or '2023' from PubMed's '2023 Mar 1' (AMA spells months)."""
    words = study.pub_date.split()
    if len(words) >= 2 and words[1] in MONTH_NAMES and words[0].isdigit():
        month = MONTH_NAMES[words[1]]
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
        source = locator(date, study, study.pages.strip() or study.elocation)
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


def _apa_range(text: str) -> str:
    """A page or issue range with APA's en dash: "248\u2013257.e1", "5\u20136", "S12\u2013S15";
    a range of plain numbers in full ("642-7" becomes "642\u2013647")."""
    text = expand_pages(text)
    m = re.fullmatch(r"([A-Za-z]?\d+[\w.]*)\s*-\s*([A-Za-z]?\d+[\w.]*)", text)
    return f"{m[1]}\u2013{m[2]}" if m else text


def _apa_issue(text: str) -> str:
    """'(5\u20136)' from '(5-6)': an issue range with APA's en dash."""
    return "(" + _apa_range(text[1:-1]) + ")" if text.startswith("(") else text


# APA 7 title case: minor words (articles, short conjunctions and prepositions of three letters
# or fewer) stay lower-case unless they open the title or follow a colon.
APA_MINOR_WORDS = frozenset(
    {"a", "an", "the", "and", "as", "but", "for", "if", "nor", "or", "so", "yet"}
    | {"at", "by", "in", "of", "off", "on", "per", "to", "up", "via", "de", "la", "et"}
)


def apa_title_case(text: str) -> str:
    """'Anesthesia and Analgesia' from PubMed's 'Anesthesia and analgesia': each major word
    and each part of a hyphenated word capitalised; acronyms and words already holding a
    capital after their first letter ("BMJ", "eNeuro", "PLoS") kept as they are."""

    def part(p: str) -> str:
        core = p.lstrip("([\"'")
        if not core or not core[0].islower() or any(ch.isupper() for ch in core[1:]):
            return p  # capitalised already, an acronym, or "eNeuro"
        return p[: len(p) - len(core)] + core[0].upper() + core[1:]

    def word(w: str, first: bool) -> str:
        if not first and w.lower().strip("([\"'.,:;)") in APA_MINOR_WORDS:
            return w
        return "-".join(part(p) for p in w.split("-"))

    out: list[str] = []
    first = True
    for w in text.split(" "):
        out.append(word(w, first))
        first = w.endswith(":")
    return " ".join(out)


def article_number(study: Study) -> str:
    """The article number of an article known by one, not by pages: the e-locator, or a
    pagination that is one (PubMed stores "e35638" or "2210167" there for some journals)."""
    pages = study.pages.strip()
    if not pages:
        return study.elocation
    return pages if re.fullmatch(r"[eE]\d+|\d{6,}", pages) else ""


def _apa(study: Study, html: bool) -> str:
    """APA 7: full journal name in title case and volume in italics, the issue in parentheses,
    page and issue ranges with an en dash (or "Article eNNN" for an article number), and the
    DOI as a https://doi.org/ link."""

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
        # Only the full name is set in title case: an abbreviation is kept as PubMed gives it.
        journal = apa_title_case(study.journal) if study.journal else study.journal_abbrev
        source = italic(journal) if journal else ""
        vi = volume_issue(study, italic, lambda text: e(_apa_issue(text)))
        if vi:
            source += (", " if source else "") + vi
        number = article_number(study)
        if number:
            source += e(f", Article {number}")
        elif study.pages.strip():
            source += e(f", {_apa_range(study.pages.strip())}")
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
