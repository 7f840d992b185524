"""PubMed XML to `Study` records, never through the network.

Article sets (EFetch answers, the bulk of the bytes) are read by a streaming parser over the
standard library's expat-based `xml.etree.ElementTree.iterparse`: one record at a time, each
dropped once converted, several times faster than Bio.Entrez, which builds the whole document
as nested dictionaries first. The small E-utilities answers (ESearch, EPost) still go through
Bio.Entrez (`read_entrez_xml`); `parse_article_set_entrez` keeps the Bio.Entrez route for
articles too, so tests can prove both give the same `Study` records.

Bio.Entrez resolves the DTD named in a document's DOCTYPE from the DTDs it ships, and would
download any it lacks. NCBI publishes a new PubMed DTD every year, so `read_entrez_xml` maps an
unknown `pubmed_YYMMDD.dtd` to the newest bundled one and refuses every other unknown DTD:
parsing stays pure (bytes in, dataclasses out).
"""

from __future__ import annotations

import html
import io
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

from Bio.Entrez import Parser as EntrezParser

from evidence.errors import ParseError
from evidence.study import AbstractSection, Author, CommentCorrection, MeshHeading, Study

_PUBMED_DTD = re.compile(r"^pubmed_(\d{6})\.dtd$")
_SAFE_TAGS = frozenset({"i", "b", "u", "sup", "sub"})
_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)([^<>]*)>")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}


def _newest_bundled_pubmed_dtd() -> str:
    names = [n for n in os.listdir(EntrezParser.DataHandler.global_dtd_dir) if _PUBMED_DTD.match(n)]
    if not names:
        raise ParseError("the installed Biopython ships no PubMed DTD; reinstall biopython")
    return max(names, key=lambda n: _PUBMED_DTD.match(n).group(1))  # type: ignore[union-attr]


class _OfflineDataHandler(EntrezParser.DataHandler):
    """Bio.Entrez's handler with DTD lookup confined to the DTDs on disk."""

    def open_dtd_file(self, filename: str) -> IO[bytes]:
        handle: IO[bytes] | None = super().open_dtd_file(filename)
        if handle is None and _PUBMED_DTD.match(filename):
            handle = super().open_dtd_file(_newest_bundled_pubmed_dtd())
        if handle is None:
            raise ParseError(f"the XML names a DTD this installation does not have: {filename}")
        return handle


# Where the prolog ends: the first element that is not a declaration, comment or PI.
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_HOSTILE_PROLOG = re.compile(rb"<!DOCTYPE[^>\[]*\[|<!ENTITY", re.I)


def _refuse_hostile_prolog(data: bytes) -> None:
    """NCBI never sends an internal DTD subset or entity declarations; attackers do
    (billion laughs, external entities reading local files). Refuse them before parsing."""
    root = _ROOT_START.search(data)
    prolog = data[: root.start()] if root else data[:65536]
    if _HOSTILE_PROLOG.search(prolog):
        raise ParseError("the XML declares its own DTD subset or entities; refused as unsafe")


def _refuse_internal_subset(
    name: str, system_id: str | None, public_id: str | None, has_internal_subset: int
) -> None:
    if has_internal_subset:
        raise ParseError("the XML declares its own DTD subset or entities; refused as unsafe")


def read_entrez_xml(data: bytes) -> Any:
    """Parse any E-utilities XML answer with Bio.Entrez, offline.

    Text comes back XML-escaped with PubMed's inline markup (<i>, <sup>…) left in place, so
    markup and literal '<' stay distinguishable. Raises ParseError for anything that is not
    well-formed E-utilities XML (an HTML error page, a body cut off midway, a hostile DTD).
    """
    _refuse_hostile_prolog(data)
    handler = _OfflineDataHandler(validate=True, escape=True, ignore_errors=True)
    # The same rule inside the parser, which no comment or processing instruction before the
    # DOCTYPE can get round: a document may name a DTD, never carry its own subset.
    handler.parser.StartDoctypeDeclHandler = _refuse_internal_subset
    try:
        return handler.read(io.BytesIO(data))
    except ParseError:
        raise
    except EntrezParser.NotXMLError as exc:
        raise ParseError(f"the answer is not XML ({_first_line(data)})") from exc
    except EntrezParser.CorruptedXMLError as exc:
        raise ParseError(f"the XML is corrupted or cut off: {exc}") from exc
    except EntrezParser.ValidationError as exc:
        raise ParseError(f"unexpected XML element: {exc}") from exc
    except (ValueError, RuntimeError, OSError) as exc:
        # Bio.Entrez raises ValueError for a DOCTYPE with a non-NCBI or non-https URL, and
        # RuntimeError where it would have needed the network.
        raise ParseError(f"the XML cannot be parsed safely: {exc}") from exc


