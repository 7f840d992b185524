"""research-studies.md rendered by a standard engine (markdown-it-py, CommonMark) has the
same studies, in the same order, with the same links as the HTML fragment."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt

from evidence.cli import main
from evidence.sources import SampleSource


class _Page(HTMLParser):
    """Links (outside the page) and numbered-list items, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.items = 0
        self.headings: list[str] = []
        self._href: str | None = None
        self._text: list[str] = []
        self._depth_ol = 0
        self._heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and not (a.get("href") or "").startswith("#"):
            self._href, self._text = a.get("href") or "", []
        if tag == "ol":
            self._depth_ol += 1
        if tag == "li" and self._depth_ol:
            self.items += 1
        if tag in ("h3", "h4"):
            self._heading, self._text = True, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None
        if tag == "ol":
            self._depth_ol -= 1
        if tag in ("h3", "h4") and self._heading:
            self.headings.append(" ".join("".join(self._text).split()))
            self._heading = False

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_markdown_renders_to_the_same_studies_and_links(project: Path, no_network: None) -> None:
    assert main(["refresh", "--sample", "--quiet", "--project", str(project)]) == 0
    reports = project / "reports"
    md = (reports / "research-studies.md").read_text(encoding="utf-8")
    from_md = read(MarkdownIt("commonmark").render(md))
    fragment = read((reports / "research-studies.html").read_text(encoding="utf-8"))
    assert from_md.links == fragment.links  # same targets and texts, same order
    assert from_md.items == fragment.items == 17  # the default selection of the sample
    assert from_md.headings == fragment.headings
    pmids = {str(s["pmid"]) for s in SampleSource().studies}
    linked = {h.split("/")[-2] for h, _ in from_md.links if "pubmed.ncbi" in h}
    assert len(linked) == 17 and linked <= pmids


def test_markdown_links_to_the_full_page_like_the_fragment(project: Path, no_network: None) -> None:
    url = "https://example.org/evidence/"
    args = ["refresh", "--sample", "--quiet", "--project", str(project)]
    assert main([*args, "--full-list-url", url, "--levels", "rct"]) == 0
    reports = project / "reports"
    md = (reports / "research-studies.md").read_text(encoding="utf-8")
    from_md = read(MarkdownIt("commonmark").render(md))
    fragment = read((reports / "research-studies.html").read_text(encoding="utf-8"))
    assert from_md.links == fragment.links
    assert (url + "?topic=headache&condition=migraine", "Migraine") in from_md.links
    assert any(h == url + "?topic=neuropathic_pain" for h, _ in from_md.links)
