"""The grading on real PubMed records (tests/fixtures/real-pubmed/): the floors reached, so a
change that reads real records worse fails here. bench/grading.py prints the same figures beside
the targets; the rules are tuned on the "tune" split only."""

from __future__ import annotations

import pytest

from real_records import Labelled, Report, load, measure, split


@pytest.fixture(scope="module")
def records() -> list[Labelled]:
    return load()


def test_every_label_names_a_record_with_an_abstract(records: list[Labelled]) -> None:
    assert len(records) >= 15
    assert all(r.study.abstract for r in records)
    assert {r.split for r in records} == {"tune", "holdout"}
    assert len({r.study.pmid for r in records}) == len(records)


@pytest.mark.parametrize(
    ("part", "design", "unindexed", "level"),
    [("tune", 10, 8, 11), ("holdout", 3, 3, 4)],
)
def test_designs_and_levels_hold_their_floor(
    records: list[Labelled], part: str, design: int, unindexed: int, level: int
) -> None:
    report: Report = measure(split(records, part))
    assert sum(report.design.right.values()) >= design, report.misses
    assert sum(report.design_unindexed.right.values()) >= unindexed, report.misses
    assert sum(report.level.right.values()) >= level, report.misses


def test_participants_are_never_wrong_and_often_right(records: list[Labelled]) -> None:
    report = measure(records)
    assert report.participants_wrong == 0, report.misses
    assert report.participants_invented == 0, report.misses
    assert report.participants_right >= 7, report.misses


def test_no_preclinical_record_is_graded_clinical(records: list[Labelled]) -> None:
    report = measure(records)
    assert report.preclinical_among_clinical == 0
    assert report.notices.total["study"] - report.notices.right["study"] == 0
