"""The publishing selection of the short fragment ([publish] in evidence.toml), the conditions
as counts, and the fragment's two style variants."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from evidence.classify import LEVELS
from evidence.cli import main
from evidence.errors import ConfigError
from evidence.publish import STYLES, choose, condition_counts, stylesheet, with_query
from evidence.settings import Publish, settings_from
from evidence.sources import ORIGIN_SAMPLE
from evidence.view import View, load_view

RANK = {lv.key: lv.rank for lv in LEVELS}


def sample_view(project: Path, **publish: object) -> View:
    view = load_view(settings_from(project=project, environ={}), ORIGIN_SAMPLE)
    return dataclasses.replace(view, publish=Publish(**publish))  # type: ignore[arg-type]


def test_the_default_is_short_and_strong(sample_project: Path) -> None:
    view = sample_view(sample_project)
    chosen = choose(view, view.publish)
    assert [c.query.id for c in chosen] == [q.id for q in view.queries]
    for c in chosen:
        assert len(c.studies) <= 10
        assert {p.tags.evidence_level for p in c.studies} <= {RANK["synthesis"], RANK["rct"]}
        # Evidence level, then newest first.
        keys = [(p.tags.evidence_level, -(p.study.year or 0)) for p in c.studies]
        assert keys == sorted(keys)
    # Every systematic review and RCT of the headache topic (7: fewer than the limit).
    headache = chosen[0]
    strong = [
        p
        for p in view.placed["headache"]
        if p.included and p.tags.evidence_level in (RANK["synthesis"], RANK["rct"])
    ]
    assert len(headache.studies) == len(strong) == 7


def test_topics_levels_and_limits(sample_project: Path) -> None:
    view = sample_view(
        sample_project, topics=("neuropathic_pain",), levels=("observational",), per_topic=0
    )
    (only,) = choose(view, view.publish)
    assert only.query.id == "neuropathic_pain"
    assert only.studies
    assert all(p.tags.evidence_level == RANK["observational"] for p in only.studies)
    everything = sample_view(sample_project, levels=tuple(RANK), per_topic=0)
    for c in choose(everything, everything.publish):
        assert len(c.studies) == c.included  # nothing left out
    one_each = sample_view(sample_project, levels=tuple(RANK), per_topic=0, per_level=1)
    for c in choose(one_each, one_each.publish):
        levels = [p.tags.evidence_level for p in c.studies]
        assert len(levels) == len(set(levels)) > 1
    per_condition = sample_view(sample_project, levels=tuple(RANK), per_topic=0, per_condition=1)
    for c in choose(per_condition, per_condition.publish):
        seen = [cid for p in c.studies for cid in (p.tags.conditions or ("other",))]
        assert len(seen) == len(set(seen)) and seen


def test_order_by_year_is_newest_first(sample_project: Path) -> None:
    view = sample_view(sample_project, levels=tuple(RANK), order="year", per_topic=0)
    for c in choose(view, view.publish):
        years = [p.study.year or 0 for p in c.studies]
        assert years == sorted(years, reverse=True)


def test_only_featured_and_only_reviewed(sample_project: Path) -> None:
    (sample_project / "queries" / "curation.toml").write_text(
        '[[study]]\npmid = "23365053"\nfeatured = true\n', encoding="utf-8"
    )
    view = sample_view(sample_project, only="featured")
    chosen = choose(view, view.publish)
    assert [p.study.pmid for c in chosen for p in c.studies] == ["23365053"]
    # The sample's studies are all coded by its reviewer: "reviewed" keeps them all.
    reviewed = sample_view(sample_project, only="reviewed")
    default = sample_view(sample_project)
    assert [len(c.studies) for c in choose(reviewed, reviewed.publish)] == [
        len(c.studies) for c in choose(default, default.publish)
    ]


def test_only_reviewed_leaves_out_what_no_reviewer_included(sample_project: Path) -> None:
    view = sample_view(sample_project, only="reviewed")
    placed = {
        qid: [dataclasses.replace(p, tags=dataclasses.replace(p.tags, decision="")) for p in ps]
        for qid, ps in view.placed.items()
    }
    unreviewed = dataclasses.replace(view, placed=placed)
    assert all(c.studies == [] for c in choose(unreviewed, unreviewed.publish))


def test_the_selection_never_looks_at_results(sample_project: Path) -> None:
    """Swapping every reviewer's note (the finding) changes nothing about what is chosen."""
    view = sample_view(sample_project)
    flipped = {
        qid: [
            dataclasses.replace(p, tags=dataclasses.replace(p.tags, note="No benefit.")) for p in ps
        ]
        for qid, ps in view.placed.items()
    }
    other = dataclasses.replace(view, placed=flipped)

    def pmids(v: View) -> list[list[str]]:
        return [[p.study.pmid for p in c.studies] for c in choose(v, v.publish)]

    assert pmids(view) == pmids(other)


