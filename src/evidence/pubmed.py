"""PubMed XML to `Study` records, never through the network.

Article sets (EFetch answers, the bulk of the bytes) are read by a streaming parser over the
standard library's expat-based `xml.etree.ElementTree.iterparse`: one record at a time, each
dropped once converted, several times faster than Bio.Entrez, which builds the whole document
as nested dictionaries first. The small E-utilities answers (ESearch, EPost) still go through
Bio.Entrez (`evidence.entrez_xml`), whose guards this parser shares; the tests keep a
Bio.Entrez route for articles too (tests/entrez_reference.py), to prove both give the same
`Study` records. Parsing stays pure: bytes in, dataclasses out, no DTD ever fetched.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

from evidence.entrez_xml import (
    ROOT_START,
    SAFE_TAGS,
    check_doctype,
    first_line,
    plain_text,
    refuse_hostile_prolog,
    safe_markup,
)
from evidence.errors import ParseError
from evidence.study import (
    MONTH_NUMBERS,
    MONTHS,
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    Study,
    is_pmid,
    plausible_year,
)

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


@dataclass(frozen=True)
class ArticleSet:
    """The content of one EFetch answer."""

    studies: tuple[Study, ...]
    deleted: tuple[str, ...]  # PMIDs of DeleteCitation entries
    refused: tuple[str, ...] = ()  # records left out: what they gave as PMID (not a PMID)


def parse_pub_date(date: object) -> tuple[int | None, str]:
    """(year, PubDate as printed) from PubDate fields: Year/Month/Day, Season or MedlineDate."""
    if not isinstance(date, Mapping):
        return None, ""
    medline = plain_text(date.get("MedlineDate"))
    if medline:
        m = _YEAR.search(medline)
        return plausible_year(int(m.group(1)) if m else None), medline
    year = plain_text(date.get("Year"))
    month = plain_text(date.get("Month")) or plain_text(date.get("Season"))
    if month.isdigit() and 1 <= int(month) <= 12:
        month = MONTHS[int(month) - 1]
    parts = [p for p in (year, month, plain_text(date.get("Day"))) if p]
    known = int(year) if year.isascii() and year.isdigit() else None
    return plausible_year(known), " ".join(parts)


def parse_ymd(date: object) -> str:
    """YYYY-MM-DD from Year/Month/Day fields (DateRevised), or ''."""
    if not isinstance(date, Mapping):
        return ""
    year, month, day = (plain_text(date.get(k)) for k in ("Year", "Month", "Day"))
    if not year.isdigit():
        return ""
    m = int(month) if month.isdigit() else MONTH_NUMBERS.get(month[:3].title(), 1)
    d = int(day) if day.isdigit() else 1
    return f"{int(year):04d}-{m:02d}-{d:02d}"


# --- streaming article sets ---------------------------------------------------------------

_PREDEFINED = rb"amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+"
# NCBI uses only XML's own entities and character references. Any other named entity would
# need a DTD: it is skipped (as Bio.Entrez does), never looked up.
_OTHER_ENTITY = re.compile(rb"&(?!(?:" + _PREDEFINED + rb");)[A-Za-z_][\w.-]*;")
_RECORDS = frozenset({"PubmedArticle", "PubmedBookArticle", "DeleteCitation"})


def iter_article_set(
    data: bytes | IO[bytes],
) -> Iterator[Study | DeletedCitation | RefusedRecord]:
    """Stream a PubmedArticleSet: each PubmedArticle or PubmedBookArticle as a `Study`, each
    DeleteCitation as `DeletedCitation`s, in document order. Memory stays at one record.
    A record whose PMID is not a PMID (ten digits, a leading zero, other scripts' digits)
    comes as a `RefusedRecord`: one odd record must not stop the others.

    Raises ParseError for what is not a well-formed PubmedArticleSet (an HTML page, a body cut
    off midway, a hostile prolog, a DTD that is not NCBI's).
    """
    if isinstance(data, bytes | bytearray):
        head = bytes(data[:65536])
        stream: io.BufferedIOBase = io.BytesIO(
            _OTHER_ENTITY.sub(b"", data) if b"&" in data else data
        )
    else:
        head = data.read(65536)
        stream = io.BufferedReader(_Chained(head, data), buffer_size=1 << 16)
    refuse_hostile_prolog(head)
    root = ROOT_START.search(head)
    check_doctype(head[: root.start()] if root else head)
    depth = 0
    seen_root = False
    try:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 1:
                    if element.tag != "PubmedArticleSet":
                        raise ParseError("expected a PubmedArticleSet document")
                    seen_root = True
                    root_element = element
                continue
            depth -= 1
            if depth != 1:
                continue
            tag = element.tag
            try:
                if tag == "PubmedArticle":
                    yield _study_from_article(element)
                elif tag == "PubmedBookArticle":
                    yield _study_from_book(element)
                elif tag == "DeleteCitation":
                    for pmid in element.iter("PMID"):
                        yield DeletedCitation(_leaf(pmid))
            except RefusedRecord as refused:
                yield refused
            root_element.remove(element)  # the record is done: let it go
    except ElementTree.ParseError as exc:
        if not seen_root:
            raise ParseError(f"the answer is not XML ({first_line(head)})") from exc
        raise ParseError(f"the XML is corrupted or cut off: {exc}") from exc


class RefusedRecord(Exception):
    """A record left out because its PMID is not a PMID; `pmid` is what it gave instead."""

    def __init__(self, pmid: str) -> None:
        super().__init__(f"not a PMID: {pmid!r}")
        self.pmid = pmid


@dataclass(frozen=True)
class DeletedCitation:
    """A DeleteCitation entry: PubMed withdrew this PMID."""

    pmid: str


def parse_article_set(data: bytes) -> ArticleSet:
    """Parse a PubmedArticleSet document (one EFetch answer) into Study records and deleted
    PMIDs, with the streaming parser. An empty set is no records: NCBI answers so for ids it
    cannot return."""
    studies: list[Study] = []
    deleted: list[str] = []
    refused: list[str] = []
    for item in iter_article_set(data):
        if isinstance(item, Study):
            studies.append(item)
        elif isinstance(item, RefusedRecord):
            refused.append(item.pmid)
        elif is_pmid(item.pmid):
            deleted.append(item.pmid)
    return ArticleSet(studies=tuple(studies), deleted=tuple(deleted), refused=tuple(refused))


class _Chained(io.RawIOBase):
    """`head` (already read to check the prolog) followed by the rest of `rest`, a block of
    whole lines at a time, with entities outside XML's own skipped (an entity never spans
    lines, so cutting after a line end never cuts one)."""

    _BLOCK = 1 << 18

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._rest = rest
        self._pending = self._whole_lines(head)
        self._at = 0

    def _whole_lines(self, block: bytes) -> bytes:
        """`block` completed to its line's end from `rest`, entities skipped."""
        if block and not block.endswith(b"\n"):
            block += self._rest.readline()
        return _OTHER_ENTITY.sub(b"", block) if b"&" in block else block

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._at >= len(self._pending):
            block = self._rest.read(self._BLOCK)
            if not block:
                return 0
            self._pending, self._at = self._whole_lines(block), 0
        n = min(len(buffer), len(self._pending) - self._at)
        buffer[:n] = self._pending[self._at : self._at + n]
        self._at += n
        return n


# Element helpers: text as Bio.Entrez gives it (escaped, PubMed's inline markup kept), so
# plain_text and safe_markup treat both parsers' values alike.


def _leaf(element: Element | None) -> str:
    """Plain text of an element (markup removed, whitespace normalized)."""
    if element is None:
        return ""
    if len(element) == 0:
        return " ".join((element.text or "").split())
    return " ".join("".join(element.itertext()).split())


def _escaped(element: Element | None) -> str:
    """The element's content escaped, PubMed's harmless inline tags kept (for safe_markup)."""
    if element is None:
        return ""
    parts = [html.escape(element.text or "", quote=False)]
    for child in element:
        name = child.tag.rsplit("}", 1)[-1]
        keep = name.lower() in SAFE_TAGS
        if keep:
            parts.append(f"<{name}>")
        parts.append(_escaped(child))
        if keep:
            parts.append(f"</{name}>")
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts)


