"""The screening queue, its filters and progress per topic; `evidence review --json` and
`evidence status` read the same functions as the review app."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from evidence.cli import main
from evidence.screening import Filters, candidates, details, progress, queue
from evidence.settings import Settings
from evidence.view import load_view
from test_review_app import HAND, HOSTILE, world

__all__ = ["world"]  # the module-scoped project of test_review_app, refreshed once


@pytest.fixture
def project(world: Path) -> Path:
    (world / "queries" / "curation.toml").write_text(HAND, encoding="utf-8")
    return world


def test_most_useful_first_and_filters(project: Path) -> None:
    view = load_view(Settings(project=project), "pubmed")
    everything = candidates(view)
    order = [(c.pmid, c.level, c.placed.study.year) for c in everything]
    # By evidence level, then newest: the two RCTs of level 2 come first, newest first.
    assert order == sorted(order, key=lambda o: (o[1], -(o[2] or 0)))
    waiting = queue(everything, view.curation)
    assert "41000001" not in {c.pmid for c in waiting}  # the hand entry counts as screened
    assert [c.pmid for c in queue(everything, set(), Filters(level=2))] == [
        c.pmid for c in everything if c.level == 2
    ]
    assert queue(everything, set(), Filters(topic="neuropathic_pain")) == []
    assert queue(everything, set(), Filters(condition="no_such_condition")) == []
    assert progress(view, view.curation) == {"headache": {"screened": 1, "studies": 5}}
    shown = details(view, next(c for c in everything if c.pmid == "41000005"))
    assert shown["title"] == HOSTILE  # plain text: the template escapes it
    assert shown["links"]["pubmed"] == "https://pubmed.ncbi.nlm.nih.gov/41000005/"
    assert shown["design_label"] and shown["level_label"]


def test_review_json_and_status_share_the_queue(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    view = load_view(Settings(project=project), "pubmed")
    expected = [c.pmid for c in queue(candidates(view), view.curation)]
    assert main(["review", "--json", "--project", str(project)]) == 0
    assert [r["pmid"] for r in json.loads(capsys.readouterr().out)] == expected
    assert main(["status", "--json", "--project", str(project)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["queries"]["headache"]["screening"] == {"screened": 1, "studies": 5}
    assert main(["status", "--project", str(project)]) == 0
    assert "    screened: 1 of 5" in capsys.readouterr().out


def test_serve_refuses_a_bad_or_busy_port(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["review", "--serve", "--port", "http", "--project", str(project)])
    assert exited.value.code == 2
    assert "Error: argument --port: not a port number: 'http'" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        assert main(["review", "--serve", "--port", port, "--project", str(project)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Error: cannot listen on 127.0.0.1:{port}") and "--port" in err
