from __future__ import annotations

import pytest

from evidence.classify import (
    LEVELS,
    classify_design,
    classify_route,
    condition_matches,
    extract_participants,
    level_for,
)
from evidence.queries import Condition
from evidence.study import AbstractSection, MeshHeading, Study


def study(
    title: str = "", abstract: str = "", types: tuple[str, ...] = (), mesh: tuple[str, ...] = ()
) -> Study:
    return Study(
        pmid="1",
        title=title,
        abstract=(AbstractSection("", abstract),) if abstract else (),
        publication_types=types,
        mesh=tuple(MeshHeading(m) for m in mesh),
    )


@pytest.mark.parametrize(
    ("record", "design"),
    [
        (
            study("X", types=("Journal Article", "Meta-Analysis", "Systematic Review")),
            "meta_analysis",
        ),
        (study("X", types=("Systematic Review",)), "systematic_review"),
        (study("X", types=("Randomized Controlled Trial",)), "rct"),
        (study("Open-label ketamine", types=("Clinical Trial",)), "open_label_trial"),
        (study("X", "Patients were randomized to ketamine.", types=("Clinical Trial",)), "rct"),
        (study("X", types=("Case Reports",)), "case_report"),
        (study("X", types=("Review",)), "review"),
        (study("X", mesh=("Animals", "Rats")), "preclinical"),
        (study("X", mesh=("Humans", "Retrospective Studies")), "retrospective"),
        # No publication types or MeSH (in-process records): title and abstract decide.
        (study("Ketamine for CRPS: a systematic review and meta-analysis"), "meta_analysis"),
        (study("A randomized, placebo-controlled trial of ketamine"), "rct"),
        (
            study("Ketamine infusions for refractory headache: a retrospective analysis"),
            "retrospective",
        ),
        (study("Ketamine in a rat model of neuropathic pain"), "preclinical"),
        (study("Ketamine for phantom limb pain: a case report"), "case_report"),
        (study("Ketamine and the brain"), "other"),
    ],
)
def test_design(record: Study, design: str) -> None:
    assert classify_design(record) == design


def test_levels_are_ordered_and_cover_every_design() -> None:
    assert [lv.rank for lv in LEVELS] == sorted(lv.rank for lv in LEVELS)
    assert level_for("rct").rank < level_for("retrospective").rank < level_for("review").rank
    assert level_for("unknown").key == "other"


def test_condition_matching_by_mesh_text_and_acronym() -> None:
    crps = Condition(
        "crps",
        "CRPS",
        mesh=("Complex Regional Pain Syndromes",),
        text=("complex regional pain syndrome*", "CRPS"),
    )
    assert condition_matches(study("X", mesh=("Complex Regional Pain Syndromes",)), crps)
    assert condition_matches(study("Ketamine in complex regional pain syndromes"), crps)
    assert condition_matches(study("Ketamine for CRPS type 1"), crps)
    assert not condition_matches(study("Ketamine for crps-like noise"), crps)  # acronym case
    assert not condition_matches(study("Ketamine for migraine"), crps)


def test_participants_from_common_phrasings() -> None:
    assert extract_participants(study("", "A total of 1,012 adults were enrolled.")) == 1012
    assert extract_participants(study("", "Thirty... 34 patients were randomized.")) == 34
    assert extract_participants(study("", "Ketamine (n = 20) or placebo (n = 20).")) == 20
    # Two different group sizes and no total: unsure, so empty rather than guessed.
    assert extract_participants(study("", "Ketamine (n = 20) or placebo (n = 18).")) is None
    assert extract_participants(study("Ketamine for pain")) is None


def test_route() -> None:
    assert classify_route(study("Intranasal ketamine for migraine aura")) == "intranasal"
    assert classify_route(study("Ketamine infusion for CRPS")) == "iv"
    assert classify_route(study("Oral and intravenous ketamine")) == "mixed"
    assert classify_route(study("Ketamine for pain")) == ""
