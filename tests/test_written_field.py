"""The grading on records of the project's own field written by readers blind to the rules
(tests/fixtures/written-field/): the floors reached, so a change that reads the field's usual
wording worse fails here. These records were written, not gathered: they test wording, they do
not measure accuracy (tests/test_grading.py holds the real records' figures)."""

from __future__ import annotations

import pytest

from real_records import WRITTEN, Report, load_written, measure

# set: design right as indexed, unindexed, evidence level right; participants right of
# stated, wrong (a number, not the stated one), invented (a number where none is stated).
# Each set was measured before it was read to mend the rules: the first at 78, 74, 82 and
# 35 (3 wrong) on the code of the day's start; the second at 83, 72, 86 and 33 (2 wrong) on
# that code and 84 designs after the first set's mends; the third at 82, 74, 89 and 40 (2
# wrong) on that code and 85, 79, 93 and 40 after both earlier sets' mends (README). The
# fourth was written after the last change to the rules and measured once, its misses not read
# (81, 67, 87 and 39 on the day's starting code; 82, 72, 87 and 41 now): the next measure of
# new wording, until someone reads it to mend the rules.
FLOORS = {
    "first.json": (90, 87, 90, 44),
    "second.json": (96, 87, 97, 38),
    "third.json": (95, 91, 98, 43),
    "fourth.json": (82, 72, 87, 41),
}
# set: participants wrong, participants invented, preclinical graded clinical (as indexed)
CEILINGS = {
    "first.json": (0, 1, 0),
    "second.json": (1, 0, 0),
    "third.json": (0, 2, 0),
    "fourth.json": (0, 0, 1),
}


@pytest.fixture(scope="module", params=sorted(FLOORS))
def report(request: pytest.FixtureRequest) -> tuple[str, Report]:
    return request.param, measure(load_written(WRITTEN / request.param))


def test_the_field_s_wording_holds_its_floor(report: tuple[str, Report]) -> None:
    name, measured = report
    design, unindexed, level, participants = FLOORS[name]
    assert sum(measured.design.right.values()) >= design, measured.misses
    assert sum(measured.design_unindexed.right.values()) >= unindexed, measured.misses
    assert sum(measured.level.right.values()) >= level, measured.misses
    assert measured.participants_right >= participants, measured.misses
    wrong, invented, preclinical = CEILINGS[name]
    assert measured.participants_wrong <= wrong, measured.misses
    assert measured.participants_invented <= invented, measured.misses
    assert measured.preclinical_among_clinical <= preclinical, measured.misses


def test_every_written_record_has_a_label_of_the_grading() -> None:
    from evidence.classify import DESIGN_LABELS

    for name in FLOORS:
        records = load_written(WRITTEN / name)
        assert len(records) >= 90
        assert {r.design for r in records} <= set(DESIGN_LABELS)
        assert len({r.study.pmid for r in records}) == len(records)
        assert all(r.study.abstract and r.why for r in records)
