"""The reports in a real browser: headless Chromium (Debian's, through Playwright) opens
index.html and drives its filters, and the fragment (inline styles, and classes with its
stylesheet) is pasted into a CMS-like page with an aggressive stylesheet of its own, at a
desktop and a phone width, for the sample and for a 3,000-study store. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ARTIFACTS
from evidence.cli import main
from evidence.queries import load_queries
from evidence.settings import settings_from
from evidence.sources import ORIGIN_SAMPLE
from evidence.study import doi_url, pmc_url
from evidence.tabulate import Placed
from evidence.testing import EutilsEmulator, refresh_args, synthetic_articles
from evidence.view import View, load_view

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


def host_page(fragment: str, *, stylesheet: str = "") -> str:
    """A CMS page with a hostile theme; `stylesheet` is the fragment's own (classes), added
    to the theme after the host's rules, as a host that allows one would."""
    link = f"<style>{stylesheet}</style>\n" if stylesheet else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>A CMS page</title>\n<style>{HOST_CSS}</style>\n{link}</head>\n<body>\n"
        + HOST_BODY.format(fragment=fragment)
        + "</body>\n</html>\n"
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser") / "project"
    shutil.copytree(Path(__file__).resolve().parents[1] / "queries", root / "queries")
    assert main(["refresh", "--sample", "--quiet", "--project", str(root)]) == 0
    paste(root)
    return root


def paste(root: Path) -> None:
    """The fragment pasted into the hostile CMS page (inline styles), and the classes
    variant pasted beside its stylesheet (built into reports-classes/)."""
    reports = root / "reports"
    fragment = (reports / "research-studies.html").read_text(encoding="utf-8")
    (reports / "host.html").write_text(host_page(fragment), encoding="utf-8")
    (reports / "host-alone.html").write_text(host_page(""), encoding="utf-8")
    shutil.copytree(reports, root / "classes", dirs_exist_ok=True)
    assert main(["build", "--quiet", "--project", str(root), "--fragment", "classes"]) == 0
    classes = (reports / "research-studies.html").read_text(encoding="utf-8")
    for name in ("research-studies.html", "research-studies.css"):
        shutil.move(reports / name, root / "classes" / name)
    css = (root / "classes" / "research-studies.css").read_text(encoding="utf-8")
    (root / "classes" / "host.html").write_text(
        host_page(classes, stylesheet=css), encoding="utf-8"
    )
    assert main(["build", "--quiet", "--project", str(root)]) == 0  # inline again


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

    def opener(path: Path | str, width: int, *, script: bool = True) -> Opened:
        context = chromium.new_context(
            viewport={"width": width, "height": 900}, java_script_enabled=script
        )
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
        page.goto(path if isinstance(path, str) else path.as_uri(), wait_until="load")
        return opened

    yield opener
    for c in contexts:
        c.close()


