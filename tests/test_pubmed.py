from __future__ import annotations

import io
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from entrez_reference import parse_article_set_entrez
from evidence.errors import ParseError
from evidence.pubmed import ArticleSet, iter_article_set, parse_article_set
from evidence.study import Study
from evidence.testing import synthetic_article, synthetic_articles


@pytest.fixture
def varied(fixture_bytes: Callable[[str], bytes], no_network: None) -> ArticleSet:
    return parse_article_set(fixture_bytes("efetch-varied.xml"))


def test_article_fields(varied: ArticleSet) -> None:
    s = varied.studies[0]
    assert s.pmid == "31111111"
    assert s.title == (
        "Effect of S-ketamine on CO2 reactivity & pain: a randomized, double-blind trial."
    )
    assert s.title_html == (
        "Effect of <i>S</i>-ketamine on CO<sub>2</sub> reactivity &amp; pain: "
        "a randomized, double-blind trial."
    )
    assert [a.short for a in s.authors] == ["O'Brien MA", "Núñez J", "KETAMINE-HA Study Group"]
    assert s.authors[0].fore_name == "Mary Ann"
    assert (s.journal, s.journal_abbrev) == ("Headache", "Headache")
    assert (s.year, s.pub_date) == (2019, "2019 Nov-Dec")
    assert (s.volume, s.issue, s.pages) == ("59", "10", "1701-1709")
    assert s.doi == "10.1111/head.99999"
    assert s.pmcid == "PMC7654321"
    assert [(a.label, a.text) for a in s.abstract][2] == (
        "RESULTS",
        "Pain fell more with ketamine (p<0.05).",
    )
    assert s.publication_types == ("Journal Article", "Randomized Controlled Trial")
    assert [m.descriptor for m in s.mesh] == ["Humans", "Ketamine", "Migraine with Aura"]
    assert s.mesh[1].qualifiers == ("administration & dosage",) and s.mesh[1].major
    assert s.keywords == ("NMDA antagonist",)
    assert s.languages == ("eng",)
    assert s.date_revised == "2023-05-17"
    assert [c.ref_type for c in s.comments_corrections] == ["ErratumIn"]
    assert not s.retracted


def test_doi_never_comes_from_the_reference_list(varied: ArticleSet) -> None:
    assert all(s.doi != "10.9999/not-this-one" for s in varied.studies)


def test_doi_from_article_ids_when_elocation_is_not_a_doi(varied: ArticleSet) -> None:
    s = varied.studies[1]
    assert s.doi == "10.7759/cureus.35638"
    assert s.elocation == "e35638"


def test_retraction_is_seen(varied: ArticleSet) -> None:
    s = varied.studies[1]
    assert s.retracted
    assert s.languages == ("spa",)
    assert s.title.startswith("[Ketamine")


def test_book_article_and_delete_citation(varied: ArticleSet) -> None:
    book = varied.studies[2]
    assert (book.kind, book.pmid, book.title, book.journal) == (
        "book",
        "20301111",
        "Ketamine",
        "StatPearls",
    )
    assert book.pub_date == "2024 Jan"
    assert book.publisher == "StatPearls Publishing" and book.chapter
    assert [a.short for a in book.authors] == ["Rosenbaum S"]
    assert varied.deleted == ("12345678",)


def test_study_round_trips_through_json(varied: ArticleSet) -> None:
    from evidence.study import Study

    for s in varied.studies:
        assert Study.from_json(s.to_json()) == s


def test_newer_dtd_than_biopython_ships_parses_offline(
    fixture_bytes: Callable[[str], bytes], no_network: None
) -> None:
    body = fixture_bytes("efetch-varied.xml").replace(b"pubmed_250101.dtd", b"pubmed_290101.dtd")
    assert len(parse_article_set(body).studies) == 3


def test_an_answer_saved_in_2015_names_its_dtd_over_http_and_parses_offline(
    fixture_bytes: Callable[[str], bytes], no_network: None
) -> None:
    # The DOCTYPE line EFetch wrote before NCBI moved to https (a real answer saved in 2015).
    old = (
        b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2015//EN" '
        b'"http://www.ncbi.nlm.nih.gov/corehtml/query/DTD/pubmed_150101.dtd">'
    )
    body = re.sub(rb"<!DOCTYPE[^>]*>", old, fixture_bytes("efetch-varied.xml"), count=1)
    assert old in body
    assert len(parse_article_set(body).studies) == 3
    elsewhere = body.replace(b"http://www.ncbi.nlm.nih.gov/", b"http://dtd.example.org/")
    with pytest.raises(ParseError, match=r"pubmed_150101\.dtd"):
        parse_article_set(elsewhere)


def test_unknown_non_pubmed_dtd_is_refused_without_network(no_network: None) -> None:
    body = (
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet SYSTEM '
        b'"https://dtd.nlm.nih.gov/ncbi/other/unknown_2099.dtd">\n<PubmedArticleSet/>'
    )
    with pytest.raises(ParseError, match=r"unknown_2099\.dtd"):
        parse_article_set(body)


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        b"",
        b'<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation>',
    ],
)
def test_not_xml_or_truncated_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_article_set(body)