def _first_line(data: bytes) -> str:
    line = data.lstrip()[:80].split(b"\n", 1)[0]
    return line.decode("utf-8", "replace") or "empty body"


@dataclass(frozen=True)
class ArticleSet:
    """The content of one EFetch answer."""

    studies: tuple[Study, ...]
    deleted: tuple[str, ...]  # PMIDs of DeleteCitation entries


def parse_article_set_entrez(data: bytes) -> ArticleSet:
    """Parse a PubmedArticleSet document with Bio.Entrez (the reference for the streaming
    parser, and the peer in benchmarks)."""
    record = read_entrez_xml(data)
    if not isinstance(record, Mapping) or not (
        {"PubmedArticle", "PubmedBookArticle", "DeleteCitation"} & set(record)
    ):
        raise ParseError("expected a PubmedArticleSet document")
    studies: list[Study] = []
    for article in record.get("PubmedArticle", []):
        studies.append(_parse_article(article))
    for book in record.get("PubmedBookArticle", []):
        studies.append(_parse_book(book))
    deleted = tuple(plain_text(p) for p in _as_list(record.get("DeleteCitation", [])))
    return ArticleSet(studies=tuple(studies), deleted=deleted)


# --- text helpers -------------------------------------------------------------------------


def plain_text(value: object) -> str:
    """Plain text of an escaped Bio.Entrez string: markup removed, entities decoded."""
    if value is None:
        return ""
    return " ".join(html.unescape(_TAG.sub("", str(value))).split())


def safe_markup(value: object) -> str:
    """Escaped text with only PubMed's harmless inline tags kept, attributes dropped."""
    if value is None:
        return ""

    def keep(m: re.Match[str]) -> str:
        name = m.group(2).lower()
        return f"<{m.group(1)}{name}>" if name in _SAFE_TAGS else ""

    text = " ".join(str(value).split())
    # Bio.Entrez gives '&', '<' and '>' of the text escaped; any other '<' is a tag.
    kept = _TAG.sub(keep, text)
    return _balance(kept)


def _balance(markup: str) -> str:
    """Drop unmatched safe tags so a title can never leave an <i> open in a page."""
    out: list[str] = []
    stack: list[str] = []
    for piece in re.split(r"(</?(?:i|b|u|sup|sub)>)", markup):
        m = re.fullmatch(r"<(/?)(i|b|u|sup|sub)>", piece)
        if not m:
            out.append(piece)
        elif not m.group(1):
            stack.append(m.group(2))
            out.append(piece)
        elif stack and stack[-1] == m.group(2):
            stack.pop()
            out.append(piece)
    for name in reversed(stack):
        out.append(f"</{name}>")
    return "".join(out)


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _attr(value: object, name: str) -> str:
    attributes = getattr(value, "attributes", None) or {}
    return str(attributes.get(name, ""))


# --- records ------------------------------------------------------------------------------


