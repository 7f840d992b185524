"""The next EFetch asked for while the last answer is parsed and stored: the same records in
the same order and the same requests as one after another, and no thread or request left when
the refresh ends (against the local emulator, real HTTP on 127.0.0.1)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evidence.errors import EutilsError
from evidence.eutils import ESearch, EutilsClient
from evidence.pacing import RateLimiter, RetryPolicy
from evidence.prefetch import THREAD_NAME, prefetched
from evidence.pubmed import parse_article_set
from evidence.refresh import Event, refresh
from evidence.settings import Settings
from evidence.sources import LiveSource
from evidence.store import Store
from evidence.testing import EutilsEmulator, synthetic_articles

TERM = "prefetch[sb]"
RECORDS = 1_000
BATCH = 100  # 10 EFetch, so several are under way during one refresh


@pytest.fixture
def emulator() -> Iterator[EutilsEmulator]:
    articles = synthetic_articles(RECORDS, seed=3, first_pmid=36000000)
    with EutilsEmulator(articles, rate_limit=None) as emu:
        emu.add_search(TERM, sorted(articles))
        yield emu


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "one.toml").write_text(
        f'id = "one"\ntitle = "One"\n[search]\ndrug = "x"\nterm = "{TERM}"\n'
        '[[conditions]]\nid = "c"\nlabel = "C"\ntext = ["c"]\n',
        encoding="utf-8",
    )
    return Settings(project=tmp_path, email="dev@example.org", batch_size=BATCH)


def client(url: str, *, attempts: int = 3, backoff: float = 0.01) -> EutilsClient:
    return EutilsClient(
        email="dev@example.org",
        base_url=url,
        limiter=RateLimiter(1000),
        policy=RetryPolicy(attempts=attempts, backoff=backoff, max_wait=backoff, total=120),
    )


def fetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


def search_order(emu: EutilsEmulator) -> list[str]:
    """The PMIDs in the order ESearch lists them (the order EFetch pages through)."""
    return list(client(emu.url).esearch(ESearch(term=TERM)).ids)


def efetches(emu: EutilsEmulator) -> list[int]:
    """The retstart of each EFetch the emulator received, in order of arrival."""
    return [int(r.params["retstart"]) for r in emu.requests if r.endpoint == "efetch"]


def test_a_refresh_stores_what_one_fetch_after_another_gives_with_the_same_requests(
    emulator: EutilsEmulator, settings: Settings, no_network: None
) -> None:
    stored: list[int] = []

    def on_event(event: Event) -> None:
        if event.kind == "fetched":
            stored.append(event.done)

    result = refresh(
        settings, LiveSource(client(emulator.url), batch_size=BATCH), build=False, on_event=on_event
    )
    assert result.ok and result.outcomes[0].fetched == RECORDS
    # One ESearch, then the batches by WebEnv, each asked for once, in order.
    assert emulator.count("esearch") == 1
    assert efetches(emulator) == list(range(0, RECORDS, BATCH))
    assert stored == list(range(BATCH, RECORDS + 1, BATCH))  # stored batch after batch
    assert fetch_threads() == []

    # The same records as the answers fetched and parsed one after another, no thread.
    source = LiveSource(client(emulator.url), batch_size=BATCH)
    search = source.client.esearch(ESearch(term=TERM))
    one_by_one = [
        s for body in source.fetch(search.ids, search) for s in parse_article_set(body).studies
    ]
    with Store(settings.store_path("pubmed")) as store:
        kept = store.studies()
    assert len(one_by_one) == RECORDS
    assert {s.pmid: s.to_json() for s in one_by_one} == {p: s.to_json() for p, s in kept.items()}


def test_a_failure_mid_run_fails_the_topic_with_the_batches_before_it_kept(
    emulator: EutilsEmulator, settings: Settings, no_network: None
) -> None:
    def on_event(event: Event) -> None:
        # The third batch is stored: the fourth is already asked for (or answered); from
        # the next request on, NCBI refuses every EFetch.
        if event.kind == "fetched" and event.done == 3 * BATCH:
            emulator.inject("efetch", "http_500", times=1000)

    result = refresh(
        settings, LiveSource(client(emulator.url), batch_size=BATCH), build=False, on_event=on_event
    )
    assert not result.ok and "HTTP 500" in result.outcomes[0].error
    assert fetch_threads() == []
    sent = emulator.count("efetch")
    with Store(settings.store_path("pubmed")) as store:
        kept = store.known_pmids(search_order(emulator))
        assert store.studies() == {}  # the topic is not changed by a failed run
        assert store.last_runs()["one"].status == "failed"
    # The records answered before the fault are stored, batch by batch, and nothing else.
    # (the fetch thread may have had two answers queued and the next in hand when the fault
    # began: at most those three beyond the third)
    assert len(kept) % BATCH == 0 and 3 * BATCH <= len(kept) <= 6 * BATCH
    assert kept == set(search_order(emulator)[: len(kept)])
    time.sleep(0.3)  # a thread still running would send its next retry meanwhile
    assert emulator.count("efetch") == sent


def test_an_error_while_storing_stops_the_fetch_before_its_next_request(
    emulator: EutilsEmulator, settings: Settings, no_network: None
) -> None:
    """The consumer fails (here Ctrl-C in the middle of storing) while the fetch thread
    waits to retry a failed request: the wait is cut short and no request follows."""

    at_interrupt: list[int] = []

    def on_event(event: Event) -> None:
        if event.kind == "fetched":
            deadline = time.monotonic() + 30
            while emulator.count("efetch") < 3 and time.monotonic() < deadline:
                time.sleep(0.01)  # until the fetch thread's retry of the second has failed
            at_interrupt.append(emulator.count("efetch"))
            raise KeyboardInterrupt

    # The first EFetch is answered (a stall of no time), every later one fails: the second
    # batch fails once whole, then at the smallest size waits to retry, at least 1 s apart
    # (2 s, jittered), 6 times. A fetch thread that went on retrying while the refresh
    # ended, or after it, would send more.
    emulator.inject("efetch", "timeout", seconds=0)
    emulator.inject("efetch", "http_503", times=1000)
    source = LiveSource(client(emulator.url, attempts=6, backoff=2.0), batch_size=BATCH)
    with pytest.raises(KeyboardInterrupt):
        refresh(settings, source, build=False, on_event=on_event)
    assert fetch_threads() == []
    assert at_interrupt[0] >= 3
    assert emulator.count("efetch") == at_interrupt[0]  # none while the refresh ended
    time.sleep(2.5)
    assert emulator.count("efetch") == at_interrupt[0]  # nor after
    with Store(settings.store_path("pubmed")) as store:
        # The first batch, stored before the interrupt (the next refresh marks the run as
        # interrupted, as it did before the fetch ran ahead).
        order = search_order(emulator)
        assert store.known_pmids(order) == set(order[:BATCH])


def test_a_producer_error_comes_after_the_items_made_before_it() -> None:
    def make(stop: threading.Event) -> Iterator[int]:
        yield 1
        yield 2
        raise EutilsError("the third failed")

    got: list[int] = []
    with pytest.raises(EutilsError, match="third"):
        for item in prefetched(make):
            got.append(item)
    assert got == [1, 2] and fetch_threads() == []


def test_a_consumer_that_leaves_early_stops_the_producer_and_waits_for_it() -> None:
    made: list[int] = []
    told: list[bool] = []

    def make(stop: threading.Event) -> Iterator[int]:
        try:
            for i in range(1000):
                if stop.is_set():
                    told.append(True)
                    return
                made.append(i)
                yield i
        finally:
            told.append(stop.is_set())

    for item in prefetched(make):
        if item == 2:
            break
    assert fetch_threads() == []  # joined, not left behind
    assert told and all(told)  # stopped because it was told to
    assert len(made) <= 3 + 2 + 1  # those handed over, two queued, one being made
