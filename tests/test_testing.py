"""The E-utilities emulator, exercised over real HTTP with plain `requests` (no mocking)."""

from __future__ import annotations

import io
import json
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from Bio import Entrez
from Bio.Entrez import Parser as EntrezParser

from conftest import child_env
from evidence import cli
from evidence.testing import (
    RETSTART_ERROR,
    EutilsEmulator,
    main,
    refresh_args,
    synthetic_article,
    synthetic_articles,
)

IDENT = {"tool": "evidence-tests", "email": "tests@example.org"}
ARTICLES = synthetic_articles(40, seed=7)
PMIDS = list(ARTICLES)  # ascending: 30000000 .. 30000039
NEWEST_FIRST = sorted(PMIDS, key=int, reverse=True)
ESEARCH_PROLOG = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n'
    b'<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n<eSearchResult>'
)
EFETCH_PROLOG = (
    b'<?xml version="1.0" ?>\n'
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n'
)


# --- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_network_for_dtds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bio.Entrez downloads any DTD it lacks; here that must never happen."""

    def refuse(url: str, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"Bio.Entrez tried the network for {url}")

    monkeypatch.setattr(EntrezParser, "urlopen", refuse)


@pytest.fixture
def emulator() -> Iterator[EutilsEmulator]:
    with EutilsEmulator(ARTICLES, rate_limit=None) as running:
        yield running


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def call(
    session: requests.Session,
    emulator: EutilsEmulator,
    endpoint: str,
    *,
    post: bool = False,
    timeout: float = 5,
    **params: Any,
) -> requests.Response:
    url = f"{emulator.url}{endpoint}.fcgi"
    params = {**IDENT, "db": "pubmed", **params}
    if post:
        return session.post(url, data=params, timeout=timeout)
    return session.get(url, params=params, timeout=timeout)


