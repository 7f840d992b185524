"""Rendering at size: `evidence build` over a store of N studies (default 10,000), all
reports written, each build in a fresh process (--rebuild), so its peak resident memory is
the build's own. The first build is cold (nothing kept in the store yet: every study is
graded and rendered); the second reads an unchanged store (everything kept); before each of
the --runs builds after them, a night is stored as a refresh stores it (the store's own
write path): 1 % new studies and 0.5 % revised records. That nightly build is what a night
really builds, and the figure judged against the target. Prints wall and processor time
(the build's process and its worker), peak memory, the load average, each beside the
target and the figure before this change.

    PYTHONPATH=src python bench/build.py [--studies 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EPILOG, FIRST_PMID, PROLOG, machine, synthetic_store

from evidence.build import build
from evidence.exports import WORKER_STUDIES
from evidence.pubmed import parse_article_set
from evidence.queries import load_queries
from evidence.settings import Settings
from evidence.sources import ORIGIN_PUBMED
from evidence.store import Store
from evidence.testing import stored_search, synthetic_article

REPO = Path(__file__).resolve().parents[1]
# Seconds and peak MB of the judged build before this change, on an AMD EPYC, 2 cores, Python
# 3.11.7, shared: 10,000 measured with this script on commit 53af657 on a quiet machine (the
# nightly build, median of 3: 8.14, 8.00 and 7.12 s, load average 1.6; processor time 5.60 s
# + 6.34 s, build + worker); 50,000 on commit 53af657, one nightly build at a load of 3.4-4.9
# (32.8 s + 23.8 s), peak memory 773 MB.
BEFORE = {10_000: (8.0, 232), 50_000: (79.7, 773)}
TARGET = {10_000: (4.0, None), 50_000: (25.0, 600)}


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _one_build(project: str, conn: object) -> None:
    settings = Settings(project=Path(project), email="bench@example.org")
    started = time.perf_counter()
    cpu = _cpu(resource.RUSAGE_SELF)
    written = build(settings, origin="pubmed", rebuild=True)
    seconds = time.perf_counter() - started
    cpu = _cpu(resource.RUSAGE_SELF) - cpu
    worker_cpu = _cpu(resource.RUSAGE_CHILDREN)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = (seconds, peak_mb, worker_mb, [str(p) for p in written], cpu, worker_cpu)
    conn.send(result)  # type: ignore[attr-defined]


def night(project: Path, studies: int, night_no: int) -> tuple[int, int]:
    """What a refresh stores in a night, through the store's own write path: 1 % new
    studies (PMIDs after the store's), 0.5 % revised records (a new title), each topic's
    share as an incremental run. Returns (new, revised)."""
    settings = Settings(project=project, email="bench@example.org")
    queries = load_queries(settings.queries_dir)
    new_count, revised_count = max(1, studies // 100), max(1, studies // 200)
    first_new = FIRST_PMID + studies + night_no * new_count
    new = [str(first_new + i) for i in range(new_count)]
    # Revised: spread over the store, a different set each night.
    step = max(1, studies // revised_count)
    revised = [str(FIRST_PMID + (i * step + night_no * 7) % studies) for i in range(revised_count)]
    xml = [synthetic_article(p, year=2025) for p in new]
    xml += [synthetic_article(p, title=f"Revised title {night_no} of {p}.") for p in revised]
    with Store(settings.store_path(ORIGIN_PUBMED)) as store:
        store.save_studies(
            parse_article_set(PROLOG + b"\n".join(xml) + b"\n" + EPILOG).studies, ORIGIN_PUBMED
        )
        for i, q in enumerate(queries):
            mine_new = new[i :: len(queries)]
            mine_revised = [p for p in revised if p in store.topic(q.id)]
            stored_search(store, q, mine_new, mine_revised, full=False)
    return len(new), len(revised)


def _mb(peak: float, studies: int) -> str:
    # The worker starts before the build loads its View, so Linux's figure for it (the
    # larger of its own peak and the build's memory when it started) is close to its own:
    # an upper bound.
    if studies < WORKER_STUDIES:
        return "none, all made in the build's process"
    return f"at most {peak:.0f} MB"


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--studies", type=int, default=10000)
    options.add_argument("--runs", type=int, default=3)
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        shutil.copytree(REPO / "queries", project / "queries")
        synthetic_store(project, args.studies)
        ctx = multiprocessing.get_context("spawn")
        runs = []
        loads = []
        for i in range(2 + args.runs):  # cold, unchanged, then a night before each
            if i >= 2:
                changed = night(project, args.studies, i - 2)
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_one_build, args=(str(project), child))
            proc.start()
            runs.append(parent.recv())
            proc.join()
            loads.append(Path("/proc/loadavg").read_text().split()[0])
        written: list[str] = runs[-1][3]
        sizes = ", ".join(f"{Path(p).name} {Path(p).stat().st_size / 1e6:.1f} MB" for p in written)
        before = BEFORE.get(args.studies, (None, None))
        target = TARGET.get(args.studies, (None, None))
        print(f"machine: {machine()}")
        print(
            f"build over {args.studies:,} studies (target {target[0] or '-'} s, "
            f"{target[1] or '-'} MB peak RSS; before {before[0] or '-'} s, "
            f"{before[1] or '-'} MB):"
        )
        print(f"  load average (1 min) after each build: {', '.join(loads)}")
        cold, unchanged, nightly = runs[0], runs[1], runs[2:]
        for label, run in (("cold (nothing kept)", cold), ("unchanged store", unchanged)):
            print(
                f"  {label}: {run[0]:.2f} s; CPU {run[4]:.2f} s build + {run[5]:.2f} s worker;"
                f" peak RSS {run[1]:.0f} MB (worker: {_mb(run[2], args.studies)})"
            )
        if nightly:
            times = [r[0] for r in nightly]
            print(
                f"  nightly (+{changed[0]} new, {changed[1]} revised before each; judged): "
                f"{statistics.median(times):.2f} s median of {len(nightly)} "
                f"({', '.join(f'{t:.2f}' for t in times)}); CPU median "
                f"{statistics.median(r[4] for r in nightly):.2f} s build + "
                f"{statistics.median(r[5] for r in nightly):.2f} s worker; peak RSS "
                f"{statistics.median(r[1] for r in nightly):.0f} MB (worker: "
                f"{_mb(statistics.median(r[2] for r in nightly), args.studies)})"
            )
        print(f"  wrote {sizes}")


if __name__ == "__main__":
    main()
