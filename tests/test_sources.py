"""LiveSource against the emulator: searches past ESearch's 9,999 records, date windows."""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import pytest

from evidence.errors import EutilsError
from evidence.eutils import EutilsClient
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


def test_more_than_10000_records_on_one_day_cannot_be_split(
    big: dict[str, bytes], no_network: None
) -> None:
    with EutilsEmulator(rate_limit=None) as emu:
        for pmid, xml in list(big.items())[:10_000]:
            emu.add_article(pmid, xml, edat="2024/03/01")
        emu.add_search(TERM, sorted(big)[:10_000])
        with pytest.raises(EutilsError, match="edat 2024/03/01 alone"):
            source(emu.url).search(query())


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
