"""Plain data records passed between pipeline stages.

A `Study` is what `pubmed` makes of one PubMed record; `Tags` is what `classify` (and the
reviewer's curation) add to it. Both are frozen dataclasses that round-trip through JSON so the
store can keep them as they are.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import re
from dataclasses import dataclass
from sys import intern
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

RETRACTION_TYPES = frozenset({"Retracted Publication"})
# What a record typed Retracted Publication with no link to its notice tells a reader.
_RETRACTED_ONLY = (("Retracted publication", ""),)
# "RetractedandRepublishedIn": the article was retracted and a corrected version published.
RETRACTION_LINKS = frozenset({"RetractionIn", "RetractedandRepublishedIn"})
# Links PubMed adds to a record when a correction of it is published.
CORRECTION_LINKS = frozenset(
    {"ErratumIn", "CorrectedandRepublishedIn", "ExpressionOfConcernIn", "UpdateIn"}
)
CONCERN_LINKS = frozenset({"ExpressionOfConcernIn"})
ERRATUM_LINKS = frozenset({"ErratumIn"})

# PubMed's month abbreviations, in order; English on purpose (calendar follows the locale).
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NUMBERS = {m: i for i, m in enumerate(MONTHS, 1)}
MONTH_NAMES = {
    m[:3]: m
    for m in (
        *("January", "February", "March", "April", "May", "June", "July"),
        *("August", "September", "October", "November", "December"),
    )
}

_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
# 1 to 9 ASCII digits, no leading zero: every PMID PubMed has issued, and nothing else
# (str.isdigit would take "0123", ten digits, "²" or Arabic-Indic digits).
_PMID = re.compile(r"[1-9][0-9]{0,8}")


FIRST_YEAR = 1800  # before any journal PubMed indexes


def plausible_year(year: int | None) -> int | None:
    """`year` if a publication could bear it (1800 to next year), else None: one absurd
    value (<Year>99999</Year>) must not stretch tables and charts across millennia."""
    if year is None or not FIRST_YEAR <= year <= datetime.date.today().year + 1:
        return None
    return year


def is_pmid(text: str) -> bool:
    """Whether `text` is a PubMed id as PubMed writes it."""
    return _PMID.fullmatch(text) is not None


_PMCID = re.compile(r"^PMC\d{1,9}$")


def pubmed_url(pmid: str) -> str:
    """The canonical PubMed link, only ever for a valid PMID."""
    if not is_pmid(pmid):
        raise ValueError(f"not a PMID: {pmid!r}")
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def doi_url(doi: str) -> str:
    """https://doi.org/<doi> for a well-formed DOI, else '' (no link is better than a bad one)."""
    if not _DOI.match(doi):
        return ""
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def pmc_url(pmcid: str) -> str:
    """The PMC article link for a well-formed PMCID, else ''."""
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/" if _PMCID.match(pmcid) else ""


@dataclass(frozen=True, slots=True)
class Author:
    """One entry of an AuthorList: a person or a collective (group) name."""

    last_name: str = ""
    fore_name: str = ""
    initials: str = ""
    collective_name: str = ""

    @property
    def short(self) -> str:
        """Vancouver/AMA form: surname and initials ("Afridi SK"), or the collective name."""
        if self.collective_name:
            return self.collective_name
        return f"{self.last_name} {self.initials}".strip()


@dataclass(frozen=True, slots=True)
class AbstractSection:
    """One AbstractText: a label (BACKGROUND, METHODS…) where the abstract is structured."""

    label: str
    text: str


@dataclass(frozen=True, slots=True)
class MeshHeading:
    """A MeSH descriptor with its qualifiers; `major` marks a major topic (PubMed's '*')."""

    descriptor: str
    major: bool = False
    qualifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CommentCorrection:
    """A CommentsCorrections link: RetractionIn, ErratumIn, ExpressionOfConcernIn, …"""

    ref_type: str
    ref_source: str = ""
    pmid: str = ""


