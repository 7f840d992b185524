"""The review app in headless Chromium: screening by keyboard writes exactly the expected
curation.toml (comments and a hand entry kept), undo, a hand edit made meanwhile survives, a
hostile title stays inert, axe-core at two widths; and the guards, over real HTTP: the token,
the Origin, the Host header and the CSRF token."""

from __future__ import annotations

import http.client
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from conftest import ARTIFACTS, REPO
from evidence.cli import main
from evidence.exports import EXPORT_FILES
from evidence.queries import load_queries
from evidence.render import OUTPUTS
from evidence.review_app import running
from evidence.settings import Settings
from evidence.testing import EutilsEmulator, refresh_args, synthetic_article
from test_browser import AXE_RULES_ALWAYS

HOSTILE = '<img src=x onerror="window.pwned=1">Ketamine <script>window.pwned=2</script> & co'
HAND = """# Decisions of the migraine group.
reasons = ["Not migraine", "Anaesthesia only"]

# Coded at the journal club.
[[study]]
pmid = "41000001"  # the landmark one
design = "rct"
note = "Hand note."
"""


def article(pmid: str, year: int, title: str, rct: bool = False) -> bytes:
    xml = synthetic_article(pmid, year=year, title=title).decode()
    if rct:
        xml = xml.replace(
            "</PublicationTypeList>",
            '<PublicationType UI="D016449">Randomized Controlled Trial</PublicationType>'
            "</PublicationTypeList>",
        )
    return xml.encode()


RECORDS = {
    "41000001": article("41000001", 2020, "Ketamine for migraine: a randomized trial", rct=True),
    "41000002": article("41000002", 2019, "Ketamine infusion for refractory migraine"),
    "41000003": article("41000003", 2023, "Intranasal ketamine for migraine with aura", rct=True),
    "41000004": article("41000004", 2022, "Ketamine in the emergency department for headache"),
    "41000005": article("41000005", 2021, HOSTILE),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("review") / "project"
    shutil.copytree(REPO / "queries", project / "queries")
    (project / "queries" / "neuropathic-pain.toml").unlink()
    (term,) = [q.term for q in load_queries(project / "queries")]
    with EutilsEmulator(RECORDS, rate_limit=None) as emu:
        emu.add_search(term, sorted(RECORDS))
        assert main(refresh_args(project, emu.url)) == 0
    return project


@pytest.fixture
def project(world: Path) -> Path:
    (world / "queries" / "curation.toml").write_text(HAND, encoding="utf-8")
    return world


@pytest.fixture
def app(project: Path) -> Iterator[str]:
    with running(Settings(project=project), "pubmed") as url:
        yield url


@pytest.fixture
def page(chromium: Any, app: str) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    outside: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("http://127.0.0.1:"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(app)
    yield page
    assert outside == []
    context.close()


def shown(page: Any) -> str:
    return str(page.get_attribute("article.rv-study", "data-pmid"))


def test_screening_by_keyboard_writes_exactly_the_expected_file(page: Any, project: Path) -> None:
    curation = project / "queries" / "curation.toml"
    # Most useful first: the RCTs (level 2) newest first, then the case report, then the
    # preclinical study; the hand-coded 41000001 is done already.
    queue = page.eval_on_selector_all(".rv-queue li a", "as => as.map(a => a.href.slice(-8))")
    assert queue == ["41000003", "41000002", "41000005", "41000004"]
    assert shown(page) == "41000003"
    assert "1 of 5 screened" in page.inner_text(".rv-progress")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-app-1280.png"))  # README's (docs/)
    with page.expect_navigation():
        page.keyboard.press("i")
    assert shown(page) == "41000002"
    page.keyboard.press("2")  # the project's second reason
    with page.expect_navigation():
        page.keyboard.press("x")
    assert shown(page) == "41000005"
    assert "Excluded (Anaesthesia only): PMID 41000002" in page.inner_text("#rv-notice")
    # A note, featured, and a corrected design, all by keyboard.
    page.keyboard.press("n")
    page.keyboard.type("Small but careful.")
    page.keyboard.press("Escape")
    page.keyboard.press("f")
    page.keyboard.press("c")
    page.select_option("#rv-design", "case_series")
    page.keyboard.press("Escape")
    with page.expect_navigation():
        page.keyboard.press("i")
    assert "4 of 5 screened" in page.inner_text(".rv-progress")
    assert curation.read_text(encoding="utf-8") == HAND + (
        '\n[[study]]\npmid = "41000003"\ndecision = "include"\n'
        '\n[[study]]\npmid = "41000002"\ndecision = "exclude"\nreason = "Anaesthesia only"\n'
        '\n[[study]]\npmid = "41000005"\ndecision = "include"\nnote = "Small but careful."\n'
        'design = "case_series"\nfeatured = true\n'
    )
    # Undo takes back the last decision: the study is on screen again.
    with page.expect_navigation():
        page.keyboard.press("u")
    assert shown(page) == "41000005"
    assert 'pmid = "41000005"' not in curation.read_text(encoding="utf-8")
    # x without a reason asks for one instead of excluding.
    page.keyboard.press("x")
    assert page.evaluate("document.activeElement.id") == "rv-reason"


def test_a_hand_edit_made_meanwhile_survives(page: Any, project: Path) -> None:
    curation = project / "queries" / "curation.toml"
    edited = HAND + '\n# Added by hand while the app ran.\n[[study]]\npmid = "41000003"\n'
    curation.write_text(edited, encoding="utf-8")
    page.reload()
    assert shown(page) == "41000002"  # the hand-coded study left the queue
    with page.expect_navigation():
        page.keyboard.press("i")
    assert curation.read_text(encoding="utf-8") == edited + (
        '\n[[study]]\npmid = "41000002"\ndecision = "include"\n'
    )


def test_a_hostile_title_stays_inert(page: Any) -> None:
    page.goto(page.url.split("&")[0] + "&pmid=41000005")
    assert shown(page) == "41000005"
    assert page.inner_text("#rv-title").startswith('<img src=x onerror="window.pwned=1">')
    assert page.query_selector("#rv-title img, #rv-title script") is None
    assert page.evaluate("window.pwned") is None


@pytest.mark.parametrize("width", (1280, 375))
def test_no_serious_accessibility_violations(page: Any, axe_js: Path, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.reload()
    page.click("#rv-corrections summary")
    page.click("#rv-keys summary")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"review-app-open-{width}.png"), full_page=True)
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], sizes
    # The page's CSP allows only its own scripts: axe is injected through the debugger.
    page.evaluate(Path(axe_js).read_text(encoding="utf-8"))
    found = page.evaluate(
        "async (always) => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact) || always.includes(v.id))"
        ".map(v => v.id + ': ' + v.help)",
        sorted(AXE_RULES_ALWAYS),
    )
    assert found == []


