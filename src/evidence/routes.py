"""The route of administration a record states: the route vocabulary and its text rules.

PubMed's MeSH headings count first; the title and abstract are read for the words and
abbreviations of each route ("intranasal", "IV", "i.m."), but not for the Roman numerals
that look like them ("phase IV", "DSM-IV").
"""

from __future__ import annotations

import re

from evidence.study import Study


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# The route vocabulary: codes (as the curation file and the CSV write them) and their labels.
ROUTE_LABELS: dict[str, str] = {
    "iv": "intravenous",
    "intranasal": "intranasal",
    "intramuscular": "intramuscular",
    "subcutaneous": "subcutaneous",
    "oral": "oral",
    "topical": "topical",
    "mixed": "several routes",
}
# The text rules for each route a record can state (more than one is "mixed"), each with
# the words one of which any match contains (see `_could_hold`).
_ROUTES: tuple[tuple[str, re.Pattern[str], frozenset[str], tuple[str, ...]], ...] = (
    (
        "intranasal",
        _rx(r"intranasal|nasal spray|\bnasal\b"),
        frozenset({"Administration, Intranasal"}),
        ("nasal",),
    ),
    (
        "iv",
        _rx(r"intravenous|\binfusions?\b"),
        frozenset({"Infusions, Intravenous", "Administration, Intravenous"}),
        ("intravenous", "infusion"),
    ),
    (
        "intramuscular",
        _rx(r"intramuscular"),
        frozenset({"Injections, Intramuscular"}),
        ("intramuscular",),
    ),
    (
        "subcutaneous",
        _rx(r"subcutaneous"),
        frozenset({"Injections, Subcutaneous"}),
        ("subcutaneous",),
    ),
    ("oral", _rx(r"\boral(?:ly)?\b"), frozenset({"Administration, Oral"}), ("oral",)),
    (
        "topical",
        _rx(r"topical|\bcream\b|\bgel\b|ointment"),
        frozenset({"Administration, Topical", "Administration, Cutaneous"}),
        ("topical", "cream", "gel", "ointment"),
    ),
)


def _abbreviation(forms: str, bare: str = "") -> re.Pattern[str]:
    """A route's abbreviations, case-sensitive, but not alone in brackets ("(IV)", "(iv)")
    where they number the items of a list; `bare` forms (lower-case "iv") not before ")" at all.
    """
    either = rf"(?<![\w.(-])(?:{forms})(?![\w-])|(?<=\()(?:{forms})(?![\w)-])"
    return re.compile(rf"{either}|(?<![\w.(-])(?:{bare})(?![\w)-])" if bare else either)


# "IV", "I.V.", "i.v." and "iv" as a route, but not the Roman numeral of "phase IV", "type IV",
# "DSM-IV", "grade III/IV" or "level of evidence: IV", nor a list item "iv)".
_ABBREVIATIONS = (
    ("iv", _abbreviation(r"IV|I\.V\.?|i\.v\.?", bare="iv"), ("iv", "i.v")),
    ("intramuscular", _abbreviation(r"IM|I\.M\.?|i\.m\.?"), ("im", "i.m")),
)
_NUMERAL_BEFORE = _rx(
    r"(?:\b(?:phase|type|grade|class|stage|level|schedule|part|factor|category|DSM|evidence)"
    r"|\b(?:I|II|III)\b)[\s:/\u2013-]*(?:\b(?:and|or|to)\s+)?$"
)


def _abbreviated(pattern: re.Pattern[str], text: str) -> bool:
    return any(
        not _NUMERAL_BEFORE.search(text, max(0, m.start() - 30), m.start())
        for m in pattern.finditer(text)
    )


# The only characters other than ASCII letters that a case-insensitive pattern matches to an
# ASCII letter (Unicode's case rules): mapped to it, a lower-cased text holds every word that
# a pattern's match contains.
_ASCII_LOOKALIKES = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def lowered(text: str) -> str:
    """The text in lower case for `_could_hold`-style checks: a pattern can match only where
    one of its words is a substring of this (a substring test is far cheaper than a search)."""
    return (text if text.isascii() else text.translate(_ASCII_LOOKALIKES)).lower()


def _could_hold(low: str, words: tuple[str, ...]) -> bool:
    return any(word in low for word in words)


def classify_route(study: Study) -> str:
    """Route of administration ('iv', 'intranasal', …, 'mixed'), or '' when not stated."""
    mesh = {m.descriptor for m in study.mesh}
    text = f"{study.title} {study.abstract_text}"
    low = lowered(text)  # patterns run only where their words are (most abstracts name few)
    abbreviated = {
        name
        for name, pattern, words in _ABBREVIATIONS
        if _could_hold(low, words) and _abbreviated(pattern, text)
    }
    found = [
        name
        for name, pattern, headings, words in _ROUTES
        if mesh & headings
        or name in abbreviated
        or (_could_hold(low, words) and pattern.search(text))
    ]
    if len(found) > 1:
        return "mixed"
    return found[0] if found else ""
