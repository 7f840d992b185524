"""A build: every file of reports/ from one View, in one citation style, published together."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

import evidence.build
import evidence.view
from evidence import exports, grades, tabulate
from evidence import worker as build_worker
from evidence.build import build, build_files, publish
from evidence.errors import LockError, OutputError, TemplateError
from evidence.exports import EXPORT_FILES
from evidence.lock import project_lock
from evidence.pieces import WholeRecords
from evidence.pubmed import parse_article_set
from evidence.queries import load_queries
from evidence.refresh import Event, refresh
from evidence.render import OUTPUTS
from evidence.report import CHART_FILE
from evidence.settings import Settings, settings_from
from evidence.sources import ORIGIN_PUBMED, ORIGIN_SAMPLE, SampleSource
from evidence.store import Store
from evidence.study import AbstractSection
from evidence.testing import stored_search, synthetic_article
from evidence.view import View, load_view

# One sample study, its pages as each style prints them (PubMed stores "181-9").
PAGES = {"ama": ":181-189.", "vancouver": ":181-9.", "apa": ", 181\u2013189."}


@pytest.mark.parametrize("style", ["ama", "vancouver", "apa"])
def test_every_output_of_one_build_uses_the_views_style(sample_project: Path, style: str) -> None:
    settings = settings_from(project=sample_project, style=style, environ={})
    files = build_files(load_view(settings, ORIGIN_SAMPLE))
    assert set(files) == {*OUTPUTS, CHART_FILE, *EXPORT_FILES.values()}
    others = [p for s, p in PAGES.items() if s != style]
    for name in ("research-studies.html", "index.html", "research-studies.md", "feed.xml"):
        assert PAGES[style] in files[name], name
        assert not any(p in files[name] for p in others), name
    assert PAGES[style] in files["studies.csv"]
    cms = json.loads(str(files["studies.json"]))
    assert cms["citation_style"] == style
    nicolodi = next(s for s in cms["studies"] if "Nicolodi" in s["citation"])
    assert PAGES[style] in nicolodi["citation"]


def test_publish_writes_the_files_of_a_build(sample_project: Path) -> None:
    settings = settings_from(project=sample_project, environ={})
    view = load_view(settings, ORIGIN_SAMPLE)
    written = publish(settings, view)
    assert {p.name for p in written} == set(build_files(view))
    files = build_files(view)
    for path in written:
        content = files[path.name]
        assert path.read_bytes() == (content.encode() if isinstance(content, str) else content)


def test_a_build_waits_for_no_refresh_it_fails_at_once(sample_project: Path) -> None:
    settings = Settings(project=sample_project)
    with project_lock(settings), pytest.raises(LockError, match="another refresh is running"):
        build(settings, origin=ORIGIN_SAMPLE)
    assert not (sample_project / "reports").exists()
    assert len(build(settings, origin=ORIGIN_SAMPLE)) == len(OUTPUTS) + 1 + len(EXPORT_FILES)


def test_a_reports_folder_leading_outside_the_project_is_refused(
    sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evidence.cli import main

    elsewhere = tmp_path / "someone-elses-site"
    elsewhere.mkdir()
    (elsewhere / "index.html").write_text("theirs", encoding="utf-8")
    (sample_project / "reports").symlink_to(elsewhere)
    assert main(["build", "--sample", "--project", str(sample_project)]) == 1
    assert "leads outside the project" in capsys.readouterr().err
    assert [p.name for p in elsewhere.iterdir()] == ["index.html"]
    assert (elsewhere / "index.html").read_text(encoding="utf-8") == "theirs"


def test_a_decision_made_while_a_refresh_runs_is_published_by_the_next_build(
    sample_project: Path,
) -> None:
    settings = settings_from(project=sample_project, environ={})
    curation = sample_project / "queries" / "curation.toml"

    def decide_midway(event: Event) -> None:  # the reviewer saves while the refresh searches
        if event.message.startswith("neuropathic_pain: searching"):
            curation.write_text(
                '[[study]]\npmid = "23365053"\ndecision = "exclude"\nreason = "Not migraine"\n',
                encoding="utf-8",
            )

    assert refresh(settings, SampleSource(), on_event=decide_midway).ok
    page = (sample_project / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Not migraine" not in page  # the refresh read the curation before the edit
    written = build(settings, origin=ORIGIN_SAMPLE)
    assert written, "the next build must not take the edited curation for the published one"
    page = (sample_project / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Excluded by the reviewer: Not migraine" in page
    assert build(settings, origin=ORIGIN_SAMPLE) == []  # and now the reports are up to date


def _files(reports: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in reports.iterdir()}


def _built(project: Path) -> tuple[Settings, Path, dict[str, bytes]]:
    """The sample project built once: its settings, its reports/ and their files' bytes."""
    settings = Settings(project=project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    return settings, project / "reports", _files(project / "reports")


@pytest.mark.parametrize(
    "formats", [exports.WORKER_FORMATS, ("xlsx", "ris", "nbib", "bibtex", "csl-json")]
)
def test_a_large_build_makes_some_exports_in_a_worker_with_the_same_bytes(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch, formats: tuple[str, ...]
) -> None:
    settings, reports, alone = _built(sample_project)
    monkeypatch.setattr(exports, "WORKER_STUDIES", 1)  # the sample counts as large
    monkeypatch.setattr(exports, "WORKER_FORMATS", formats)  # the worker makes any of them
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    def popen(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        started.append(args)
        return real_popen(args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    assert [a[-1] for a in started] == [build_worker.WORKER]  # one worker
    assert _files(reports) == alone
    assert not list((sample_project / ".evidence").glob(".evidence-build-*"))  # its folder


def test_the_worker_starts_without_the_grading_pandas_tables_or_jinja(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The worker's start is on a large build's critical path: importing evidence.exports
    # brought in the grading (evidence.classify compiles hundreds of patterns), the settings
    # with requests, and Jinja, none of which the worker uses.
    settings, reports, alone = _built(sample_project)
    loaded = tmp_path / "modules.txt"
    monkeypatch.setattr(exports, "WORKER_STUDIES", 1)  # the sample counts as large
    monkeypatch.setattr(exports, "WORKER_FORMATS", ("xlsx", "ris", "nbib"))  # all it can make
    monkeypatch.setattr(
        build_worker,
        "WORKER",
        f"{build_worker.WORKER}; import sys, pathlib; "
        f"pathlib.Path({str(loaded)!r}).write_text(chr(10).join(sorted(sys.modules)))",
    )
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    assert _files(reports) == alone
    modules = set(loaded.read_text().split())
    assert {"evidence.spreadsheet", "evidence.reference_files", "xlsxwriter"} <= modules
    unused = {"evidence.classify", "evidence.tabulate", "evidence.exports", "jinja2", "requests"}
    assert not unused & modules


def test_a_build_failing_elsewhere_stops_the_worker_and_removes_its_files(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, reports, before = _built(sample_project)
    monkeypatch.setattr(exports, "WORKER_STUDIES", 1)
    # A worker that would take its time: the build must not wait for it, nor leave it.
    monkeypatch.setattr(build_worker, "WORKER", "import time; time.sleep(60)")
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def popen(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        started.append(real_popen(args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    (sample_project / "templates").mkdir()
    (sample_project / "templates" / "feed.xml").write_text("{{ no_such_value }}\n", "utf-8")
    with pytest.raises(TemplateError):
        build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    assert len(started) == 1 and started[0].returncode is not None  # ended, not left running
    assert started[0].returncode != 0  # killed: it had not finished
    assert _files(reports) == before
    assert not list((sample_project / ".evidence").glob(".evidence-build-*"))


@pytest.mark.parametrize(
    "worker",
    [
        "import sys; sys.exit('MemoryError: the worker ran out')",  # fails, saying why
        "import os; os._exit(9)",  # dies without a word
    ],
)
def test_a_worker_that_fails_fails_the_build_and_leaves_the_reports(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch, worker: str
) -> None:
    settings, reports, before = _built(sample_project)
    monkeypatch.setattr(exports, "WORKER_STUDIES", 1)
    monkeypatch.setattr(build_worker, "WORKER", worker)
    why = "ran out" if "sys.exit" in worker else "exit status 9"
    with pytest.raises(
        OutputError, match=f"studies.xlsx: the process making studies.xlsx.* failed .*{why}"
    ):
        build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    assert _files(reports) == before
    assert sorted(p.name for p in sample_project.iterdir() if "staging" in p.name) == []


def test_a_template_failing_midway_fails_the_build_and_leaves_the_reports(
    sample_project: Path,
) -> None:
    """The pages are rendered while written: a template that fails partway through (here
    after the page's first part) still publishes nothing."""
    settings, reports, before = _built(sample_project)
    (sample_project / "templates").mkdir()
    (sample_project / "templates" / "feed.xml").write_text(
        "x" * 100_000 + "\n{{ no_such_value }}\n", encoding="utf-8"
    )
    with pytest.raises(TemplateError, match=r"feed.xml: line 2: 'no_such_value' is undefined"):
        build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    assert _files(reports) == before
    assert not [p for p in sample_project.iterdir() if "staging" in p.name]


def test_the_workers_job_is_sent_before_the_tables_rows_are_made(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker waits for its job, and the build waited for the worker at the end: the
    # workbook's job (the table, the flows, the chart's data) is made from the evidence
    # table's columns, not from its rows as dicts (View.records), which come after.
    from evidence.report import chart_data
    from evidence.view import View

    view = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)
    expected = chart_data(view)
    view.records()  # the chart's data as the rows give it: the same
    assert chart_data(view) == expected

    class Kept:
        job: build_worker.Job

        def make(self, job: build_worker.Job) -> dict[str, Any]:
            self.job = job
            return {}

    fresh = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)

    def refused(self: View) -> list[dict[str, Any]]:
        raise AssertionError("the rows as dicts were made before the job was sent")

    monkeypatch.setattr(exports, "WORKER_FORMATS", ("xlsx",))
    monkeypatch.setattr(View, "records", refused)
    kept = Kept()
    exports.made_by_worker(fresh, kept, chart=chart_data(fresh))  # type: ignore[arg-type]
    assert kept.job.chart == expected and kept.job.workbook is not None
    assert set(kept.job.files) == {"xlsx"} and not kept.job.pmids


REVISED = "A revised conclusion reaches every export."
NEW = "A new study's own conclusion."


def _night(settings: Settings) -> tuple[str, str]:
    """A night stored as a refresh stores it: one study's abstract revised, one new study
    (with its own abstract) in the first topic. Returns their PMIDs."""
    with Store(settings.store_path(ORIGIN_PUBMED)) as store:
        query = load_queries(settings.queries_dir)[0]
        pmid = sorted(store.topic(query.id))[3]
        revised = dataclasses.replace(
            store.stored_studies([pmid])[pmid],
            abstract=(AbstractSection("CONCLUSIONS", REVISED),),
            date_revised="2026-01-02",
        )
        article = b"<PubmedArticleSet>" + synthetic_article("39000001") + b"</PubmedArticleSet>"
        new = parse_article_set(article).studies[0]
        new = dataclasses.replace(
            new, abstract=(*new.abstract[:-1], AbstractSection("CONCLUSIONS", NEW))
        )
        store.save_studies([revised, new], ORIGIN_PUBMED)
        stored_search(store, query, [new.pmid], [pmid], full=False)
    return new.pmid, pmid


def test_a_nights_studies_are_read_whole_once_for_all_the_exports(
    synthetic_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each reference export asks for the whole records of the studies whose pieces must be
    # made again: the night's new and revised ones. Read once and held for the next export,
    # not read again for each (a night's build at 10,000 studies read 10,000 records twice).
    settings = Settings(project=synthetic_project, email="dev@example.org")
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    new, revised = _night(settings)
    read: list[str] = []
    stored_studies = Store.stored_studies

    def counted(store: Store, pmids: list[str]) -> dict[str, Any]:
        read.extend(pmids)
        return stored_studies(store, pmids)

    monkeypatch.setattr(Store, "stored_studies", counted)
    monkeypatch.setattr(evidence.view, "BLOCK", 8)  # the 40 studies in several blocks
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    assert sorted(read) == sorted([new, revised])


def _decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The PMIDs of the stored records read whole (as Study) from here on."""
    decoded: list[str] = []
    whole = Store._study

    def counted(store: Store, record: str) -> Any:
        study = whole(store, record)
        decoded.append(study.pmid)
        return study

    monkeypatch.setattr(Store, "_study", counted)
    return decoded


def _published(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (project / "reports").iterdir()}


def _fresh_files(settings: Settings) -> dict[str, bytes]:
    """Every file of a build of whole records with nothing kept."""
    fresh = build_files(load_view(settings, ORIGIN_PUBMED), settings.templates_dir)
    return {n: c if isinstance(c, bytes) else c.encode() for n, c in fresh.items()}


def test_a_night_reads_whole_only_its_new_and_revised_records(
    synthetic_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The rest are held as kept abridged values: a night's build at 10,000 studies spent a
    # quarter of its time reading every whole record only to abridge it.
    settings = Settings(project=synthetic_project, email="dev@example.org")
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    new, revised = _night(settings)
    decoded = _decoded(monkeypatch)
    # The exports ask again for the records read while loading: handed out as read, they
    # never set off the reading of the rest of their block (as many asked for would).
    monkeypatch.setattr(WholeRecords, "ONE_BY_ONE", 0)
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    assert sorted(decoded) == sorted([new, revised])
    monkeypatch.undo()
    assert _published(synthetic_project) == _fresh_files(settings)


def test_a_kept_abridged_row_is_not_used_once_its_record_changed(
    synthetic_project: Path,
) -> None:
    settings = Settings(project=synthetic_project, email="dev@example.org")
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    with Store(settings.store_path(ORIGIN_PUBMED)) as store:
        query = load_queries(settings.queries_dir)[0]
        pmid = sorted(store.topic(query.id))[5]
        old = store.stored_studies([pmid])[pmid]
        revised = dataclasses.replace(
            old,
            title="A retitled record.",
            title_html="A retitled record.",
            publication_types=("Comment",),  # now a notice: out of the evidence
            date_revised="2026-01-03",
        )
        store.save_studies([revised], ORIGIN_PUBMED)
        stored_search(store, query, [], [pmid], full=False)
    views: list[View] = []

    def loaded(*args: Any, **kwargs: Any) -> View:
        views.append(load_view(*args, **kwargs))
        return views[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evidence.build, "load_view", loaded)
        build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    placed = [p for p in views[0].placed[query.id] if p.study.pmid == pmid]
    assert placed[0].study == revised.abridged() and placed[0].exclusion == "notice"
    published = _published(synthetic_project)
    assert b"A retitled record." in published["studies.csv"]
    assert old.title.encode() not in published["studies.csv"]
    records = json.loads(published["studies.json"])["studies"]  # its citation made again
    assert any(r["pmid"] == pmid and "A retitled record." in r["citation"] for r in records)
    assert published == _fresh_files(settings)


def test_a_night_makes_only_its_new_and_revised_citations(
    synthetic_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every other study's citation is kept with its abridged values: a night's build at
    # 10,000 studies made 20,400 citations (text and HTML) for 150 changed records.
    settings = Settings(project=synthetic_project, email="dev@example.org")
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    new, revised = _night(settings)
    cited: list[str] = []

    def counted(make: Any) -> Any:
        def cite(study: Any, style: str) -> Any:
            cited.append(study.pmid)
            return make(study, style)

        return cite

    for module in (grades, tabulate):
        monkeypatch.setattr(module, "cite", counted(module.cite))
        monkeypatch.setattr(module, "cite_html", counted(module.cite_html))
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    assert sorted(cited) == sorted([new, new, revised, revised])
    monkeypatch.undo()
    assert _published(synthetic_project) == _fresh_files(settings)


def test_another_citation_style_makes_every_citation_again(synthetic_project: Path) -> None:
    build(Settings(project=synthetic_project, email="dev@example.org"), origin=ORIGIN_PUBMED)
    apa = Settings(project=synthetic_project, email="dev@example.org", style="apa")
    build(apa, origin=ORIGIN_PUBMED, rebuild=True)
    published = _published(synthetic_project)
    assert b"https://doi.org/" in published["studies.csv"]  # APA's DOI, not AMA's "doi:"
    assert published == _fresh_files(apa)


def test_a_damaged_abridged_row_is_made_again_not_used(
    synthetic_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(project=synthetic_project, email="dev@example.org")
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    with Store(settings.store_path(ORIGIN_PUBMED)) as store:
        kept = store.lean()
        first, second, third = sorted(kept)[:3]
        store.save_lean(
            [
                (first, kept[first][0], "{not json"),
                (second, kept[second][0], kept[third][1]),  # another study's values
            ]
        )
    decoded = _decoded(monkeypatch)
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    assert sorted(decoded) == [first, second]
    monkeypatch.undo()
    assert _published(synthetic_project) == _fresh_files(settings)
    with Store(settings.store_path(ORIGIN_PUBMED)) as store:
        assert store.lean()[second][1] != kept[third][1]  # made again, and kept


def test_other_code_makes_every_abridged_row_again(
    synthetic_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(project=synthetic_project, email="dev@example.org")
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    with Store(settings.store_path(ORIGIN_PUBMED)) as store:
        before = store.lean()
    monkeypatch.setattr(grades, "package_digest", lambda: "the code of another version")
    decoded = _decoded(monkeypatch)
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    with Store(settings.store_path(ORIGIN_PUBMED)) as store:
        after = store.lean()
    assert sorted(decoded) == sorted(before) == sorted(after)
    assert all(after[p][0] != before[p][0] and after[p][1] == before[p][1] for p in after)


@pytest.mark.parametrize("worker", [False, True], ids=["alone", "worker"])
def test_a_build_holding_no_abstracts_writes_what_they_give_for_every_study(
    synthetic_project: Path, monkeypatch: pytest.MonkeyPatch, worker: bool
) -> None:
    """A build's View holds its studies abridged (no abstract, MeSH headings or keywords),
    yet what is made of them is right for kept, revised and new studies alike: a revised
    abstract reaches the reference exports and the conclusion columns, and every file is
    that of a build of whole records with nothing kept."""
    if worker:
        monkeypatch.setattr(exports, "WORKER_STUDIES", 1)
    settings = Settings(project=synthetic_project, email="dev@example.org")
    views: list[View] = []

    def loaded(*args: Any, **kwargs: Any) -> View:
        views.append(load_view(*args, **kwargs))
        return views[-1]

    monkeypatch.setattr(evidence.build, "load_view", loaded)
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)  # every piece kept from here on
    new, revised = _night(settings)
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    held = [p.study for view in views for group in view.placed.values() for p in group]
    assert len(views) == 2 and not any(s.abstract or s.mesh or s.keywords for s in held)
    assert {new, revised} <= {s.pmid for s in views[-1].studies()}
    published = {p.name: p.read_bytes() for p in (synthetic_project / "reports").iterdir()}
    for name in ("studies.ris", "studies.nbib", "studies.csl.json", "studies.csv", "studies.json"):
        assert REVISED.encode() in published[name], name
        assert NEW.replace("'", "").encode() in published[name].replace(b"'", b""), name
    assert b"MH  - " in published["studies.nbib"]  # the MeSH headings, from whole records
    fresh = build_files(load_view(settings, ORIGIN_PUBMED), settings.templates_dir)
    assert published == {n: c if isinstance(c, bytes) else c.encode() for n, c in fresh.items()}
