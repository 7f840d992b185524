"""Soak: 200 consecutive refreshes (in CI; EVIDENCE_SOAK_RUNS sets another count) against
the emulator with random faults (fixed seed).

PubMed's answer changes between runs (new records entered today, records that drop out of a
search), each run is incremental or, now and then, a full re-sync, and each meets 0-3
injected faults, among them records EFetch will not return for a while, a history server
that forgets the search, and now and then a build that fails (a broken template). After
every run: a success holds every record the search returns (less records reported as not
fetchable), nothing PubMed never returned, and after a full run nothing it no longer
returns; the reports list exactly the topics; a failure changes neither the store's topics
nor a byte of the reports. At the end, after a full run, the store holds exactly the
emulator's records, and every study that entered a topic was announced as new once (again
only after it had left).
"""

from __future__ import annotations

import itertools
import os
import random
import re
import time
from datetime import date
from pathlib import Path

from evidence.errors import TemplateError
from evidence.eutils import EutilsClient
from evidence.pacing import RateLimiter, RetryPolicy
from evidence.queries import load_queries
from evidence.refresh import refresh
from evidence.settings import Settings
from evidence.sources import LiveSource
from evidence.status import status
from evidence.store import Store
from evidence.testing import EutilsEmulator, synthetic_articles

SEED = 20261124
# The full soak runs in CI; elsewhere a shorter one (40), unless EVIDENCE_SOAK_RUNS says
# otherwise.
RUNS = int(os.environ.get("EVIDENCE_SOAK_RUNS") or (200 if os.environ.get("CI") else 40))
FAULTS: list[tuple[str, dict[str, object]]] = [
    ("http_429", {"retry_after": 0}),
    ("http_500", {}),
    ("http_502", {}),
    ("http_503", {}),
    ("reset", {}),
    ("truncate", {}),
    ("html_200", {}),
    ("error_200", {}),
    ("timeout", {"seconds": 0.3}),
    ("drop_records", {"count": 2}),
    ("expire_history", {}),
]
EFETCH_ONLY = {"drop_records", "expire_history"}
# A study entry in the report (links to PubMed also appear in notices and warnings).
LINK = re.compile(r'<li class="ev-study[^"]*" id="ev-[a-z_]+-(\d+)"')


def source_for(url: str) -> LiveSource:
    policy = RetryPolicy(attempts=3, backoff=0.001, max_wait=0.005, read_timeout=0.2, total=30.0)
    client = EutilsClient(
        email="soak@example.org", base_url=url, limiter=RateLimiter(1000), policy=policy
    )
    return LiveSource(client, batch_size=50)


def current_hits(settings: Settings) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with Store(settings.store_path("pubmed")) as store:
        for hit in store.hits():
            out.setdefault(hit.query_id, set()).add(hit.pmid)
    return out


def reports(project: Path) -> dict[str, bytes]:
    folder = project / "reports"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def announce(settings: Settings, announced: dict[tuple[str, str], list[str]]) -> None:
    """Record what the reports just published announced: studies new to a topic, and
    studies that left it."""
    info = status(settings, origin="pubmed")["queries"]
    for qid, q in info.items():
        for kind, word in (("new", "new"), ("deleted", "left")):
            for pmid in q["changes"][kind]:
                announced.setdefault((qid, pmid), []).append(word)


