"""Gradings kept in the store: reused while the record, the query and the grading code are the
same, graded again when any of them changes, and never standing in for a reviewer's curation."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

import evidence
from evidence import grades
from evidence.build import build
from evidence.classify import classify
from evidence.queries import Query
from evidence.settings import Settings
from evidence.sources import ORIGIN_PUBMED, ORIGIN_SAMPLE
from evidence.study import Study, Tags
from evidence.view import load_view, open_store


@pytest.fixture
def graded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The (topic, PMID) of each grading done anew."""
    calls: list[tuple[str, str]] = []

    def counting(study: Study, query: Query) -> Tags:
        calls.append((query.id, study.pmid))
        return classify(study, query)

    monkeypatch.setattr(grades, "classify", counting)
    return calls


def _tags(settings: Settings) -> dict[tuple[str, str], Tags]:
    view = load_view(settings, ORIGIN_SAMPLE)
    return {(qid, p.study.pmid): p.tags for qid, ps in view.placed.items() for p in ps}


def test_a_build_keeps_the_gradings_and_the_next_reuses_every_one(
    sample_project: Path, graded: list[tuple[str, str]]
) -> None:
    settings = Settings(project=sample_project)
    first = _tags(settings)  # no build yet: nothing kept, nothing written
    assert len(graded) == len(first)
    graded.clear()
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    assert len(graded) == len(first)  # graded again (nothing was kept), and kept now
    with open_store(settings, ORIGIN_SAMPLE) as store:
        assert set(store.grades()) == set(first)
    graded.clear()
    assert _tags(settings) == first  # the same tags, curation applied as before
    assert graded == []


def test_a_revised_record_is_graded_again(
    sample_project: Path, graded: list[tuple[str, str]]
) -> None:
    settings = Settings(project=sample_project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    with open_store(settings, ORIGIN_SAMPLE) as store:
        study = next(iter(store.studies().values()))
        revised = dataclasses.replace(study, title=study.title + " A randomized controlled trial")
        store.save_studies([revised], ORIGIN_SAMPLE)
    graded.clear()
    tags = _tags(settings)
    assert {pmid for _, pmid in graded} == {study.pmid}
    assert all(tags[key] for key in graded)


def test_an_edited_query_grades_its_topic_again_and_no_other(
    sample_project: Path, graded: list[tuple[str, str]]
) -> None:
    settings = Settings(project=sample_project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    before = _tags(settings)
    query_file = sample_project / "queries" / "headache.toml"
    text = query_file.read_text(encoding="utf-8")
    edited = text.replace('text = ["migraine*", "migrainous"]', 'text = ["zzmigrainezz"]')
    edited = edited.replace('mesh = ["Migraine Disorders", "Migraine without Aura"]', "mesh = []")
    assert edited.count("zzmigrainezz") == 1 and "Migraine without Aura" not in edited
    query_file.write_text(edited, encoding="utf-8")
    graded.clear()
    after = _tags(settings)
    assert graded and {qid for qid, _ in graded} == {"headache"}
    assert len(graded) == sum(1 for qid, _ in before if qid == "headache")
    assert set(after) == set(before)
    # The gradings kept now are those of the edited query (the page shows the reviewer's
    # coding of the sample over them, so they are read from the store).
    with open_store(settings, ORIGIN_SAMPLE) as store:
        kept_before = store.grades()
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    with open_store(settings, ORIGIN_SAMPLE) as store:
        kept_after = store.grades()

    def migraine(kept: dict[tuple[str, str], tuple[str, str]]) -> int:
        return sum("migraine" in grades.tags_from_json(t).conditions for _, t in kept.values())

    assert migraine(kept_before) > 0 and migraine(kept_after) == 0


def test_other_grading_code_grades_everything_again(
    sample_project: Path, graded: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(project=sample_project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    graded.clear()
    monkeypatch.setattr(grades, "code_digest", lambda: "rules of another version")
    tags = _tags(settings)
    assert len(graded) == len(tags)


def test_the_code_digest_covers_every_module_the_grading_runs() -> None:
    """A rules module left out of GRADING_CODE would leave old gradings in use after its rules
    changed: every evidence module that the grading rules import must be listed."""
    folder = Path(evidence.__file__).resolve().parent
    rules = {"classify", "designs", "participants", "routes"}
    imported = set(rules)
    for name in rules:
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("evidence."):
                imported.add(str(node.module).split(".", 1)[1])
    assert imported <= set(grades.GRADING_CODE)
    assert len(grades.code_digest()) == 32


def test_a_grading_kept_for_many_studies_is_read_back_once(
    synthetic_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(project=synthetic_project, email="dev@example.org")
    build(settings, origin=ORIGIN_PUBMED, rebuild=True)
    with open_store(settings, ORIGIN_PUBMED) as store:
        kept = store.grades()
    texts = [t for _, t in kept.values()]
    assert len(set(texts)) < len(texts)  # studies sharing a grading
    read: list[str] = []
    from_json = grades.tags_from_json

    def counted(text: str) -> Tags:
        read.append(text)
        return from_json(text)

    def placed() -> dict[tuple[str, str], Tags]:
        view = load_view(settings, ORIGIN_PUBMED)
        return {(qid, p.study.pmid): p.tags for qid, ps in view.placed.items() for p in ps}

    monkeypatch.setattr(grades, "tags_from_json", counted)
    tags = placed()
    assert sorted(read) == sorted(set(texts)) and len(tags) == len(texts)
    monkeypatch.undo()
    assert placed() == tags


def test_curation_is_applied_over_a_kept_grading(
    sample_project: Path, graded: list[tuple[str, str]]
) -> None:
    settings = Settings(project=sample_project)
    build(settings, origin=ORIGIN_SAMPLE, rebuild=True)
    (qid, pmid), _ = next((k, t) for k, t in _tags(settings).items() if t.decision != "exclude")
    curation = sample_project / "queries" / "curation.toml"
    curation.write_text(
        f'[[study]]\npmid = "{pmid}"\ndecision = "exclude"\nreason = "not a study"\n',
        encoding="utf-8",
    )
    graded.clear()
    now = _tags(settings)
    assert now[(qid, pmid)].decision == "exclude"
    assert graded == []  # the curation is read on every build; the grading was kept


def test_a_kept_grading_reads_back_as_it_was_made() -> None:
    tags = Tags(
        design="rct",
        evidence_level=2,
        conditions=("migraine", "cluster"),
        participants=None,
        route="mixed",
        agent="esketamine",
        preclinical=False,
    )
    assert grades.tags_from_json(grades.tags_json(tags)) == tags
    assert grades.tags_from_json(grades.tags_json(Tags(participants=12))) == Tags(participants=12)