def test_an_unknown_topic_is_named(sample_project: Path) -> None:
    view = sample_view(sample_project, topics=("nope",))
    with pytest.raises(ConfigError, match=r"\[publish\] topics .*'nope'.*headache"):
        choose(view, view.publish)


def test_conditions_are_counted_per_evidence_level(sample_project: Path) -> None:
    view = sample_view(sample_project)
    query = view.queries[1]
    included = [p for p in view.placed[query.id] if p.included]
    rows = condition_counts(query, included)
    crps = next(r for r in rows if r["label"] == "Complex regional pain syndrome (CRPS)")
    members = [p for p in included if crps["id"] in p.tags.conditions]
    assert crps["total"] == len(members) == sum(lv["count"] for lv in crps["levels"])
    ranks = [RANK[lv["key"]] for lv in crps["levels"]]
    assert ranks == sorted(ranks)
    for lv in crps["levels"]:
        n = sum(1 for p in members if p.tags.evidence_level == RANK[lv["key"]])
        assert lv["count"] == n and lv["words"].endswith("s" if n > 1 else lv["words"][-1])


def test_links_to_the_full_page_carry_the_filter() -> None:
    assert with_query("", topic="x") == ""
    assert with_query("https://e.org/ev/", topic="a b") == "https://e.org/ev/?topic=a+b"
    assert with_query("/ev/?lang=en#list", topic="t") == "/ev/?lang=en&topic=t#list"


def test_the_stylesheet_scopes_every_rule_to_the_fragment() -> None:
    css = stylesheet()
    rules = re.findall(r"^([^{/]+)\{", css, re.M)
    assert len(rules) == len(STYLES)
    assert all(r.startswith(".evidence-studies") for r in rules)


def test_classes_variant_writes_its_stylesheet(project: Path, no_network: None) -> None:
    (project / "evidence.toml").write_text('[publish]\nfragment = "classes"\n', "utf-8")
    assert main(["refresh", "--sample", "--quiet", "--project", str(project)]) == 0
    reports = project / "reports"
    fragment = (reports / "research-studies.html").read_text(encoding="utf-8")
    assert "style=" not in fragment and 'class="ev-study"' in fragment
    assert (reports / "research-studies.css").read_text(encoding="utf-8") == stylesheet()
    # Back to inline: the stylesheet is not written (a stale copy is left for the host).
    (project / "evidence.toml").write_text("[publish]\n", "utf-8")
    assert main(["build", "--quiet", "--project", str(project)]) == 0
    fragment = (reports / "research-studies.html").read_text(encoding="utf-8")
    assert 'class="ev-study" style="display:list-item' in fragment


def test_flags_override_the_project_file(project: Path, no_network: None) -> None:
    (project / "evidence.toml").write_text(
        '[publish]\nlevels = ["observational"]\nper_topic = 2\n', "utf-8"
    )
    args = ["refresh", "--sample", "--quiet", "--project", str(project)]
    assert main(args) == 0
    fragment = (project / "reports" / "research-studies.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<li id="ev-', fragment)) == 4  # 2 per topic
    assert "Shown: observational studies, strongest design first" in fragment
    assert main([*args, "--per-topic", "1", "--levels", "rct", "--order", "year"]) == 0
    fragment = (project / "reports" / "research-studies.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<li id="ev-', fragment)) == 2
    assert "Shown: randomized controlled trials, newest first (up to 1 per topic)." in fragment
    url = "https://example.org/evidence/"
    assert main([*args, "--full-list-url", url, "--topics", "headache"]) == 0
    fragment = (project / "reports" / "research-studies.html").read_text(encoding="utf-8")
    assert 'id="ev-neuropathic_pain-title"' not in fragment
    more = rf'<a href="{url}\?topic=headache"[^>]*>See all \d+ studies on Ketamine'
    assert re.search(more, fragment)
