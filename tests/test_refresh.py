"""A live refresh end to end against the local E-utilities emulator (real HTTP, 127.0.0.1)."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import child_env
from evidence.cli import main
from evidence.errors import EXIT_NCBI
from evidence.eutils import EutilsClient
from evidence.pacing import RateLimiter, RetryPolicy
from evidence.queries import load_queries
from evidence.refresh import refresh
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


def status_json(project: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    """`evidence status --json` of the project, as the user's command prints it."""
    capsys.readouterr()
    assert main(["status", "--json", "--project", str(project)]) == 0
    return json.loads(capsys.readouterr().out)


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
    html = (project / "reports" / "index.html").read_text(encoding="utf-8")
    for pmid in everything:
        assert f'href="https://pubmed.ncbi.nlm.nih.gov/{pmid}/"' in html
    # The short fragment: at most 10 studies per topic (the default), then the pointer.
    fragment = (project / "reports" / "research-studies.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<li id="ev-', fragment)) <= 20
    assert "studies on this topic; the full evidence report lists them all" in fragment
    assert "Curated offline sample" not in html + fragment
    assert re.search(r"PubMed's translation: <code[^>]*>headache translated</code>", html)

    # ESearch with history, then EFetch by WebEnv in POSTed batches of at most 500.
    searches = [r for r in emu.requests if r.endpoint == "esearch"]
    fetches = [r for r in emu.requests if r.endpoint == "efetch"]
    assert len(searches) == 2 and all(r.params["usehistory"] == "y" for r in searches)
    assert all(r.method == "POST" for r in fetches)
    assert all(int(r.params.get("retmax", "500")) <= 500 for r in fetches)
    # The overlap is fetched once: the second query asks by id only for what is new.
    assert len(fetches) == 1 + 1  # 300 by history, then the 200 new ids

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


def published(project: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project / "reports").iterdir()}


def test_a_quiet_night_writes_nothing(
    world: tuple[EutilsEmulator, Path, list[str], list[str]],
    capsys: pytest.CaptureFixture[str],
    no_network: None,
) -> None:
    emu, project, _, _ = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    assert refresh(settings, fast_source(emu.url)).reports
    first = published(project)
    fetches = emu.count("efetch")
    # The next night PubMed has nothing new: two ESearch a query, and not one file written
    # (the bytes and the mtime of every report are those of the first night).
    searches = emu.count("esearch")
    result = refresh(settings, fast_source(emu.url))
    assert result.ok and result.reports == []
    assert emu.count("esearch") - searches == 2 * 2 and emu.count("efetch") == fetches
    assert published(project) == first
    assert cli(project, emu.url) == 0
    assert main(["build", "--project", str(project)]) == 0
    assert "are up to date with the pubmed store" in capsys.readouterr().err
    assert published(project) == first
    # --rebuild writes them all again.
    assert cli(project, emu.url, "--rebuild") == 0
    again = published(project)
    assert set(again) == set(first) and all(again[n][1] != first[n][1] for n in first)


