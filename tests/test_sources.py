"""LiveSource against the emulator: searches past ESearch's 9,999 records, date windows."""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import pytest

from evidence.errors import ConfigError, EutilsError
from evidence.eutils import EutilsClient, SearchResult
from evidence.pacing import RateLimiter, RetryPolicy
from evidence.queries import Query
from evidence.sources import LiveSource
from evidence.testing import EutilsEmulator, synthetic_articles

PMID = re.compile(rb"<PMID Version=\"1\">(\d+)</PMID>")
TERM = "ketamine[tiab]"


def source(url: str, batch_size: int = 500) -> LiveSource:
    client = EutilsClient(
        email="dev@example.org",
        base_url=url,
        limiter=RateLimiter(1000),
        policy=RetryPolicy(attempts=2, backoff=0.01, max_wait=0.02, total=120.0),
    )
    return LiveSource(client, batch_size=batch_size, today=lambda: date(2026, 11, 24))


def query(mindate: str = "", maxdate: str = "") -> Query:
    return Query(
        id="q",
        title="Q",
        path=Path("q.toml"),
        drug="",
        conditions=(),
        explicit_term=TERM,
        mindate=mindate,
        maxdate=maxdate,
    )


@pytest.fixture(scope="module")
def big() -> dict[str, bytes]:
    """25,000 records (the issue's example topic) whose Entrez dates spread over 2000-2024."""
    return synthetic_articles(25_000, seed=3, first_pmid=32000000)


def test_a_search_past_10000_records_is_split_by_date_and_fetched_whole(
    big: dict[str, bytes], no_network: None
) -> None:
    with EutilsEmulator(big, rate_limit=None) as emu:
        emu.add_search(TERM, sorted(big))
        live = source(emu.url)
        result = live.search(query())
        assert result.count == len(big) and len(result.ids) == len(set(result.ids))
        assert set(result.ids) == set(big)
        searches = emu.count("esearch")
        assert result.requests == searches > 2  # the over-limit answer, then the slices
        windows = [r for r in emu.requests if r.endpoint == "esearch" and "mindate" in r.params]
        assert all(r.params["datetype"] == "edat" for r in windows)

        fetched = [p for chunk in live.fetch(result.ids, result) for p in PMID.findall(chunk)]
    assert len(fetched) == len(big) and {p.decode() for p in fetched} == set(big)
    assert emu.count("efetch") == math.ceil(len(big) / 500)


