"""A live refresh end to end against the local E-utilities emulator (real HTTP, 127.0.0.1)."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import child_env
from evidence.cli import main
from evidence.errors import EXIT_NCBI
from evidence.eutils import EutilsClient, RateLimiter, RetryPolicy
from evidence.pipeline import refresh
from evidence.queries import load_queries
from evidence.settings import Settings
from evidence.sources import LiveSource
from evidence.store import Store
from evidence.testing import EutilsEmulator, refresh_args, synthetic_articles

TODAY = date.today().strftime("%Y/%m/%d")
HEADACHE = 300
NEURO = 250
OVERLAP = 50


@pytest.fixture
def world(project: Path) -> Iterator[tuple[EutilsEmulator, Path, list[str], list[str]]]:
    """300 headache and 250 neuropathic-pain records, 50 of them found by both searches."""
    articles = synthetic_articles(HEADACHE + NEURO - OVERLAP, seed=7, first_pmid=35000000)
    pmids = sorted(articles)
    headache, neuro = pmids[:HEADACHE], pmids[HEADACHE - OVERLAP :]
    queries = {q.id: q for q in load_queries(project / "queries")}
    with EutilsEmulator(articles, rate_limit=10.0) as emu:
        emu.add_search(queries["headache"].term, headache, translation="headache translated")
        emu.add_search(queries["neuropathic_pain"].term, neuro, translation="neuro translated")
        yield emu, project, headache, neuro


def cli(project: Path, url: str, *extra: str) -> int:
    return main(refresh_args(project, url, *extra))


def test_live_refresh_stores_and_renders_every_record(
    world: tuple[EutilsEmulator, Path, list[str], list[str]],
    capsys: pytest.CaptureFixture[str],
    no_network: None,
) -> None:
    emu, project, headache, neuro = world
    assert cli(project, emu.url) == 0
    everything = set(headache) | set(neuro)
    html = (project / "reports" / "research-studies.html").read_text(encoding="utf-8")
    md = (project / "reports" / "research-studies.md").read_text(encoding="utf-8")
    for pmid in everything:
        assert f'href="https://pubmed.ncbi.nlm.nih.gov/{pmid}/"' in html
        assert f"(https://pubmed.ncbi.nlm.nih.gov/{pmid}/)" in md
    assert "Curated offline sample" not in html
    assert re.search(r"PubMed's translation: <code[^>]*>headache translated</code>", html)

    # ESearch with history, then EFetch by WebEnv in POSTed batches of at most 200.
    searches = [r for r in emu.requests if r.endpoint == "esearch"]
    fetches = [r for r in emu.requests if r.endpoint == "efetch"]
    assert len(searches) == 2 and all(r.params["usehistory"] == "y" for r in searches)
    assert all(r.method == "POST" for r in fetches)
    assert all(int(r.params.get("retmax", "200")) <= 200 for r in fetches)
    # The overlap is fetched once: the second query asks by id only for what is new.
    assert len(fetches) == 2 + 1  # 300 by history (2 batches), then 200 new ids (1 batch)

    code = main(["export", "--format", "csv", "--project", str(project)])
    out = capsys.readouterr().out
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(everything)  # deduplicated across queries
    both = [r for r in rows if r["topics"] == "headache; neuropathic_pain"]
    assert len(both) == OVERLAP

    # A second run finds nothing new and fetches nothing.
    before = len(fetches)
    assert cli(project, emu.url) == 0
    assert len([r for r in emu.requests if r.endpoint == "efetch"]) == before
    with Store(project / ".evidence" / "pubmed.sqlite") as store:
        assert len(store.studies()) == len(everything)
        assert len(store.runs()) == 4 and all(r.status == "ok" for r in store.runs())
        assert store.last_runs()["headache"].translation == "headache translated"


def test_missing_and_deleted_records(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, headache, _ = world
    emu.delete(headache[0])
    emu.inject("efetch", "drop_records", times=1, count=3)
    assert cli(project, emu.url) == 0
    with Store(project / ".evidence" / "pubmed.sqlite") as store:
        stored = store.studies()
    assert headache[0] not in stored  # DeleteCitation: not shown
    assert set(headache[1:]) <= set(stored)  # the 3 dropped records were asked for again


def fast_source(url: str) -> LiveSource:
    client = EutilsClient(
        email="dev@example.org",
        base_url=url,
        limiter=RateLimiter(1000),
        # total: a backstop against a hang, not a speed limit; the 10,500-record refresh
        # needs over 20 s on a busy machine
        policy=RetryPolicy(attempts=3, backoff=0.01, max_wait=0.02, total=300.0),
    )
    return LiveSource(client)


def test_a_failing_ncbi_changes_nothing(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, _, _ = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    assert refresh(settings, fast_source(emu.url)).ok
    reports = {p.name: p.read_bytes() for p in (project / "reports").iterdir()}
    with Store(settings.store_path("pubmed")) as store:
        studies, hits = store.studies(), store.hits()

    emu.inject("esearch", "error_200", times=1000)  # "Search Backend failed", every time
    result = refresh(settings, fast_source(emu.url))
    assert not result.ok and result.exit_code == EXIT_NCBI
    assert all("Search Backend failed" in o.error for o in result.outcomes)
    assert {p.name: p.read_bytes() for p in (project / "reports").iterdir()} == reports
    with Store(settings.store_path("pubmed")) as store:
        assert store.studies() == studies and store.hits() == hits
        assert store.last_runs()["headache"].status == "failed"


def test_cli_exit_code_when_ncbi_fails(
    project: Path, capsys: pytest.CaptureFixture[str], no_network: None
) -> None:
    with EutilsEmulator({}, rate_limit=None) as emu:
        url = emu.url
    # The emulator is stopped: nothing listens there any more. --max-time bounds the retries.
    code = main(refresh_args(project, url, "--max-time", "2"))
    assert code == EXIT_NCBI
    err = capsys.readouterr().err
    assert "Error: headache: E-utilities kept failing after" in err
    assert "the reports were not rebuilt" in err
    assert not (project / "reports").exists()


def test_partial_failure_keeps_each_topic_consistent(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, headache, neuro = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    assert refresh(settings, fast_source(emu.url)).ok
    reports = {p.name: p.read_bytes() for p in (project / "reports").iterdir()}
    # PubMed moves on: both topics gain records (entered today, so the incremental windows
    # see them), but the second topic's fetch keeps failing.
    more = synthetic_articles(30, seed=8, first_pmid=35900000)
    for pmid, xml in more.items():
        emu.add_article(pmid, xml, edat=TODAY)
    terms = {q.id: q.term for q in load_queries(project / "queries")}
    emu.add_search(terms["headache"], headache + sorted(more)[:15])
    emu.add_search(terms["neuropathic_pain"], neuro + sorted(more)[15:])
    emu.inject("efetch", "http_500", times=1)  # the headache fetch recovers after a retry
    result = refresh(
        settings,
        fast_source(emu.url),
        progress=lambda m: (
            emu.inject("efetch", "http_503", times=100)
            if m.startswith("neuropathic_pain: search")
            else None
        ),
    )
    assert [o.ok for o in result.outcomes] == [True, False]
    assert result.exit_code == EXIT_NCBI
    with Store(settings.store_path("pubmed")) as store:
        hits = {(h.query_id, h.pmid) for h in store.hits()}
    assert {p for q, p in hits if q == "headache"} == set(headache) | set(sorted(more)[:15])
    assert {p for q, p in hits if q == "neuropathic_pain"} == set(neuro)  # as it was
    assert {p.name: p.read_bytes() for p in (project / "reports").iterdir()} == reports


def test_a_topic_that_suddenly_halves_is_not_published(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, headache, _ = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    assert refresh(settings, fast_source(emu.url)).ok
    term = next(q.term for q in load_queries(project / "queries") if q.id == "headache")
    emu.add_search(term, headache[:100])  # a glitch: 100 of the 300 records
    assert refresh(settings, fast_source(emu.url)).ok  # incremental: nothing new, none lost
    result = refresh(settings, fast_source(emu.url), full=True)
    assert not result.ok
    assert "returned 100 records for an unchanged query whose topic holds 300" in (
        result.outcomes[0].error
    )
    with Store(settings.store_path("pubmed")) as store:
        assert len([h for h in store.hits() if h.query_id == "headache"]) == 300
    assert refresh(settings, fast_source(emu.url), allow_shrink=True, full=True).ok
    with Store(settings.store_path("pubmed")) as store:
        assert len([h for h in store.hits() if h.query_id == "headache"]) == 100


def test_status_shows_a_refresh_that_only_failed(
    project: Path, capsys: pytest.CaptureFixture[str], no_network: None
) -> None:
    with EutilsEmulator({}, rate_limit=None) as emu:
        emu.inject("*", "http_503", times=1000)
        code = main(refresh_args(project, emu.url, "--max-time", "1"))
    assert code == EXIT_NCBI
    capsys.readouterr()
    assert main(["status", "--json", "--project", str(project)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["origin"] == "pubmed" and info["last_refreshed"] is None
    assert info["queries"]["headache"]["last_run"]["status"] == "failed"
    assert "HTTP 503" in info["queries"]["headache"]["last_run"]["error"]


def test_export_into_a_closed_pipe_is_quiet(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, _, _ = world
    assert cli(project, emu.url) == 0
    # 500 rows are far more than a pipe holds, so `head` closes it while we still write.
    proc = subprocess.run(
        f"{sys.executable} -m evidence.cli export --format csv --project {project} | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
    )
    assert proc.stdout.startswith("pmid,title,authors")
    assert proc.stderr == ""


def retracted(xml: bytes) -> bytes:
    """The record as PubMed revises it when it is retracted."""
    return xml.replace(
        b"<PublicationTypeList>",
        b'<PublicationTypeList><PublicationType UI="D016441">Retracted Publication'
        b"</PublicationType>",
    )


def test_incremental_refresh_asks_only_for_what_changed(
    world: tuple[EutilsEmulator, Path, list[str], list[str]],
    capsys: pytest.CaptureFixture[str],
    no_network: None,
) -> None:
    emu, project, headache, _ = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    assert refresh(settings, fast_source(emu.url)).ok  # the first run is a full one

    # Nothing changed at PubMed: two ESearch per query (EDAT and MDAT windows), no EFetch.
    before = len(emu.requests)
    quiet = refresh(settings, fast_source(emu.url))
    # An empty window is normal, not a warning (this world lacks the real sentinel PMIDs,
    # whose warnings are expected).
    assert quiet.ok
    assert [w for o in quiet.outcomes for w in o.warnings if "sentinel" not in w] == []
    later = emu.requests[before:]
    assert [r.endpoint for r in later] == ["esearch"] * 4
    yesterday = (date.today() - timedelta(days=1)).strftime("%Y/%m/%d")
    assert {(r.params["datetype"], r.params["mindate"]) for r in later} == {
        ("edat", yesterday),
        ("mdat", yesterday),
    }

    # PubMed moves on: a record entered today, one revised today (retracted), and one that
    # the search no longer returns.
    articles = synthetic_articles(1, seed=9, first_pmid=35990000)
    new = next(iter(articles))
    emu.add_article(new, articles[new], edat=TODAY)
    revised = headache[5]
    emu.add_article(revised, retracted(synthetic_articles_for(revised)), mdat=TODAY)
    gone = headache[7]
    terms = {q.id: q.term for q in load_queries(project / "queries")}
    emu.add_search(terms["headache"], [p for p in headache if p != gone] + [new])
    before = len(emu.requests)
    result = refresh(settings, fast_source(emu.url))
    assert result.ok
    fetched = [r for r in emu.requests[before:] if r.endpoint == "efetch"]
    assert sorted(p for r in fetched for p in r.params["id"].split(",")) == sorted([new, revised])
    changes = result.outcomes[0].changes
    assert changes.new == (new,) and changes.changed == (revised,)
    assert changes.retracted == (revised,) and changes.deleted == ()
    with Store(settings.store_path("pubmed")) as store:
        assert gone in store.topic("headache")  # an incremental run never removes
        assert store.stored_studies([revised])[revised].retracted

    capsys.readouterr()
    assert main(["status", "--json", "--project", str(project)]) == 0
    info = json.loads(capsys.readouterr().out)
    q = info["queries"]["headache"]
    assert q["changes"]["new"] == [new] and q["changes"]["retracted"] == [revised]
    assert q["last_run"]["mode"] == "incremental"
    assert q["next_window"] == {"datetypes": ["edat", "mdat"], "mindate": yesterday}
    html = (project / "reports" / "research-studies.html").read_text(encoding="utf-8")
    # The feed carries the newly retracted study first, re-dated and flagged.
    import feedparser

    # (the new record found by the same refresh shares its date)
    latest = {e.id: e for e in feedparser.parse(str(project / "reports" / "feed.xml")).entries[:2]}
    assert latest[f"https://pubmed.ncbi.nlm.nih.gov/{revised}/"].title.startswith("Retracted: ")
    assert "What changed in the last refresh" in html
    assert f'href="#ev-headache-{revised}"' in html

    # Only --full lets a study leave its topic; it re-fetches what was revised (here an
    # erratum), not the whole topic.
    corrected = headache[9]
    erratum = synthetic_articles_for(corrected).replace(
        b"</MedlineCitation>",
        b'<CommentsCorrectionsList><CommentsCorrections RefType="ErratumIn"><RefSource>J 2026'
        b"</RefSource></CommentsCorrections></CommentsCorrectionsList></MedlineCitation>",
    )
    emu.add_article(corrected, erratum, mdat=TODAY)
    before = len(emu.requests)
    assert cli(project, emu.url, "--full") == 0
    fetched = [r for r in emu.requests[before:] if r.endpoint == "efetch"]
    assert {p for r in fetched for p in r.params["id"].split(",")} == {new, revised, corrected}
    with Store(settings.store_path("pubmed")) as store:
        assert gone not in store.topic("headache")
        last = store.last_success("headache")
        assert last is not None and last.mode == "full" and last.changes.deleted == (gone,)
        assert last.changes.corrected == (corrected,) and corrected in last.changes.changed
    html = (project / "reports" / "research-studies.html").read_text(encoding="utf-8")
    assert f'id="ev-headache-{gone}"' not in html  # no longer listed as a study
    assert re.search(
        rf'Removed: <a href="https://pubmed\.ncbi\.nlm\.nih\.gov/{gone}/"[^>]*>PMID {gone}</a>',
        html,
    )


def synthetic_articles_for(pmid: str) -> bytes:
    """The world fixture's record for `pmid` (same seed and numbering)."""
    articles = synthetic_articles(HEADACHE + NEURO - OVERLAP, seed=7, first_pmid=35000000)
    return articles[pmid]


