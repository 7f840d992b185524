"""The values the templates see (evidence.report), as a function of one View."""

from __future__ import annotations

from pathlib import Path

from evidence.report import FEED_ENTRIES, report_context, short_labels
from evidence.settings import settings_from
from evidence.sources import ORIGIN_SAMPLE
from evidence.study import Author, Study, Tags
from evidence.tabulate import Placed
from evidence.view import load_view


def test_the_context_of_the_sample(sample_project: Path) -> None:
    view = load_view(settings_from(project=sample_project, environ={}), ORIGIN_SAMPLE)
    context = report_context(view)
    assert context["origin"] == ORIGIN_SAMPLE and context["sample"]["studies"] == 33
    assert context["data_date"] == view.data_date().isoformat()
    assert context["total_studies"] == view.included_count()
    assert [t["id"] for t in context["topics"]] == [q.id for q in view.queries]
    listed = {e["pmid"] for t in context["topics"] for c in t["conditions"] for e in c["entries"]}
    assert len(listed) == context["total_studies"]
    assert "(curated offline sample)" in context["chart"]["title"]
    assert sum(lv["total"] for lv in context["chart"]["levels"]) == context["total_studies"]
    assert len(context["feed"]["entries"]) == min(FEED_ENTRIES, len(view.studies()))


def test_every_value_carries_the_views_style(sample_project: Path) -> None:
    view = load_view(settings_from(project=sample_project, style="apa", environ={}), "sample")
    context = report_context(view)
    assert context["style"] == "apa" and context["style_label"] == "APA 7th edition"
    cited = {e["pmid"]: e["citation"] for e in context["feed"]["entries"]}
    table = view.table().set_index("pmid")
    assert all(table.loc[pmid, "citation"] in text for pmid, text in cited.items())
    entry = context["topics"][0]["conditions"][0]["entries"][0]
    assert entry["citation"] == table.loc[entry["pmid"], "citation"]


def _placed(pmid: str, surname: str, year: int, authors: int = 2) -> Placed:
    people = tuple(Author(surname if i == 0 else f"Co{i}", "", "A") for i in range(authors))
    return Placed(Study(pmid=pmid, title=f"t{pmid}", authors=people, year=year), Tags(), "")


def test_short_labels_are_unique_within_the_page() -> None:
    placed = {
        "headache": [_placed("38000002", "Okafor", 2024), _placed("9000001", "Okafor", 2024)],
        # The same study in a second topic keeps its one label; a third Okafor 2024 and a
        # single-author Okafor 2024 ("Okafor 2024") are told apart too.
        "pain": [
            _placed("38000002", "Okafor", 2024),
            _placed("38000003", "Okafor", 2024),
            _placed("38000004", "Okafor", 2024, authors=1),
            _placed("38000005", "Okafor", 2023),
        ],
    }
    assert short_labels(placed) == {
        "9000001": "Okafor et al 2024a",  # PMID order: a later study takes the next letter
        "38000002": "Okafor et al 2024b",
        "38000003": "Okafor et al 2024c",
        "38000004": "Okafor 2024",
        "38000005": "Okafor et al 2023",
    }


def test_the_sample_page_has_no_two_studies_under_one_label(sample_project: Path) -> None:
    view = load_view(settings_from(project=sample_project, environ={}), ORIGIN_SAMPLE)
    context = report_context(view)
    entries = [e for t in context["topics"] for c in t["conditions"] for e in c["entries"]]
    entries += [e for t in context["topics"] for g in t["excluded"] for e in g["entries"]]
    label_of = {e["pmid"]: e["short"] for e in entries}
    assert len(set(label_of.values())) == len(label_of)
