"""Reading E-utilities XML safely and offline (evidence.entrez_xml): the guards, Bio.Entrez's
DTDs, the text of its values, and what an ESearch or EFetch answer may not be."""

from __future__ import annotations

import pytest

from evidence.entrez_xml import (
    check_article_set,
    esearch_notes,
    esearch_record,
    ncbi_error,
    plain_text,
    read_entrez_xml,
    safe_markup,
)
from evidence.errors import EutilsError, HistoryError, ParseError, TransientEutilsError

ESEARCH = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC '
    b'"-//NLM//DTD esearch 20060628//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)


def test_local_file_dtd_is_refused(no_network: None) -> None:
    body = b'<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "file:///etc/passwd">\n<x/>'
    with pytest.raises(ParseError):
        read_entrez_xml(body)


def test_safe_markup_keeps_only_the_inline_list() -> None:
    assert safe_markup('<i onclick="x()">S</i>-<script>alert(1)</script>') == "<i>S</i>-alert(1)"
    assert safe_markup("<b>open") == "<b>open</b>"
    assert safe_markup("close</sup> &lt;b&gt;") == "close &lt;b&gt;"


def test_plain_text_drops_markup_and_decodes_entities() -> None:
    assert plain_text("CO<sub>2</sub> &amp;  <i>pain</i>") == "CO2 & pain"
    assert plain_text(None) == ""


def test_an_esearch_answer_is_read_and_its_errors_raised() -> None:
    ok = ESEARCH + (
        b"<eSearchResult><Count>2</Count><RetMax>2</RetMax><RetStart>0</RetStart>"
        b"<IdList><Id>1</Id><Id>2</Id></IdList><TranslationSet/>"
        b"<WarningList><PhraseIgnored>and</PhraseIgnored></WarningList></eSearchResult>"
    )
    record = esearch_record(ok)
    assert str(record["Count"]) == "2" and esearch_notes(record) == ("PhraseIgnored: and",)
    failed = ESEARCH + (
        b"<eSearchResult><Count>0</Count><RetMax>0</RetMax><RetStart>0</RetStart><IdList/>"
        b"<TranslationSet/><ErrorList><PhraseNotFound>zzz</PhraseNotFound></ErrorList>"
        b"</eSearchResult>"
    )
    with pytest.raises(EutilsError, match="PubMed could not run the term"):
        esearch_record(failed)


def test_ncbi_wording_tells_a_passing_failure_from_a_lasting_one() -> None:
    assert isinstance(ncbi_error("ESearch", "Search Backend failed"), TransientEutilsError)
    lasting = ncbi_error("EFetch", "Invalid id")
    assert type(lasting) is EutilsError and str(lasting) == "EFetch failed: Invalid id"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>", EutilsError),
        (b"<html>502</html>", ParseError),
        (b'<?xml version="1.0"?><PubmedArticleSet><PubmedArticle>', ParseError),
    ],
)
def test_an_efetch_answer_must_be_a_whole_article_set(body: bytes, error: type) -> None:
    with pytest.raises(error):
        check_article_set(body)
    check_article_set(b"<PubmedArticleSet></PubmedArticleSet>\n")


def test_a_lost_history_set_is_its_own_error() -> None:
    body = b"<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>\n"
    with pytest.raises(HistoryError, match="Unable to obtain query #1"):
        check_article_set(body)
