"""The View: what a build reads, loaded once (evidence.view)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from evidence.errors import ConfigError
from evidence.settings import Settings, settings_from
from evidence.sources import ORIGIN_PUBMED, ORIGIN_SAMPLE, SampleSource
from evidence.store import Store
from evidence.study import Study
from evidence.view import SAMPLE_NOTE, load_view, open_store, resolve_origin


def test_a_view_of_the_sample_says_what_it_is(sample_project: Path) -> None:
    view = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)
    snapshot = SampleSource().snapshot
    assert view.sample is not None and view.sample.studies == int(snapshot["studies"])
    assert view.note == SAMPLE_NOTE
    assert view.data_date() == date.fromisoformat(str(snapshot["compiled"]))
    assert len(view.studies()) == view.sample.studies == len(view.table())
    assert [s.pmid for s in view.studies()] == [str(p) for p in view.table()["pmid"]]


def test_the_table_is_made_once_in_the_views_style_and_handed_out_as_copies(
    sample_project: Path,
) -> None:
    view = load_view(settings_from(project=sample_project, style="apa", environ={}), "sample")
    first = view.table()
    first["citation"] = "changed by a caller"
    again = view.table()
    assert (again["citation"] != "changed by a caller").all()
    assert again["citation"].str.contains(r"\(\d{4}\)\.").all()  # APA: "(2019)."


def test_the_tables_rows_are_those_pandas_gives_made_without_its_cell_boxing(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)
    expected = view.table().to_dict("records")
    assert any(r["participants"] is None for r in expected)  # missing numbers are None

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a build's rows were boxed cell by cell")

    monkeypatch.setattr(pd.DataFrame, "to_dict", refused)
    rows = view.records()

    def typed(records: list[dict[Any, Any]]) -> list[list[tuple[str, str, str]]]:
        return [[(k, type(v).__name__, repr(v)) for k, v in r.items()] for r in records]

    assert typed(rows) == typed(expected)


def test_counts_agree_with_the_evidence_table(sample_project: Path) -> None:
    view = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)
    table = view.table()
    assert view.included_count() == int((table["exclusion"] == "").sum())
    # The first refresh found every study; it marks none New (there was no run before it).
    assert set(view.changes()["new"]) == {s.pmid for s in view.studies()}
    assert not any(p.new for placed in view.placed.values() for p in placed)
    assert view.unreviewed() == []  # the sample's reviewer coded every study


def test_a_refresh_passes_what_it_loaded_instead_of_reading_files_again(
    sample_project: Path,
) -> None:
    settings = Settings(project=sample_project)
    view = load_view(settings, ORIGIN_SAMPLE)
    (sample_project / "queries" / "headache.toml").write_text("broken = [", encoding="utf-8")
    with Store(settings.store_path(ORIGIN_SAMPLE)) as store:
        again = load_view(
            settings, ORIGIN_SAMPLE, store, queries=view.queries, curation=view.curation
        )
    assert again.table().equals(view.table())
    with pytest.raises(ConfigError, match=r"headache\.toml: not valid TOML"):
        load_view(settings, ORIGIN_SAMPLE)


def test_nothing_refreshed_yet_says_what_to_run(project: Path) -> None:
    settings = Settings(project=project)
    with pytest.raises(ConfigError, match=r"refresh --sample.*or `evidence refresh`"):
        resolve_origin(settings, None)
    with pytest.raises(ConfigError, match=r"no pubmed data yet: run `evidence refresh` first"):
        open_store(settings, ORIGIN_PUBMED)
    with pytest.raises(ConfigError, match=r"no sample data yet: run `evidence refresh --sample`"):
        load_view(settings, ORIGIN_SAMPLE)
    assert not settings.state_dir.exists() or not any(settings.state_dir.glob("*.sqlite"))


def test_the_store_refreshed_last_is_the_one_read(sample_project: Path) -> None:
    settings = Settings(project=sample_project)
    assert resolve_origin(settings, None) == ORIGIN_SAMPLE
    assert resolve_origin(settings, True) == ORIGIN_SAMPLE


def test_the_conclusions_and_reviews_are_made_once_and_are_the_studies_own(
    project: Path,
) -> None:
    from evidence.exports import reviews
    from evidence.findings import authors_conclusion
    from evidence.pubmed import parse_article_set
    from evidence.queries import load_queries
    from evidence.testing import synthetic_articles

    settings = Settings(project=project, email="dev@example.org")
    articles = synthetic_articles(40, seed=5)
    body = b"<PubmedArticleSet>" + b"".join(articles.values()) + b"</PubmedArticleSet>"
    with Store(settings.store_path(ORIGIN_PUBMED)) as store:
        store.save_studies(parse_article_set(body).studies, ORIGIN_PUBMED)
        query = load_queries(settings.queries_dir)[0]
        run = store.start_run(query.id, ORIGIN_PUBMED, query.term)
        store.finish_run(
            run,
            query_id=query.id,
            pmids=list(articles),
            count=40,
            new=40,
            fetched=40,
            translation="",
            warnings=[],
        )
    view = load_view(settings, ORIGIN_PUBMED)
    studies = view.studies()
    assert len(studies) == 40 and any(authors_conclusion(s) for s in studies)
    for s in studies:
        assert view.conclusion(s.pmid) == authors_conclusion(s)
    assert reviews(view) is reviews(view)  # one dict for every export of the build
    assert {p: r.conclusion for p, r in reviews(view).items()} == {
        s.pmid: authors_conclusion(s) for s in studies
    }


def test_a_builds_view_holds_its_studies_abridged_and_reads_whole_records(
    synthetic_project: Path,
) -> None:
    """An abridged View (a build's) holds no abstract, MeSH heading or keyword, yet gives
    every whole record, and its table's conclusions are those made from the abstracts."""
    settings = Settings(project=synthetic_project)
    whole = load_view(settings, ORIGIN_PUBMED)
    assert all(s.abstract and s.mesh for s in whole.studies())
    with open_store(settings, ORIGIN_PUBMED) as store:
        view = load_view(settings, ORIGIN_PUBMED, store, abridged=True)
        held = [p.study for placed in view.placed.values() for p in placed]
        assert held and not any(s.abstract or s.mesh or s.keywords for s in held)
        assert [view.whole(s.pmid) for s in whole.studies()] == whole.studies()
        assert list(view.whole_studies()) == whole.studies()
        assert view.table().equals(whole.table())
        assert all(r["authors_conclusion"] for r in view.records())
        with pytest.raises(KeyError):
            view.whole("1")


def test_an_abridged_view_needs_a_store_its_caller_holds_open(sample_project: Path) -> None:
    with pytest.raises(ValueError, match="holds open"):
        load_view(Settings(project=sample_project), ORIGIN_SAMPLE, abridged=True)


def test_whole_records_are_read_a_block_at_a_time(synthetic_project: Path) -> None:
    """Asked in order, a few whole records are read one by one, then the rest of their block
    at once; asked again (the next export), none is read again."""
    settings = Settings(project=synthetic_project)
    with open_store(settings, ORIGIN_PUBMED) as store:
        view = load_view(settings, ORIGIN_PUBMED, store, abridged=True)
        asked: list[list[str]] = []

        def read(pmids: list[str]) -> dict[str, Study]:
            asked.append(list(pmids))
            return store.stored_studies(pmids)

        # As if none was read while loading (nothing kept then: every record was).
        view = dataclasses.replace(view, read_whole=read, held_whole={})
        order = [s.pmid for s in view.studies()]
        assert [view.whole(p).pmid for p in order] == order
        assert [view.whole(p).pmid for p in order] == order  # held: read once
    one_by_one = [a for a in asked if len(a) == 1]
    assert len(one_by_one) == 16 and len(asked) == 17 < len(order)  # then the block's rest, at once
    assert sorted(p for a in asked for p in a) == sorted(order)  # each read once
