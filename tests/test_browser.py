"""The reports in a real browser: headless Chromium (Debian's, through Playwright) opens
index.html, and the fragment pasted into a CMS-like page with an aggressive stylesheet of its
own, at a desktop and a phone width. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ARTIFACTS
from evidence.cli import main
from evidence.settings import settings_from
from evidence.sources import ORIGIN_SAMPLE
from evidence.study import doi_url, pmc_url
from evidence.view import load_view

WIDTHS = (1280, 375)
# A host theme that restyles every element the fragment uses, as careless CMS themes do.
HOST_CSS = """
* { box-sizing: content-box; }
html { font-size: 20px; }
body { margin: 0 8px; font: 20px/1.1 Georgia, serif; color: #333; background: #fafafa; }
section { width: 1400px; padding: 2em; background: #000; color: #ff0; }
h1, h2, h3, h4 { text-transform: uppercase; color: #c00; font-size: 48px; letter-spacing: .3em; }
p { margin: 0; text-indent: 4em; white-space: nowrap; }
a { color: #ff69b4; text-decoration: none; font-weight: 900; }
ul, ol { list-style: none; padding: 0; margin: 0; }
li { display: inline; float: left; width: 300px; }
code { white-space: pre; font-size: 2em; }
details { display: none; }
span { display: block; position: relative; left: 40px; }
strong { color: #0f0; }
"""
HOST_BODY = """<header>
<h1 id="host-h1">A clinic</h1>
<p id="host-p">Welcome. <a id="host-a" href="#host-h1">Back to the top</a></p>
<ul><li id="host-li">Services</li></ul>
<div><code id="host-code">x</code></div>
<p><strong id="host-strong">Open</strong></p>
</header>
<main id="host-main">
{fragment}
</main>
"""
HOST_PROBES = ("#host-h1", "#host-p", "#host-a", "#host-li", "#host-code", "#host-strong")
STYLE_PROPS = (
    "color",
    "font-size",
    "font-family",
    "font-weight",
    "text-transform",
    "display",
    "white-space",
    "text-decoration-line",
    "letter-spacing",
    "float",
    "width",
)
AXE_RULES_ALWAYS = {  # the list: fail on these whatever axe's impact rating
    "html-has-lang",
    "html-lang-valid",
    "heading-order",
    "th-has-data-cells",
    "td-headers-attr",
    "empty-table-header",
    "link-name",
    "color-contrast",
}
VAGUE_LINK_TEXT = re.compile(r"^(click here|here|link|more|read more|this)$", re.I)


def host_page(fragment: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>A CMS page</title>\n<style>{HOST_CSS}</style>\n</head>\n<body>\n"
        + HOST_BODY.format(fragment=fragment)
        + "</body>\n</html>\n"
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser") / "project"
    import shutil

    shutil.copytree(Path(__file__).resolve().parents[1] / "queries", root / "queries")
    assert main(["refresh", "--sample", "--quiet", "--project", str(root)]) == 0
    fragment = (root / "reports" / "research-studies.html").read_text(encoding="utf-8")
    (root / "host.html").write_text(host_page(fragment), encoding="utf-8")
    (root / "host-alone.html").write_text(host_page(""), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def expected_links(built: Path) -> dict[str, set[str]]:
    """Per PMID, the links its entry must carry: PubMed, and the DOI and PMC where known."""
    view = load_view(settings_from(project=built, environ={}), ORIGIN_SAMPLE)
    out = {}
    for s in view.studies():
        links = {f"https://pubmed.ncbi.nlm.nih.gov/{s.pmid}/"}
        links |= {u for u in (doi_url(s.doi), pmc_url(s.pmcid)) if u}
        out[s.pmid] = links
    assert len(out) == 33
    return out


class Opened:
    """A page with its console errors and any request that tried to leave the machine."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.outside: list[str] = []


@pytest.fixture
def open_page(chromium: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def opener(path: Path, width: int) -> Opened:
        context = chromium.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(120_000)
        opened = Opened(page)
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))

        def route(r: Any) -> None:
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:  # no test reaches the network; a report should not even try
                opened.outside.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(path.as_uri(), wait_until="load")
        return opened

    yield opener
    for c in contexts:
        c.close()


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def no_overflow(page: Any, selector: str = "html") -> None:
    sizes = page.eval_on_selector(
        selector, "e => [e.scrollWidth, e.clientWidth, document.documentElement.clientWidth]"
    )
    scroll, client, viewport = sizes
    assert scroll <= client and scroll <= viewport, f"{selector} overflows: {sizes}"


def check_links(
    page: Any, scope: str, expected: dict[str, set[str]], *, short: bool = False
) -> None:
    """Every link in `scope` is named and safe; with `short` (the article fragment) the
    studies shown link their titles to PubMed, else every study carries all its links."""
    if short:
        shown = page.eval_on_selector_all(
            f"{scope} li.ev-study", "ls => ls.map(l => l.id.split('-').pop())"
        )
        assert shown and set(shown) < set(expected)
        for pmid in shown:
            titles = page.eval_on_selector_all(
                f"{scope} li.ev-study a[href='https://pubmed.ncbi.nlm.nih.gov/{pmid}/']",
                "as => as.map(a => a.textContent.trim())",
            )
            assert titles and all(len(t) > 20 for t in titles)  # the study's title
        expected = {}
    links = page.eval_on_selector_all(
        f"{scope} a",
        "as => as.map(a => [a.getAttribute('href'), a.textContent.trim(),"
        " a.getBoundingClientRect().width > 0])",
    )
    hrefs = {h for h, _, _ in links}
    for pmid, wanted in expected.items():
        assert wanted <= hrefs, f"links of PMID {pmid} missing: {wanted - hrefs}"
        entry = page.eval_on_selector_all(
            f"{scope} li.ev-study a[href='https://pubmed.ncbi.nlm.nih.gov/{pmid}/']",
            "as => as.map(a => a.textContent.trim())",
        )
        assert entry and all(t == f"PubMed record, PMID {pmid}" for t in entry)
    for href, text, visible in links:
        assert text and not VAGUE_LINK_TEXT.match(text), href
        if href.startswith("#"):  # an in-page link lands on an element of the page
            assert page.query_selector(f"[id='{href[1:]}']") is not None, href
        elif href.startswith("https://"):
            assert visible, href
            assert re.match(
                r"https://(pubmed\.ncbi\.nlm\.nih\.gov/\d+/|doi\.org/10\.|pmc\.ncbi\.nlm\.nih\.gov/)",
                href,
            ), href


def axe(page: Any, axe_js: Path, include: str | None = None) -> list[str]:
    page.add_script_tag(path=str(axe_js))
    result = page.evaluate(
        "async (include) => await axe.run(include ? {include: [include]} : document,"
        " {resultTypes: ['violations']})",
        include,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} - {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical") or v["id"] in AXE_RULES_ALWAYS
    ]


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
def test_standalone_page(
    built: Path, open_page: Any, axe_js: Path, expected_links: dict[str, set[str]], width: int
) -> None:
    opened = open_page(built / "reports" / "index.html", width)
    page = opened.page
    shoot(page, f"index-{width}")
    no_overflow(page)
    check_links(page, "#evidence-studies", expected_links)
    # The chart shows without JavaScript: it is in the page, with its text alternative.
    chart = page.query_selector("svg.ev-chart")
    assert chart is not None and chart.bounding_box()["width"] <= width
    assert "33 studies published" in page.inner_text("#ev-chart-summary")
    assert axe(page, axe_js) == []
    assert opened.errors == [] and opened.outside == []


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
def test_fragment_in_a_hostile_cms_page(
    built: Path, open_page: Any, axe_js: Path, expected_links: dict[str, set[str]], width: int
) -> None:
    alone = open_page(built / "host-alone.html", width).page
    before = {p: computed(alone, p) for p in HOST_PROBES}
    opened = open_page(built / "host.html", width)
    page = opened.page
    shoot(page, f"fragment-in-cms-{width}")
    no_overflow(page)
    no_overflow(page, "#evidence-studies")
    check_links(page, "#evidence-studies", expected_links, short=True)
    # Its styles do not leak: the host's own elements look exactly as without the fragment.
    assert {p: computed(page, p) for p in HOST_PROBES} == before
    # The host's stylesheet does not break it.
    root = computed(page, "#evidence-studies")
    assert root["width"] != "1400px" and float(root["width"].removesuffix("px")) <= width
    heading = computed(page, "#evidence-studies h3")
    assert heading["text-transform"] == "none" and heading["letter-spacing"] == "normal"
    assert heading["font-size"] != "48px"
    link = computed(page, "#evidence-studies li.ev-study a")
    assert link["color"] == "rgb(11, 83, 148)" and link["text-decoration-line"] == "underline"
    assert link["font-weight"] != "900"
    study = computed(page, "#evidence-studies li.ev-study")
    assert study["display"] == "list-item" and study["float"] == "none"
    assert computed(page, "#evidence-studies ol")["list-style-type"] == "decimal"
    facts = computed(page, "#evidence-studies li.ev-study .ev-facts")
    assert facts["display"] == "block" and facts["white-space"] == "normal"
    assert axe(page, axe_js, "#evidence-studies") == []
    assert opened.errors == [] and opened.outside == []


def computed(page: Any, selector: str) -> dict[str, str]:
    props = [*STYLE_PROPS, "list-style-type"]
    return dict(
        page.eval_on_selector(
            selector,
            "(e, props) => { const s = getComputedStyle(e);"
            " return props.map(p => [p, s.getPropertyValue(p)]); }",
            props,
        )
    )


def test_axe_does_find_violations(open_page: Any, axe_js: Path, tmp_path: Path) -> None:
    """A page without lang, with a skipped heading level and grey-on-grey text fails."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body><h1>a</h1><h3>b</h3>"
        '<p style="color:#aaa;background:#bbb">low contrast</p><a href="x"></a></body></html>',
        encoding="utf-8",
    )
    found = {v.split(" ")[0] for v in axe(open_page(bad, 1280).page, axe_js)}
    assert {"html-has-lang", "heading-order", "color-contrast", "link-name"} <= found
