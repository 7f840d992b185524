"""The values the templates see (evidence.report), as a function of one View."""

from __future__ import annotations

from pathlib import Path

from evidence.report import FEED_ENTRIES, report_context
from evidence.settings import settings_from
from evidence.sources import ORIGIN_SAMPLE
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