def shoot(page: Any, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


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
        expected = {pmid: {f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"} for pmid in shown}
    links = page.eval_on_selector_all(
        f"{scope} a",
        "as => as.map(a => [a.getAttribute('href'), a.textContent.trim(),"
        " a.getBoundingClientRect().width > 0])",
    )
    hrefs = {h for h, _, _ in links}
    for pmid, wanted in expected.items():
        assert wanted <= hrefs, f"links of PMID {pmid} missing: {wanted - hrefs}"
        titles = page.eval_on_selector_all(
            f"{scope} li.ev-study a[href='https://pubmed.ncbi.nlm.nih.gov/{pmid}/']",
            "as => as.map(a => a.textContent.trim())",
        )
        assert titles and all(len(t) > 20 for t in titles)  # the study's title is the link
    for href, text, visible in links:
        assert text and not VAGUE_LINK_TEXT.match(text), href
        if href.startswith("#"):  # an in-page link lands on an element of the page
            assert page.query_selector(f"[id='{href[1:]}']") is not None, href
        elif href.startswith("?"):  # a filtered list of the full page
            assert re.match(r"\?topic=\w+(&condition=\w+)?(&level=\w+)?#ev-studies$", href), href
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


VARIANTS = ("inline", "classes")
LARGE = 3000


def included(view: View) -> dict[str, list[Placed]]:
    return {qid: [p for p in ps if p.included] for qid, ps in view.placed.items()}


def shown_pmids(page: Any) -> list[str]:
    """PMIDs of the studies the page shows among the included (not in excluded groups)."""
    return list(
        page.eval_on_selector_all(
            "#ev-studies .ev-level li.ev-study",
            "ls => ls.filter(l => l.getClientRects().length).map(l => l.id.split('-').pop())",
        )
    )


def status(page: Any) -> str:
    return str(page.inner_text("#ev-count"))


@pytest.mark.parametrize("width", WIDTHS)
def test_full_page(
    built: Path, open_page: Any, axe_js: Path, expected_links: dict[str, set[str]], width: int
) -> None:
    opened = open_page(built / "reports" / "index.html", width)
    page = opened.page
    shoot(page, f"index-{width}")
    no_overflow(page)
    check_links(page, "#ev-studies", expected_links)
    assert status(page) == "Showing all 33 studies."
    # The evidence map fits the column: no table needs scrolling sideways.
    for sizes in page.eval_on_selector_all(
        ".ev-map", "ts => ts.map(t => [t.scrollWidth, t.parentElement.clientWidth])"
    ):
        assert sizes[0] <= sizes[1], sizes
    # The chart shows without JavaScript, fits, and its smallest text stays legible.
    chart = page.query_selector("svg.ev-chart")
    assert chart is not None and chart.bounding_box()["width"] <= width
    smallest = page.eval_on_selector_all(
        "svg.ev-chart text",
        "ts => Math.min(...ts.map(t => t.getBoundingClientRect().height).filter(h => h > 0))",
    )
    assert smallest >= 8, smallest  # px on screen (it was about 4 px at 375 px before)
    assert "33 studies published" in page.inner_text("#ev-chart-summary")
    assert axe(page, axe_js) == []
    assert opened.errors == [] and opened.outside == []


def test_the_filters_update_counts_and_studies(built: Path, open_page: Any) -> None:
    view = load_view(settings_from(project=built, environ={}), ORIGIN_SAMPLE)
    studies = included(view)
    index = built / "reports" / "index.html"
    opened = open_page(index, 1280)
    page = opened.page
    everything = shown_pmids(page)
    assert len(set(everything)) == 33

    def expect(pmids: set[str]) -> None:
        # The status is the page's last word on a filter: waited for, so that a step the
        # browser finishes a moment later (a link's click, under a busy machine) is not read
        # half done. What it shows is then checked study by study.
        page.wait_for_function(
            "n => document.getElementById('ev-count').textContent === n",
            arg=f"Showing {len(pmids)} of 33 studies.",
        )
        assert set(shown_pmids(page)) == pmids
        assert status(page) == f"Showing {len(pmids)} of 33 studies."

    page.select_option("select[name=condition]", "headache:migraine")
    migraine = {p.study.pmid for p in studies["headache"] if "migraine" in p.tags.conditions}
    expect(migraine)
    assert page.url.endswith("?topic=headache&condition=migraine")
    heading = page.inner_text("#ev-headache-title")
    assert heading.endswith(f"({len(migraine)})")
    assert page.is_hidden("#ev-neuropathic_pain")
    page.click("button[type=reset]")
    page.select_option("select[name=topic]", "neuropathic_pain")
    page.select_option("select[name=level]", "rct")
    expect({p.study.pmid for p in studies["neuropathic_pain"] if p.tags.evidence_level == 2})
    page.click("button[type=reset]")
    page.fill("input[name=from]", "2015")
    page.fill("input[name=to]", "2020")
    expect(
        {p.study.pmid for ps in studies.values() for p in ps if 2015 <= (p.study.year or 0) <= 2020}
    )
    page.click("button[type=reset]")
    page.select_option("select[name=route]", "intranasal")
    expect({p.study.pmid for ps in studies.values() for p in ps if p.tags.route == "intranasal"})
    page.click("button[type=reset]")
    page.fill("input[name=q]", "afridi")
    expect({"23365053"})
    page.click("button[type=reset]")
    page.wait_for_function("document.getElementById('ev-count').textContent.includes('all')")
    assert status(page) == "Showing all 33 studies." and shown_pmids(page) == everything
    # Newest first, then back: the original grouping and order.
    page.select_option("select[name=sort]", "year")
    for topic in ("headache", "neuropathic_pain"):
        years = page.eval_on_selector_all(
            f"#ev-{topic} .ev-by-year li.ev-study", "ls => ls.map(l => +l.dataset.y || 0)"
        )
        assert years and years == sorted(years, reverse=True)
    page.select_option("select[name=sort]", "level")
    assert shown_pmids(page) == everything
    # A condition's link filters the list in place; the address carries the filter. Followed
    # from the keyboard: a mouse click lands where the link was when it was scrolled to, and
    # the study lists above it (drawn only near the screen, content-visibility) can move it
    # a frame or two later (by 873 px here, after the sorts above), so the click missed it
    # now and then.
    page.evaluate("window.evSamePage = true")
    page.focus("#ev-neuropathic_pain .ev-conditions a[href*='condition=crps']:not([href*=level])")
    page.keyboard.press("Enter")
    crps = {p.study.pmid for p in studies["neuropathic_pain"] if "crps" in p.tags.conditions}
    expect(crps)
    assert page.evaluate("window.evSamePage === true")  # in place: the page was not loaded again
    assert page.url.endswith("?topic=neuropathic_pain&condition=crps")
    # Opened from a link of the fragment (full_list_url?topic=&condition=): filtered on load.
    page = open_page(index.as_uri() + "?topic=headache&condition=migraine&level=rct", 1280).page
    expect(
        {
            p.study.pmid
            for p in studies["headache"]
            if p.study.pmid in migraine and p.tags.evidence_level == 2
        }
    )
    assert page.input_value("select[name=condition]") == "headache:migraine"
    assert opened.errors == [] and opened.outside == []


def test_without_javascript_the_page_lists_everything(built: Path, open_page: Any) -> None:
    page = open_page(built / "reports" / "index.html", 375, script=False).page
    assert page.is_hidden("#ev-filters")
    assert len(set(shown_pmids(page))) == 33
    no_overflow(page)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("width", WIDTHS)
def test_fragment_in_a_hostile_cms_page(
    built: Path,
    open_page: Any,
    axe_js: Path,
    expected_links: dict[str, set[str]],
    width: int,
    variant: str,
) -> None:
    folder = built / ("reports" if variant == "inline" else "classes")
    alone = open_page(built / "reports" / "host-alone.html", width).page
    before = {p: computed(alone, p) for p in HOST_PROBES}
    opened = open_page(folder / "host.html", width)
    page = opened.page
    shoot(page, f"fragment-{variant}-in-cms-{width}")
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
    # Short: the default choice (17 of the sample's 33 studies), each entry compact. In this
    # host's 20 px type it measured 3.6 desktop and 12 phone screens of 900 px; the whole
    # sample, four lines a study, took twice that.
    height = page.eval_on_selector("#evidence-studies", "e => e.getBoundingClientRect().height")
    assert height < (14 if width == 375 else 4.5) * 900, height
    assert axe(page, axe_js, "#evidence-studies") == []
    assert opened.errors == [] and opened.outside == []


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project refreshed from the emulator: 3,000 synthetic records in two topics."""
    root = tmp_path_factory.mktemp("large") / "project"
    shutil.copytree(Path(__file__).resolve().parents[1] / "queries", root / "queries")
    articles = synthetic_articles(LARGE, seed=3)
    pmids = sorted(articles)
    terms = [q.term for q in load_queries(root / "queries")]
    with EutilsEmulator(articles, rate_limit=None) as emu:
        emu.add_search(terms[0], pmids[: LARGE // 2 + 100])
        emu.add_search(terms[1], pmids[LARGE // 2 :])
        assert main(refresh_args(root, emu.url)) == 0
    paste(root)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
def test_a_3000_study_store_in_the_browser(
    large: Path, open_page: Any, axe_js: Path, width: int
) -> None:
    reports = large / "reports"
    assert (reports / "research-studies.html").stat().st_size <= 60_000
    view = load_view(settings_from(project=large, environ={}), "pubmed")
    studies = included(view)
    total = view.included_count()
    opened = open_page(reports / "index.html", width)
    page = opened.page
    shoot(page, f"index-{LARGE}-{width}", full_page=False)  # the page is 1,000 screens long
    no_overflow(page)
    assert status(page) == f"Showing all {total:,} studies."
    page.select_option("select[name=level]", "synthesis")
    synthesis = {p.study.pmid for ps in studies.values() for p in ps if p.tags.evidence_level == 1}
    assert status(page) == f"Showing {len(synthesis):,} of {total:,} studies."
    assert set(shown_pmids(page)) == synthesis
    no_overflow(page)
    assert opened.errors == [] and opened.outside == []
    for variant in VARIANTS:
        folder = reports if variant == "inline" else large / "classes"
        host = open_page(folder / "host.html", width)
        shoot(host.page, f"fragment-{variant}-{LARGE}-in-cms-{width}")
        no_overflow(host.page)
        assert host.page.eval_on_selector_all("li.ev-study", "ls => ls.length") <= 20
        assert axe(host.page, axe_js, "#evidence-studies") == []
        assert host.errors == [] and host.outside == []


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