def test_what_a_build_reads_changing_rebuilds_the_reports(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, headache, _ = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    assert refresh(settings, fast_source(emu.url)).reports
    # A reviewer's decision, a report deleted by hand, a study new at PubMed: each rebuilds.
    with (project / "queries" / "curation.toml").open("a", encoding="utf-8") as fh:
        fh.write(
            f'\n[[study]]\npmid = "{headache[0]}"\ndecision = "exclude"\nreason = "not a trial"\n'
        )
    assert refresh(settings, fast_source(emu.url)).reports
    (project / "reports" / "studies.csv").unlink()
    assert refresh(settings, fast_source(emu.url)).reports
    assert (project / "reports" / "studies.csv").is_file()
    assert not refresh(settings, fast_source(emu.url)).reports
    extra = synthetic_articles(1, seed=8, first_pmid=36000000)
    for pmid, xml in extra.items():
        emu.add_article(pmid, xml, edat=TODAY)
    queries = {q.id: q for q in load_queries(project / "queries")}
    emu.add_search(queries["headache"].term, [*headache, *extra])
    assert refresh(settings, fast_source(emu.url)).reports


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


def fast_source(url: str, *, total: float = 120.0) -> LiveSource:
    client = EutilsClient(
        email="dev@example.org",
        base_url=url,
        limiter=RateLimiter(1000),
        policy=RetryPolicy(attempts=3, backoff=0.01, max_wait=0.02, total=total),
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
        on_event=lambda e: (
            emu.inject("efetch", "http_503", times=100)
            if e.message.startswith("neuropathic_pain: search")
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
        # An error NCBI does not call passing fails at once, however slow the machine.
        emu.inject("esearch", "error_200", times=1000, message="Invalid query syntax")
        code = main(refresh_args(project, emu.url))
    assert code == EXIT_NCBI
    capsys.readouterr()
    info = status_json(project, capsys)
    assert info["origin"] == "pubmed" and info["last_refreshed"] is None
    assert info["queries"]["headache"]["last_run"]["status"] == "failed"
    assert "Invalid query syntax" in info["queries"]["headache"]["last_run"]["error"]


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
    assert proc.stdout.startswith("\ufeffpmid,title,authors")  # the BOM Excel needs
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
    info = status_json(project, capsys)
    q = info["queries"]["headache"]
    assert q["changes"]["new"] == [new] and q["changes"]["retracted"] == [revised]
    assert q["last_run"]["mode"] == "incremental"
    assert q["next_window"] == {"datetypes": ["edat", "mdat"], "mindate": yesterday}
    html = (project / "reports" / "index.html").read_text(encoding="utf-8")
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
    html = (project / "reports" / "index.html").read_text(encoding="utf-8")
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
    emu.inject("efetch", "drop_records", count=4)  # the batch of 300 comes back 4 short
    emu.inject("efetch", "drop_records", count=2)  # and the retry of those 4, 2 short
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
        # Storage is what this checks: no reports are rendered, and the time budget is
        # generous (the counts below say whether the work was done right, not the clock).
        result = refresh(settings, fast_source(emu.url, total=600.0), build=False)
        efetch = emu.count("efetch")
    assert result.ok and result.outcomes[0].count == 10_500
    assert result.outcomes[0].searches > 1  # split by date
    assert efetch == math.ceil(10_500 / 500)  # every record fetched once, 500 a request
    with Store(settings.store_path("pubmed")) as store:
        hits = [h.pmid for h in store.hits()]
    assert len(hits) == len(set(hits)) == 10_500 and set(hits) == set(articles)


def test_a_record_efetch_never_returns_is_a_warning_not_a_failure(
    world: tuple[EutilsEmulator, Path, list[str], list[str]],
    capsys: pytest.CaptureFixture[str],
    no_network: None,
) -> None:
    emu, project, headache, _ = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    lost = headache[7]
    emu.withhold(lost)  # ESearch lists it; EFetch answers an empty set when asked for it alone
    assert cli(project, emu.url) == 0
    capsys.readouterr()
    warnings = status_json(project, capsys)["queries"]["headache"]["last_run"]["warnings"]
    assert any(f"will be tried next run: {lost}" in w for w in warnings)
    html = (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert f"/{headache[6]}/" in html and f"/{lost}/" not in html
    with Store(settings.store_path("pubmed")) as store:
        assert store.pending("headache") == [lost]
    for full in (False, True):  # every night, incremental or full, it is asked for again
        result = refresh(settings, fast_source(emu.url), full=full)
        assert result.ok and any(lost in w for w in result.outcomes[0].warnings)
    emu.withhold(lost, withheld=False)
    before = len(emu.requests)
    assert refresh(settings, fast_source(emu.url)).ok
    asked = [r.params.get("id", "") for r in emu.requests[before:] if r.endpoint == "efetch"]
    assert any(lost in ids for ids in asked)
    with Store(settings.store_path("pubmed")) as store:
        assert store.pending("headache") == [] and lost in store.topic("headache")


def test_a_lost_history_set_is_fetched_by_pmid(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, headache, neuro = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    # NCBI's history server expires the WebEnv between ESearch and the first EFetch.
    emu.inject("efetch", "expire_history")
    result = refresh(settings, fast_source(emu.url))
    assert result.ok, [o.error for o in result.outcomes]
    fetches = [r for r in emu.requests if r.endpoint == "efetch"]
    assert "WebEnv" in fetches[0].params and "id" in fetches[1].params
    with Store(settings.store_path("pubmed")) as store:
        assert store.topic("headache") == set(headache)
        assert store.topic("neuropathic_pain") == set(neuro)


def test_a_history_error_fails_only_when_the_pmids_fail_too(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, _, _ = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    emu.inject("efetch", "error_200", times=1000)  # "Unable to obtain query #1", always
    result = refresh(settings, fast_source(emu.url))
    assert not result.ok and "Unable to obtain query #1" in result.outcomes[0].error
    asked = [r for r in emu.requests if r.endpoint == "efetch"]
    assert "WebEnv" in asked[0].params and "id" in asked[1].params


def test_news_a_failed_publish_held_back_is_announced_by_the_next(
    world: tuple[EutilsEmulator, Path, list[str], list[str]],
    capsys: pytest.CaptureFixture[str],
    no_network: None,
) -> None:
    emu, project, headache, neuro = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    assert refresh(settings, fast_source(emu.url)).ok
    terms = {q.id: q.term for q in load_queries(project / "queries")}
    more = synthetic_articles(20, seed=9, first_pmid=35950000)
    for pmid, xml in more.items():
        emu.add_article(pmid, xml, edat=TODAY)
    first, second = sorted(more)[:10], sorted(more)[10:]

    # Night 2: headache's new studies are stored, but neuropathic pain fails: no build.
    emu.add_search(terms["headache"], headache + first)
    night2 = refresh(
        settings,
        fast_source(emu.url),
        on_event=lambda e: (
            emu.inject("esearch", "http_503", times=3)  # every attempt
            if e.message.startswith("neuropathic_pain: search")
            else None
        ),
    )
    assert [o.ok for o in night2.outcomes] == [True, False]
    info = status_json(project, capsys)["queries"]["headache"]["last_run"]
    assert info["status"] == "ok" and info["published"] is False
    assert main(["status", "--project", str(project)]) == 0
    assert "stored, not yet in the reports" in capsys.readouterr().out

    # Night 3: more new studies, and the build itself fails (a broken project template).
    emu.add_search(terms["headache"], headache + first + second)
    (project / "templates").mkdir()
    (project / "templates" / "research-studies.md").write_text("{% if %}", encoding="utf-8")
    assert cli(project, emu.url) != 0
    capsys.readouterr()

    # Night 4: nothing new at NCBI, and the build works: all 20 are announced, once.
    (project / "templates" / "research-studies.md").unlink()
    assert cli(project, emu.url) == 0
    info = status_json(project, capsys)
    assert sorted(info["queries"]["headache"]["new_studies"]) == sorted(more)
    assert sorted(info["queries"]["headache"]["changes"]["new"]) == sorted(more)
    assert info["queries"]["headache"]["last_run"]["published"] is True
    html = (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert ": 20 new," in html and "studies are new since the previous refresh" in html

    # Night 5: nothing new, published: nothing is announced as new any more.
    assert cli(project, emu.url) == 0
    capsys.readouterr()
    info = status_json(project, capsys)
    assert info["queries"]["headache"]["new_studies"] == []
    with Store(settings.store_path("pubmed")) as store:
        assert set(neuro) <= store.topic("neuropathic_pain")


def test_an_edit_that_empties_a_topic_is_refused(
    world: tuple[EutilsEmulator, Path, list[str], list[str]],
    capsys: pytest.CaptureFixture[str],
    no_network: None,
) -> None:
    emu, project, headache, _ = world
    assert cli(project, emu.url) == 0
    path = project / "queries" / "headache.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Ketalar[tiab]", "Ketalar[tiab] AND zzz[ti]"),
        encoding="utf-8",
    )
    edited = next(q.term for q in load_queries(project / "queries") if q.id == "headache")
    emu.add_search(edited, headache[:10])  # the edit broke the term: 10 of 300 left
    reports = {p.name: p.read_bytes() for p in (project / "reports").iterdir()}
    capsys.readouterr()
    assert cli(project, emu.url) == EXIT_NCBI
    err = capsys.readouterr().err
    assert "returned 10 records for the edited query whose topic holds 300" in err
    assert "--allow-shrink" in err
    assert {p.name: p.read_bytes() for p in (project / "reports").iterdir()} == reports
    with Store(project / ".evidence" / "pubmed.sqlite") as store:
        assert store.topic("headache") == set(headache)
    assert cli(project, emu.url, "--allow-shrink") == 0
    with Store(project / ".evidence" / "pubmed.sqlite") as store:
        assert store.topic("headache") == set(headache[:10])


def test_records_whose_pmid_is_not_a_pmid_are_refused_with_a_warning(
    world: tuple[EutilsEmulator, Path, list[str], list[str]],
    capsys: pytest.CaptureFixture[str],
    no_network: None,
) -> None:
    emu, project, headache, _ = world
    template = synthetic_articles_for(headache[0])
    odd = {"1035000299": "1035000299", "0035000123": "0035000123", "9100013²": "9100013²"}
    for pmid in odd:
        emu.add_article(pmid, template.replace(headache[0].encode(), pmid.encode()))
    # A record served for a valid PMID whose own PMID element is not one.
    emu.add_article("35999999", template.replace(headache[0].encode(), b"035999999"))
    term = next(q.term for q in load_queries(project / "queries") if q.id == "headache")
    emu.add_search(term, [*headache, *odd, "35999999"])
    assert cli(project, emu.url) == 0
    capsys.readouterr()
    assert main(["build", "--project", str(project)]) == 0  # and every later build
    capsys.readouterr()
    warnings = status_json(project, capsys)["queries"]["headache"]["last_run"]["warnings"]
    text = " ".join(warnings)
    assert all(repr(p) in text for p in odd) and "'035999999'" in text
    with Store(project / ".evidence" / "pubmed.sqlite") as store:
        assert store.topic("headache") == set(headache)


def test_a_damaged_store_is_an_error_never_a_fresh_start(
    world: tuple[EutilsEmulator, Path, list[str], list[str]],
    capsys: pytest.CaptureFixture[str],
    no_network: None,
) -> None:
    emu, project, headache, _ = world
    assert cli(project, emu.url) == 0
    path = project / ".evidence" / "pubmed.sqlite"
    saved = path.read_bytes()
    path.write_bytes(b"")  # truncated: a full disk, a bad copy
    capsys.readouterr()
    for args in (refresh_args(project, emu.url), ["status", "--project", str(project)]):
        assert main(args) == 1
        err = capsys.readouterr().err
        assert err.startswith("Error: ") and "0 bytes" in err and "backup" in err
        assert path.stat().st_size == 0  # nothing created in its place

    path.write_bytes(saved)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE studies SET record = '{not json' WHERE pmid = ?", (headache[3],))
        db.execute("UPDATE runs SET changes = 'garbage' WHERE id = 1")
    db.close()
    for command in ("status", "build", "review"):
        assert main([command, "--project", str(project)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("Error: ") and "damaged" in err and len(err.splitlines()) == 1


def test_a_count_that_is_not_a_number_is_one_error_and_no_run_is_left_running(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, _, _ = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    emu.inject("esearch", "bad_count", times=1000)
    result = refresh(settings, fast_source(emu.url))
    assert not result.ok and result.exit_code == EXIT_NCBI
    assert "Count is not a number ('many')" in result.outcomes[0].error
    with Store(settings.store_path("pubmed")) as store:
        assert {r.status for r in store.runs()} == {"failed"}


def test_an_absurd_year_costs_nothing(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, headache, _ = world
    xml = synthetic_articles_for(headache[0])
    emu.add_article(
        headache[0], re.sub(rb"<PubDate><Year>\d+</Year>", b"<PubDate><Year>99999</Year>", xml)
    )
    assert cli(project, emu.url) == 0
    svg = (project / "reports" / "studies-by-year.svg").read_text(encoding="utf-8")
    assert "ev-bar-" in svg and "99999" not in svg
    index = (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert '<th scope="col">99999</th>' not in index
    assert (project / "reports" / "studies-by-year.svg").stat().st_size < 500_000


def test_a_last_run_dated_in_the_future_means_a_full_search(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, headache, _ = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    assert refresh(settings, fast_source(emu.url)).ok
    with sqlite3.connect(settings.store_path("pubmed")) as db:  # the clock was years ahead
        db.execute("UPDATE runs SET started_at = '2999-01-01T00:00:00+00:00'")
    db.close()
    late = synthetic_articles(1, seed=11, first_pmid=35990000)
    emu.add_article("35990000", late["35990000"], edat="2021/05/05")  # entered long ago
    term = next(q.term for q in load_queries(project / "queries") if q.id == "headache")
    emu.add_search(term, [*headache, "35990000"])
    events: list[str] = []
    assert refresh(settings, fast_source(emu.url), on_event=lambda e: events.append(e.message)).ok
    assert any("after today; the clock was wrong" in m for m in events)
    with Store(settings.store_path("pubmed")) as store:
        assert "35990000" in store.topic("headache")


def test_of_two_versions_of_a_record_in_one_answer_the_newest_wins(
    world: tuple[EutilsEmulator, Path, list[str], list[str]], no_network: None
) -> None:
    emu, project, headache, _ = world
    settings = Settings(project=project, email="dev@example.org", eutils_url=emu.url)
    old = synthetic_articles_for(headache[5])
    new = re.sub(rb"<DateRevised>\s*<Year>\d+", b"<DateRevised><Year>2099", old).replace(
        b"<ArticleTitle>", b"<ArticleTitle>Revised: "
    )
    emu.add_article(headache[5], new + b"\n" + old)  # the newer copy first
    assert refresh(settings, fast_source(emu.url)).ok
    with Store(settings.store_path("pubmed")) as store:
        assert store.stored_studies([headache[5]])[headache[5]].title.startswith("Revised: ")
