"""The full page and the fragment (inline styles, and classes with its stylesheet, and
pasted into a hostile theme) pass the Nu HTML checker with no errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from evidence.cli import main


def host_page(fragment: str, *, title: str = "A CMS page", css: str = "") -> str:
    """The smallest valid document a CMS would paste the fragment into."""
    style = f"<style>{css}</style>\n" if css else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n{style}</head>\n<body>\n{fragment}</body>\n</html>\n"
    )


def test_page_and_fragment_are_valid_html(
    project: Path, tmp_path: Path, nu_checker: Callable[..., list[str]], no_network: None
) -> None:
    from test_browser import host_page as hostile_page

    url = ["--full-list-url", "https://example.org/evidence/"]  # its links too
    assert main(["refresh", "--sample", "--quiet", "--project", str(project), *url]) == 0
    reports = project / "reports"
    fragment = (reports / "research-studies.html").read_text(encoding="utf-8")
    pasted = tmp_path / "fragment-in-a-page.html"
    pasted.write_text(host_page(fragment), encoding="utf-8")
    hostile = tmp_path / "fragment-in-a-hostile-page.html"
    hostile.write_text(hostile_page(fragment), encoding="utf-8")
    assert main(["build", "--quiet", "--project", str(project), "--fragment", "classes", *url]) == 0
    classes = tmp_path / "classes-fragment-in-a-page.html"
    classes.write_text(
        host_page(
            (reports / "research-studies.html").read_text(encoding="utf-8"),
            css=(reports / "research-studies.css").read_text(encoding="utf-8"),
        ),
        encoding="utf-8",
    )
    assert nu_checker(reports / "index.html", pasted, hostile, classes) == []


def test_the_checker_does_report_errors(
    tmp_path: Path, nu_checker: Callable[..., list[str]]
) -> None:
    """A page with a <style> in its body fails: the checker is really checking."""
    bad = tmp_path / "bad.html"
    bad.write_text(host_page("<section><style>p{}</style><p>x</p></section>\n"), "utf-8")
    errors = nu_checker(bad)
    assert len(errors) == 1 and "Element \u201cstyle\u201d not allowed" in errors[0]
