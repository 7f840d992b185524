"""The reviewer's curation file and the rules that decide what is included."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.curation import Entry, load_curation, merge
from evidence.errors import QueryError
from evidence.queries import Query
from evidence.study import CommentCorrection, MeshHeading, Study, Tags
from evidence.tabulate import exclusion_for

QUERY = Query(id="q", title="Q", path=Path("q.toml"), drug="k", conditions=(), languages=("eng",))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "curation.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[studies]]\npmid = "1"\n', "unknown key 'studies'"),
        ('[[study]]\npmid = "0123"\n', "no leading zero"),
        ('[[study]]\npmid = "1234567890"\n', "1 to 9 digits"),
        ('[[study]]\npmid = "1"\n[[study]]\npmid = "1"\n', "PMID 1 has two entries"),
        ('[[study]]\npmid = "1"\nroute = "iv drip"\n', "unknown route 'iv drip'"),
        ('[[study]]\npmid = "1"\nconditions = ["migrane"]\n', "condition 'migrane' is not"),
    ],
)
def test_a_typo_is_refused_not_silently_ignored(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        load_curation(write(tmp_path, text), {"migraine"})


def test_a_project_note_keeps_the_sample_reviewers_coding() -> None:
    sample = {"1": Entry(pmid="1", design="rct", participants=30, conditions=("migraine",))}
    project = {"1": Entry(pmid="1", note="Read in full: aura outcomes only.")}
    merged = merge(sample, project)["1"]
    assert (merged.design, merged.participants, merged.conditions) == ("rct", 30, ("migraine",))
    assert merged.note == "Read in full: aura outcomes only."


def study(**kwargs: object) -> Study:
    return Study(pmid="1", title="T", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("record", "tags", "expected"),
    [
        (study(), Tags(design="rct"), ""),
        (
            study(publication_types=("Retracted Publication",)),
            Tags(decision="include"),
            "retracted",
        ),  # no reviewer overrides a retraction
        (study(), Tags(design="preclinical", preclinical=True), "preclinical"),
        (study(), Tags(design="preclinical", preclinical=True, decision="include"), ""),
        (study(publication_types=("Published Erratum",)), Tags(design="other"), "notice"),
        (study(publication_types=("Letter", "Comment")), Tags(design="other"), "notice"),
        (study(languages=("fre",)), Tags(design="rct"), "language"),
        (study(languages=("fre",)), Tags(design="rct", decision="include"), ""),
        (study(), Tags(design="rct", decision="exclude", reason="r"), "reviewer"),
    ],
)
def test_exclusion_rules_in_order(record: Study, tags: Tags, expected: str) -> None:
    assert exclusion_for(record, tags, QUERY) == expected


def test_a_notice_pmid_that_is_not_digits_is_shown_unlinked() -> None:
    s = study(
        comments_corrections=(
            CommentCorrection("ErratumIn", "J. 2020", "4190x"),
            CommentCorrection("ErratumIn", "J. 2021", "\u0664\u0661\u0669\u0660"),
            CommentCorrection("RetractedandRepublishedIn", "J", "7"),
        ),
        mesh=(MeshHeading("Humans"),),
    )
    assert s.notices == (("Retraction notice", "7"), ("Erratum", ""), ("Erratum", ""))
    assert s.retracted


def test_a_curation_file_that_is_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "curation.toml"
    path.write_bytes(b'[[study]]\npmid = "1"\nnote = "caf\xe9"\n')  # Latin-1, not UTF-8
    with pytest.raises(QueryError, match=r"curation\.toml: cannot read: not UTF-8 text"):
        load_curation(path)
