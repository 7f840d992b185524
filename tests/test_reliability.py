"""Reliability and security: NCBI's failures, bad input and hostile content lose or leak nothing.

Everything HTTP runs against the local E-utilities emulator on 127.0.0.1.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from conftest import child_env
from evidence.cli import main
from evidence.entrez_xml import read_entrez_xml
from evidence.errors import EXIT_BUSY, EXIT_NCBI, EXIT_USAGE, EutilsError, ParseError
from evidence.eutils import EFetch, EutilsClient
from evidence.pacing import RateLimiter, RetryPolicy
from evidence.queries import load_queries
from evidence.store import Store
from evidence.testing import EutilsEmulator, refresh_args, synthetic_article, synthetic_articles

ALLOWED_LINK = re.compile(
    r"^(#ev-[a-z0-9_-]+|https://pubmed\.ncbi\.nlm\.nih\.gov/\d+/|https://doi\.org/10\.\S+"
    r"|https://pmc\.ncbi\.nlm\.nih\.gov/articles/PMC\d+/"
    # the full page filtered to a topic, condition and level
    r"|\?topic=\w+(?:&condition=\w+)?(?:&level=\w+)?#ev-studies"
    # the report's own files beside it: the feed, the chart and the exports
    r"|feed\.xml|studies-by-year\.svg|studies\.(?:ris|nbib|bib|csl\.json|json|csv))$"
)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


@pytest.fixture
def live(project: Path) -> Iterator[tuple[EutilsEmulator, Path]]:
    articles = synthetic_articles(40, seed=3, first_pmid=36000000)
    queries = {q.id: q for q in load_queries(project / "queries")}
    with EutilsEmulator(articles, rate_limit=None, valid_api_keys=("SECRETKEY123",)) as emu:
        pmids = sorted(articles)
        emu.add_search(queries["headache"].term, pmids[:25])
        emu.add_search(queries["neuropathic_pain"].term, pmids[20:])
        yield emu, project


def refresh_cli(project: Path, url: str, *extra: str) -> int:
    return main(refresh_args(project, url, "--max-time", "5", *extra))


# --- one at a time ------------------------------------------------------------------------


def test_a_second_refresh_exits_while_one_holds_the_lock(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".evidence").mkdir()
    with (project / ".evidence" / "refresh.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        code = main(["refresh", "--sample", "--project", str(project)])
    assert code == EXIT_BUSY
    assert "another refresh is running" in capsys.readouterr().err
    assert not (project / "reports").exists()
    assert main(["refresh", "--sample", "--quiet", "--project", str(project)]) == 0


def test_concurrent_refreshes_never_corrupt_the_store(project: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "evidence.cli",
        "refresh",
        "--sample",
        "--quiet",
        "--project",
        str(project),
    ]
    for _ in range(3):
        procs = [
            subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=child_env())
            for _ in range(3)
        ]
        results = []
        for p in procs:
            with p:
                _, err = p.communicate(timeout=120)
                results.append((p.returncode, err))
        assert all(code in (0, EXIT_BUSY) for code, _ in results), results
        assert any(code == 0 for code, _ in results)
        for code, err in results:
            if code == EXIT_BUSY:
                assert "another refresh is running" in err
    with closing(sqlite3.connect(project / ".evidence" / "sample.sqlite")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --- killed midway ------------------------------------------------------------------------


def test_kill_9_midway_then_the_next_run_completes_without_refetching(project: Path) -> None:
    articles = synthetic_articles(1200, seed=5, first_pmid=37000000)
    term = next(q.term for q in load_queries(project / "queries") if q.id == "headache")
    (project / "queries" / "neuropathic-pain.toml").unlink()
    store_path = project / ".evidence" / "pubmed.sqlite"
    script = textwrap.dedent("""
        import sys
        from evidence.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    with EutilsEmulator(articles, rate_limit=None) as emu:
        emu.add_search(term, sorted(articles))
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                script,
                *refresh_args(project, emu.url),
            ],
            env=child_env(),
        )
        # Let the first batch of 500 through, then stall the second so that the kill lands
        # after one batch was stored and before the run finished.
        deadline = time.monotonic() + 60
        while emu.count("efetch") < 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        emu.inject("efetch", "timeout", times=1, seconds=30)
        stored = 0
        while (stored < 500 or emu.count("efetch") < 2) and time.monotonic() < deadline:
            time.sleep(0.05)
            try:
                with closing(sqlite3.connect(store_path, timeout=1)) as db:
                    stored = db.execute("SELECT COUNT(*) FROM studies").fetchone()[0]
            except sqlite3.OperationalError:
                pass  # not created yet
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        assert stored == 500

        before = len(emu.requests)
        assert refresh_cli(project, emu.url) == 0
        later = [r for r in emu.requests[before:] if r.endpoint == "efetch"]
        asked = {p for r in later for p in r.params.get("id", "").split(",") if p}
    with closing(sqlite3.connect(store_path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {r[0] for r in db.execute("SELECT pmid FROM studies")}
        statuses = [r[0] for r in db.execute("SELECT status FROM runs ORDER BY id")]
    assert ids == set(articles)
    assert statuses == ["interrupted", "ok"]
    # The next run asked only for what the killed run had not stored.
    assert len(asked) == 700
    assert len(ids - asked) == 500  # the 500 stored before the kill were not asked again


# --- no secrets out -----------------------------------------------------------------------


def test_api_key_and_email_never_leave_the_process(
    live: tuple[EutilsEmulator, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emu, project = live
    monkeypatch.setenv("NCBI_API_KEY", "SECRETKEY123")
    monkeypatch.setenv("NCBI_EMAIL", "secret.person@example.org")
    emu.inject("*", "http_503", times=1)
    emu.inject("*", "http_429", times=1, retry_after=0)
    base = ["refresh", "--project", str(project), "--eutils-url", emu.url, "--verbose"]
    assert main(base) == 0
    emu.inject("*", "http_503", times=1)  # JSON log lines carry retries and requests too
    assert main([*base, "--full", "--log-format", "json"]) == 0
    emu.inject("*", "http_500", times=1000)
    assert main([*base, "--max-time", "2"]) == EXIT_NCBI
    assert main(["status", "--json", "--verbose", "--project", str(project)]) == 0
    assert main(["export", "--format", "csv", "--project", str(project)]) == 0
    out, err = capsys.readouterr()
    assert "esearch.fcgi" in err  # --verbose did log the requests
    assert '"logger": "evidence.eutils"' in err  # in JSON lines too
    assert all(r.params.get("api_key") == "SECRETKEY123" for r in emu.requests)
    places = [out, err] + [
        p.read_bytes().decode("utf-8", "replace") for p in (project / "reports").iterdir()
    ]
    places += [p.read_bytes().decode("latin-1") for p in (project / ".evidence").iterdir()]
    for text in places:
        assert "SECRETKEY123" not in text
        assert "secret.person" not in text


def test_exception_messages_hold_no_secrets(live: tuple[EutilsEmulator, Path]) -> None:
    emu, _ = live
    emu.inject("*", "http_502", times=1000)
    client = EutilsClient(
        email="secret.person@example.org",
        api_key="SECRETKEY123",
        base_url=emu.url,
        limiter=RateLimiter(1000),
        policy=RetryPolicy(attempts=2, backoff=0.01, total=5),
    )
    with pytest.raises(EutilsError) as info:
        client.efetch(EFetch(ids=("1",)))
    text = f"{info.value} {info.value.url} {info.value!r}"
    assert "SECRETKEY123" not in text and "secret.person" not in text


# --- hostile XML --------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&f;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN"
 "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd" [
<!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&xxe;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""

FOREIGN_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet SYSTEM "https://attacker.example/pubmed_250101.dtd">
<PubmedArticleSet/>
"""

UNDECLARED_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN"
 "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&xxe;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""


COMMENT_BEFORE_DOCTYPE = b"""<?xml version="1.0"?>
<!-- a comment with <a tag-like text> before the doctype -->
<!DOCTYPE PubmedArticleSet [
<!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&xxe;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""


@pytest.mark.parametrize(
    "body", [BILLION_LAUGHS, EXTERNAL_ENTITY, FOREIGN_DTD, COMMENT_BEFORE_DOCTYPE]
)
def test_hostile_xml_is_refused_quickly_and_offline(body: bytes, no_network: None) -> None:
    # "Quickly" as memory, which a loaded machine cannot change: no entity is ever expanded
    # (a billion laughs would take gigabytes) before the document is refused.
    tracemalloc.start()
    try:
        with pytest.raises(ParseError) as info:
            read_entrez_xml(body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000
    assert "root:" not in str(info.value)  # nothing of /etc/passwd


def test_an_entity_the_dtd_does_not_declare_is_skipped_not_fetched(no_network: None) -> None:
    from evidence.pubmed import parse_article_set

    (study,) = parse_article_set(UNDECLARED_ENTITY).studies
    assert study.pmid == "1" and study.title == ""


def test_oversized_answers_are_refused(live: tuple[EutilsEmulator, Path]) -> None:
    emu, _ = live
    client = EutilsClient(
        email="dev@example.org",
        base_url=emu.url,
        limiter=RateLimiter(1000),
        policy=RetryPolicy(attempts=2, backoff=0.01, max_bytes=20_000),
    )
    ids = tuple(f"{36000000 + i}" for i in range(40))
    with pytest.raises(EutilsError, match="20,000-byte limit"):
        client.efetch(EFetch(ids=ids))
    assert emu.count("efetch") == 1  # not retried: the next answer would be as large


# --- hostile text -------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name == "href":
                self.hrefs.append(value or "")
            if name.startswith("on") or name in ("src", "srcdoc", "formaction"):
                self.handlers.append(f"{tag} {name}")


def hostile_article(pmid: str) -> bytes:
    xml = synthetic_article(pmid, year=2021).decode()
    xml = re.sub(
        r"<ArticleTitle>.*?</ArticleTitle>",
        '<ArticleTitle>Ketamine <script>alert("t")</script><i onclick="x()">S</i>'
        " &lt;img src=x onerror=alert(1)&gt; [x](javascript:alert(1))</ArticleTitle>",
        xml,
        count=1,
        flags=re.S,
    )
    xml = re.sub(
        r"<LastName>.*?</LastName>",
        "<LastName>&lt;/a&gt;&lt;script&gt;alert(2)&lt;/script&gt;</LastName>",
        xml,
        count=1,
    )
    xml = re.sub(
        r"<ISOAbbreviation>.*?</ISOAbbreviation>",
        '<ISOAbbreviation>J &lt;a href="javascript:alert(3)"&gt;x</ISOAbbreviation>',
        xml,
        count=1,
    )
    xml = re.sub(
        r'<ELocationID EIdType="doi" ValidYN="Y">.*?</ELocationID>',
        '<ELocationID EIdType="doi" ValidYN="Y">10.1234/x"&gt;&lt;script&gt;'
        "alert(4)&lt;/script&gt;</ELocationID>",
        xml,
        count=1,
    )
    xml = re.sub(
        r'<ArticleId IdType="doi">.*?</ArticleId>',
        '<ArticleId IdType="doi">javascript:alert(5)</ArticleId>',
        xml,
        count=1,
    )
    return xml.encode()


def test_hostile_text_never_reaches_the_outputs_unescaped(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = {"38000001": hostile_article("38000001"), "38000002": hostile_article("38000002")}
    term = next(q.term for q in load_queries(project / "queries") if q.id == "headache")
    (project / "queries" / "neuropathic-pain.toml").unlink()
    with EutilsEmulator(articles, rate_limit=None) as emu:
        emu.add_search(term, sorted(articles))
        # Every design in the fragment too, so that both hostile studies are in every output.
        every = "synthesis,rct,trial,observational,cases,review,other"
        assert refresh_cli(project, emu.url, "--levels", every, "--per-topic", "0") == 0
    for name in ("research-studies.html", "index.html"):
        page = (project / "reports" / name).read_text(encoding="utf-8")
        parser = _Links()
        parser.feed(page)
        # The one script is the full page's own filter script, as packaged.
        assert parser.tags.count("script") == (1 if name == "index.html" else 0)
        assert "img" not in parser.tags
        assert parser.handlers == []
        assert parser.hrefs and all(ALLOWED_LINK.match(h) for h in parser.hrefs), parser.hrefs
        assert "&lt;script&gt;" in page  # shown as text, harmlessly
        assert "<i>S</i>" in page  # PubMed's own inline markup is kept, attributes dropped
    md = (project / "reports" / "research-studies.md").read_text(encoding="utf-8")
    # Every '<' of the text is backslash-escaped (CommonMark shows it literally); the only
    # bare ones open the <https://doi.org/...> link destinations.
    assert re.findall(r"(?<!\\)<(?!https://doi\.org/)", md) == []
    assert "\\<script\\>" in md
    # Link targets: "](" where the "]" is not backslash-escaped (escaped brackets are text).
    targets = re.findall(r"(?<!\\)\]\(<?([^)>]*)>?\)", md)
    assert targets and all(ALLOWED_LINK.match(t) for t in targets), targets
    # The feed is XML a reader parses: the text stays text there too.
    feed = feedparser.parse((project / "reports" / "feed.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 2
    assert all(
        "<img src=x onerror=alert(1)>" in e.title and e.link.startswith("https://pubmed")
        for e in feed.entries
    )
    # One record per study in the line-based exports: no text can start a tag line of its own.
    ris = (project / "reports" / "studies.ris").read_text(encoding="utf-8")
    assert ris.count("\nER  - ") == 2 and ris.count("TY  - ") == 2


# --- bad input from people ----------------------------------------------------------------


@pytest.fixture
def published(project: Path) -> Path:
    assert main(["refresh", "--sample", "--quiet", "--project", str(project)]) == 0
    return project


def test_a_template_that_fails_changes_nothing(
    published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(published / "reports")
    (published / "templates").mkdir()
    (published / "templates" / "research-studies.md").write_text(
        "## Studies\n\n{{ topics[0].no_such_field }}\n", encoding="utf-8"
    )
    code = main(["build", "--project", str(published)])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert err.startswith("Error: research-studies.md: line 3: ") and err.count("\n") == 1
    assert "Traceback" not in err
    assert snapshot(published / "reports") == before


def test_debug_shows_the_traceback(published: Path) -> None:
    (published / "templates").mkdir()
    (published / "templates" / "index.html").write_text("{{ nope }}", encoding="utf-8")
    with pytest.raises(Exception, match="nope"):
        main(["build", "--debug", "--project", str(published)])


def test_a_full_disk_changes_nothing(published: Path, tmp_path: Path) -> None:
    # Files may not grow past LIMIT bytes: the store's WAL index (32 KiB) fits, the new
    # index.html does not, as on a disk that fills up midway through a build.
    LIMIT = 36_000
    assert (published / "reports" / "index.html").stat().st_size > LIMIT
    (published / "reports" / "index.html").write_text("older page", encoding="utf-8")
    before = snapshot(published / "reports")
    script = textwrap.dedent(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({LIMIT}, {LIMIT}))
        from evidence.cli import main
        sys.exit(main(["build", "--project", {str(published)!r}]))
    """)
    # matplotlib's font cache of its own, empty, as on a new machine: the build's chart
    # writes it (about 36 KB), which a full disk refuses. (The shared one may be missing, or
    # rewritten by another test's process: the test failed now and then.)
    env = {**child_env(), "MPLCONFIGDIR": str(tmp_path / "matplotlib")}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("Error: ") and proc.stderr.count("\n") == 1
    assert "File too large" in proc.stderr and "previous reports are unchanged" in proc.stderr
    assert snapshot(published / "reports") == before  # no half-written or temporary files


def test_an_output_in_the_way_changes_nothing(
    published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (published / "reports" / "research-studies.md").unlink()
    (published / "reports" / "research-studies.md").mkdir()
    before = {p.name: p.read_bytes() for p in (published / "reports").iterdir() if p.is_file()}
    (published / "reports" / "index.html").write_text("older page", encoding="utf-8")
    before["index.html"] = b"older page"
    code = main(["build", "--project", str(published)])
    err = capsys.readouterr().err
    assert code == 1 and "research-studies.md" in err and err.count("\n") == 1
    after = {p.name: p.read_bytes() for p in (published / "reports").iterdir() if p.is_file()}
    assert after == before
    # Every earlier report is still there, the folder in the way too, and nothing else.
    assert sorted(p.name for p in (published / "reports").iterdir()) == sorted(
        [*before, "research-studies.md"]
    )
    assert "index.html" in before and "feed.xml" in before


def test_credentials_never_follow_a_redirect_to_another_host(
    live: tuple[EutilsEmulator, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    emu, project = live
    with EutilsEmulator({}, rate_limit=None) as elsewhere:
        emu.inject("*", "redirect", times=1000, location=elsewhere.url)
        code = main(
            [*refresh_args(project, emu.url, email="secret.person@example.org"), "--max-time", "5"]
        )
        assert code == EXIT_NCBI
        assert elsewhere.requests == []  # nothing, let alone the key and email, went there
    err = capsys.readouterr().err
    assert "a redirect to http://127.0.0.1:" in err and "not followed" in err
    assert "secret.person" not in err


def test_server_text_that_echoes_the_credentials_is_scrubbed(
    live: tuple[EutilsEmulator, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emu, project = live
    monkeypatch.setenv("NCBI_API_KEY", "SECRETKEY123")
    monkeypatch.setenv("NCBI_EMAIL", "secret.person@example.org")
    term = next(q.term for q in load_queries(project / "queries") if q.id == "headache")
    emu.add_search(
        term,
        [],
        translation="for secret.person@example.org",
        warnings=["key SECRETKEY123 noted for secret.person%40example.org"],
    )
    base = ["refresh", "--project", str(project), "--eutils-url", emu.url, "--max-time", "5"]
    assert main([*base, "--log-format", "json"]) == 0  # translation and warnings stored
    emu.inject(
        "esearch",
        "error_200",
        times=1000,
        message="Invalid key SECRETKEY123 for secret.person@example.org",
    )
    assert main([*base, "--log-format", "json"]) == EXIT_NCBI
    assert main(["status", "--json", "--project", str(project)]) == 0
    out, err = capsys.readouterr()
    assert "Invalid key <redacted> for <redacted>" in err
    with Store(project / ".evidence" / "pubmed.sqlite") as store:
        first = store.runs("headache")[0]
    assert first.translation == "for <redacted>"
    assert any("noted for <redacted>" in w for w in first.warnings)
    texts = [out, err] + [
        p.read_bytes().decode("utf-8", "replace") for p in snapshot_paths(project)
    ]
    for text in texts:
        assert "SECRETKEY123" not in text and "secret.person" not in text


def snapshot_paths(project: Path) -> list[Path]:
    return [p for folder in ("reports", ".evidence") for p in (project / folder).iterdir()]
