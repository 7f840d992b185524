"""The committed reports/ are exactly what `evidence refresh --sample` writes today."""

from __future__ import annotations

import shutil
from pathlib import Path

from evidence.cli import main
from evidence.exports import EXPORT_FILES
from evidence.render import OUTPUTS
from evidence.report import CHART_FILE

REPO = Path(__file__).resolve().parents[1]


def test_committed_reports_match_a_fresh_sample_build(tmp_path: Path, no_network: None) -> None:
    project = tmp_path / "project"
    shutil.copytree(REPO / "queries", project / "queries")
    if (REPO / "templates").is_dir():
        shutil.copytree(REPO / "templates", project / "templates")
    assert main(["refresh", "--sample", "--quiet", "--project", str(project)]) == 0
    written = sorted(p.name for p in (project / "reports").iterdir())
    assert written == sorted([*OUTPUTS, CHART_FILE, *EXPORT_FILES.values()])
    committed_names = sorted(p.name for p in (REPO / "reports").iterdir())
    assert committed_names == written, "run `evidence refresh --sample` and commit reports/"
    for name in written:
        fresh = (project / "reports" / name).read_bytes()
        committed = (REPO / "reports" / name).read_bytes()
        assert committed == fresh, (
            f"reports/{name} is out of date: run `evidence refresh --sample` and commit reports/"
        )
