"""Rendering at size: `evidence build` over a store of N studies (default 10,000), all
reports written. Prints the median of --runs builds.

    PYTHONPATH=src python bench/build.py [--studies 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EPILOG, PROLOG, articles, machine

from evidence.build import build
from evidence.pubmed import parse_article_set
from evidence.queries import load_queries
from evidence.settings import Settings
from evidence.store import Store

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--studies", type=int, default=10000)
    options.add_argument("--runs", type=int, default=3)
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        shutil.copytree(REPO / "queries", project / "queries")
        settings = Settings(project=project, email="bench@example.org")
        queries = load_queries(settings.queries_dir)
        records = list(articles(args.studies))
        with Store(settings.store_path("pubmed")) as store:
            for start in range(0, len(records), 1000):
                chunk = records[start : start + 1000]
                body = PROLOG + b"\n".join(xml for _, xml in chunk) + b"\n" + EPILOG
                store.save_studies(parse_article_set(body).studies, "pubmed")
            half = len(records) // 2
            for i, q in enumerate(queries):  # two topics, sharing a tenth of the studies
                pmids = [p for p, _ in records][max(0, i * half - half // 10) : (i + 1) * half]
                run = store.start_run(q.id, "pubmed", q.term)
                store.finish_run(
                    run,
                    query_id=q.id,
                    pmids=pmids,
                    count=len(pmids),
                    new=len(pmids),
                    fetched=len(pmids),
                    translation="",
                    warnings=[],
                )
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            written = build(settings, origin="pubmed")
            times.append(time.perf_counter() - started)
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in written)
        print(f"machine: {machine()}")
        print(
            f"build over {args.studies:,} studies: {statistics.median(times):.2f} s median of "
            f"{args.runs} ({', '.join(f'{t:.2f}' for t in times)}); wrote {sizes}"
        )


if __name__ == "__main__":
    main()
