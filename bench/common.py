"""Shared by the benchmarks: schema-faithful record sets, the emulator in its own process,
medians. Benchmarks print figures; nothing here asserts a time."""

from __future__ import annotations

import multiprocessing
import platform
import random
import statistics
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from evidence.pubmed import parse_article_set
from evidence.queries import load_queries
from evidence.settings import Settings
from evidence.sources import ORIGIN_PUBMED
from evidence.store import Store
from evidence.testing import EutilsEmulator, stored_search, synthetic_article

PROLOG = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    b"<PubmedArticleSet>\n"
)
EPILOG = b"</PubmedArticleSet>\n"
FIRST_PMID = 30000000


def articles(n: int, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """`n` synthetic PubmedArticle records (pubmed_250101.dtd), generated one at a time."""
    rng = random.Random(seed)
    for i in range(n):
        pmid = str(FIRST_PMID + i)
        yield pmid, synthetic_article(pmid, year=2000 + (i * 25) // max(n, 1), rng=rng)


def write_set(path: Path, n: int) -> int:
    """One PubmedArticleSet of `n` records on disk, written as generated; its size."""
    with path.open("wb") as fh:
        fh.write(PROLOG)
        for _, xml in articles(n):
            fh.write(xml + b"\n")
        fh.write(EPILOG)
    return path.stat().st_size


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def machine() -> str:
    """The CPU model (from /proc/cpuinfo where there is one), cores and Python version."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = multiprocessing.cpu_count()
    return f"{model}, {cores} cores, Python {platform.python_version()}"


def _serve(conn: Connection, n: int, term: str, rate: float) -> None:
    with EutilsEmulator(dict(articles(n)), rate_limit=3.0, rate_limit_with_key=rate) as emu:
        emu.add_search(term, [str(FIRST_PMID + i) for i in range(n)])
        conn.send(emu.url)
        while True:
            message = conn.recv()
            if message == "stop":
                break
            conn.send(
                {
                    "requests": emu.count("*"),
                    "esearch": emu.count("esearch"),
                    "efetch": emu.count("efetch"),
                    "status429": 0,
                }
            )


class EmulatorProcess:
    """The emulator in a child process, so its serving does not compete with the client for
    this process's interpreter lock (NCBI's servers do not either)."""

    def __init__(self, n: int, term: str, rate_with_key: float = 10.0) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, n, term, rate_with_key), daemon=True)
        self._proc.start()
        self.url: str = self._conn.recv()

    def counts(self) -> dict[str, Any]:
        self._conn.send("counts")
        counts: dict[str, Any] = self._conn.recv()
        return counts

    def stop(self) -> None:
        self._conn.send("stop")
        self._proc.join(timeout=10)


def synthetic_store(project: Path, n: int) -> Settings:
    """`n` synthetic studies in the two topics (a tenth found by both), stored as a refresh
    would store them, without the HTTP (bench/refresh.py times that)."""
    settings = Settings(project=project, email="bench@example.org")
    records = list(articles(n))
    with Store(settings.store_path(ORIGIN_PUBMED)) as store:
        for start in range(0, len(records), 1000):
            chunk = records[start : start + 1000]
            body = PROLOG + b"\n".join(xml for _, xml in chunk) + b"\n" + EPILOG
            store.save_studies(parse_article_set(body).studies, ORIGIN_PUBMED)
        half = len(records) // 2
        for i, q in enumerate(load_queries(settings.queries_dir)):
            pmids = [p for p, _ in records][max(0, i * half - half // 10) : (i + 1) * half]
            stored_search(store, q, pmids)
    return settings