def test_soak(project: Path) -> None:
    rng = random.Random(SEED)
    pool = synthetic_articles(420, seed=SEED, first_pmid=39000000)
    pmids = sorted(pool)
    terms = {q.id: q.term for q in load_queries(project / "queries")}
    world = {"headache": set(pmids[:60]), "neuropathic_pain": set(pmids[45:110])}
    ever = {qid: set(found) for qid, found in world.items()}  # all PubMed ever returned
    fresh = iter(pmids[110:])
    today = date.today().strftime("%Y/%m/%d")
    settings = Settings(project=project, email="soak@example.org")
    outcomes = {"ok": 0, "failed": 0, "build failed": 0}
    withheld: set[str] = set()
    announced: dict[tuple[str, str], list[str]] = {}  # (topic, pmid) -> "new" / "left", in order
    (project / "templates").mkdir()
    template = project / "templates" / "feed.xml"
    started = time.monotonic()
    with EutilsEmulator(pool, rate_limit=None) as emu:
        for run in range(RUNS):
            for qid, found in world.items():  # PubMed moves on between runs
                if rng.random() < 0.3:
                    pmid = next(fresh)
                    emu.add_article(pmid, pool[pmid], edat=today)  # entered today
                    found.add(pmid)
                    ever[qid].add(pmid)
                if rng.random() < 0.05 and len(found) > 10:
                    found.discard(rng.choice(sorted(found)))
                emu.add_search(terms[qid], sorted(found))
            for _ in range(rng.choice((0, 0, 1, 2, 3))):
                name, options = rng.choice(FAULTS)
                endpoint = (
                    "efetch" if name in EFETCH_ONLY else rng.choice(("esearch", "efetch", "*"))
                )
                emu.inject(endpoint, name, times=rng.randint(1, 4), **options)
            if rng.random() < 0.1:  # a record EFetch will not return for a while
                pmid = rng.choice(sorted(set().union(*world.values())))
                emu.withhold(pmid)
                withheld.add(pmid)
            elif withheld and rng.random() < 0.3:
                emu.withhold(withheld.pop(), withheld=False)
            broken = rng.random() < 0.05  # the build fails after the topics are stored
            if broken:
                template.write_text("{% if %}", "utf-8")
            else:
                template.unlink(missing_ok=True)

            before_reports, before_hits = reports(project), (current_hits(settings) if run else {})
            full = rng.random() < 0.15
            try:
                result = refresh(settings, source_for(emu.url), full=full)
            except TemplateError:
                outcomes["build failed"] += 1
                assert reports(project) == before_reports, run
                continue
            hits = current_hits(settings)
            if result.ok:
                announce(settings, announced)
                outcomes["ok"] += 1
                for o in result.outcomes:
                    missing = world[o.query_id] - hits.get(o.query_id, set())
                    # Only a full run lets a record PubMed stopped returning leave a topic.
                    assert hits.get(o.query_id, set()) <= (world if full else ever)[o.query_id]
                    assert all(any(p in w for w in o.warnings) for p in missing), (run, missing)
                shown = set(LINK.findall((project / "reports" / "index.html").read_text("utf-8")))
                assert shown == set().union(*hits.values()), run
            else:
                outcomes["failed"] += 1
                assert reports(project) == before_reports, run
                for o in result.outcomes:
                    if not o.ok:  # a failed query keeps its previous topic exactly
                        assert hits.get(o.query_id) == before_hits.get(o.query_id), run

        # Faults may still be queued: runs go on until one succeeds, then all is in sync.
        template.unlink(missing_ok=True)
        for pmid in withheld:
            emu.withhold(pmid, withheld=False)
        for _ in range(20):
            done = refresh(settings, source_for(emu.url), full=True)
            if done.ok:
                announce(settings, announced)
            if done.ok and current_hits(settings) == world:
                break
        else:
            raise AssertionError("no clean run after the soak")
        emu_records = {qid: set(found) for qid, found in world.items()}
        requests = emu.count("*")
    assert current_hits(settings) == emu_records
    for (qid, pmid), said in announced.items():
        # New once; new again only after it left the topic; never new twice in a row.
        assert all(a != b for a, b in itertools.pairwise(said)), (qid, pmid, said)
    for qid, found in emu_records.items():
        assert all(announced.get((qid, p), [""])[0] == "new" for p in found), qid
    shown = set(LINK.findall((project / "reports" / "index.html").read_text("utf-8")))
    assert shown == set().union(*emu_records.values())
    print(
        f"soak: {outcomes['ok']} runs succeeded, {outcomes['failed']} failed and changed "
        f"nothing, {outcomes['build failed']} stored but failed to build, {requests} "
        f"requests, {time.monotonic() - started:.1f}s"
    )
    # Records entered "today" stay inside every incremental window of the soak (it all
    # happens on one day), so each run fetches them again and meets more of the faults:
    # what matters is that both outcomes happen often.
    assert outcomes["ok"] > RUNS / 4 and outcomes["failed"] > RUNS / 10, outcomes
    assert time.monotonic() - started < 600
