"""Parsing speed and peak memory: the streaming parser against a bare ElementTree iterparse
pass over the same bytes (the practical floor in pure Python) and against Bio.Entrez.

    PYTHONPATH=src python bench/parse.py [--runs 3] [--sizes 10000,100000]

Records per second are medians of --runs runs; peak memory is tracemalloc's peak of Python
allocations during one pass (a separate pass, as tracing slows parsing down).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The Bio.Entrez route is the tests' reference parser, not part of the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from common import machine, median_of, write_set

from entrez_reference import parse_article_set_entrez
from evidence.pubmed import iter_article_set

# The streaming parser's target, and its figures before the file was read in blocks of whole
# lines (commit 8ff7e97, 10,000 records, this script on an AMD EPYC, 2 cores, shared, load
# average 3.7 to 6: 0.31, 0.33 and 0.47 x floor, peak 0.5 MB).
TARGET = "  (target >= x0.35, flat memory; before x0.31-0.47, 0.5 MB)"


def bare_iterparse(path: Path) -> int:
    """Every element parsed, each record released when done: no conversion at all."""
    count = 0
    root = None
    depth = 0
    for event, element in ElementTree.iterparse(path, events=("start", "end")):
        if event == "start":
            depth += 1
            if root is None:
                root = element
            continue
        depth -= 1
        if depth == 1:
            count += 1
            assert root is not None
            root.remove(element)
    return count


def streaming(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in iter_article_set(fh))


def entrez(path: Path) -> int:
    return len(parse_article_set_entrez(path.read_bytes()).studies)


def timed(parse: Callable[[Path], int], path: Path, n: int) -> Callable[[], float]:
    def run() -> float:
        gc.collect()
        started = time.perf_counter()
        assert parse(path) == n
        return time.perf_counter() - started

    return run


def peak_mb(parse: Callable[[Path], int], path: Path) -> float:
    gc.collect()
    tracemalloc.start()
    parse(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--runs", type=int, default=3)
    options.add_argument("--sizes", default="10000,100000")
    options.add_argument("--entrez-max", type=int, default=10000, help="skip Bio.Entrez above")
    args = options.parse_args()
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {machine()}; load average (1/5/15 min) {load}")
    with tempfile.TemporaryDirectory() as folder:
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(folder) / f"set-{n}.xml"
            size = write_set(path, n)
            print(f"\n{n:,} records, {size / 1e6:.1f} MB of PubmedArticleSet XML")
            floor = median_of(args.runs, timed(bare_iterparse, path, n))
            rows = [("bare iterparse (floor)", bare_iterparse), ("evidence streaming", streaming)]
            if n <= args.entrez_max:
                rows.append(("Bio.Entrez (parse_article_set_entrez)", entrez))
            for name, parse in rows:
                seconds = (
                    floor
                    if parse is bare_iterparse
                    else median_of(args.runs, timed(parse, path, n))
                )
                print(
                    f"  {name:40s} {n / seconds:9,.0f} records/s  {seconds:6.2f} s  "
                    f"x{floor / seconds:4.2f} of floor  peak {peak_mb(parse, path):7.1f} MB"
                    + (TARGET if parse is streaming else "")
                )


if __name__ == "__main__":
    main()
