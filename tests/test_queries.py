from __future__ import annotations

import os
from pathlib import Path

import pytest

from evidence.errors import QueryError
from evidence.queries import load_queries, load_query

REPO_QUERIES = Path(__file__).resolve().parents[1] / "queries"

NEUROPATHIC_CONDITIONS = {
    "crps",
    "phn",
    "phantom_limb",
    "diabetic_neuropathy",
    "peripheral_neuropathy",
    "sci_pain",
    "fibromyalgia",
    "trigeminal_neuralgia",
    "cancer_neuropathic",
}


def test_repository_queries_cover_both_topics() -> None:
    queries = load_queries(REPO_QUERIES)
    assert [q.id for q in queries] == ["headache", "neuropathic_pain"]
    headache, neuro = queries
    assert {c.id for c in headache.conditions} >= {
        "migraine",
        "chronic_migraine",
        "migraine_with_aura",
        "cluster",
        "acute_headache_ed",
    }
    assert {c.id for c in neuro.conditions} == NEUROPATHIC_CONDITIONS
    for q in queries:
        # MeSH and free text, and esketamine alongside ketamine.
        assert '"Ketamine"[Mesh]' in q.term and "esketamin*[tiab]" in q.term
        assert q.term.startswith("(") and q.term.count("(") == q.term.count(")")
    assert '"Complex Regional Pain Syndromes"[Mesh]' in neuro.term
    assert "CRPS[tiab]" in neuro.term


def test_label_only_conditions_do_not_widen_the_search() -> None:
    headache = load_query(REPO_QUERIES / "headache.toml")
    ed = headache.condition("acute_headache_ed")
    assert ed is not None and not ed.search
    assert "emergency department" not in headache.term


def write(tmp_path: Path, text: str, name: str = "topic.toml") -> Path:
    folder = tmp_path / "queries"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
title = "T"
[search]
drug = "ketamine[tiab]"
[[conditions]]
id = "a"
label = "A"
text = ["alpha"]
"""


def test_a_minimal_query_builds_its_term(tmp_path: Path) -> None:
    q = load_query(write(tmp_path, GOOD))
    assert q.id == "topic"
    assert q.term == "(ketamine[tiab]) AND ((alpha[tiab]))"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title = \n", "not valid TOML"),
        ("colour = 'red'\n" + GOOD, "unknown key 'colour'"),
        (GOOD.replace('drug = "ketamine[tiab]"', 'drug = "  "'), "search.drug must not be empty"),
        (GOOD.replace('drug = "ketamine[tiab]"', 'drug = "(ketamine"'), "unbalanced"),
        (GOOD.replace('drug = "ketamine[tiab]"', 'drug = "ketamine[tiab"'), "[field tags]"),
        (GOOD.replace('drug = "ketamine[tiab]"', 'drug = "ketamine]tiab"'), "unbalanced"),
        (GOOD.replace('drug = "ketamine[tiab]"', 'drug = "ket[ti(ab]"'), "unbalanced"),
        (GOOD.replace('title = "T"', ""), "missing required key 'title'"),
        (GOOD.replace('text = ["alpha"]', ""), "needs 'mesh' or 'text'"),
        (
            GOOD.replace('text = ["alpha"]', 'text = ["alpha"]\nsynonyms = ["x"]'),
            "unknown key 'conditions[0].synonyms'",
        ),
        (
            GOOD.replace("[search]", "[search]\nmindate = '2020'\nmaxdate = '2019'"),
            "mindate 2020 is after search.maxdate 2019",
        ),
        (GOOD.replace("[search]", "[search]\nmindate = '2020/13'"), "not a real date"),
        (GOOD.replace("[search]", "[search]\nmindate = 'last year'"), "must be YYYY"),
        ('sentinels = ["1234567890"]\n' + GOOD, "is not a PMID (1 to 9 digits"),
        ('sentinels = ["0123"]\n' + GOOD, "no leading zero"),
        (GOOD.replace('id = "a"', 'id = "Bad Id"'), "must be lowercase"),
    ],
)
def test_bad_query_files_name_the_file_and_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(QueryError) as info:
        load_query(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_duplicate_ids_and_empty_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="no queries folder"):
        load_queries(tmp_path / "queries")
    (tmp_path / "queries").mkdir()
    with pytest.raises(QueryError, match="no query files"):
        load_queries(tmp_path / "queries")
    write(tmp_path, GOOD.replace('title = "T"', 'id = "same"\ntitle = "T"'), "one.toml")
    write(tmp_path, GOOD.replace('title = "T"', 'id = "same"\ntitle = "T"'), "two.toml")
    with pytest.raises(QueryError, match=r"already used by one\.toml"):
        load_queries(tmp_path / "queries")


def test_a_condition_can_narrow_its_own_search(tmp_path: Path) -> None:
    text = GOOD.replace('text = ["alpha"]', 'text = ["alpha"]\nterm = "alpha[tiab] AND pain[tiab]"')
    q = load_query(write(tmp_path, text))
    assert q.term == "(ketamine[tiab]) AND ((alpha[tiab] AND pain[tiab]))"
    assert q.conditions[0].text == ("alpha",)  # still labels studies by its words


def test_broad_headings_are_narrowed_in_the_repository_queries() -> None:
    neuro = load_query(REPO_QUERIES / "neuropathic-pain.toml")
    sci = neuro.condition("sci_pain")
    assert sci is not None and "AND" in sci.term and "pain" in sci.term
    headache = load_query(REPO_QUERIES / "headache.toml")
    assert "headache*[tiab]" not in headache.term  # headache as an adverse event is not enough
    assert "headache*[ti]" in headache.term


def test_a_query_file_that_is_not_a_regular_file_is_refused_not_read(tmp_path: Path) -> None:
    folder = write(tmp_path, GOOD).parent
    os.mkfifo(folder / "pipe.toml")  # reading it would block the run forever
    with pytest.raises(QueryError, match=r"pipe\.toml: not a regular file"):
        load_queries(folder)
