"""Rendering at size: `evidence build` over a store of N studies (default 10,000), all
reports written, each build in a fresh process (--rebuild), so its peak resident memory is
the build's own. The first build is cold (no gradings kept in the store yet: every study is
graded); the --runs builds after it are warm (the store keeps the gradings, as on every night
after the first). Prints each figure beside the target and the figure before this change.

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

from common import machine, synthetic_store

from evidence.build import build
from evidence.exports import WORKER_STUDIES
from evidence.settings import Settings

REPO = Path(__file__).resolve().parents[1]
# Warm seconds and peak MB before this change (commit e892f26, the first speed pass: the
# workbook alone in a worker), on an AMD EPYC, 2 cores, Python 3.11.7, shared: 10,000
# measured with this script and --runs 3 at a load average of 4.5-5.3 (the same conditions
# as the figures after it); 1,000 and 50,000 as the first pass measured them, at load 2.
# (Before the first pass, commit d8747fd: 2.13 s, 18.84 s, 152.4 s; 155, 431, 1,640 MB.)
BEFORE = {1_000: (1.24, 146), 10_000: (15.37, 261), 50_000: (47.5, 785)}
TARGET = {10_000: (4.0, None), 50_000: (25.0, 600)}


def _one_build(project: str, conn: object) -> None:
    settings = Settings(project=Path(project), email="bench@example.org")
    started = time.perf_counter()
    written = build(settings, origin="pubmed", rebuild=True)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = (seconds, peak_mb, worker_mb, [str(p) for p in written])
    conn.send(result)  # type: ignore[attr-defined]


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
        for _ in range(1 + args.runs):  # the first cold, the others warm
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_one_build, args=(str(project), child))
            proc.start()
            runs.append(parent.recv())
            proc.join()
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
        cold, warm = runs[0], runs[1:]
        print(
            f"  cold (every study graded): {cold[0]:.2f} s, peak RSS {cold[1]:.0f} MB"
            f" (workbook worker: {_mb(cold[2], args.studies)})"
        )
        if warm:
            times = [r[0] for r in warm]
            print(
                f"  warm (gradings kept): {statistics.median(times):.2f} s median of "
                f"{len(warm)} ({', '.join(f'{t:.2f}' for t in times)}), peak RSS "
                f"{statistics.median(r[1] for r in warm):.0f} MB (workbook worker: "
                f"{_mb(statistics.median(r[2] for r in warm), args.studies)})"
            )
        print(f"  wrote {sizes}")


if __name__ == "__main__":
    main()
