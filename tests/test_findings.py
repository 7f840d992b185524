"""The authors' conclusion: verbatim, from the structured section or the closing sentences."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import rispy
from markupsafe import escape

from evidence.cli import main
from evidence.findings import LIMIT, MORE, authors_conclusion, sentences
from evidence.pubmed import parse_article_set
from evidence.queries import load_queries
from evidence.study import AbstractSection, Study
from evidence.testing import EutilsEmulator, refresh_args
from real_records import COMMITTED, load


def _study(*sections: tuple[str, str]) -> Study:
    return Study(pmid="1", title="t", abstract=tuple(AbstractSection(*s) for s in sections))


def test_a_structured_abstract_gives_its_conclusions_section() -> None:
    study = _study(
        ("BACKGROUND", "Ketamine is used."),
        ("RESULTS", "Pain fell by 2 points."),
        ("CONCLUSIONS AND RELEVANCE", "Ketamine may help. More trials are needed."),
        ("TRIAL REGISTRATION", "NCT01234567."),
    )
    assert authors_conclusion(study) == "Ketamine may help. More trials are needed."


@pytest.mark.parametrize("label", ["INTERPRETATION", "Authors' conclusions", "LESSONS"])
def test_other_labels_of_a_conclusion(label: str) -> None:
    study = _study(("METHODS", "We did it."), (label, "It worked."))
    assert authors_conclusion(study) == "It worked."


def test_an_unstructured_abstract_gives_the_sentences_from_its_conclusion_on() -> None:
    study = _study(
        (
            "",
            "Background words. We randomised 40 patients. Pain fell (p = 0.01). "
            "In conclusion, ketamine reduced pain. Side effects were mild. "
            "Trial registration: NCT01234567.",
        )
    )
    expected = "In conclusion, ketamine reduced pain. Side effects were mild."
    assert authors_conclusion(study) == expected


def test_without_an_opening_phrase_the_last_sentence_stands() -> None:
    study = _study(("", "We saw 12 patients. All recovered within a week."))
    assert authors_conclusion(study) == "All recovered within a week."


def test_a_conclusion_heading_inside_one_paragraph() -> None:
    study = _study(
        ("", "OBJECTIVE To test. RESULTS It fell (p < 0.05). CONCLUSIONS Lidocaine relieved itch.")
    )
    assert authors_conclusion(study) == "Lidocaine relieved itch."


def test_a_long_conclusion_is_cut_at_a_sentence_end_and_marked() -> None:
    first = "Ketamine infusions reduced pain scores for two weeks in most patients. " * 4
    study = _study(("CONCLUSIONS", first + "A last sentence that does not fit any more."))
    found = authors_conclusion(study)
    assert found.endswith("patients." + MORE)
    assert len(found) <= LIMIT + len(MORE)
    assert "last sentence" not in found


def test_one_long_sentence_is_kept_whole() -> None:
    sentence = "Ketamine " + "and more words " * 40 + "helped."
    study = _study(("CONCLUSIONS", sentence + " Then more."))
    assert authors_conclusion(study) == sentence + MORE


def test_no_abstract_no_conclusion() -> None:
    assert authors_conclusion(Study(pmid="1", title="A letter")) == ""


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = "As Smith et al. showed, drugs (e.g. ketamine) vs. placebo helped J. Doe. Then it ended."
    assert sentences(text) == [
        "As Smith et al. showed, drugs (e.g. ketamine) vs. placebo helped J. Doe.",
        "Then it ended.",
    ]


def _words(text: str) -> str:
    return " ".join(text.split())


def test_real_records_get_a_verbatim_conclusion() -> None:
    """Every real labelled record with an abstract gets a conclusion, and it is the abstract's
    own words: a run of its text (less a final " …"), never a paraphrase."""
    records = [r for r in load() if r.study.abstract]
    assert len(records) >= 10
    for r in records:
        found = authors_conclusion(r.study)
        assert found, r.study.pmid
        text = _words(" ".join(s.text for s in r.study.abstract))
        body = found.removesuffix(MORE)
        assert _words(body) in text, r.study.pmid
        # It starts where a sentence (or a conclusion heading) starts.
        before = text[: text.index(_words(body))]
        assert not before or re.search(r"(?:[.!?:)]|[A-Z]{4,}) $", before), r.study.pmid


def test_every_output_shows_the_authors_conclusion_where_no_reviewer_wrote_a_note(
    project: Path, no_network: None
) -> None:
    """Real records refreshed from the emulator, no curation: the page, the fragment and the
    Markdown give each study's conclusion labelled as the authors'; the CSV, the JSON and the
    reference-manager notes carry it; the page says what each design was read from."""
    xml = (COMMITTED / "p1m-ortho-qs-global-ortho-search-queries.xml").read_bytes()
    articles = {
        re.search(rb"<PMID[^>]*>(\d+)</PMID>", a).group(1).decode(): a  # type: ignore[union-attr]
        for a in re.findall(rb"<PubmedArticle>.*?</PubmedArticle>", xml, re.S)
    }
    studies = {s.pmid: s for s in parse_article_set(xml).studies}
    expected = {pmid: authors_conclusion(s) for pmid, s in studies.items()}
    queries = {q.id: q for q in load_queries(project / "queries")}
    with EutilsEmulator(articles, rate_limit=None) as emu:
        emu.add_search(queries["headache"].term, list(articles))
        emu.add_search(queries["neuropathic_pain"].term, [])
        assert main(refresh_args(project, emu.url)) == 0
    reports = project / "reports"
    page = reports.joinpath("index.html").read_text(encoding="utf-8")
    for pmid, found in expected.items():
        assert f"Authors' conclusion: {escape(found)}" in page, pmid
    assert page.count("Design read from: ") == len(expected)
    assert "Design read from: publication type &#34;Practice Guideline&#34;" in page
    fragment = reports.joinpath("research-studies.html").read_text(encoding="utf-8")
    shown = re.findall(r'<li id="ev-headache-(\d+)"', fragment)
    assert shown
    for pmid in shown:
        assert f"Authors' conclusion: {escape(expected[pmid])}" in fragment
    markdown = reports.joinpath("research-studies.md").read_text(encoding="utf-8")
    assert markdown.count("Authors' conclusion: ") == len(shown)
    with reports.joinpath("studies.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {r["pmid"]: r for r in csv.DictReader(fh)}
    cms = json.loads(reports.joinpath("studies.json").read_text(encoding="utf-8"))
    by_pmid = {s["pmid"]: s for s in cms["studies"]}
    ris = rispy.loads(reports.joinpath("studies.ris").read_text(encoding="utf-8"))
    notes = {e["accession_number"]: e["notes"] for e in ris}
    for pmid, found in expected.items():
        assert rows[pmid]["authors_conclusion"] == found
        assert rows[pmid]["design_basis"]
        assert by_pmid[pmid]["authors_conclusion"] == found
        assert f"Authors' conclusion: {found}" in notes[pmid]
