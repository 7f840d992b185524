"""`evidence status` and `evidence review` as library calls (evidence.status)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidence.designs import design_call
from evidence.settings import Settings
from evidence.sources import ORIGIN_SAMPLE
from evidence.status import review, review_rows, status
from evidence.store import Store
from evidence.study import Study
from evidence.view import load_view


def test_status_counts_runs_and_the_flow(sample_project: Path) -> None:
    settings = Settings(project=sample_project)
    info = status(settings, origin=ORIGIN_SAMPLE)
    view = load_view(settings, ORIGIN_SAMPLE)
    assert info["origin"] == ORIGIN_SAMPLE and info["studies"] == view.included_count()
    assert info["stored_records"] == len(view.studies()) and info["deleted_records"] == 0
    assert set(info["queries"]) == {q.id for q in view.queries}
    for qid, q in info["queries"].items():
        assert q["last_run"]["status"] == "ok" and q["last_failure"] is None
        assert q["next_window"] is None  # the sample has no dates: every run is whole
        assert q["studies"] == sum(1 for p in view.placed[qid] if p.included)
    assert info["flow"]["included"] == info["studies"]
    assert info["unreviewed"] == 0


def test_review_lists_what_no_reviewer_coded_newest_first(sample_project: Path) -> None:
    settings = Settings(project=sample_project)
    assert review(settings, origin=ORIGIN_SAMPLE) == []  # the sample is fully coded
    # A record with no entry in the sample's coding nor in queries/curation.toml.
    with Store(settings.store_path(ORIGIN_SAMPLE)) as store:
        stored = store.studies()
        first = next(iter(stored))
        store.save_studies([Study(pmid="99000001", title="An uncoded study")], ORIGIN_SAMPLE)
        store.finish_run(
            store.start_run("headache", ORIGIN_SAMPLE, "t"),
            query_id="headache",
            pmids=[*store.topic("headache"), "99000001"],
            count=0,
            new=1,
            fetched=1,
            translation="",
            warnings=[],
            full=True,
        )
    view = load_view(settings, ORIGIN_SAMPLE)
    rows = review_rows(view)
    assert [r["pmid"] for r in rows] == ["99000001"] and first != "99000001"
    assert rows[0]["topics"] == ["Ketamine for migraine and other headache disorders"]
    assert rows[0]["url"] == "https://pubmed.ncbi.nlm.nih.gov/99000001/"
    # Why the study carries its design: the indexing, or the words the rule matched.
    added = next(p.study for ps in view.placed.values() for p in ps if p.study.pmid == "99000001")
    assert rows[0]["design_source"] == design_call(added).source


def test_curation_for_a_pmid_in_no_topic_is_warned_everywhere(
    sample_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evidence.cli import main

    (sample_project / "queries" / "curation.toml").write_text(
        '[[study]]\npmid = "99999999"\ndecision = "exclude"\nreason = "off topic"\n',
        encoding="utf-8",
    )
    # The second build has nothing to write (a quiet night): it still warns.
    for command in ("build", "build", "status", "review"):
        assert main([command, "--sample", "--project", str(sample_project)]) == 0
        err = capsys.readouterr().err
        assert "in no topic" in err and "99999999" in err, command
    assert main(["status", "--json", "--sample", "--project", str(sample_project)]) == 0
    assert json.loads(capsys.readouterr().out)["curation_unknown"] == ["99999999"]