def _date_fields(element: Element | None) -> dict[str, str]:
    if element is None:
        return {}
    return {child.tag: html.escape(_leaf(child), quote=False) for child in element}


def _ids(id_list: Element | None) -> dict[str, str]:
    ids: dict[str, str] = {}
    if id_list is not None:
        for item in id_list.findall("ArticleId"):
            kind = item.get("IdType", "")
            if kind and kind not in ids:
                ids[kind] = _leaf(item)
    return ids


def _doi_in(elocations: list[Element]) -> str:
    for loc in elocations:
        if loc.get("EIdType") == "doi" and loc.get("ValidYN") != "N":
            return _leaf(loc)
    return ""


def _pii_in(elocations: list[Element]) -> str:
    for loc in elocations:
        if loc.get("EIdType") == "pii":
            return _leaf(loc)
    return ""


def _authors_of(author_list: Element | None) -> tuple[Author, ...]:
    authors: list[Author] = []
    if author_list is None:
        return ()
    for a in author_list.findall("Author"):
        if a.get("ValidYN") == "N":
            continue
        author = Author(
            last_name=_leaf(a.find("LastName")),
            fore_name=_leaf(a.find("ForeName")),
            initials=_leaf(a.find("Initials")),
            collective_name=_leaf(a.find("CollectiveName")),
        )
        if author.last_name or author.collective_name:
            authors.append(author)
    return tuple(authors)


def _abstract_of(abstract: Element | None) -> tuple[AbstractSection, ...]:
    if abstract is None:
        return ()
    return tuple(
        AbstractSection(label=t.get("Label", ""), text=_leaf(t))
        for t in abstract.findall("AbstractText")
        if _leaf(t)
    )