# --- the guards, over real HTTP ------------------------------------------------------------


def request(
    url: str,
    method: str = "GET",
    path: str = "/",
    headers: dict[str, str] | None = None,
    body: dict[str, str] | None = None,
) -> tuple[int, str]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
    data = urlencode(body).encode() if body is not None else None
    sent = {"Content-Type": "application/x-www-form-urlencoded"} if data else {}
    conn.request(method, path, body=data, headers=sent | (headers or {}))
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, text


def test_every_request_needs_the_token_and_the_apps_own_host(app: str, project: Path) -> None:
    token = app.split("t=", 1)[1]
    host = urlsplit(app).netloc
    assert request(app, path=f"/?t={token}")[0] == 200
    assert request(app, path="/")[0] == 403
    assert request(app, path="/?t=wrong")[0] == 403
    assert request(app, path=f"/static/review.js?t={token}")[0] == 200
    assert request(app, path="/static/review.js")[0] == 403
    # DNS rebinding: the right token, but the browser thinks it talks to evil.example.
    assert request(app, path=f"/?t={token}", headers={"Host": "evil.example"})[0] == 400
    assert (
        request(app, path=f"/?t={token}", headers={"Host": f"localhost:{urlsplit(app).port}"})[0]
        == 200
    )
    page = request(app, path=f"/?t={token}")[1]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "pmid": "41000004", "decision": "include"}
    before = (project / "queries" / "curation.toml").read_text(encoding="utf-8")
    refused = [
        ({"Origin": "http://evil.example"}, form),
        ({}, form),  # no Origin, no Referer
        ({"Origin": f"http://{host}"}, form | {"csrf": "forged"}),
        ({"Origin": f"http://{host}", "Host": "evil.example"}, form),
    ]
    for headers, body in refused:
        status, _ = request(app, "POST", f"/decide?t={token}", headers, body)
        assert status in (400, 403), (headers, body)
    assert request(app, "POST", "/decide", {"Origin": f"http://{host}"}, form)[0] == 403
    assert (project / "queries" / "curation.toml").read_text(encoding="utf-8") == before
    # The same request from the app's own page is taken.
    status, _ = request(app, "POST", f"/decide?t={token}", {"Origin": f"http://{host}"}, form)
    assert status == 303
    assert 'pmid = "41000004"' in (project / "queries" / "curation.toml").read_text("utf-8")