@dataclass(frozen=True)
class Study:
    """One PubMed record, as parsed. Text fields hold plain text; `title_html` holds the title
    with PubMed's inline markup reduced to a fixed safe list (<i>, <b>, <sup>, <sub>, <u>) and
    every other character escaped."""

    pmid: str
    title: str
    title_html: str = ""
    authors: tuple[Author, ...] = ()
    authors_complete: bool = True
    journal: str = ""
    journal_abbrev: str = ""
    year: int | None = None
    pub_date: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    elocation: str = ""
    doi: str = ""
    pmcid: str = ""
    abstract: tuple[AbstractSection, ...] = ()
    publication_types: tuple[str, ...] = ()
    mesh: tuple[MeshHeading, ...] = ()
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    comments_corrections: tuple[CommentCorrection, ...] = ()
    kind: str = "article"  # "article" (PubmedArticle) or "book" (PubmedBookArticle)
    pub_model: str = ""  # Article/@PubModel: Print, Print-Electronic, Electronic, …; "" unknown
    publisher: str = ""  # books: the publisher's name (the book title is in `journal`)
    chapter: bool = False  # books: the record is a chapter/section, not the whole book
    date_revised: str = ""  # YYYY-MM-DD, from DateRevised, where present
    if TYPE_CHECKING:  # set by __post_init__, for each study (not fields: not stored)
        _retracted: ClassVar[bool]
        _notices: ClassVar[tuple[tuple[str, str], ...]]

    @property
    def pubmed_url(self) -> str:
        return pubmed_url(self.pmid)

    @property
    def abstract_text(self) -> str:
        return " ".join(
            f"{s.label}: {s.text}" if s.label else s.text for s in self.abstract
        ).strip()

    def __post_init__(self) -> None:
        # Every output asks these of every study, so they are worked out once, here. Not
        # functools.cached_property: writing its value makes Python build the instance's
        # dictionary in full, about 1.3 KB a study (a tenth of a 50,000-study build's memory);
        # set here, in the same order for every study, they stay in its compact form.
        typed = bool(RETRACTION_TYPES.intersection(self.publication_types))
        if not self.comments_corrections:  # most records: no links to look through
            object.__setattr__(self, "_retracted", typed)
            object.__setattr__(self, "_notices", _RETRACTED_ONLY if typed else ())
            return
        retracted = typed or any(c.ref_type in RETRACTION_LINKS for c in self.comments_corrections)
        object.__setattr__(self, "_retracted", retracted)
        object.__setattr__(self, "_notices", self._find_notices(retracted))

    @property
    def retracted(self) -> bool:
        return self._retracted

    def links(self, kinds: frozenset[str]) -> tuple[CommentCorrection, ...]:
        return tuple(c for c in self.comments_corrections if c.ref_type in kinds)

    @property
    def notices(self) -> tuple[tuple[str, str], ...]:
        """What a reader must be told about this record: (label, notice PMID or '')."""
        return self._notices

    def _find_notices(self, retracted: bool) -> tuple[tuple[str, str], ...]:
        out: list[tuple[str, str]] = []
        for kinds, label in (
            (RETRACTION_LINKS, "Retraction notice"),
            (CONCERN_LINKS, "Expression of concern"),
            (ERRATUM_LINKS, "Erratum"),
        ):
            # A PMID that is not a valid PMID cannot be linked; the notice is still shown.
            out.extend((label, c.pmid if is_pmid(c.pmid) else "") for c in self.links(kinds))
        if retracted and not self.links(RETRACTION_LINKS):
            out.insert(0, _RETRACTED_ONLY[0])
        return tuple(out)

    def abridged(self) -> Study:
        """This record without its abstract, MeSH headings and keywords (most of its size,
        read only by the grading, the authors' conclusion and the reference exports): what
        a build's View holds of each study once it is placed."""
        return dataclasses.replace(self, abstract=(), mesh=(), keywords=())

    def to_json(self) -> str:
        """The record as stored: dataclasses.asdict's JSON (keys sorted), made without its
        deep copy of every value (that copy was a third of storing a fetched batch)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def to_dict(self) -> dict[str, Any]:
        """What dataclasses.asdict makes of the record (study_from_dict reads it back)."""
        plain: dict[str, Any] = _plain(self)
        return plain

    @classmethod
    def from_json(cls, text: str) -> Study:
        return study_from_dict(json.loads(text))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    """What dataclasses.asdict makes of a value (dataclasses as dicts of their fields, tuples
    as lists: the same JSON), for the plain values a Study holds."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    names = _FIELD_NAMES.get(type(value))
    if names is None:
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            return value
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    return {name: _plain(getattr(value, name)) for name in names}


# Texts that recur from record to record (journals, publication types, languages, what a
# record is): read as one shared copy each (sys.intern), as are authors' names, so a View of
# many studies does not hold the same text thousands of times.
_SHARED = ("journal", "journal_abbrev", "pub_model", "publisher", "kind")
_SHARED_LISTS = ("publication_types", "languages")


@functools.lru_cache(maxsize=1 << 16)
def _author(fields: tuple[tuple[str, str], ...]) -> Author:
    """An author from its (field, value) pairs: one shared instance for a name that recurs
    across records (Author is frozen), its texts interned."""
    return Author(**{k: intern(v) for k, v in fields})


def study_from_dict(data: dict[str, Any]) -> Study:
    """Rebuild a Study from `dataclasses.asdict` output (as stored)."""
    d = dict(data)
    d["authors"] = tuple(_author(tuple(a.items())) for a in d.get("authors", ()))
    for key in _SHARED:
        if key in d:
            d[key] = intern(d[key])
    for key in _SHARED_LISTS:
        d[key] = tuple(intern(v) for v in d.get(key, ()))
    d["abstract"] = tuple(AbstractSection(**s) for s in d.get("abstract", ()))
    d["mesh"] = tuple(
        MeshHeading(m["descriptor"], m["major"], tuple(m["qualifiers"])) for m in d.get("mesh", ())
    )
    d["comments_corrections"] = tuple(
        CommentCorrection(**c) for c in d.get("comments_corrections", ())
    )
    d["keywords"] = tuple(d.get("keywords", ()))
    return Study(**d)


@dataclass(frozen=True)
class Tags:
    """What classification and curation add to a Study for one topic."""

    design: str = "other"
    evidence_level: int = 7
    conditions: tuple[str, ...] = ()
    participants: int | None = None
    route: str = ""
    agent: str = ""  # "ketamine", "esketamine", "ketamine and esketamine"
    preclinical: bool = False  # animal or laboratory only: kept out of the clinical lists
    note: str = ""  # the reviewer's note (curation), shown beside the citation
    design_source: str = "auto"  # "auto" (classifier) or "curation" (a reviewer's coding)
    design_basis: str = ""  # what the design was read from: 'publication type "Review"'...
    decision: str = ""  # the reviewer's "include" / "exclude"; "" = not reviewed yet
    reason: str = ""  # the reviewer's reason for excluding
