"""EFetch answers parsed in a parse process: the same rows stored and the same events as
parsing in place, the same one-line error for a malformed answer, a clear error when the
process dies, and no process left when the refresh ends, however it ends (against the local
emulator, real HTTP on 127.0.0.1)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from evidence.eutils import EutilsClient
from evidence.pacing import RateLimiter, RetryPolicy
from evidence.parse_process import ParseProcess, ParseProcesses, parse_batch, parser_for
from evidence.pubmed import parse_article_set
from evidence.refresh import Event, refresh
from evidence.settings import Settings
from evidence.sources import LiveSource
from evidence.store import Store
from evidence.testing import EutilsEmulator, synthetic_articles

TERM = "parsing[sb]"
RECORDS = 300
BATCH = 50
IN_PLACE = 10**9  # parse_process_from: never a process
PROCESS = 1  # parse_process_from: always a process
ONE = 10**9  # two_parsers_from: one parse process, never two
TWO = 1  # two_parsers_from: two parse processes taking the answers in turn
MODES = (("in-place", IN_PLACE, ONE), ("process", PROCESS, ONE), ("two processes", PROCESS, TWO))
# Complete (it ends the set, so the transport's check passes) but broken inside.
BROKEN = b"<PubmedArticle><MedlineCitation><PMID>39999999</PMID></Article></PubmedArticle>"


@pytest.fixture
def articles() -> dict[str, bytes]:
    return synthetic_articles(RECORDS, seed=5, first_pmid=37000000)


def emulator_of(articles: dict[str, bytes]) -> EutilsEmulator:
    emu = EutilsEmulator(articles, rate_limit=None)
    emu.add_search(TERM, sorted(articles))
    return emu


def settings_in(folder: Path) -> Settings:
    (folder / "queries").mkdir(parents=True)
    (folder / "queries" / "one.toml").write_text(
        f'id = "one"\ntitle = "One"\n[search]\ndrug = "x"\nterm = "{TERM}"\n'
        '[[conditions]]\nid = "c"\nlabel = "C"\ntext = ["c"]\n',
        encoding="utf-8",
    )
    return Settings(project=folder, email="dev@example.org", batch_size=BATCH)


def source(url: str) -> LiveSource:
    client = EutilsClient(
        email="dev@example.org",
        base_url=url,
        limiter=RateLimiter(1000),
        policy=RetryPolicy(attempts=2, backoff=0.01, max_wait=0.01, total=60),
    )
    return LiveSource(client, batch_size=BATCH)


def parse_processes() -> list[int]:
    """Our children running the parse process (alive or not yet waited for)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"evidence.parse_process" in cmdline:
            found.append(int(entry.name))
    return found


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def stored_rows(settings: Settings) -> dict[str, str]:
    with Store(settings.store_path("pubmed")) as store:
        return {p: s.to_json() for p, s in store.studies().items()}


def test_the_parse_process_stores_what_parsing_in_place_stores(
    articles: dict[str, bytes], tmp_path: Path, no_network: None
) -> None:
    results = {}
    running: dict[str, set[int]] = {}
    for name, process_from, parsers in MODES:
        settings = settings_in(tmp_path / name)
        events: list[Event] = []
        seen = running[name] = set()

        def on_event(event: Event, events: list[Event] = events, seen: set[int] = seen) -> None:
            events.append(event)
            seen.update(parse_processes())

        with emulator_of(articles) as emu:
            result = refresh(
                settings,
                source(emu.url),
                build=False,
                on_event=on_event,
                parse_process_from=process_from,
                two_parsers_from=parsers,
            )
        assert result.ok and result.outcomes[0].fetched == RECORDS
        results[name] = (stored_rows(settings), [(e.kind, e.message, e.done) for e in events])
    assert results["process"] == results["in-place"] == results["two processes"]
    assert [len(running[name]) for name, _, _ in MODES] == [0, 1, 2]
    assert len(results["process"][0]) == RECORDS
    assert parse_processes() == []


def test_a_batch_parsed_there_is_what_the_store_keeps_of_the_parsed_studies(
    articles: dict[str, bytes],
) -> None:
    body = (
        b"<?xml version='1.0'?>\n<PubmedArticleSet>"
        + b"".join(articles.values())
        + b"<DeleteCitation><PMID>123</PMID></DeleteCitation></PubmedArticleSet>"
    )
    studies = parse_article_set(body).studies
    process = ParseProcess()
    try:
        process.submit(body)
        process.submit(body)
        first, second = process.result(None), process.result(None)
    finally:
        process.close()
    expected = tuple((s.pmid, s.date_revised, s.to_json()) for s in studies)
    assert first == second == parse_batch(body)
    assert first.records == expected and first.deleted == ("123",)
    assert process.proc.returncode == 0  # it exited, was not killed: every answer was read


