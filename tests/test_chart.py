"""The studies-per-year chart: an SVG whose bars match the counts, reproducible, with a text
alternative, inlined in index.html so that it shows without JavaScript."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from evidence.chart import inline_svg, studies_by_year_svg, year_counts
from evidence.cli import main

SVG = "{http://www.w3.org/2000/svg}"
LEVELS = ["Randomized trials", "Observational studies", "Reviews"]
ROWS = [
    (2019, "Randomized trials"),
    (2019, "Randomized trials"),
    (2019, "Reviews"),
    (2021, "Observational studies"),
    (2022, "Randomized trials"),
    (None, "Reviews"),  # no year: not charted
]


def bar_heights(svg: str) -> dict[str, float]:
    """Height of each named bar, read from its path (M x0 y0 L x1 y1 L x2 y2 …)."""
    root = ET.fromstring(svg.encode())
    heights = {}
    for group in root.iter(f"{SVG}g"):
        gid = group.get("id", "")
        if gid.startswith("ev-bar-"):
            path = group.find(f"{SVG}path")
            assert path is not None
            ys = [float(y) for y in re.findall(r"[ML] [-\d.]+ ([-\d.]+)", path.get("d", ""))]
            heights[gid] = max(ys) - min(ys)
    return heights


def test_counts_per_year_and_level() -> None:
    data = year_counts(ROWS, LEVELS)
    assert data.years == (2019, 2021, 2022)  # the years with studies; 2020 has none
    assert data.levels == ("Randomized trials", "Observational studies", "Reviews")
    assert data.counts["Randomized trials"] == (2, 0, 1)
    assert data.counts["Reviews"] == (1, 0, 0)
    assert data.total == 5
    assert data.summary() == (
        "5 studies published from 2019 to 2022; most in 2019 (3 studies). By evidence "
        "level: Randomized trials: 3; Observational studies: 1; Reviews: 1."
    )


def test_bars_are_stacked_in_proportion_to_the_counts() -> None:
    heights = bar_heights(studies_by_year_svg(year_counts(ROWS, LEVELS), title="T"))
    assert set(heights) == {"ev-bar-0-2019", "ev-bar-0-2022", "ev-bar-1-2021", "ev-bar-2-2019"}
    unit = heights["ev-bar-0-2022"]
    assert heights["ev-bar-0-2019"] == pytest.approx(2 * unit, rel=1e-3)
    assert heights["ev-bar-1-2021"] == pytest.approx(unit, rel=1e-3)
    assert heights["ev-bar-2-2019"] == pytest.approx(unit, rel=1e-3)


def test_svg_is_reproducible_with_text_as_text() -> None:
    data = year_counts(ROWS, LEVELS)
    svg = studies_by_year_svg(data, title="Studies per year")
    assert svg == studies_by_year_svg(data, title="Studies per year")
    assert "<dc:date>" not in svg
    texts = [t.text for t in ET.fromstring(svg.encode()).iter(f"{SVG}text")]
    assert "Studies per year" in texts and "Evidence level" in texts
    assert {"Randomized trials", "Observational studies", "Reviews"} <= set(texts)


def test_inline_svg_scales_and_names_its_text_alternative() -> None:
    svg = studies_by_year_svg(year_counts(ROWS, LEVELS), title="T")
    inline = inline_svg(svg, labelled_by="a b")
    root = ET.fromstring(inline.encode())
    assert root.get("role") == "img" and root.get("aria-labelledby") == "a b"
    assert root.get("width") is None and "width:100%" in root.get("style", "")
    assert not inline.startswith("<?xml") and "<metadata>" not in inline
    assert "<style>.ev-chart *{" in inline  # matplotlib's '*' rule kept to the chart


def test_index_page_embeds_the_chart_and_its_text_alternative(
    project: Path, no_network: None
) -> None:
    assert main(["refresh", "--sample", "--quiet", "--project", str(project)]) == 0
    reports = project / "reports"
    page = (reports / "index.html").read_text(encoding="utf-8")
    standalone = (reports / "studies-by-year.svg").read_text(encoding="utf-8")
    # Nothing to run for the chart: it is in the page itself (the one script is the filters').
    assert page.count("<script") == 1 and "<script>\n/* evidence: the full page's filters" in page
    assert 'aria-labelledby="ev-chart-title ev-chart-summary"' in page
    summary = re.search(r'<p id="ev-chart-summary">(.*?)</p>', page)
    assert summary and summary.group(1).startswith("33 studies published from ")
    assert (
        bar_heights(standalone).keys()
        == bar_heights(
            re.search(r"<svg.*?</svg>", page, re.S).group(0)  # type: ignore[union-attr]
        ).keys()
    )
    assert "curated offline sample" in standalone  # the title says what the data is


def test_an_absurd_year_is_left_out_and_the_cost_follows_the_years_present() -> None:
    rows = [(1850, LEVELS[0]), (2020, LEVELS[0]), (99999, LEVELS[1]), (1799, LEVELS[1])]
    data = year_counts(rows, LEVELS)
    assert data.years == (1850, 2020) and data.levels == (LEVELS[0],)
    svg = studies_by_year_svg(data, title="T")
    assert set(bar_heights(svg)) == {"ev-bar-0-1850", "ev-bar-0-2020"}
    assert svg.count("<path") < 200  # a bar per year present, not per year of the span
