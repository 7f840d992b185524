"""The design rules read the way authors and PubMed describe designs: each test here is a short
synthetic sentence of a phrasing seen in real records (named in the comment), not a record."""

from __future__ import annotations

import pytest

from evidence.designs import design_call
from evidence.study import AbstractSection, MeshHeading, Study


def study(
    title: str = "",
    abstract: str = "",
    types: tuple[str, ...] = ("Journal Article",),
    mesh: tuple[str, ...] = (),
    sections: tuple[tuple[str, str], ...] = (),
) -> Study:
    parts = tuple(AbstractSection(label, text) for label, text in sections)
    return Study(
        pmid="1",
        title=title,
        abstract=parts or ((AbstractSection("", abstract),) if abstract else ()),
        publication_types=types,
        mesh=tuple(MeshHeading(m) for m in mesh),
    )


def design(record: Study) -> str:
    return design_call(record).design


# Real phrasing: "We present a new homology search algorithm", "we describe a technology that",
# "we present a series of case studies in a book": presenting something is not a case.
@pytest.mark.parametrize(
    "abstract",
    [
        "We present a new alignment algorithm that is faster than its peers.",
        "In a novel approach, we describe a technology for monitoring homes.",
        "We present a series of case studies written by policy experts.",
    ],
)
def test_presenting_something_is_not_a_case_report(abstract: str) -> None:
    assert design(study("Tools", abstract)) != "case_report"


@pytest.mark.parametrize(
    "abstract",
    [
        "We present a case of ketamine cystitis.",
        "We describe an unusual paediatric case of cluster headache.",
        "We report the case of a woman with migraine.",
    ],
)
def test_presenting_a_case_is_a_case_report(abstract: str) -> None:
    assert design(study("Headache", abstract)) == "case_report"
