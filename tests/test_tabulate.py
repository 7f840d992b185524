"""pandas tables over placed studies (evidence.tabulate): placing, the evidence table, the
counts by condition and design, and the PRISMA-style flow. Plain values, no store."""

from __future__ import annotations

from pathlib import Path

from evidence.curation import Entry
from evidence.queries import Condition, Query
from evidence.runs import Hit
from evidence.study import Author, Study
from evidence.tabulate import (
    Placed,
    counts_by_condition_and_design,
    evidence_table,
    flow,
    place,
)

MIGRAINE = Condition("migraine", "Migraine", mesh=("Migraine Disorders",), text=("migraine",))
CLUSTER = Condition("cluster", "Cluster headache", text=("cluster headache",))
HEADACHE = Query(
    id="headache",
    title="Headache",
    path=Path("headache.toml"),
    drug="ketamine",
    conditions=(MIGRAINE, CLUSTER),
)
PAIN = Query(id="pain", title="Pain", path=Path("pain.toml"), drug="ketamine", conditions=())

STUDIES = {
    "1": Study(
        pmid="1",
        title="Ketamine for migraine: a randomized controlled trial",
        year=2020,
        authors=(Author(last_name="Ab", initials="C"),),
        publication_types=("Randomized Controlled Trial",),
    ),
    "2": Study(
        pmid="2",
        title="Ketamine in cluster headache and migraine: a systematic review",
        year=2022,
        publication_types=("Systematic Review",),
    ),
    "3": Study(pmid="3", title="Ketamine in rats with migraine-like pain", year=2021),
    "4": Study(pmid="4", title="A case of cluster headache treated with ketamine", year=2019),
}
HITS = [
    Hit("headache", p, "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00")
    for p in ("1", "2", "3", "4")
] + [Hit("pain", "2", "2026-01-02T00:00:00+00:00", "2026-01-02T00:00:00+00:00")]


def placed(curation: dict[str, Entry] | None = None) -> dict[str, list[Placed]]:
    return place(STUDIES, HITS, [HEADACHE, PAIN], curation or {})


def test_studies_are_placed_in_evidence_order_and_excluded_with_a_reason() -> None:
    headache = placed()["headache"]
    assert [p.study.pmid for p in headache] == ["2", "1", "4", "3"]  # synthesis, rct, case, pre
    assert {p.study.pmid: p.exclusion for p in headache}["3"] == "preclinical"
    excluded = placed({"4": Entry(pmid="4", decision="exclude", reason="off topic")})
    assert {p.study.pmid: p.exclusion for p in excluded["headache"]}["4"] == "reviewer"


def test_the_evidence_table_has_each_study_once_with_every_topic() -> None:
    table = evidence_table(placed(), [HEADACHE, PAIN], style="vancouver")
    assert list(table["pmid"]) == ["2", "1", "4", "3"]
    review = table[table["pmid"] == "2"].iloc[0]
    assert review["topics"] == ["headache", "pain"]
    assert review["conditions"] == ["headache:migraine", "headache:cluster", "pain:other"]
    assert table[table["pmid"] == "1"].iloc[0]["citation"].startswith("Ab C. Ketamine")


def test_counts_by_condition_and_design_count_included_studies_per_row() -> None:
    counts = counts_by_condition_and_design(placed(), [HEADACHE, PAIN])
    assert counts.loc[("Headache", "Migraine"), "Total"] == 2  # the review and the trial
    assert counts.loc[("Headache", "Cluster headache"), "Total"] == 2  # review and case
    assert "Preclinical study" not in counts.columns  # excluded: not counted
    assert list(counts.columns)[:2] == ["Systematic review", "Randomized controlled trial"]


def test_the_flow_goes_from_identified_to_included() -> None:
    flows = flow(placed(), [HEADACHE, PAIN], identified={"headache": 6, "pain": 1})
    headache = flows["headache"]
    assert headache.identified == 6 and headache.not_retrieved == 2
    assert headache.excluded["preclinical"] == 1
    assert headache.included == 3
    assert headache.as_dict()["excluded_automatically"] == {
        "retracted": 0,
        "preclinical": 1,
        "language": 0,
        "notice": 0,
    }
    everything = flows["all"].as_dict()
    assert everything["duplicates_removed"] == 1  # the review, found by both topics
    assert everything["included"] == 3
