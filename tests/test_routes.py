"""The route of administration read from a record (evidence.routes)."""

from __future__ import annotations

import pytest

from evidence.curation import ROUTES
from evidence.routes import ROUTE_LABELS, classify_route
from evidence.study import Study


def study(title: str) -> Study:
    return Study(pmid="1", title=title)


def test_route() -> None:
    assert classify_route(study("Intranasal ketamine for migraine aura")) == "intranasal"
    assert classify_route(study("Ketamine infusion for CRPS")) == "iv"
    assert classify_route(study("Oral and intravenous ketamine")) == "mixed"
    assert classify_route(study("Ketamine for pain")) == ""


@pytest.mark.parametrize(
    ("title", "route"),
    [
        ("A phase IV study of oral ketamine", "oral"),
        ("Oral ketamine in type IV complex regional pain syndrome", "oral"),
        ("Oral ketamine for DSM-IV major depression with chronic pain", "oral"),
        ("Oral ketamine and grade III or IV mucositis pain", "oral"),
        ("Oral ketamine for cancer pain. Level of evidence: IV", "oral"),
        ("Oral ketamine: (i) pain, (ii) sleep, (iii) mood and (iv) function", "oral"),
        ("IV ketamine for acute migraine in the emergency department", "iv"),
        ("Ketamine 0.3 mg/kg i.v. over 15 minutes for renal colic", "iv"),
        ("Oral versus IV ketamine for cancer pain", "mixed"),
        ("Ketamine 4 mg/kg IM for agitation", "intramuscular"),
        ("Ketamine 2 mg/kg i.m. before dental surgery", "intramuscular"),
    ],
)
def test_route_abbreviations(title: str, route: str) -> None:
    assert classify_route(study(title)) == route


def test_every_route_a_rule_finds_is_in_the_vocabulary_the_curation_accepts() -> None:
    found = {classify_route(study(t)) for t in ("Intranasal", "IV", "IM", "oral", "topical cream")}
    assert found <= set(ROUTE_LABELS) and set(ROUTES) == set(ROUTE_LABELS)
    assert classify_route(study("Oral and intranasal ketamine")) == "mixed"
    assert ROUTE_LABELS["mixed"] == "several routes"