def entrez(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text[:200]
    return parse(response.content)


def parse(body: bytes) -> Any:
    """Bio.Entrez's reading, validating against the DTDs it ships."""
    return Entrez.read(io.BytesIO(body))  # type: ignore[no-untyped-call]


def article_pmids(record: Any) -> list[str]:
    return [str(a["MedlineCitation"]["PMID"]) for a in record["PubmedArticle"]]


def error_text(response: requests.Response, root: str) -> str:
    element = ET.fromstring(response.content)  # ElementTree never loads the DTD
    assert element.tag == root
    found = element.find("ERROR")
    assert found is not None and found.text
    return found.text


# --- ESearch ---------------------------------------------------------------------------------


def test_esearch_with_history_gives_count_webenv_ids_and_translation(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    shuffled = random.Random(3).sample(PMIDS[:25], 25)
    emulator.add_search(" aspirin ", shuffled, translation='"aspirin"[MeSH Terms]')

    response = call(session, emulator, "esearch", term="aspirin", usehistory="y", retmax=10)
    record = entrez(response)

    assert response.content.startswith(ESEARCH_PROLOG)
    assert response.headers["Content-Type"].startswith("text/xml")
    assert record["Count"] == "25"
    assert (record["RetMax"], record["RetStart"], record["QueryKey"]) == ("10", "0", "1")
    assert record["WebEnv"].startswith("MCID_")
    assert record["IdList"] == sorted(PMIDS[:25], key=int, reverse=True)[:10]
    assert record["QueryTranslation"] == '"aspirin"[MeSH Terms]'
    assert "ErrorList" not in record and "WarningList" not in record

    tail = entrez(call(session, emulator, "esearch", term="aspirin", retstart=20, retmax=10))
    assert tail["IdList"] == sorted(PMIDS[:25], key=int, reverse=True)[20:]
    assert "WebEnv" not in tail  # no history without usehistory=y


def test_esearch_reuses_a_webenv_and_increments_the_query_key(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.add_search("a", PMIDS[:3])
    emulator.add_search("b", PMIDS[3:5])
    first = entrez(call(session, emulator, "esearch", term="a", usehistory="y"))
    second = entrez(
        call(session, emulator, "esearch", term="b", usehistory="y", WebEnv=first["WebEnv"])
    )
    assert second["WebEnv"] == first["WebEnv"]
    assert (first["QueryKey"], second["QueryKey"]) == ("1", "2")

    fetched = entrez(
        call(session, emulator, "efetch", WebEnv=first["WebEnv"], query_key="2", retmax=50)
    )
    assert article_pmids(fetched) == sorted(PMIDS[3:5], key=int, reverse=True)


def test_unregistered_term_is_a_true_zero(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    response = call(session, emulator, "esearch", term="nothing[ti]", usehistory="y")
    record = entrez(response)
    assert record["Count"] == "0"
    assert record["IdList"] == []
    assert record["QueryTranslation"] == "nothing[ti]"
    assert "ErrorList" not in record
    assert record["WarningList"]["OutputMessage"] == ["No items found."]


def test_errors_and_warnings_follow_the_query_translation(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.add_search(
        "aspirin AND zzzq", PMIDS[:2], errors=["zzzq"], warnings=["Quoted phrase not found."]
    )
    response = call(session, emulator, "esearch", term="aspirin AND zzzq")
    record = entrez(response)
    assert record["ErrorList"]["PhraseNotFound"] == ["zzzq"]
    assert record["WarningList"]["OutputMessage"] == ["Quoted phrase not found."]
    body = response.content
    assert body.index(b"</QueryTranslation>") < body.index(b"<ErrorList>")
    assert body.index(b"</ErrorList>") < body.index(b"<WarningList>")


def test_date_windows_filter_by_edat_mdat_and_pdat(session: requests.Session) -> None:
    pmids = ["100", "101", "102", "103"]
    with EutilsEmulator(rate_limit=None) as emulator:
        emulator.add_article("100", synthetic_article("100", year=2018), edat="2019/12/31")
        emulator.add_article("101", synthetic_article("101", year=2019), edat="2020/01/01")
        emulator.add_article(
            "102", synthetic_article("102", year=2020), edat="2020/06/15", mdat="2024/03/02"
        )
        emulator.add_article("103", synthetic_article("103", year=2021))  # edat from History
        emulator.add_search("t", [*pmids, "999"])  # 999 has no record, hence no dates

        def ids(**window: Any) -> list[str]:
            record = entrez(call(session, emulator, "esearch", term="t", **window))
            assert record["Count"] == str(len(record["IdList"]))
            return list(record["IdList"])

        assert ids() == ["999", "103", "102", "101", "100"]
        assert ids(datetype="edat", mindate="2020", maxdate="2020") == ["102", "101"]
        assert ids(datetype="edat", mindate="2020/02", maxdate="2021/12/31") == ["103", "102"]
        assert ids(datetype="edat", mindate="2019/12/31", maxdate="2020/01/01") == ["101", "100"]
        assert ids(mindate="2021", maxdate="2021") == ["103"]  # edat is the default
        assert ids(datetype="mdat", mindate="2024/01", maxdate="2024/12") == ["102"]
        assert ids(datetype="mdat", mindate="2020/01/01", maxdate="2020/01/01") == ["101"]
        assert ids(datetype="pdat", mindate="2018", maxdate="2019") == ["101", "100"]
        # NCBI wants both bounds; one alone leaves the search unfiltered
        assert ids(mindate="2021") == ["999", "103", "102", "101", "100"]


def test_paging_past_9999_is_refused_as_ncbi_does(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    many = [str(40000000 + i) for i in range(12000)]
    emulator.add_search("big", many)

    refused = call(session, emulator, "esearch", term="big", retstart=9999, retmax=100)
    assert refused.status_code == 200
    assert error_text(refused, "eSearchResult") == RETSTART_ERROR
    assert "'retstart' cannot be larger than 9998" in RETSTART_ERROR

    last_page = entrez(call(session, emulator, "esearch", term="big", retstart=9990, retmax=100))
    assert last_page["Count"] == "12000"
    assert len(last_page["IdList"]) == 9  # clamped to the 9,999-record window, silently
    assert last_page["IdList"][-1] == many[::-1][9998]


# --- EFetch and EPost ------------------------------------------------------------------------


def test_efetch_by_webenv_in_two_batches(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.add_search("t", PMIDS[:25])
    search = entrez(call(session, emulator, "esearch", term="t", usehistory="y", retmax=0))
    assert search["IdList"] == []
    history = {"WebEnv": search["WebEnv"], "query_key": search["QueryKey"], "retmode": "xml"}

    first = call(session, emulator, "efetch", post=True, retstart=0, retmax=15, **history)
    second = call(session, emulator, "efetch", post=True, retstart=15, retmax=15, **history)

    assert first.content.startswith(EFETCH_PROLOG)
    assert first.content.rstrip().endswith(b"</PubmedArticleSet>")
    got = article_pmids(entrez(first)) + article_pmids(entrez(second))
    assert got == NEWEST_FIRST[-25:]  # the first 25 PMIDs, newest first
    assert len(article_pmids(entrez(second))) == 10


def test_efetch_by_posted_ids_keeps_order_and_omits_unknown(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    wanted = [PMIDS[5], "1", PMIDS[2], PMIDS[9], PMIDS[5]]
    response = call(session, emulator, "efetch", post=True, id=",".join(wanted), retmode="xml")
    record = entrez(response)
    assert article_pmids(record) == [PMIDS[5], PMIDS[2], PMIDS[9]]
    for pmid in (PMIDS[5], PMIDS[2], PMIDS[9]):
        assert ARTICLES[pmid].strip() in response.content  # served byte for byte
    assert emulator.requests[-1].params["id"] == ",".join(wanted)


def test_epost_then_efetch(emulator: EutilsEmulator, session: requests.Session) -> None:
    posted = call(session, emulator, "epost", post=True, id=f"{PMIDS[1]},abc,{PMIDS[0]}")
    record = entrez(posted)
    assert record["InvalidIdList"] == ["abc"]
    assert record["QueryKey"] == "1" and record["WebEnv"].startswith("MCID_")

    fetched = call(
        session, emulator, "efetch", WebEnv=record["WebEnv"], query_key=record["QueryKey"]
    )
    assert article_pmids(entrez(fetched)) == [PMIDS[1], PMIDS[0]]

    empty = call(session, emulator, "epost", post=True, id="")
    assert error_text(empty, "ePostResult") == "Empty ID list; Nothing to store"


def test_unknown_webenv_answers_unable_to_obtain_query(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    response = call(session, emulator, "efetch", WebEnv="MCID_nope", query_key="1")
    assert response.status_code == 200
    assert b"<!DOCTYPE eEfetchResult" in response.content
    assert error_text(response, "eFetchResult") == "Unable to obtain query #1"
    # Biopython ships no efetch.dtd: it would fetch one (the guard above proves it is live),
    # so a client has to recognise this answer before handing it to Bio.Entrez.
    with pytest.raises(AssertionError, match="tried the network"):
        parse(response.content)


def test_deleted_records_answer_delete_citation(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.delete(PMIDS[3])
    emulator.delete("12345")  # deleted and never served
    ids = f"{PMIDS[4]},{PMIDS[3]},12345,{PMIDS[6]}"
    response = call(session, emulator, "efetch", post=True, id=ids)
    record = entrez(response)
    assert article_pmids(record) == [PMIDS[4], PMIDS[6]]
    assert [str(p) for p in record["DeleteCitation"]] == [PMIDS[3], "12345"]
    body = response.content
    assert body.index(b"<DeleteCitation>") > body.rindex(b"</PubmedArticle>")
    assert b'<PMID Version="1">12345</PMID>' in body


def test_einfo_describes_pubmed(emulator: EutilsEmulator, session: requests.Session) -> None:
    (info,) = entrez(call(session, emulator, "einfo"))["DbInfo"]
    assert (info["DbName"], info["Count"]) == ("pubmed", str(len(ARTICLES)))
    response = session.get(f"{emulator.url}einfo.fcgi", params=IDENT, timeout=5)
    assert entrez(response)["DbList"] == ["pubmed"]


# --- identification and the rate limit -------------------------------------------------------


def test_requests_without_tool_and_email_are_refused(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    response = session.get(f"{emulator.url}esearch.fcgi", params={"db": "pubmed", "term": "x"})
    assert response.status_code == 400
    assert "email" in error_text(response, "eSearchResult")


def test_invalid_api_key_gets_ncbi_json_without_the_key(session: requests.Session) -> None:
    with EutilsEmulator(ARTICLES, rate_limit=None, valid_api_keys={"good-key"}) as emulator:
        refused = call(session, emulator, "esearch", term="x", api_key="secret-bad-key")
        assert refused.status_code == 400
        assert refused.headers["Content-Type"] == "application/json"
        assert refused.json() == {
            "error": "API key invalid",
            "api-key": "<redacted>",
            "type": "invalid",
            "status": "unknown",
        }
        assert b"secret-bad-key" not in refused.content
        assert call(session, emulator, "esearch", term="x", api_key="good-key").ok


def test_rate_limit_answers_429_with_ncbi_json(session: requests.Session) -> None:
    with EutilsEmulator(ARTICLES, rate_limit=3) as emulator:
        responses = [call(session, emulator, "esearch", term="x") for _ in range(5)]
        assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
        refused = responses[3]
        assert refused.headers["Content-Type"] == "application/json"
        assert refused.headers["Retry-After"] == "1"
        assert refused.content == b'{"error":"API rate limit exceeded","count":"4"}'
        assert responses[4].json()["count"] == "5"  # refused requests count too
        assert emulator.count("esearch") == 5

        time.sleep(1.05)  # the sliding window empties
        assert call(session, emulator, "esearch", term="x").status_code == 200


def test_a_client_pacing_at_the_limit_is_not_punished_for_jitter(session: requests.Session) -> None:
    with EutilsEmulator(ARTICLES, rate_limit=3) as emulator:
        statuses = []
        for _ in range(4):  # four arrivals spanning a hair under one second
            statuses.append(call(session, emulator, "esearch", term="x").status_code)
            time.sleep(0.33)
        assert statuses == [200] * 4
    with pytest.raises(ValueError):
        EutilsEmulator(rate_tolerance=1.0)


def test_valid_api_key_has_its_own_higher_limit(session: requests.Session) -> None:
    with EutilsEmulator(ARTICLES, rate_limit=3, rate_limit_with_key=10) as emulator:
        keyed = [call(session, emulator, "esearch", term="x", api_key="k") for _ in range(11)]
        assert [r.status_code for r in keyed] == [200] * 10 + [429]
        assert keyed[-1].json() == {"error": "API rate limit exceeded", "count": "11"}
        assert call(session, emulator, "esearch", term="x").status_code == 200  # keyless window


# --- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_http_error_faults_send_an_html_page_then_service_resumes(
    emulator: EutilsEmulator, session: requests.Session, status: int
) -> None:
    emulator.inject("efetch", f"http_{status}", times=2, retry_after=3)
    ids = PMIDS[0]
    failed = [call(session, emulator, "efetch", id=ids) for _ in range(2)]
    for response in failed:
        assert response.status_code == status
        assert response.headers["Content-Type"].startswith("text/html")
        assert response.headers["Retry-After"] == "3"
        assert b"<html>" in response.content
    assert article_pmids(entrez(call(session, emulator, "efetch", id=ids))) == [ids]


def test_faults_wait_for_their_own_endpoint(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.inject("efetch", "http_500")
    assert call(session, emulator, "esearch", term="x").status_code == 200
    assert call(session, emulator, "efetch", id=PMIDS[0]).status_code == 500
    emulator.inject("*", "http_502")
    emulator.inject("*", "http_503")
    assert call(session, emulator, "epost", post=True, id=PMIDS[0]).status_code == 502
    assert call(session, emulator, "esearch", term="x").status_code == 503
    assert call(session, emulator, "esearch", term="x").status_code == 200


def test_http_429_fault(emulator: EutilsEmulator, session: requests.Session) -> None:
    emulator.inject("esearch", "http_429")
    emulator.inject("esearch", "http_429", retry_after=None)
    first = call(session, emulator, "esearch", term="x")
    second = call(session, emulator, "esearch", term="x")
    assert first.status_code == second.status_code == 429
    assert first.json()["error"] == "API rate limit exceeded"
    assert first.headers["Retry-After"] == "1"
    assert "Retry-After" not in second.headers


def test_reset_fault_drops_the_connection(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.inject("efetch", "reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        call(session, emulator, "efetch", post=True, id=PMIDS[0])
    assert call(session, emulator, "efetch", post=True, id=PMIDS[0]).status_code == 200


def test_truncate_fault_cuts_the_body_short(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.inject("efetch", "truncate")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        call(session, emulator, "efetch", id=",".join(PMIDS[:3]))
    assert len(article_pmids(entrez(call(session, emulator, "efetch", id=PMIDS[0])))) == 1


def test_timeout_fault_stalls_one_request_without_blocking_others(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.inject("efetch", "timeout", seconds=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        call(session, emulator, "efetch", id=PMIDS[0], timeout=0.3)
    start = time.monotonic()
    assert call(session, emulator, "esearch", term="x").status_code == 200  # while it stalls
    assert time.monotonic() - start < 0.5
    assert call(session, emulator, "efetch", id=PMIDS[0]).status_code == 200


def test_stop_returns_promptly_with_a_request_stalled(session: requests.Session) -> None:
    emulator = EutilsEmulator(ARTICLES, rate_limit=None)
    emulator.start()
    emulator.inject("esearch", "timeout", seconds=30)
    outcome: list[BaseException | int] = []

    def stalled() -> None:
        try:
            outcome.append(requests.get(f"{emulator.url}esearch.fcgi", timeout=10).status_code)
        except requests.RequestException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=stalled)
    thread.start()
    deadline = time.monotonic() + 5
    while emulator.count("esearch") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.monotonic()
    emulator.stop()
    assert time.monotonic() - start < 1.0
    thread.join(timeout=5)
    assert len(outcome) == 1 and isinstance(outcome[0], requests.exceptions.ConnectionError)


def test_html_200_fault(emulator: EutilsEmulator, session: requests.Session) -> None:
    emulator.inject("esearch", "html_200")
    response = call(session, emulator, "esearch", term="x")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.content.lstrip().startswith(b"<!DOCTYPE html>")


def test_error_200_fault_answers_in_band(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.inject("esearch", "error_200")
    emulator.inject("efetch", "error_200", message="Unable to obtain query #7")
    searched = call(session, emulator, "esearch", term="x")
    fetched = call(session, emulator, "efetch", id=PMIDS[0])
    assert searched.status_code == fetched.status_code == 200
    assert error_text(searched, "eSearchResult").startswith("Search Backend failed:")
    assert error_text(fetched, "eFetchResult") == "Unable to obtain query #7"


def test_drop_records_fault_omits_records(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.inject("*", "drop_records", count=2)  # waits for an efetch
    assert call(session, emulator, "esearch", term="x").status_code == 200
    fetched = entrez(call(session, emulator, "efetch", id=",".join(PMIDS[:5])))
    assert article_pmids(fetched) == PMIDS[:3]
    again = entrez(call(session, emulator, "efetch", id=",".join(PMIDS[:5])))
    assert article_pmids(again) == PMIDS[:5]


def test_a_withheld_record_is_left_out_of_every_efetch(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.withhold(PMIDS[1])
    fetched = entrez(call(session, emulator, "efetch", id=",".join(PMIDS[:3])))
    assert article_pmids(fetched) == [PMIDS[0], PMIDS[2]]
    alone = call(session, emulator, "efetch", id=PMIDS[1])
    assert alone.status_code == 200 and b"<PubmedArticle>" not in alone.content
    emulator.withhold(PMIDS[1], withheld=False)
    assert article_pmids(entrez(call(session, emulator, "efetch", id=PMIDS[1]))) == [PMIDS[1]]


def test_expire_history_fault_forgets_every_webenv(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.add_search("x", PMIDS[:3])
    searched = entrez(call(session, emulator, "esearch", term="x", usehistory="y"))
    history = {"WebEnv": searched["WebEnv"], "query_key": searched["QueryKey"]}
    emulator.inject("efetch", "expire_history")
    lost = call(session, emulator, "efetch", **history)
    assert error_text(lost, "eFetchResult") == "Unable to obtain query #1"
    assert article_pmids(entrez(call(session, emulator, "efetch", id=PMIDS[0]))) == [PMIDS[0]]


def test_bad_count_fault_garbles_the_count(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    emulator.add_search("x", PMIDS[:3])
    emulator.inject("esearch", "bad_count")
    assert b"<Count>many</Count>" in call(session, emulator, "esearch", term="x").content
    assert b"<Count>3</Count>" in call(session, emulator, "esearch", term="x").content
    with pytest.raises(ValueError, match="esearch only"):
        emulator.inject("efetch", "bad_count")


def test_inject_rejects_what_it_cannot_do() -> None:
    emulator = EutilsEmulator()
    with pytest.raises(ValueError, match="unknown fault"):
        emulator.inject("efetch", "gremlins")
    with pytest.raises(ValueError, match="unknown endpoint"):
        emulator.inject("esummary", "reset")
    with pytest.raises(ValueError, match="efetch only"):
        emulator.inject("esearch", "drop_records")
    with pytest.raises(ValueError, match="no option"):
        emulator.inject("efetch", "reset", seconds=3)
    with pytest.raises(ValueError, match="times"):
        emulator.inject("efetch", "reset", times=0)


# --- recording and content ---------------------------------------------------------------------


def test_requests_are_recorded_with_merged_params(
    emulator: EutilsEmulator, session: requests.Session
) -> None:
    url = f"{emulator.url}efetch.fcgi?db=pubmed&retmode=xml"
    session.post(url, data={**IDENT, "id": f"{PMIDS[0]},{PMIDS[1]}"}, timeout=5)
    call(session, emulator, "esearch", term="x")
    session.get(f"{emulator.url}esummary.fcgi", params=IDENT, timeout=5)

    fetch = emulator.requests[0]
    assert (fetch.method, fetch.path, fetch.endpoint) == ("POST", "/efetch.fcgi", "efetch")
    assert fetch.params == {"db": "pubmed", "retmode": "xml", **IDENT, "id": "30000000,30000001"}
    assert fetch.time <= emulator.requests[1].time <= time.monotonic()
    assert emulator.requests[2].endpoint == "esummary"
    assert (emulator.count("efetch"), emulator.count("esearch"), emulator.count("*")) == (1, 1, 3)


def test_url_requires_a_running_server() -> None:
    emulator = EutilsEmulator()
    with pytest.raises(RuntimeError):
        _ = emulator.url
    url = emulator.start()
    try:
        assert url == emulator.url
        assert url.startswith("http://127.0.0.1:") and url.endswith("/entrez/eutils/")
    finally:
        emulator.stop()
    emulator.stop()  # idempotent


def test_add_article_rejects_what_is_not_one_article() -> None:
    emulator = EutilsEmulator()
    with pytest.raises(ValueError):
        emulator.add_article("1", b"<PubmedArticleSet></PubmedArticleSet>")
    with pytest.raises(ValueError):
        emulator.add_article("PMC1", synthetic_article("1"))


def test_synthetic_articles_are_deterministic_and_valid_pubmed_xml() -> None:
    assert synthetic_articles(5, seed=2) == synthetic_articles(5, seed=2)
    assert synthetic_articles(5, seed=2) != synthetic_articles(5, seed=3)
    assert synthetic_article("42", rng=random.Random(1)) == synthetic_article(
        "42", rng=random.Random(1)
    )
    assert synthetic_article("42") == synthetic_article("42")

    articles = synthetic_articles(120, seed=11)
    body = EFETCH_PROLOG + b"\n".join(articles.values()) + b"\n</PubmedArticleSet>\n"
    record = parse(body)  # validates every element against the DTD
    assert article_pmids(record) == list(articles)
    years: set[int] = set()
    for article in record["PubmedArticle"]:
        citation = article["MedlineCitation"]
        authors = citation["Article"]["AuthorList"]
        assert 1 <= len(authors) <= 8
        assert authors.attributes["CompleteYN"] == "Y"
        assert all(a["AffiliationInfo"] for a in authors)
        assert citation["Article"]["Abstract"]["AbstractText"][0].attributes["Label"]
        ids = {i.attributes["IdType"]: str(i) for i in article["PubmedData"]["ArticleIdList"]}
        assert ids["pubmed"] == str(citation["PMID"])
        assert ids["doi"] == str(citation["Article"]["ELocationID"][0])
        years.add(int(citation["Article"]["Journal"]["JournalIssue"]["PubDate"]["Year"]))
    assert min(years) == 2000 and max(years) == 2024


def test_synthetic_title_is_escaped() -> None:
    xml = synthetic_article("7", title="Cats < dogs & mice")
    record = parse(EFETCH_PROLOG + xml + b"\n</PubmedArticleSet>")
    article = record["PubmedArticle"][0]["MedlineCitation"]["Article"]
    assert article["ArticleTitle"] == "Cats < dogs & mice"


def test_match_all_answers_any_term_with_every_article_not_deleted(
    session: requests.Session,
) -> None:
    with EutilsEmulator(ARTICLES, rate_limit=None, match_all=True) as emulator:
        emulator.add_search("registered", PMIDS[:2])
        emulator.delete(PMIDS[0])
        emulator.add_article("39999999", synthetic_article("39999999"))
        anything = entrez(call(session, emulator, "esearch", term="anything[tiab]", retmax=100))
        assert anything["Count"] == str(len(PMIDS))
        assert anything["IdList"] == ["39999999", *NEWEST_FIRST[:-1]]
        assert "WarningList" not in anything
        registered = entrez(call(session, emulator, "esearch", term="registered"))
        assert registered["IdList"] == [PMIDS[1], PMIDS[0]]  # its own answer, as registered


def test_a_fixed_port_is_used_and_a_taken_one_refused() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError):
            EutilsEmulator(port=port).start()
    with EutilsEmulator(port=port) as emulator:  # free again
        assert emulator.url == f"http://127.0.0.1:{port}/entrez/eutils/"
    with pytest.raises(ValueError, match="not a TCP port"):
        EutilsEmulator(port=65536)


# --- as a program (python -m evidence.testing) ----------------------------------------------

BANNER = re.compile(
    r"E-utilities emulator on (http://127\.0\.0\.1:\d+/entrez/eutils/) "
    r"\((\d+) synthetic records\); Ctrl-C stops it\n"
)


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`python -m evidence.testing ARGS` in a child process, and the address it printed."""
    command = [sys.executable, "-W", "error", "-m", "evidence.testing", *args]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env()
    ) as proc:
        watchdog = threading.Timer(120, proc.kill)  # a child that never prints fails the test
        watchdog.start()
        try:
            assert proc.stdout is not None
            banner = proc.stdout.readline()
            watchdog.cancel()
            match = BANNER.fullmatch(banner)
            if match is None:
                proc.kill()
                pytest.fail(f"no address printed: {banner!r}; stderr: {proc.communicate()[1]}")
            yield proc, match[1]
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


def stopped(proc: subprocess.Popen[str], signum: signal.Signals) -> tuple[int, str, str]:
    """Send `signum`; the exit code and what the child printed after its banner."""
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def test_the_server_serves_a_real_refresh_then_stops_on_ctrl_c(
    project: Path, no_network: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving("--records", "50", "--port", "0") as (proc, url):
        assert cli.main(refresh_args(project, url)) == 0
        capsys.readouterr()
        assert cli.main(["status", "--project", str(project), "--json"]) == 0
        info = json.loads(capsys.readouterr().out)
        code, out, err = stopped(proc, signal.SIGINT)
    assert (code, out, err) == (0, "", "")
    assert info["stored_records"] == 50
    assert set(info["queries"]) == {"headache", "neuropathic_pain"}  # the repository's queries
    for query in info["queries"].values():
        assert (query["last_run"]["status"], query["last_run"]["count"]) == ("ok", 50)


def test_the_server_injects_faults_and_stops_on_sigterm(session: requests.Session) -> None:
    args = ("--records", "3", "--seed", "5", "--rate", "0", "--fault", "esearch:http_503:2")
    with serving(*args) as (proc, url):
        search = {**IDENT, "db": "pubmed", "term": "any term at all"}
        statuses = [session.get(f"{url}esearch.fcgi", params=search, timeout=10) for _ in "abc"]
        code, out, err = stopped(proc, signal.SIGTERM)
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert parse(statuses[2].content)["IdList"] == sorted(synthetic_articles(3), reverse=True)
    assert (code, out, err) == (0, "", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "efetch:gremlins"], "argument --fault: 'efetch:gremlins': unknown fault"),
        (["--fault", "efetch"], "argument --fault: expected ENDPOINT:KIND[:TIMES]"),
        (
            ["--fault", "esearch:drop_records"],
            "argument --fault: 'esearch:drop_records': drop_records applies to efetch only",
        ),
        (["--fault", "efetch:http_503:0"], "argument --fault: 'efetch:http_503:0': times must be"),
        (["--records", "-1"], "argument --records: not a whole number: '-1'"),
        (["--port", "65536"], "argument --port: not a TCP port: '65536'"),
        (["--rate", "fast"], "argument --rate: not a number of requests per second"),
    ],
)
def test_bad_arguments_are_a_one_line_usage_error(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {message}") and err.count("\n") == 1, err
    assert err.endswith("(see `python -m evidence.testing --help`)\n")


def test_a_taken_port_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--records", "1", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: cannot listen on 127.0.0.1:{port}: ") and err.count("\n") == 1
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
