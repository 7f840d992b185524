"""PubMed XML to `Study` records, through Biopython's Bio.Entrez parser, never the network.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

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


def parse_article_set(data: bytes) -> ArticleSet:
    """Parse a PubmedArticleSet document into Study records and deleted PMIDs."""
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
