"""Publishing at size: for stores of 33 (the offline sample), 800, 3,000 and 10,000 studies,
the default embed's bytes, the full page's bytes per study, the build's seconds and, in
headless Chromium (Debian's, through Playwright), the full page's first contentful paint and
the time a filter takes to update (median of --runs), each beside its target and the figure
before the short embed and the filterable page, where one was measured (issue 9).

A filter's time is from the change event on the evidence-level select to the end of the
layout it causes (the script's work, the style recalculation and the layout), alternating
between "randomized controlled trials" and all levels.

    PYTHONPATH=src python bench/pages.py [--sizes 33,800,3000,10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, synthetic_store

from evidence.build import build
from evidence.refresh import refresh
from evidence.settings import Settings
from evidence.sources import ORIGIN_PUBMED, ORIGIN_SAMPLE, SampleSource
from evidence.view import load_view

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Figures before this change, as issue 9 measured them (the embed was every study).
BEFORE: dict[int, dict[str, str]] = {
    33: {"fragment": "163 KB"},
    800: {"fragment": "3.3 MB (807 studies)"},
    3000: {"fragment": "10.3 MB", "per_study": "4.1 KB"},
}
TARGETS = {"fragment": "<= 60 KB", "per_study": "<= 2 KB", "fcp": "<= 1.5 s at 3,000"}
TARGETS["filter"] = "<= 100 ms at 10,000"


def sample_store(project: Path) -> Settings:
    settings = Settings(project=project)
    assert refresh(settings, SampleSource(), build=False).ok
    return settings


FILTER = """() => {
  const s = document.querySelector('select[name=level]');
  s.value = s.value ? '' : 'rct';
  const t0 = performance.now();
  s.dispatchEvent(new Event('change', {bubbles: true}));
  document.body.offsetHeight;
  return performance.now() - t0;
}"""
FCP = "performance.getEntriesByName('first-contentful-paint')[0].startTime"


def in_browser(browser: Any, page_file: Path, runs: int) -> tuple[float, float]:
    """Median first contentful paint (ms) over `runs` fresh loads, and median filter time."""
    paints, filters = [], []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(300_000)
        page.goto(page_file.as_uri(), wait_until="load")
        page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length")
        paints.append(float(page.evaluate(FCP)))
        filters.append(float(page.evaluate(FILTER)))
        context.close()
    return statistics.median(paints), statistics.median(filters)


def kb(n: float) -> str:
    return f"{n / 1000:,.1f} KB" if n < 1e6 else f"{n / 1e6:,.1f} MB"


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--sizes", default="33,800,3000,10000")
    options.add_argument("--runs", type=int, default=5)
    args = options.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    from playwright.sync_api import sync_playwright

    print(f"machine: {machine()}")
    print(f"targets: {', '.join(f'{k} {v}' for k, v in TARGETS.items())}")
    with sync_playwright() as p, tempfile.TemporaryDirectory() as folder:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=120_000)
        for n in sizes:
            project = Path(folder) / str(n)
            shutil.copytree(REPO / "queries", project / "queries")
            if n == 33:
                settings, origin = sample_store(project), ORIGIN_SAMPLE
            else:
                settings, origin = synthetic_store(project, n), ORIGIN_PUBMED
            builds = []
            for _ in range(3):
                started = time.perf_counter()
                build(settings, origin=origin)
                builds.append(time.perf_counter() - started)
            studies = load_view(settings, origin).included_count()
            fragment = (settings.reports_dir / "research-studies.html").stat().st_size
            page = (settings.reports_dir / "index.html").stat().st_size
            paint, update = in_browser(browser, settings.reports_dir / "index.html", args.runs)
            before = BEFORE.get(n, {})
            print(
                f"{n:>6,} studies ({studies:,} included): "
                f"embed {kb(fragment)} (before: {before.get('fragment', 'n/a')}); "
                f"page {kb(page)}, {page / max(studies, 1) / 1000:.2f} KB/study "
                f"(before: {before.get('per_study', 'n/a')}); "
                f"build {statistics.median(builds):.2f} s; "
                f"first contentful paint {paint:.0f} ms; filter {update:.0f} ms "
                f"(before: no filter)"
            )
        browser.close()


if __name__ == "__main__":
    main()
