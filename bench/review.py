"""The review app at size: a store of N studies (default 10,000). Prints the time to open the
queue (the page, once the app has loaded the store; and the load itself) and to record one
decision, beside their targets (1 s and 100 ms), with a curation file that already holds
--decided entries.

    PYTHONPATH=src python bench/review.py [--studies 10000] [--decided 2000] [--runs 20]
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

from common import articles, machine, synthetic_store

from evidence.review_app import Screening, create_app

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--studies", type=int, default=10000)
    options.add_argument("--decided", type=int, default=2000)
    options.add_argument("--runs", type=int, default=20)
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        shutil.copytree(REPO / "queries", project / "queries")
        settings = synthetic_store(project, args.studies)
        pmids = [p for p, _ in articles(args.studies)]
        settings.curation_file.write_text(
            "# decisions so far\n"
            + "".join(
                f'\n[[study]]\npmid = "{p}"\ndecision = "include"\n' for p in pmids[: args.decided]
            ),
            encoding="utf-8",
        )
        started = time.perf_counter()
        screening = Screening(settings, "pubmed")
        load = time.perf_counter() - started
        app = create_app(screening, token="t", csrf="c")
        client = app.test_client()
        opens, decides = [], []
        for i in range(args.runs):
            started = time.perf_counter()
            page = client.get("/?t=t")
            opens.append(time.perf_counter() - started)
            assert page.status_code == 200
            form = {"csrf": "c", "pmid": pmids[-1 - i], "decision": "exclude", "reason": "Off"}
            started = time.perf_counter()
            done = client.post("/decide?t=t", data=form, headers={"Origin": "http://localhost"})
            decides.append(time.perf_counter() - started)
            assert done.status_code == 303
        entries = len(screening.file.entries())
        assert entries == args.decided + args.runs
        print(f"machine: {machine()}")
        print(f"store: {args.studies:,} studies; curation.toml: {args.decided:,} entries")
        print(f"load the store when the app starts (or after a refresh): {load:.2f} s")
        print(
            f"open the queue: {statistics.median(opens) * 1000:.0f} ms median of {args.runs} "
            f"(max {max(opens) * 1000:.0f} ms); target <= 1000 ms"
        )
        print(
            f"record a decision: {statistics.median(decides) * 1000:.0f} ms median of "
            f"{args.runs} (max {max(decides) * 1000:.0f} ms); target <= 100 ms"
        )


if __name__ == "__main__":
    main()