def test_records_efetch_would_not_give_are_asked_for_next_run(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, headache, _ = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    emu.inject("efetch", "drop_records", times=3, count=2)  # both batches, then the retry
    result = refresh(settings, fast_source(emu.url))
    assert result.ok and "could not be fetched" in result.outcomes[0].warnings[0]
    with Store(settings.store_path("pubmed")) as store:
        pending = store.pending("headache")
    assert len(pending) == 2
    before = len(emu.requests)
    assert refresh(settings, fast_source(emu.url)).ok  # incremental: the window misses them
    asked = [r for r in emu.requests[before:] if r.endpoint == "efetch"]
    assert sorted(p for r in asked for p in r.params["id"].split(",")) == pending
    with Store(settings.store_path("pubmed")) as store:
        assert store.pending("headache") == [] and set(headache) <= store.topic("headache")


@pytest.mark.slow
def test_a_topic_past_10000_records_is_stored_whole(project: Path, no_network: None) -> None:
    articles = synthetic_articles(10_500, seed=13, first_pmid=33000000)
    (project / "queries" / "neuropathic-pain.toml").unlink()
    term = load_queries(project / "queries")[0].term
    settings = Settings(project=project, email="dev@example.org")
    with EutilsEmulator(articles, rate_limit=None) as emu:
        emu.add_search(term, sorted(articles))
        result = refresh(settings, fast_source(emu.url))
        efetch = emu.count("efetch")
    assert result.ok and result.outcomes[0].count == 10_500
    assert result.outcomes[0].searches > 1  # split by date
    assert efetch == math.ceil(10_500 / 200)  # every record fetched once
    with Store(settings.store_path("pubmed")) as store:
        hits = [h.pmid for h in store.hits()]
    assert len(hits) == len(set(hits)) == 10_500 and set(hits) == set(articles)