@pytest.mark.parametrize("n", [12_500, 25_000])
def test_the_split_is_cut_where_the_records_are(
    big: dict[str, bytes], n: int, no_network: None
) -> None:
    # Every other record (12,500) or all of them, their Entrez dates spread over 2000-2024.
    records = dict(sorted(big.items())[:: len(big) // n])
    with EutilsEmulator(records, rate_limit=None) as emu:
        emu.add_search(TERM, sorted(records))
        result = source(emu.url).search(query())
        windows = [r for r in emu.requests if r.endpoint == "esearch" and "mindate" in r.params]
        searches = emu.count("esearch")
    # Every record once, from date slices that each listed their records in full.
    assert sorted(result.ids) == sorted(records) and result.count == n
    slices = math.ceil(n / 9_999)
    # A blind halving of 1800-2027 takes 8 or more slices at these sizes; counts guide the
    # cuts to within two of the least that could list every record.
    assert result.requests == searches <= 1 + slices + 2
    assert len(windows) >= slices


def test_a_publication_date_window_is_split_within_itself(
    big: dict[str, bytes], no_network: None
) -> None:
    with EutilsEmulator(big, rate_limit=None) as emu:
        emu.add_search(TERM, sorted(big))
        result = source(emu.url).search(query(mindate="2001", maxdate="2024/06"))
        dated = [r for r in emu.requests if r.endpoint == "esearch"]
    assert all(r.params["datetype"] == "pdat" for r in dated)
    assert all("2001/01/01" <= r.params["mindate"] <= "2024/06/30" for r in dated)
    assert 10_000 < result.count < len(big) and len(set(result.ids)) == result.count


@pytest.mark.slow
def test_more_than_10000_records_on_one_day_cannot_be_split(
    big: dict[str, bytes], no_network: None
) -> None:
    with EutilsEmulator(rate_limit=None) as emu:
        for pmid, xml in list(big.items())[:10_000]:
            emu.add_article(pmid, xml, edat="2024/03/01")
        emu.add_search(TERM, sorted(big)[:10_000])
        with pytest.raises(EutilsError, match="edat 2024/03/01 alone"):
            source(emu.url).search(query())


def fetched_pmids(chunks: list[bytes]) -> list[str]:
    return [p.decode() for chunk in chunks for p in PMID.findall(chunk)]


def test_a_truncated_batch_is_asked_for_again_smaller_then_batches_grow_back(
    big: dict[str, bytes], no_network: None
) -> None:
    records = dict(sorted(big.items())[:2_000])
    with EutilsEmulator(records, rate_limit=None) as emu:
        emu.add_search(TERM, sorted(records))
        live = source(emu.url)
        result = live.search(query())
        emu.inject("efetch", "truncate")  # the first answer stops halfway
        got = fetched_pmids(list(live.fetch(result.ids, result)))
        sizes = [int(r.params["retmax"]) for r in emu.requests if r.endpoint == "efetch"]
    assert sorted(got) == sorted(records) and len(got) == len(set(got))
    # The failed 500 is asked for once, as 125 (not retried whole), then 250, then 500 again.
    assert sizes[:4] == [500, 125, 250, 500]
    assert sum(sizes[1:]) == len(records)


def test_a_batch_shrinks_to_the_floor_and_only_then_uses_the_clients_retries(
    big: dict[str, bytes], no_network: None
) -> None:
    records = dict(sorted(big.items())[:300])
    with EutilsEmulator(records, rate_limit=None) as emu:
        emu.add_search(TERM, sorted(records))
        live = source(emu.url, batch_size=200)
        pmids = sorted(records)
        emu.inject("efetch", "truncate", times=2)  # 200, then 50 (retried as the client does)
        got = fetched_pmids(list(live.fetch(pmids, SearchResult(count=300, ids=tuple(pmids)))))
        sizes = [len(r.params["id"].split(",")) for r in emu.requests if r.endpoint == "efetch"]
    assert sorted(got) == pmids
    assert sizes[:4] == [200, 50, 50, 100]


def test_a_refused_batch_is_not_shrunk(big: dict[str, bytes], no_network: None) -> None:
    records = dict(sorted(big.items())[:600])
    with EutilsEmulator(records, rate_limit=None) as emu:
        emu.add_search(TERM, sorted(records))
        live = source(emu.url)
        result = live.search(query())
        # An error NCBI does not call passing: a smaller batch would not help either.
        emu.inject("efetch", "error_200", times=1, message="Invalid query key")
        with pytest.raises(EutilsError, match="Invalid query key"):
            list(live.fetch(result.ids, result))
        assert emu.count("efetch") == 1


def test_the_rate_limit_on_a_large_batch_is_waited_out_not_a_failure(
    big: dict[str, bytes], no_network: None
) -> None:
    records = dict(sorted(big.items())[:600])
    with EutilsEmulator(records, rate_limit=None) as emu:
        emu.add_search(TERM, sorted(records))
        live = source(emu.url)
        result = live.search(query())
        emu.inject("efetch", "http_429", times=1, retry_after=0)  # NCBI: too many requests
        got = fetched_pmids(list(live.fetch(result.ids, result)))
        sizes = [int(r.params["retmax"]) for r in emu.requests if r.endpoint == "efetch"]
    assert sorted(got) == sorted(records) and len(got) == len(set(got))
    # The same 500 asked for again after the wait (a smaller batch meets the same limit).
    assert sizes == [500, 500, 100]


@pytest.mark.parametrize("size", [0, 10_001])
def test_a_batch_size_past_what_ncbi_returns_is_refused(size: int) -> None:
    live = source("http://127.0.0.1:9/", batch_size=size)
    with pytest.raises(ConfigError, match="batch size"):
        list(live.fetch(["1"], SearchResult(count=1, ids=("1",))))


def test_an_incremental_search_asks_for_entered_and_revised_records(
    big: dict[str, bytes], no_network: None
) -> None:
    few = dict(list(big.items())[:20])
    pmids = sorted(few)
    with EutilsEmulator(rate_limit=None) as emu:
        for pmid, xml in few.items():
            emu.add_article(pmid, xml, edat="2015/01/01")
        emu.add_article(pmids[0], few[pmids[0]], edat="2026/11/23")
        emu.add_article(pmids[1], few[pmids[1]], edat="2015/01/01", mdat="2026/11/24")
        emu.add_search(TERM, pmids)
        result = source(emu.url).search(query(), since=date(2026, 11, 23))
        asked = [(r.params["datetype"], r.params["mindate"]) for r in emu.requests]
    assert not result.complete and result.requests == 2
    # A new record's MDAT is its entry date: it is in both windows, and listed once.
    assert sorted(result.ids) == [pmids[0], pmids[1]]
    assert set(result.revised) == {pmids[0], pmids[1]}
    assert asked == [("edat", "2026/11/23"), ("mdat", "2026/11/23")]