@pytest.mark.parametrize(
    "body",
    [
        b"<PubmedArticleSet></PubmedArticleSet>",
        b"<PubmedArticleSet/>\n",
        b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
        b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
        b"<PubmedArticleSet>\n</PubmedArticleSet>\n",
    ],
)
def test_an_empty_article_set_is_no_records(body: bytes) -> None:
    # NCBI answers an EFetch for ids it cannot return with an empty set: nothing to store,
    # nothing wrong (Bio.Entrez reads it the same way).
    assert parse_article_set(body) == ArticleSet(studies=(), deleted=())
    assert list(iter_article_set(body)) == []


def _set_of(*articles: bytes) -> bytes:
    return (
        b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
        b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
        b"<PubmedArticleSet>\n" + b"\n".join(articles) + b"\n</PubmedArticleSet>\n"
    )


def _packaged_sample() -> bytes:
    return (resources.files("evidence") / "data" / "sample" / "pubmed-sample.xml").read_bytes()


@pytest.mark.parametrize(
    "name",
    ["efetch-varied.xml", "packaged sample", "synthetic", "markup and entities"],
)
def test_streaming_parser_gives_what_bio_entrez_gives(
    name: str, fixture_bytes: Callable[[str], bytes], no_network: None
) -> None:
    if name == "efetch-varied.xml":
        body = fixture_bytes(name)
    elif name == "packaged sample":
        body = _packaged_sample()
    elif name == "synthetic":
        body = _set_of(*synthetic_articles(300, seed=11).values())
    else:
        body = _set_of(
            synthetic_article("123", title="x").replace(
                b"<ArticleTitle>x</ArticleTitle>",
                b"<ArticleTitle>Na<sup>+</sup> &amp; K<sub>2</sub> in <i>E. coli</i> &lt;3 "
                b'<b class="x">bold<u>nested</u></b> <mml:math xmlns:mml="http://www.w3.org/1998'
                b'/Math/MathML"><mml:mi>x</mml:mi></mml:math> &#946; &#x3b3; &unknown;'
                b"</ArticleTitle>",
            )
        )
    streamed = parse_article_set(body)
    reference = parse_article_set_entrez(body)
    assert streamed == reference
    assert len(streamed.studies) + len(streamed.deleted) > 0


def test_streaming_parser_reads_a_file_one_record_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "set.xml"
    articles = list(synthetic_articles(50, seed=12).values())
    articles[3] = articles[3].replace(b"<ArticleTitle>", b"<ArticleTitle>&undeclared;")
    path.write_bytes(_set_of(*articles))
    with path.open("rb") as fh:
        streamed = list(iter_article_set(fh))
    assert [s.pmid for s in streamed] == [str(30000000 + i) for i in range(50)]
    assert tuple(streamed) == parse_article_set(path.read_bytes()).studies


def test_an_empty_article_set_is_an_answer_not_an_error() -> None:
    # EFetch's answer when it has none of the records asked for.
    empty = parse_article_set(b"<PubmedArticleSet>\n</PubmedArticleSet>\n")
    assert empty.studies == () and empty.deleted == ()
    with pytest.raises(ParseError):
        parse_article_set(b"")


@pytest.mark.parametrize("pmid", ["1234567890", "0123", "9100013\u00b2", "\u0661\u0662"])
def test_a_record_whose_pmid_is_not_a_pmid_is_refused_alone(pmid: str) -> None:
    good = synthetic_article("30000001")
    odd = synthetic_article("30000002").replace(b">30000002<", f">{pmid}<".encode())
    body = b"<PubmedArticleSet>\n" + odd + b"\n" + good + b"\n</PubmedArticleSet>\n"
    parsed = parse_article_set(body)
    assert [s.pmid for s in parsed.studies] == ["30000001"]
    assert parsed.refused == (pmid,)


@pytest.mark.parametrize(("year", "expected"), [("99999", None), ("1799", None), ("1800", 1800)])
def test_a_year_no_publication_could_bear_is_unknown(year: str, expected: int | None) -> None:
    xml = synthetic_article("30000001", year=2020).replace(
        b"<PubDate><Year>2020</Year>", f"<PubDate><Year>{year}</Year>".encode()
    )
    xml = re.sub(rb"<ArticleDate.*?</ArticleDate>", b"", xml, flags=re.S)  # no fallback
    body = b"<PubmedArticleSet>\n" + xml + b"\n</PubmedArticleSet>\n"
    assert parse_article_set(body).studies[0].year == expected


def test_a_stream_read_in_blocks_parses_as_the_same_bytes_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Blocks end only at line ends, so no entity outside XML's own is cut in two."""
    from evidence.pubmed import _Chained

    records = list(synthetic_articles(40, seed=9).values())
    records[3] = records[3].replace(b"</ArticleTitle>", b" &unknown.entity; &amp; x</ArticleTitle>")
    body = b"<?xml version='1.0'?>\n<PubmedArticleSet>\n" + b"\n".join(records)
    body += b"\n</PubmedArticleSet>\n"
    whole = list(iter_article_set(body))
    for block in (1, 7, 100, 4096):
        monkeypatch.setattr(_Chained, "_BLOCK", block)
        assert list(iter_article_set(io.BytesIO(body))) == whole
    fourth = whole[3]
    assert len(whole) == 40 and isinstance(fourth, Study) and "&unknown" not in fourth.title
