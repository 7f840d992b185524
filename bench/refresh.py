"""A refresh of N records against the E-utilities emulator at NCBI's rate limits: requests
and wall time against the rate-limit floor, and a plain Bio.Entrez loop as the peer.

    PYTHONPATH=src python bench/refresh.py [--records 10000] [--runs 3] [--batch 500]
        [--no-build] [--parse-process-from N]

The floor is requests / allowed rate: the time the rate limit alone imposes. The emulator runs
in its own process and enforces 3 requests/s (10 with an API key), answering 429 above that.
Each figure is printed beside its floor and beside the figure before EFetch batches of 500,
the count-guided split and the skipped quiet-night build (measured on the same machine at
10,000 records; "-" where no figure was taken). Beside the wall time it prints the processor
time of the refresh (this process and the parse processes it started: resource.getrusage, self
and children) and the load average, since the machine's cores may be shared.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EmulatorProcess, machine

from evidence.build import build
from evidence.eutils import EutilsClient
from evidence.pacing import RateLimiter
from evidence.refresh import Event, refresh
from evidence.settings import Settings
from evidence.sources import ORIGIN_PUBMED, LiveSource

# Before this change (parsing in a parse process; commit 8ff7e97), 10,000 records, measured
# with this script and --runs 3 --no-build --no-peer on this machine (AMD EPYC, 2 cores,
# Python 3.11.7, shared: load average 5.3 to 6.4 on its 2 cores): wall and processor
# seconds, medians. The build and quiet-night figures are the first speed pass's (commit
# e892f26, --runs 1, load average about 2: 8.4 s and 6.0 s then for the refresh itself).
# (Before that pass, commit d8747fd: 8.7 s and 7.6 s, builds after them 17.8 s and 18.9 s;
# before the request work: 61 and 59 requests, 23.0 s at 3 requests/s, 1.65 x floor at 10,
# 11 report files written on a quiet night.)
BEFORE = {
    (10_000, 3.0): {
        "requests": 24,
        "seconds": 8.8,
        "cpu": 6.7,
        "build": 10.7,
        "nightly_seconds": 0.7,
        "written": 0,
    },
    (10_000, 10.0): {
        "requests": 24,
        "seconds": 9.4,
        "cpu": 6.8,
        "build": 10.4,
        "nightly_seconds": 0.4,
        "written": 0,
    },
}
TERM = '"Ketamine"[Mesh] AND bench[sb]'
QUERY = f"""id = "bench"
title = "Benchmark"
[search]
drug = "unused: term overrides"
term = '''{TERM}'''
[[conditions]]
id = "migraine"
label = "Migraine"
text = ["migraine*"]
"""


def processor_seconds() -> float:
    """User and system time of this process and of its children waited for."""
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_refresh(
    url: str, rate: float, batch: int, n: int, *, with_build: bool, parse_from: int | None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "queries").mkdir()
        (project / "queries" / "bench.toml").write_text(QUERY, encoding="utf-8")
        settings = Settings(project=project, email="bench@example.org", batch_size=batch)
        client = EutilsClient(
            email="bench@example.org",
            base_url=url,
            api_key="bench-key" if rate > 3 else "",
            limiter=RateLimiter(rate),  # fresh, as a new process would have
        )
        marks: dict[str, float] = {}

        def on_event(event: Event) -> None:
            now = time.perf_counter()
            if event.message.startswith("bench: searching"):
                marks["start"] = now
            elif event.kind == "fetched":
                marks["stored"] = now

        # The build a refresh ends with, run after it (the same function, on the same store)
        # so that the refresh's processor time is its own.
        # (passed only when given: the script also times commits from before the option)
        extra: dict[str, Any] = {} if parse_from is None else {"parse_process_from": parse_from}
        cpu = processor_seconds()
        result = refresh(
            settings, LiveSource(client, batch_size=batch), on_event=on_event, build=False, **extra
        )
        cpu = processor_seconds() - cpu
        assert result.ok and result.outcomes[0].fetched == n, result.outcomes
        figures = {
            "requests": client.requests_sent,
            "searches": result.outcomes[0].searches,
            "seconds": marks["stored"] - marks["start"],
            "cpu": cpu,
        }
        if not with_build:
            return figures
        started = time.perf_counter()
        assert build(settings, origin=ORIGIN_PUBMED)
        figures["build"] = time.perf_counter() - started
        # The next night, with nothing new at PubMed: an incremental run.
        nightly = EutilsClient(
            email="bench@example.org",
            base_url=url,
            api_key=client.api_key,
            limiter=RateLimiter(rate),
        )
        reports = settings.reports_dir
        stamps = {p.name: p.stat().st_mtime_ns for p in reports.iterdir()}
        started = time.perf_counter()
        again = refresh(settings, LiveSource(nightly, batch_size=batch))
        assert again.ok and again.outcomes[0].fetched == 0, again.outcomes
        written = sum(1 for p in reports.iterdir() if stamps.get(p.name) != p.stat().st_mtime_ns)
        return figures | {
            "nightly_requests": nightly.requests_sent,
            "nightly_seconds": time.perf_counter() - started,
            "written": written,
        }


def entrez_peer(url: str, rate: float, n: int, batch: int) -> dict[str, Any]:
    """What a plain Bio.Entrez script does: esearch, then efetch by id list in batches and
    Entrez.read each answer, one after another."""
    # Bio.Entrez is not annotated: hold it as Any rather than loosen the type checks.
    Entrez: Any = importlib.import_module("Bio.Entrez")

    real_build = Entrez._build_request

    def to_emulator(cgi: str, *args: Any, **kwargs: Any) -> Any:
        return real_build(
            cgi.replace("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/", url), *args, **kwargs
        )

    Entrez._build_request = to_emulator
    Entrez.email = "bench@example.org"
    Entrez.api_key = "bench-key" if rate > 3 else None
    requests = 0
    started = time.perf_counter()
    try:
        handle = Entrez.esearch(db="pubmed", term=TERM, retmax=n)
        ids = Entrez.read(handle)["IdList"]
        handle.close()
        requests += 1
        records = 0
        for start in range(0, len(ids), batch):
            handle = Entrez.efetch(db="pubmed", id=ids[start : start + batch], retmode="xml")
            records += len(Entrez.read(handle)["PubmedArticle"])
            handle.close()
            requests += 1
    finally:
        Entrez._build_request = real_build
    return {"requests": requests, "seconds": time.perf_counter() - started, "records": records}


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--records", type=int, default=10000)
    options.add_argument("--runs", type=int, default=3)
    options.add_argument("--batch", type=int, default=500)
    options.add_argument("--rates", default="3,10")
    options.add_argument("--no-peer", action="store_true")
    options.add_argument(
        "--no-build", action="store_true", help="time the refresh only: no build, no next night"
    )
    options.add_argument(
        "--parse-process-from",
        type=int,
        default=None,
        help="parse in a parse process from this many records (default: the package's)",
    )
    args = options.parse_args()
    n = args.records
    print(f"machine: {machine()}; {n:,} records, EFetch batch {args.batch}, {args.runs} runs")
    emulator = EmulatorProcess(n, TERM)
    try:
        for rate in (float(r) for r in args.rates.split(",")):
            runs = []
            for _ in range(args.runs):
                load = "/".join(f"{x:.1f}" for x in os.getloadavg())
                runs.append(
                    one_refresh(
                        emulator.url,
                        rate,
                        args.batch,
                        n,
                        with_build=not args.no_build,
                        parse_from=args.parse_process_from,
                    )
                    | {"load": load}
                )
            requests = runs[0]["requests"]
            searches = runs[0]["searches"]
            least = math.ceil(n / args.batch) + (1 if n <= 9_999 else math.ceil(n / 9_999) + 1)
            seconds = statistics.median(r["seconds"] for r in runs)
            floor = requests / rate
            before = BEFORE.get((n, rate), {})
            was = before.get("requests", "-")
            x_was = before.get("x_floor") or (
                f"{before['seconds'] / (before['requests'] / rate):.2f}" if before else "-"
            )
            print(
                f"\nevidence at {rate:g} requests/s: {requests} requests ({searches} ESearch "
                f"+ {requests - searches} EFetch; least possible {least}; before {was}), "
                f"{seconds:.1f} s median, floor {floor:.1f} s -> {seconds / floor:.2f} x floor"
                f" (target <= {1.15 if rate <= 3 else 1.3}; before {x_was}); each run: "
                + ", ".join(f"{r['seconds'] / floor:.2f}" for r in runs)
            )
            cpu = statistics.median(r["cpu"] for r in runs)
            print(
                f"  processor time of the refresh (this process and its parse processes): "
                f"{cpu:.1f} s median (before {before.get('cpu', '-')} s); "
                "load average (1/5/15 min) before each run: " + ", ".join(r["load"] for r in runs)
            )
            if args.no_build:
                continue
            build = statistics.median(r["build"] for r in runs)
            print(
                f"  build of the reports after it (a new store: every study graded): "
                f"{build:.1f} s (before {before.get('build', '-')} s)"
            )
            nightly = statistics.median(r["nightly_seconds"] for r in runs)
            print(
                f"  next night, nothing new: {runs[0]['nightly_requests']} requests "
                f"(floor 2: the EDAT and MDAT windows), {runs[0]['written']} report files "
                f"written (floor 0; before {before.get('written', '-')}), {nightly:.1f} s "
                f"(target <= 2 s; before {before.get('nightly_seconds', '-')} s)"
            )
            if not args.no_peer:
                peer = entrez_peer(emulator.url, rate, n, 200)
                print(
                    f"  peer, plain Bio.Entrez loop (batch 200): {peer['requests']} requests, "
                    f"{peer['seconds']:.1f} s -> {peer['seconds'] / floor:.2f} x evidence's floor,"
                    f" {peer['records']:,} of {n:,} records (ESearch lists at most 9,999)"
                )
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
