"""reports/feed.xml read by feedparser: valid Atom, newest studies first, stable ids."""

from __future__ import annotations

import itertools
from pathlib import Path

import feedparser
import pytest

from evidence.cli import main
from evidence.queries import load_queries
from evidence.sources import SampleSource
from evidence.testing import EutilsEmulator, refresh_args, synthetic_article


def parse(path: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_sample_feed_lists_every_study_once_and_says_what_it_is(
    project: Path, no_network: None
) -> None:
    assert main(["refresh", "--sample", "--quiet", "--project", str(project)]) == 0
    feed = parse(project / "reports" / "feed.xml")
    assert "curated offline sample" in feed.feed.title
    assert "not a live PubMed search" in feed.feed.subtitle
    pmids = {str(s["pmid"]) for s in SampleSource().studies}
    ids = [e.id for e in feed.entries]
    assert len(ids) == len(set(ids)) == len(pmids)
    assert set(ids) == {f"https://pubmed.ncbi.nlm.nih.gov/{p}/" for p in pmids}
    for e in feed.entries:
        assert e.link == e.id  # the entry opens its PubMed record
        assert e.title and e.summary and e.author
    # Dated by the data (the sample's compile date), not by the clock.
    compiled = str(SampleSource().snapshot["compiled"])
    assert feed.feed.updated.startswith(compiled)


def test_new_studies_come_first_and_ids_stay_stable(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = (f"2026-03-{day:02d}T08:00:00+00:00" for day in itertools.count(1))
    monkeypatch.setattr("evidence.store.now_iso", lambda: next(clock))
    (project / "queries" / "neuropathic-pain.toml").unlink()
    term = next(q.term for q in load_queries(project / "queries"))
    first = {p: synthetic_article(p, year=2020) for p in ("38000001", "38000002")}
    with EutilsEmulator(first, rate_limit=None) as emu:
        emu.add_search(term, sorted(first))
        assert refresh(project, emu.url) == 0
    before = parse(project / "reports" / "feed.xml")
    new = {"38000003": synthetic_article("38000003", year=2019)}
    with EutilsEmulator(first, rate_limit=None) as emu:
        # New to PubMed after the first refresh: its Entrez date falls in the next window.
        emu.add_article("38000003", new["38000003"], edat="2026/03/02")
        emu.add_search(term, sorted(first | new))
        assert refresh(project, emu.url) == 0
    after = parse(project / "reports" / "feed.xml")
    assert after.entries[0].id == "https://pubmed.ncbi.nlm.nih.gov/38000003/"
    assert after.feed.id == before.feed.id
    assert {e.id for e in before.entries} < {e.id for e in after.entries}
    older = {e.id: e.updated for e in before.entries}
    for e in after.entries[1:]:
        assert e.updated == older[e.id]  # an entry seen before is not shown as new again
    assert after.entries[0].updated_parsed > after.entries[1].updated_parsed
    assert after.feed.updated == after.entries[0].updated


def refresh(project: Path, url: str) -> int:
    return main(refresh_args(project, url))


def test_entries_seen_together_are_ordered_by_pmid_as_a_number(
    project: Path, no_network: None
) -> None:
    assert main(["refresh", "--sample", "--quiet", "--project", str(project)]) == 0
    feed = parse(project / "reports" / "feed.xml")
    # The sample's studies were all first seen when it was compiled.
    pmids = [int(e.id.rstrip("/").rsplit("/", 1)[1]) for e in feed.entries]
    assert len({len(str(p)) for p in pmids}) > 1  # 7- and 8-digit PMIDs side by side
    assert pmids == sorted(pmids, reverse=True)
