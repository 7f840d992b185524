"""The chart of the reports: studies per year, stacked by evidence level, as a static SVG.

Drawn with matplotlib's object API (no pyplot, no global backend switch) and made
reproducible: fixed hash salt for its element ids, text kept as text (searchable, readable by
screen readers, no glyph paths), no creation date in the metadata.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from evidence.study import plausible_year

# Okabe-Ito colours: told apart with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_SIZE = re.compile(r' (?:width|height)="[^"]*"')


@dataclass(frozen=True)
class YearCounts:
    """Studies per year for each evidence level, in level order; the chart's data."""

    years: tuple[int, ...]
    levels: tuple[str, ...]
    counts: Mapping[str, tuple[int, ...]]  # level label -> one count per year

    @property
    def total(self) -> int:
        return sum(sum(c) for c in self.counts.values())

    def summary(self) -> str:
        """A text alternative: what the chart shows, in one or two sentences."""
        if not self.years:
            return "No studies with a publication year yet."
        per_year = [sum(self.counts[lv][i] for lv in self.levels) for i in range(len(self.years))]
        peak = max(per_year)
        peak_years = [str(y) for y, n in zip(self.years, per_year, strict=True) if n == peak]
        parts = [f"{lv}: {sum(self.counts[lv])}" for lv in self.levels if sum(self.counts[lv])]
        return (
            f"{self.total} studies published from {self.years[0]} to {self.years[-1]}; "
            f"most in {', '.join(peak_years)} ({peak} {'study' if peak == 1 else 'studies'}). "
            f"By evidence level: {'; '.join(parts)}."
        )


def year_counts(rows: Sequence[tuple[int | None, str]], levels: Sequence[str]) -> YearCounts:
    """Count (year, level label) pairs for the years that have studies (a year with none
    is not a bar: the chart's cost follows the years present, not the span between them);
    studies without a plausible year are left out of the chart."""
    dated = [(y, lv) for y, lv in rows if y is not None and plausible_year(y) is not None]
    if not dated:
        return YearCounts((), tuple(levels), {lv: () for lv in levels})
    tally = Counter(dated)
    years = tuple(sorted({y for y, _ in dated}))
    present = [lv for lv in levels if any(lv == level for _, level in dated)]
    counts = {lv: tuple(tally[(year, lv)] for year in years) for lv in present}
    return YearCounts(years, tuple(present), counts)


def studies_by_year_svg(data: YearCounts, *, title: str) -> str:
    """A standalone SVG file (with its XML prolog), byte-identical for the same data."""
    counts = tuple(data.counts[level] for level in data.levels)
    return _svg(data.years, data.levels, counts, title)


class _FontCacheUnsaved(logging.Filter):
    """matplotlib keeps the fonts it found in a cache file (written on its first run on a
    machine) and warns on stderr where it cannot write it, as on a full disk: nothing is
    lost, it looks for the fonts again next time. The warning is dropped, so that a failing
    build says one line, its own, and a quiet one nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Could not save font_manager cache")


_FONT_CACHE_UNSAVED = _FontCacheUnsaved()


# Drawing is most of a small build's time, and the same data makes the same bytes: a build
# whose chart data did not change (a quiet night, another citation style) draws nothing.
@lru_cache(maxsize=8)
def _svg(
    years: tuple[int, ...], levels: tuple[str, ...], counts: tuple[tuple[int, ...], ...], title: str
) -> str:
    # Imported here: matplotlib's import is a fair part of a second, and a large build draws
    # its chart in its worker process (evidence.worker), never in its own.
    logging.getLogger("matplotlib.font_manager").addFilter(_FONT_CACHE_UNSAVED)  # added once
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    data = YearCounts(years, levels, dict(zip(levels, counts, strict=True)))
    # Passed inline: matplotlib types rc_context's keys as literals.
    with mpl.rc_context(
        {
            "svg.hashsalt": "evidence-chart",
            "svg.fonttype": "none",
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans"],
            "font.size": 11,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        # Narrow and tall, the legend below: the inlined chart shrinks to a phone's width,
        # and its text must stay legible there (about 10 px at 375 px).
        fig = Figure(figsize=(5, 5.4), layout="constrained")
        ax = fig.add_subplot()
        bottoms = [0] * len(data.years)
        for i, level in enumerate(data.levels):
            values = data.counts[level]
            bars = ax.bar(
                data.years,
                values,
                bottom=bottoms,
                label=level,
                color=PALETTE[i % len(PALETTE)],
                edgecolor="white",
                linewidth=0.5,
            )
            for year, value, bar in zip(data.years, values, bars, strict=True):
                if value:  # named in the SVG ("ev-bar-<level>-<year>"), for tests and styling
                    bar.set_gid(f"ev-bar-{i}-{year}")
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        ax.set_title(title, loc="left", fontsize=11, wrap=True)
        ax.set_ylabel("Studies")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if data.years:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlim(data.years[0] - 0.7, data.years[-1] + 0.7)
            fig.legend(
                title="Evidence level",
                fontsize=11,
                title_fontsize=11,
                frameon=False,
                loc="outside lower left",
                ncols=1,
            )
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def inline_svg(svg: str, *, labelled_by: str) -> str:
    """The SVG for embedding in HTML: no XML prolog or DOCTYPE, announced as one image
    labelled by the elements `labelled_by` (space-separated ids: its text alternative),
    scaled to its container's width (a fixed width would overflow a phone screen)."""
    body = _METADATA.sub("", _PROLOG.sub("", svg, count=1), count=1)
    head, rest = body.split(">", 1)
    head = _SIZE.sub("", head).replace(
        "<svg ",
        f'<svg role="img" aria-labelledby="{labelled_by}" class="ev-chart" '
        'style="width:100%;height:auto" ',
        1,
    )
    # matplotlib's one style rule is for "*": keep it to the chart when inlined in a page.
    return head + ">" + rest.replace('<style type="text/css">*{', "<style>.ev-chart *{", 1)