def _parse_article(article: Mapping[str, Any]) -> Study:
    citation = article.get("MedlineCitation", {})
    art = citation.get("Article", {})
    journal = art.get("Journal", {})
    issue = journal.get("JournalIssue", {})
    pmid = plain_text(citation.get("PMID"))
    if not pmid.isdigit():
        raise ParseError(f"a PubmedArticle has no valid PMID ({pmid!r})")
    ids = _article_ids(article.get("PubmedData", {}).get("ArticleIdList", []))
    doi = _doi_from_elocations(art.get("ELocationID", [])) or ids.get("doi", "")
    pagination = art.get("Pagination", {})
    pages = plain_text(pagination.get("MedlinePgn")) if isinstance(pagination, Mapping) else ""
    if not pages and isinstance(pagination, Mapping):
        pages = "-".join(
            p
            for p in (
                plain_text(pagination.get("StartPage")),
                plain_text(pagination.get("EndPage")),
            )
            if p
        )
    year, pub_date = _pub_date(issue.get("PubDate", {}))
    if year is None:
        year, _ = _pub_date(_first(art.get("ArticleDate", [])))
    author_list = art.get("AuthorList", [])
    return Study(
        pmid=pmid,
        title=plain_text(art.get("ArticleTitle")) or plain_text(art.get("VernacularTitle")),
        title_html=safe_markup(art.get("ArticleTitle")) or safe_markup(art.get("VernacularTitle")),
        authors=_authors(author_list),
        authors_complete=_attr(author_list, "CompleteYN") != "N",
        journal=plain_text(journal.get("Title")),
        journal_abbrev=plain_text(journal.get("ISOAbbreviation"))
        or plain_text(citation.get("MedlineJournalInfo", {}).get("MedlineTA")),
        year=year,
        pub_date=pub_date,
        volume=plain_text(issue.get("Volume")),
        issue=plain_text(issue.get("Issue")),
        pages=pages,
        elocation=_elocation_pii_or_other(art.get("ELocationID", [])),
        doi=doi,
        pmcid=ids.get("pmc", ""),
        abstract=_abstract(art.get("Abstract", {})),
        publication_types=tuple(plain_text(p) for p in art.get("PublicationTypeList", [])),
        mesh=_mesh(citation.get("MeshHeadingList", [])),
        keywords=tuple(plain_text(k) for group in citation.get("KeywordList", []) for k in group),
        languages=tuple(plain_text(lang) for lang in art.get("Language", [])),
        comments_corrections=_corrections(citation.get("CommentsCorrectionsList", [])),
        kind="article",
        pub_model=_attr(art, "PubModel"),
        date_revised=_ymd(citation.get("DateRevised")),
    )


def _parse_book(book: Mapping[str, Any]) -> Study:
    doc = book.get("BookDocument", {})
    info = doc.get("Book", {})
    pmid = plain_text(doc.get("PMID"))
    if not pmid.isdigit():
        raise ParseError(f"a PubmedBookArticle has no valid PMID ({pmid!r})")
    ids = _article_ids(doc.get("ArticleIdList", []))
    ids.update(_article_ids(book.get("PubmedBookData", {}).get("ArticleIdList", [])))
    title_raw = doc.get("ArticleTitle") or info.get("BookTitle")
    chapter = bool(doc.get("ArticleTitle"))
    authors: tuple[Author, ...] = ()
    complete = True
    for author_list in _as_list(doc.get("AuthorList", [])) + _as_list(info.get("AuthorList", [])):
        if _attr(author_list, "Type") in ("", "authors") and not authors:
            authors = _authors(author_list)
            complete = _attr(author_list, "CompleteYN") != "N"
    year, pub_date = _pub_date(info.get("PubDate", {}))
    publisher = info.get("Publisher", {})
    return Study(
        pmid=pmid,
        title=plain_text(title_raw),
        title_html=safe_markup(title_raw),
        authors=authors,
        authors_complete=complete,
        journal=plain_text(info.get("BookTitle")),
        publisher=plain_text(publisher.get("PublisherName")) if publisher else "",
        chapter=chapter,
        year=year,
        pub_date=pub_date,
        doi=_doi_from_elocations(doc.get("ELocationID", [])) or ids.get("doi", ""),
        pmcid=ids.get("pmc", ""),
        abstract=_abstract(doc.get("Abstract", {})),
        publication_types=tuple(plain_text(p) for p in _as_list(doc.get("PublicationType", []))),
        keywords=tuple(plain_text(k) for group in doc.get("KeywordList", []) for k in group),
        languages=tuple(plain_text(lang) for lang in _as_list(doc.get("Language", []))),
        kind="book",
    )


def _first(value: object) -> Mapping[str, Any]:
    items = _as_list(value)
    return items[0] if items and isinstance(items[0], Mapping) else {}


