"""Each study's rendered pieces kept in the store: reused only while nothing they are made
from changed, never published when damaged or foreign, and a build with them is byte for
byte a build without."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from evidence import exports, report
from evidence.build import build, build_files
from evidence.pieces import BLOCK, Pieces, Wanted, check_of
from evidence.pubmed import parse_article_set
from evidence.settings import Settings, settings_from
from evidence.sources import ORIGIN_SAMPLE
from evidence.store import Store
from evidence.testing import synthetic_article
from evidence.view import load_view

MARK = "KEPT-PIECE-MARK"


def _store(project: Path) -> Path:
    return Settings(project=project).store_path(ORIGIN_SAMPLE)


def _reports(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project / "reports").iterdir())}


def _fresh(settings: Settings) -> dict[str, bytes]:
    """The build of the same inputs with nothing kept (no store pieces at all)."""
    files = build_files(load_view(settings, ORIGIN_SAMPLE), settings.templates_dir)
    return {n: c if isinstance(c, bytes) else c.encode() for n, c in sorted(files.items())}


def _mark(project: Path, kind: str, pmid: str | None = None) -> str:
    """Make one kept piece of `kind` say MARK, as a valid row (key and check agree): a
    build that reuses it publishes MARK. Returns its PMID."""
    with closing(sqlite3.connect(_store(project))) as db:
        sql = "SELECT pmid, key, text FROM pieces WHERE kind = ?"
        rows = db.execute(
            sql + (" AND pmid = ?" if pmid else "") + " ORDER BY pmid",
            ((kind, pmid) if pmid else (kind,)),
        ).fetchall()
        pmid, key, text = rows[0]
        text = text.replace("\n", f" {MARK}\n", 1)
        db.execute(
            "UPDATE pieces SET text = ?, check_digest = ? WHERE kind = ? AND pmid = ?",
            (text, check_of(key, text), kind, pmid),
        )
        db.commit()
    return str(pmid)


KINDS = {
    "ris": "studies.ris",
    "nbib": "studies.nbib",
    "bibtex": "studies.bib",
    "csl-json": "studies.csl.json",
    "json": "studies.json",
    "csv": "studies.csv",
    "page:headache": "index.html",
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_kept_piece_is_reused_while_its_inputs_are_the_same(
    sample_project: Path, kind: str
) -> None:
    settings = Settings(project=sample_project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    first = _reports(sample_project)
    assert first == _fresh(settings)  # kept or not, the same bytes
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    assert _reports(sample_project) == first  # every piece reused: still the same bytes
    _mark(sample_project, kind)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    assert MARK.encode() in _reports(sample_project)[KINDS[kind]]  # the kept text, not made


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_damaged_or_foreign_piece_is_never_published(sample_project: Path, kind: str) -> None:
    settings = Settings(project=sample_project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    expected = _reports(sample_project)
    with closing(sqlite3.connect(_store(sample_project))) as db:
        pmids = [r[0] for r in db.execute("SELECT pmid FROM pieces WHERE kind = ?", (kind,))]
        # Damaged: the text changed under a row whose check no longer agrees.
        db.execute(
            "UPDATE pieces SET text = text || ? WHERE kind = ? AND pmid = ?",
            (MARK, kind, pmids[0]),
        )
        # Foreign: a row made elsewhere (another key), its own check agreeing.
        db.execute(
            "UPDATE pieces SET key = 'foreign', text = ?, check_digest = ? "
            "WHERE kind = ? AND pmid = ?",
            (MARK, check_of("foreign", MARK), kind, pmids[1]),
        )
        db.commit()
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    assert _reports(sample_project) == expected
    with closing(sqlite3.connect(_store(sample_project))) as db:  # made again, and kept
        texts = [r[0] for r in db.execute("SELECT text FROM pieces WHERE kind = ?", (kind,))]
    assert not any(MARK in t for t in texts)


def test_a_changed_template_renders_the_page_entries_again(sample_project: Path) -> None:
    settings = Settings(project=sample_project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    _mark(sample_project, "page:headache")
    packaged = Path(__file__).resolve().parents[1] / "src/evidence/templates/page-entry.html"
    (sample_project / "templates").mkdir()
    (sample_project / "templates" / "page-entry.html").write_text(
        packaged.read_text(encoding="utf-8").replace(
            '<li class="ev-study', '<li class="x ev-study'
        ),
        encoding="utf-8",
    )
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    page = _reports(sample_project)["index.html"]
    assert MARK.encode() not in page
    assert b'<li class="x ev-study' in page
    assert b'<li class="ev-study' not in page  # every entry through the new template
    assert _reports(sample_project) == _fresh(settings)


def test_a_page_entry_reading_more_than_its_entry_is_included_as_before(
    sample_project: Path,
) -> None:
    """A project's page-entry.html that reads the page's other values (here the topic it
    is in) cannot be kept by its entry alone: the page includes it, as it always did."""
    settings = Settings(project=sample_project)
    (sample_project / "templates").mkdir()
    (sample_project / "templates" / "page-entry.html").write_text(
        "<li>{{ topic.id }} {{ e.pmid }}</li>\n", encoding="utf-8"
    )
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    page = _reports(sample_project)["index.html"].decode()
    assert "<li>headache " in page and "<li>neuropathic_pain " in page
    with closing(sqlite3.connect(_store(sample_project))) as db:
        assert db.execute("SELECT COUNT(*) FROM pieces WHERE kind LIKE 'page:%'").fetchone()[0] == 0


def test_a_changed_setting_renders_again(sample_project: Path) -> None:
    ama = settings_from(project=sample_project, style="ama", environ={})
    build(ama, origin=ORIGIN_SAMPLE, rebuild=True)
    _mark(sample_project, "json")
    _mark(sample_project, "page:headache")
    apa = settings_from(project=sample_project, style="apa", environ={})
    build(apa, origin=ORIGIN_SAMPLE, rebuild=True)
    published = _reports(sample_project)
    assert not any(MARK.encode() in b for b in published.values())
    assert published == _fresh(apa)


def test_a_revised_record_renders_again(sample_project: Path) -> None:
    settings = Settings(project=sample_project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    pmid = _mark(sample_project, "ris")
    for kind in ("nbib", "bibtex", "csl-json", "json"):
        _mark(sample_project, kind, pmid)
    with Store(_store(sample_project)) as store:
        revised = parse_article_set(
            b"<PubmedArticleSet>"
            + synthetic_article(pmid, title="A revised title for the kept pieces.")
            + b"</PubmedArticleSet>"
        ).studies
        store.save_studies(revised, ORIGIN_SAMPLE)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    published = _reports(sample_project)
    for kind in ("ris", "nbib", "bibtex", "csl-json", "json"):
        assert MARK.encode() not in published[KINDS[kind]], kind
        assert b"A revised title for the kept pieces" in published[KINDS[kind]], kind
    assert published == _fresh(settings)


def test_a_renamed_topic_or_condition_renders_the_csv_rows_again(sample_project: Path) -> None:
    # A CSV row names its topics and conditions, which come from queries/, not from the
    # study's row of the evidence table: renaming one makes the rows again.
    settings = Settings(project=sample_project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    _mark(sample_project, "csv")
    query = settings.queries_dir / "headache.toml"
    text = query.read_text(encoding="utf-8")
    for old, new, shown in (
        (
            "Ketamine for migraine and other headache disorders",
            "A renamed topic",
            "A renamed topic",
        ),
        (
            'other_label = "Other headache disorders"',
            'other_label = "A renamed one"',
            "A renamed one",
        ),
    ):
        assert old in text
        text = text.replace(old, new)
        query.write_text(text, encoding="utf-8")
        build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
        published = _reports(settings.project)
        assert MARK.encode() not in published["studies.csv"]
        assert shown.encode() in published["studies.csv"]
        assert published == _fresh(settings)
        _mark(sample_project, "csv")


def test_a_changed_curation_renders_again(sample_project: Path) -> None:
    settings = Settings(project=sample_project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    pmid = _mark(sample_project, "ris")
    _mark(sample_project, "json", pmid)
    settings.curation_file.write_text(
        f'[[study]]\npmid = "{pmid}"\ndecision = "include"\nnote = "A note kept apart."\n',
        encoding="utf-8",
    )
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    published = _reports(sample_project)
    for name in ("studies.ris", "studies.json"):
        assert MARK.encode() not in published[name]
        assert b"A note kept apart." in published[name]
    assert published == _fresh(settings)


def test_the_worker_reuses_kept_records_and_draws_the_chart(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From WORKER_STUDIES a worker process makes RIS, NBIB and the workbook and draws the
    chart: its files are those of a build without it, kept records reused."""
    settings = Settings(project=sample_project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    expected = _reports(sample_project)
    monkeypatch.setattr(exports, "WORKER_STUDIES", 1)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    assert _reports(sample_project) == expected
    _mark(sample_project, "nbib")
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    published = _reports(sample_project)
    assert MARK.encode() in published["studies.nbib"]
    assert {n: b for n, b in published.items() if n != "studies.nbib"} == {
        n: b for n, b in expected.items() if n != "studies.nbib"
    }


def test_fresh_pieces_spread_over_many_blocks_are_kept_in_one_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A night changes a few studies spread over every block of the store: their fresh
    # pieces are kept together (one transaction), not in one write per block read.
    pmids = [str(30000000 + i) for i in range(3 * BLOCK + 10)]
    changed = {pmids[3], pmids[BLOCK + 7], pmids[2 * BLOCK + 1], pmids[-1]}

    def wanted(night: int) -> list[Wanted]:
        return [
            (p, f"{p}:{night if p in changed else 0}", _text(f"{p} night {night}")) for p in pmids
        ]

    with Store(tmp_path / "store.sqlite") as store:
        saves: list[int] = []
        save = store.save_pieces

        def counted(rows: Iterable[tuple[str, str, str, str, str]]) -> None:
            rows = list(rows)
            saves.append(len(rows))
            save(rows)

        monkeypatch.setattr(store, "save_pieces", counted)
        pieces = Pieces(store)
        first = list(pieces.texts("ris", wanted(0)))
        assert first == [f"{p} night 0" for p in pmids]
        assert sum(saves) == len(pmids) and max(saves) <= 2 * BLOCK  # memory stays bounded
        saves.clear()
        second = list(Pieces(store).texts("ris", wanted(1)))
        assert second == [f"{p} night {1 if p in changed else 0}" for p in pmids]
        assert saves == [len(changed)]
        # And what was kept is what a third build reuses.
        third = Pieces(store)
        assert list(third.texts("ris", wanted(1))) == second
        assert (third.reused, third.made) == (len(pmids), 0)


def _text(text: str) -> Callable[[], str]:
    return lambda: text


def test_a_page_entry_is_made_again_only_for_a_value_its_template_reads(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A short label that gains a letter when a namesake's study arrives (a value the
    packaged page-entry.html never shows) keeps the entry's text; a template that shows it,
    or reads the entry whole, makes it again."""
    settings = Settings(project=sample_project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    real = report._entry

    def lettered(*args: Any, **kwargs: Any) -> dict[str, Any]:
        entry = real(*args, **kwargs)
        entry["short"] += "b"
        return entry

    _mark(sample_project, "page:headache")
    monkeypatch.setattr(report, "_entry", lettered)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    assert MARK.encode() in _reports(sample_project)["index.html"]  # kept, not made again
    packaged = Path(__file__).resolve().parents[1] / "src/evidence/templates/page-entry.html"
    source = packaged.read_text(encoding="utf-8")
    (sample_project / "templates").mkdir()
    for shown in ("{{ e.short }}", "{{ e.items()|length }}", "{{ e|length }}"):
        build(settings, origin=ORIGIN_SAMPLE, rebuild=True)  # kept under this template
        _mark(sample_project, "page:headache")
        monkeypatch.setattr(report, "_entry", real)
        (sample_project / "templates" / "page-entry.html").write_text(
            source.replace("</li>", f"{shown}</li>"), encoding="utf-8"
        )
        build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
        _mark(sample_project, "page:headache")
        monkeypatch.setattr(report, "_entry", lettered)
        build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
        assert MARK.encode() not in _reports(sample_project)["index.html"], shown
        assert _reports(sample_project) == _fresh(settings)