def _study_from_article(article: Element) -> Study:
    citation = article.find("MedlineCitation")
    if citation is None:
        raise ParseError("a PubmedArticle has no MedlineCitation")
    art = citation.find("Article")
    art = art if art is not None else Element("Article")
    journal = art.find("Journal")
    journal = journal if journal is not None else Element("Journal")
    issue = journal.find("JournalIssue")
    pmid = _leaf(citation.find("PMID"))
    if not is_pmid(pmid):
        raise RefusedRecord(pmid)
    ids = _ids(article.find("PubmedData/ArticleIdList"))
    elocations = art.findall("ELocationID")
    pages = _leaf(art.find("Pagination/MedlinePgn"))
    if not pages:
        pages = "-".join(
            p
            for p in (
                _leaf(art.find("Pagination/StartPage")),
                _leaf(art.find("Pagination/EndPage")),
            )
            if p
        )
    year, pub_date = parse_pub_date(
        _date_fields(issue.find("PubDate") if issue is not None else None)
    )
    if year is None:
        year, _ = parse_pub_date(_date_fields(art.find("ArticleDate")))
    author_list = art.find("AuthorList")
    title = art.find("ArticleTitle")
    vernacular = art.find("VernacularTitle")
    mesh: list[MeshHeading] = []
    for h in citation.findall("MeshHeadingList/MeshHeading"):
        descriptor = h.find("DescriptorName")
        qualifiers = h.findall("QualifierName")
        mesh.append(
            MeshHeading(
                descriptor=_leaf(descriptor),
                major=(descriptor is not None and descriptor.get("MajorTopicYN") == "Y")
                or any(q.get("MajorTopicYN") == "Y" for q in qualifiers),
                qualifiers=tuple(_leaf(q) for q in qualifiers),
            )
        )
    return Study(
        pmid=pmid,
        title=_leaf(title) or _leaf(vernacular),
        title_html=safe_markup(_escaped(title)) or safe_markup(_escaped(vernacular)),
        authors=_authors_of(author_list),
        authors_complete=author_list is None or author_list.get("CompleteYN") != "N",
        journal=_leaf(journal.find("Title")),
        journal_abbrev=_leaf(journal.find("ISOAbbreviation"))
        or _leaf(citation.find("MedlineJournalInfo/MedlineTA")),
        year=year,
        pub_date=pub_date,
        volume=_leaf(issue.find("Volume")) if issue is not None else "",
        issue=_leaf(issue.find("Issue")) if issue is not None else "",
        pages=pages,
        elocation=_pii_in(elocations),
        doi=_doi_in(elocations) or ids.get("doi", ""),
        pmcid=ids.get("pmc", ""),
        abstract=_abstract_of(art.find("Abstract")),
        publication_types=tuple(
            _leaf(p) for p in art.findall("PublicationTypeList/PublicationType")
        ),
        mesh=tuple(mesh),
        keywords=tuple(_leaf(k) for k in citation.findall("KeywordList/Keyword")),
        languages=tuple(_leaf(lang) for lang in art.findall("Language")),
        comments_corrections=tuple(
            CommentCorrection(
                ref_type=c.get("RefType", ""),
                ref_source=_leaf(c.find("RefSource")),
                pmid=_leaf(c.find("PMID")),
            )
            for c in citation.findall("CommentsCorrectionsList/CommentsCorrections")
        ),
        kind="article",
        pub_model=art.get("PubModel", ""),
        date_revised=parse_ymd(_date_fields(citation.find("DateRevised"))),
    )


def _study_from_book(book: Element) -> Study:
    doc = book.find("BookDocument")
    doc = doc if doc is not None else Element("BookDocument")
    info = doc.find("Book")
    info = info if info is not None else Element("Book")
    pmid = _leaf(doc.find("PMID"))
    if not is_pmid(pmid):
        raise RefusedRecord(pmid)
    ids = _ids(doc.find("ArticleIdList"))
    ids.update(_ids(book.find("PubmedBookData/ArticleIdList")))
    article_title = doc.find("ArticleTitle")
    chapter = bool(_escaped(article_title))
    title_raw = article_title if chapter else info.find("BookTitle")
    authors: tuple[Author, ...] = ()
    complete = True
    for author_list in doc.findall("AuthorList") + info.findall("AuthorList"):
        if author_list.get("Type", "") in ("", "authors") and not authors:
            authors = _authors_of(author_list)
            complete = author_list.get("CompleteYN") != "N"
    year, pub_date = parse_pub_date(_date_fields(info.find("PubDate")))
    publisher = info.find("Publisher")
    return Study(
        pmid=pmid,
        title=_leaf(title_raw),
        title_html=safe_markup(_escaped(title_raw)),
        authors=authors,
        authors_complete=complete,
        journal=_leaf(info.find("BookTitle")),
        publisher=_leaf(publisher.find("PublisherName")) if publisher is not None else "",
        chapter=chapter,
        year=year,
        pub_date=pub_date,
        doi=_doi_in(doc.findall("ELocationID")) or ids.get("doi", ""),
        pmcid=ids.get("pmc", ""),
        abstract=_abstract_of(doc.find("Abstract")),
        publication_types=tuple(_leaf(p) for p in doc.findall("PublicationType")),
        keywords=tuple(_leaf(k) for k in doc.findall("KeywordList/Keyword")),
        languages=tuple(_leaf(lang) for lang in doc.findall("Language")),
        kind="book",
    )