def test_two_parse_processes_give_each_answer_back_in_the_order_sent(
    articles: dict[str, bytes],
) -> None:
    bodies = [
        b"<?xml version='1.0'?>\n<PubmedArticleSet>"
        + b"".join(list(articles.values())[start : start + BATCH])
        + b"</PubmedArticleSet>"
        for start in range(0, RECORDS, BATCH)
    ]
    processes = ParseProcesses(2)
    try:
        pids = {p.proc.pid for p in processes._processes}
        assert len(pids) == 2 and pids <= set(parse_processes())
        for body in bodies:  # all sent before any is read back, as a fast fetch does
            processes.submit(body)
        got = [processes.result(None) for _ in bodies]
    finally:
        processes.close()
    assert got == [parse_batch(body) for body in bodies]
    assert [p.proc.returncode for p in processes._processes] == [0, 0]  # exited, not killed
    assert parse_processes() == []


def test_large_fetches_take_two_parse_processes_and_small_ones_parse_in_place() -> None:
    kinds = {}
    for records in (999, 1000, 3999, 4000):
        parser = parser_for(records, 1000, 4000)
        try:
            kinds[records] = type(parser).__name__
        finally:
            parser.close()
    assert kinds == {
        999: "InPlace",
        1000: "ParseProcess",
        3999: "ParseProcess",
        4000: "ParseProcesses",
    }
    assert parse_processes() == []


def test_a_malformed_answer_fails_the_topic_with_the_same_one_line_error(
    articles: dict[str, bytes], tmp_path: Path, no_network: None
) -> None:
    articles = dict(articles)
    order = sorted(articles, reverse=True)  # as ESearch lists them: the newest first
    articles[order[3 * BATCH + 7]] = BROKEN  # in the fourth answer
    errors = {}
    for name, process_from, parsers in MODES:
        settings = settings_in(tmp_path / name)
        with emulator_of(articles) as emu:
            result = refresh(
                settings,
                source(emu.url),
                build=False,
                parse_process_from=process_from,
                two_parsers_from=parsers,
            )
        (outcome,) = result.outcomes
        assert not outcome.ok and outcome.exit_code == 1
        errors[name] = outcome.error
        with Store(settings.store_path("pubmed")) as store:
            assert store.topic("one") == set()  # a failed run changes no topic
            assert store.known_pmids(order) == set(order[: 3 * BATCH])  # the answers before
    # The fourth answer goes to the second of two processes: the same error all the same.
    assert errors["process"] == errors["in-place"] == errors["two processes"]
    assert errors["process"].startswith("the XML is corrupted or cut off: mismatched tag: line")
    assert "\n" not in errors["process"]
    assert parse_processes() == []


@pytest.mark.parametrize("parsers, running", [(ONE, 1), (TWO, 2)], ids=["one", "one of two"])
def test_a_parse_process_that_dies_fails_the_topic_in_one_line_and_all_are_reaped(
    parsers: int, running: int, articles: dict[str, bytes], tmp_path: Path, no_network: None
) -> None:
    settings = settings_in(tmp_path)
    killed: list[int] = []

    def on_event(event: Event) -> None:
        if event.kind == "fetched" and not killed:
            found = sorted(parse_processes())
            assert len(found) == running
            os.kill(found[-1], signal.SIGKILL)  # of two, the one with the second answer
            killed.append(found[-1])

    with emulator_of(articles) as emu:
        result = refresh(
            settings,
            source(emu.url),
            build=False,
            on_event=on_event,
            parse_process_from=PROCESS,
            two_parsers_from=parsers,
        )
        sent = emu.count("efetch")
        time.sleep(0.3)
        assert emu.count("efetch") == sent  # nothing asked for after the failure
    (outcome,) = result.outcomes
    assert killed and not outcome.ok and outcome.exit_code == 1
    assert outcome.error == "the process parsing the records stopped (exit status -9)"
    with Store(settings.store_path("pubmed")) as store:
        assert store.topic("one") == set()
        assert store.last_runs()["one"].status == "failed"
    assert parse_processes() == []


def test_ctrl_c_while_storing_stops_the_fetch_and_the_parse_process(
    articles: dict[str, bytes], tmp_path: Path, no_network: None
) -> None:
    settings = settings_in(tmp_path)
    seen: list[int] = []

    def on_event(event: Event) -> None:
        if event.kind == "fetched":
            seen.extend(parse_processes())
            raise KeyboardInterrupt

    with emulator_of(articles) as emu:
        with pytest.raises(KeyboardInterrupt):
            refresh(
                settings,
                source(emu.url),
                build=False,
                on_event=on_event,
                parse_process_from=PROCESS,
            )
        sent = emu.count("efetch")
        time.sleep(0.3)
        assert emu.count("efetch") == sent
    assert len(seen) == 1  # it was there, parsing
    assert parse_processes() == []
    with Store(settings.store_path("pubmed")) as store:
        assert len(store.known_pmids(sorted(articles))) == BATCH  # the first batch, whole


def test_small_fetches_parse_in_place(
    articles: dict[str, bytes], tmp_path: Path, no_network: None
) -> None:
    settings = settings_in(tmp_path)
    during: list[int] = []

    def on_event(event: Event) -> None:
        if event.kind == "fetched":
            during.extend(parse_processes())

    with emulator_of(articles) as emu:
        result = refresh(
            settings,
            source(emu.url),
            build=False,
            on_event=on_event,
            parse_process_from=RECORDS + 1,
        )
    assert result.ok and during == []
