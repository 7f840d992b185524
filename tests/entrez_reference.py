"""The Bio.Entrez route from a PubmedArticleSet to `Study` records: the reference the
streaming parser (evidence.pubmed) is compared with in tests, and its peer in bench/parse.py.

Not part of the package: evidence reads EFetch answers only with the streaming parser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from evidence.entrez_xml import plain_text, read_entrez_xml, safe_markup
from evidence.errors import ParseError
from evidence.pubmed import ArticleSet, parse_pub_date, parse_ymd
from evidence.study import AbstractSection, Author, CommentCorrection, MeshHeading, Study


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
    year, pub_date = parse_pub_date(issue.get("PubDate", {}))
    if year is None:
        year, _ = parse_pub_date(_first(art.get("ArticleDate", [])))
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
        date_revised=parse_ymd(citation.get("DateRevised")),
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
    year, pub_date = parse_pub_date(info.get("PubDate", {}))
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