def test_the_page_loads_nothing_from_elsewhere(app: str) -> None:
    token = app.split("t=", 1)[1]
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(app).port, timeout=60)
    conn.request("GET", f"/?t={token}")
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    assert "default-src 'none'" in (response.getheader("Content-Security-Policy") or "")
    assert response.getheader("Referrer-Policy") == "same-origin"
    assert not re.search(r'(src|href)="(https?:)?//', body.split("<main", 1)[0])


# --- the app beside a refresh ---------------------------------------------------------------


def test_a_refresh_neither_blocks_the_app_nor_loses_a_decision(
    project: Path, tmp_path: Path
) -> None:
    from evidence.curation_file import Decision
    from evidence.lock import project_lock
    from evidence.review_app import Screening
    from evidence.screening import Filters

    project = Path(shutil.copytree(project, tmp_path / "own"))  # this test refreshes it
    screening = Screening(Settings(project=project), "pubmed")
    extra = {"41000009": article("41000009", 2024, "Ketamine for cluster headache", rct=True)}
    (term,) = [q.term for q in load_queries(project / "queries")]
    with EutilsEmulator(RECORDS | extra, rate_limit=None) as emu:
        emu.add_search(term, sorted(RECORDS | extra))
        with project_lock(Settings(project=project)):  # as a refresh holds it
            screening.file.record(Decision("41000003", "exclude", reason="Not migraine"))
            _, waiting, _ = screening.queue(Filters())
        assert "41000003" not in {c.pmid for c in waiting}
        assert main(refresh_args(project, emu.url, "--full")) == 0
    # The refresh read the decision: the reports carry it.
    html = (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Excluded by the reviewer: Not migraine" in html
    # The app picks up the refreshed store (in the background) and keeps the decision.
    for _ in range(600):
        _, waiting, decided = screening.queue(Filters())
        if "41000009" in {c.pmid for c in waiting}:
            break
        threading.Event().wait(0.1)
    new = [c for c in waiting if c.pmid == "41000009"]
    assert new and new[0].placed.new  # marked as found by the last refresh
    assert "41000003" in decided and "41000003" not in {c.pmid for c in waiting}


def test_the_rebuild_button_builds_the_reports_or_says_a_refresh_runs(
    app: str, project: Path
) -> None:
    from evidence.lock import project_lock

    token = app.split("t=", 1)[1]
    origin = {"Origin": f"http://{urlsplit(app).netloc}"}
    csrf = re.search(r'name="csrf" value="([^"]+)"', request(app, path=f"/?t={token}")[1])
    assert csrf is not None
    decide = {"csrf": csrf.group(1), "pmid": "41000004", "decision": "exclude"}
    decide["reason"] = "Not migraine"
    assert request(app, "POST", f"/decide?t={token}", origin, decide)[0] == 303
    with project_lock(Settings(project=project)):  # a refresh is running
        assert (
            request(app, "POST", f"/rebuild?t={token}", origin, {"csrf": csrf.group(1)})[0] == 303
        )
        assert "A refresh is running" in request(app, path=f"/?t={token}")[1]
    assert request(app, "POST", f"/rebuild?t={token}", origin, {"csrf": csrf.group(1)})[0] == 303
    files = len(OUTPUTS) + 1 + len(EXPORT_FILES)  # the pages and feed, the chart, the exports
    assert f"Rebuilt {files} reports" in request(app, path=f"/?t={token}")[1]
    html = (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Excluded by the reviewer: Not migraine" in html


def test_a_broken_hand_edit_is_reported_and_nothing_is_written(app: str, project: Path) -> None:
    token = app.split("t=", 1)[1]
    origin = {"Origin": f"http://{urlsplit(app).netloc}"}
    csrf = re.search(r'name="csrf" value="([^"]+)"', request(app, path=f"/?t={token}")[1])
    assert csrf is not None
    broken = HAND + '[[study]]\npmid = "41000004"\nroute = "iv drip"\n'
    (project / "queries" / "curation.toml").write_text(broken, encoding="utf-8")
    status, text = request(app, path=f"/?t={token}")
    assert status == 409 and "unknown route 'iv drip'" in text
    form = {"csrf": csrf.group(1), "pmid": "41000002", "decision": "include"}
    assert request(app, "POST", f"/decide?t={token}", origin, form)[0] == 303
    assert (project / "queries" / "curation.toml").read_text(encoding="utf-8") == broken
