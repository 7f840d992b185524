"""Rendering at size: `evidence build` over a store of N studies (default 10,000), all
reports written. Prints the median of --runs builds (each in a fresh process, --rebuild, so
its peak resident memory is the build's own) beside the target and the figure before.

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
from evidence.settings import Settings

REPO = Path(__file__).resolve().parents[1]
# Seconds and peak MB before this change, as filed with the issue (same 2-core machine).
BEFORE = {1_000: (0.9, None), 10_000: (8.6, 433), 50_000: (46.0, 1700)}
TARGET = {10_000: (4.0, None), 50_000: (25.0, 600)}


def _one_build(project: str, conn: object) -> None:
    settings = Settings(project=Path(project), email="bench@example.org")
    started = time.perf_counter()
    written = build(settings, origin="pubmed", rebuild=True)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    conn.send((seconds, peak_mb, [str(p) for p in written]))  # type: ignore[attr-defined]


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
        times, peaks = [], []
        written: list[str] = []
        for _ in range(args.runs):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_one_build, args=(str(project), child))
            proc.start()
            seconds, peak, written = parent.recv()
            proc.join()
            times.append(seconds)
            peaks.append(peak)
        sizes = ", ".join(f"{Path(p).name} {Path(p).stat().st_size / 1e6:.1f} MB" for p in written)
        before = BEFORE.get(args.studies, (None, None))
        target = TARGET.get(args.studies, (None, None))
        print(f"machine: {machine()}")
        print(
            f"build over {args.studies:,} studies: {statistics.median(times):.2f} s median of "
            f"{args.runs} ({', '.join(f'{t:.2f}' for t in times)}; target "
            f"{target[0] or '-'} s; before {before[0] or '-'} s), peak RSS "
            f"{statistics.median(peaks):.0f} MB (target {target[1] or '-'} MB; before "
            f"{before[1] or '-'} MB); wrote {sizes}"
        )


if __name__ == "__main__":
    main()