def _article_ids(id_list: Iterable[Any]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for item in id_list:
        kind = _attr(item, "IdType")
        if kind and kind not in ids:
            ids[kind] = plain_text(item)
    return ids


def _doi_from_elocations(elocations: object) -> str:
    for loc in _as_list(elocations):
        if _attr(loc, "EIdType") == "doi" and _attr(loc, "ValidYN") != "N":
            return plain_text(loc)
    return ""


def _elocation_pii_or_other(elocations: object) -> str:
    for loc in _as_list(elocations):
        if _attr(loc, "EIdType") == "pii":
            return plain_text(loc)
    return ""


def _authors(author_list: Iterable[Any]) -> tuple[Author, ...]:
    authors: list[Author] = []
    for a in author_list or []:
        if not isinstance(a, Mapping) or _attr(a, "ValidYN") == "N":
            continue
        author = Author(
            last_name=plain_text(a.get("LastName")),
            fore_name=plain_text(a.get("ForeName")),
            initials=plain_text(a.get("Initials")),
            collective_name=plain_text(a.get("CollectiveName")),
        )
        if author.last_name or author.collective_name:
            authors.append(author)
    return tuple(authors)


def _pub_date(date: object) -> tuple[int | None, str]:
    if not isinstance(date, Mapping):
        return None, ""
    medline = plain_text(date.get("MedlineDate"))
    if medline:
        m = _YEAR.search(medline)
        return (int(m.group(1)) if m else None), medline
    year = plain_text(date.get("Year"))
    month = plain_text(date.get("Month")) or plain_text(date.get("Season"))
    if month.isdigit() and 1 <= int(month) <= 12:
        month = _MONTH_NAMES[int(month) - 1]
    parts = [p for p in (year, month, plain_text(date.get("Day"))) if p]
    return (int(year) if year.isdigit() else None), " ".join(parts)


def _ymd(date: object) -> str:
    if not isinstance(date, Mapping):
        return ""
    year, month, day = (plain_text(date.get(k)) for k in ("Year", "Month", "Day"))
    if not year.isdigit():
        return ""
    m = int(month) if month.isdigit() else _MONTHS.get(month[:3].title(), 1)
    d = int(day) if day.isdigit() else 1
    return f"{int(year):04d}-{m:02d}-{d:02d}"


def _abstract(abstract: object) -> tuple[AbstractSection, ...]:
    if not isinstance(abstract, Mapping):
        return ()
    return tuple(
        AbstractSection(label=_attr(t, "Label"), text=plain_text(t))
        for t in _as_list(abstract.get("AbstractText", []))
        if plain_text(t)
    )


def _mesh(headings: Iterable[Any]) -> tuple[MeshHeading, ...]:
    out: list[MeshHeading] = []
    for h in headings or []:
        if not isinstance(h, Mapping):
            continue
        descriptor = h.get("DescriptorName")
        out.append(
            MeshHeading(
                descriptor=plain_text(descriptor),
                major=_attr(descriptor, "MajorTopicYN") == "Y"
                or any(_attr(q, "MajorTopicYN") == "Y" for q in _as_list(h.get("QualifierName"))),
                qualifiers=tuple(plain_text(q) for q in _as_list(h.get("QualifierName", []))),
            )
        )
    return tuple(out)


def _corrections(items: Iterable[Any]) -> tuple[CommentCorrection, ...]:
    out: list[CommentCorrection] = []
    for c in items or []:
        if not isinstance(c, Mapping):
            continue
        out.append(
            CommentCorrection(
                ref_type=_attr(c, "RefType"),
                ref_source=plain_text(c.get("RefSource")),
                pmid=plain_text(c.get("PMID")),
            )
        )
    return tuple(out)


# --- streaming article sets ---------------------------------------------------------------

_DOCTYPE_ID = re.compile(rb"<!DOCTYPE\s+\w+\s+(?:PUBLIC\s+\"[^\"]*\"\s+|SYSTEM\s+)\"([^\"]*)\"")
_NCBI_DTD_HOSTS = (
    "https://dtd.nlm.nih.gov/",
    "https://www.ncbi.nlm.nih.gov/",
    "https://eutils.ncbi.nlm.nih.gov/",
)
_PREDEFINED = rb"amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+"
# NCBI uses only XML's own entities and character references. Any other named entity would
# need a DTD: it is skipped (as Bio.Entrez does), never looked up.
_OTHER_ENTITY = re.compile(rb"&(?!(?:" + _PREDEFINED + rb");)[A-Za-z_][\w.-]*;")
_RECORDS = frozenset({"PubmedArticle", "PubmedBookArticle", "DeleteCitation"})


def _check_doctype(prolog: bytes) -> None:
    """Only NCBI's own DTDs, named over https, as Bio.Entrez accepts them (nothing is read)."""
    m = _DOCTYPE_ID.search(prolog)
    if not m:
        return
    url = m.group(1).decode("ascii", "replace")
    name = url.rsplit("/", 1)[-1]
    known = _PUBMED_DTD.match(name) or os.path.exists(
        os.path.join(EntrezParser.DataHandler.global_dtd_dir, name)
    )
    if not url.startswith(_NCBI_DTD_HOSTS) or not known:
        raise ParseError(f"the XML names a DTD this installation does not have: {name}")


def iter_article_set(data: bytes | IO[bytes]) -> Iterator[Study | DeletedCitation]:
    """Stream a PubmedArticleSet: each PubmedArticle or PubmedBookArticle as a `Study`, each
    DeleteCitation as `DeletedCitation`s, in document order. Memory stays at one record.

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
    _refuse_hostile_prolog(head)
    root = _ROOT_START.search(head)
    _check_doctype(head[: root.start()] if root else head)
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
            if tag == "PubmedArticle":
                yield _study_from_article(element)
            elif tag == "PubmedBookArticle":
                yield _study_from_book(element)
            elif tag == "DeleteCitation":
                for pmid in element.iter("PMID"):
                    yield DeletedCitation(_leaf(pmid))
            root_element.remove(element)  # the record is done: let it go
    except ElementTree.ParseError as exc:
        if not seen_root:
            raise ParseError(f"the answer is not XML ({_first_line(head)})") from exc
        raise ParseError(f"the XML is corrupted or cut off: {exc}") from exc


@dataclass(frozen=True)
class DeletedCitation:
    """A DeleteCitation entry: PubMed withdrew this PMID."""

    pmid: str


def parse_article_set(data: bytes) -> ArticleSet:
    """Parse a PubmedArticleSet document (one EFetch answer) into Study records and deleted
    PMIDs, with the streaming parser."""
    studies: list[Study] = []
    deleted: list[str] = []
    for item in iter_article_set(data):
        if isinstance(item, Study):
            studies.append(item)
        else:
            deleted.append(item.pmid)
    if not studies and not deleted:
        raise ParseError("expected a PubmedArticleSet document")
    return ArticleSet(studies=tuple(studies), deleted=tuple(deleted))


class _Chained(io.RawIOBase):
    """`head` (already read to check the prolog) followed by the rest of `rest`, line by
    line with entities outside XML's own skipped (an entity never spans lines)."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        lines = head.splitlines(keepends=True)
        # The last line of `head` may be cut midway: complete it from `rest` first.
        self._pending = b"".join(lines[:-1]) + (lines[-1] + rest.readline() if lines else b"")
        self._pending = _OTHER_ENTITY.sub(b"", self._pending)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            line = self._rest.readline()
            if not line:
                return 0
            self._pending = _OTHER_ENTITY.sub(b"", line) if b"&" in line else line
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
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
        keep = name.lower() in _SAFE_TAGS
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
    if not pmid.isdigit():
        raise ParseError(f"a PubmedArticle has no valid PMID ({pmid!r})")
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
    year, pub_date = _pub_date(_date_fields(issue.find("PubDate") if issue is not None else None))
    if year is None:
        year, _ = _pub_date(_date_fields(art.find("ArticleDate")))
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
        date_revised=_ymd(_date_fields(citation.find("DateRevised"))),
    )


def _study_from_book(book: Element) -> Study:
    doc = book.find("BookDocument")
    doc = doc if doc is not None else Element("BookDocument")
    info = doc.find("Book")
    info = info if info is not None else Element("Book")
    pmid = _leaf(doc.find("PMID"))
    if not pmid.isdigit():
        raise ParseError(f"a PubmedBookArticle has no valid PMID ({pmid!r})")
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
    year, pub_date = _pub_date(_date_fields(info.find("PubDate")))
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
