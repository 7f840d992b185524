"""The plain Study record and its identifiers (evidence.study)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from evidence.study import (
    MONTH_NAMES,
    MONTH_NUMBERS,
    MONTHS,
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    Study,
    doi_url,
    is_pmid,
    pmc_url,
    pubmed_url,
)


def test_links_are_built_only_from_valid_identifiers() -> None:
    assert pubmed_url("123") == "https://pubmed.ncbi.nlm.nih.gov/123/"
    for bad in ("12a", "0123", "1234567890", "9100013\u00b2", "\u0661\u0662\u0663", "123\n"):
        with pytest.raises(ValueError, match="not a PMID"):
            pubmed_url(bad)
        assert not is_pmid(bad)
    assert is_pmid("1") and is_pmid("999999999")
    assert doi_url("10.1000/x y") == ""  # no link is better than a bad one
    assert doi_url("10.1000/a(b)<c>") == "https://doi.org/10.1000/a(b)%3Cc%3E"
    assert pmc_url("PMC123") == "https://pmc.ncbi.nlm.nih.gov/articles/PMC123/"
    assert pmc_url("123") == ""
    assert Study(pmid="42", title="t").pubmed_url == pubmed_url("42")


def test_one_month_table() -> None:
    assert MONTHS[0] == "Jan" and MONTH_NUMBERS["Dec"] == 12 and MONTH_NAMES["Sep"] == "September"
    assert list(MONTH_NAMES) == list(MONTHS)


def test_notices_and_retraction() -> None:
    retracted = Study(
        pmid="1",
        title="t",
        comments_corrections=(
            CommentCorrection("RetractionIn", "J 2020", "99"),
            CommentCorrection("ErratumIn", "J 2019", "x1"),
        ),
    )
    assert retracted.retracted
    assert retracted.notices == (("Retraction notice", "99"), ("Erratum", ""))
    typed = Study(pmid="2", title="t", publication_types=("Retracted Publication",))
    assert typed.retracted and typed.notices == (("Retracted publication", ""),)
    both = dataclasses.replace(typed, comments_corrections=retracted.comments_corrections[:1])
    assert both.retracted and both.notices == (("Retraction notice", "99"),)
    commented = Study(
        pmid="3", title="t", comments_corrections=(CommentCorrection("CommentIn", "J", "5"),)
    )
    assert not commented.retracted and commented.notices == ()
    assert not Study(pmid="4", title="t").retracted and Study(pmid="4", title="t").notices == ()


def test_a_name_that_recurs_across_stored_records_is_read_as_one_author() -> None:
    """A View of thousands of studies holds each recurring name once (Author is frozen)."""
    names = (Author(last_name="Ab", fore_name="Cd", initials="C"), Author(collective_name="G"))
    first = Study.from_json(Study(pmid="1", title="t", authors=names).to_json())
    second = Study.from_json(Study(pmid="2", title="u", authors=names[::-1]).to_json())
    assert first.authors == names and second.authors == names[::-1]
    assert first.authors[0] is second.authors[1] and first.authors[1] is second.authors[0]


def test_a_study_round_trips_through_json() -> None:
    study = Study(
        pmid="7",
        title="Ketamine",
        authors=(Author(last_name="Ab", fore_name="Cd", initials="C"),),
        abstract=(AbstractSection("METHODS", "We randomized 40 patients."),),
        mesh=(MeshHeading("Ketamine", True, ("therapeutic use",)),),
        keywords=("pain",),
    )
    assert Study.from_json(study.to_json()) == study
    assert study.abstract_text == "METHODS: We randomized 40 patients."


def test_a_study_is_stored_as_the_json_of_dataclasses_asdict() -> None:
    """to_json skips asdict's deep copies; what it writes must stay what asdict gave, or
    every stored record would read as revised (and its kept gradings lost)."""
    study = Study(
        pmid="7",
        title="Ketamine \u2013 \u201cquoted\u201d \u00e9",
        authors=(Author(last_name="Ab", fore_name="Cd", initials="C"), Author(collective_name="G")),
        authors_complete=False,
        year=2020,
        abstract=(AbstractSection("", "x"), AbstractSection("METHODS", "We randomized 40.")),
        mesh=(MeshHeading("Ketamine", True, ("therapeutic use", "adverse effects")),),
        keywords=("pain",),
        languages=("eng", "ger"),
        comments_corrections=(CommentCorrection("RetractionIn", "J 2020", "99"),),
        chapter=True,
    )
    assert study.retracted and study.notices  # cached values are not fields: not stored
    assert study.to_json() == json.dumps(
        dataclasses.asdict(study), ensure_ascii=False, sort_keys=True
    )
    assert Study(pmid="1", title="").to_json() == json.dumps(
        dataclasses.asdict(Study(pmid="1", title="")), ensure_ascii=False, sort_keys=True
    )


def _two_records() -> tuple[Study, Study]:
    author = {"last_name": "Okafor", "fore_name": "Ada", "initials": "A", "collective_name": ""}
    made = [
        Study(
            pmid=pmid,
            title=f"Title {pmid}.",
            authors=(Author(**author),),
            journal="The Journal of Pain",
            publication_types=("Journal Article",),
            languages=("eng",),
            abstract=(AbstractSection("CONCLUSIONS", "It helped."),),
            mesh=(MeshHeading("Pain", major=True),),
            keywords=("pain",),
        )
        for pmid in ("101", "102")
    ]
    # Read back as a store reads them: each text from its own JSON document.
    first, second = (Study.from_json(s.to_json()) for s in made)
    assert (first, second) == tuple(made)
    return first, second


def test_texts_that_recur_across_records_are_held_once() -> None:
    first, second = _two_records()
    assert first.authors[0].last_name is second.authors[0].last_name
    assert first.journal is second.journal
    assert first.publication_types[0] is second.publication_types[0]
    assert first.languages[0] is second.languages[0]


def test_an_abridged_study_lacks_only_its_abstract_mesh_and_keywords() -> None:
    whole, _ = _two_records()
    short = whole.abridged()
    assert (short.abstract, short.mesh, short.keywords) == ((), (), ())
    assert dataclasses.replace(short, abstract=whole.abstract, mesh=whole.mesh) == (
        dataclasses.replace(whole, keywords=())
    )
    assert (short.retracted, short.notices) == (whole.retracted, whole.notices)
