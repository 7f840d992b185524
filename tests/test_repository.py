"""The repository is self-contained: its code, tests and tools read nothing from outside it.

A plain clone must build, test and rebuild the offline sample on its own, so no tracked file
in the folders below may build a path that leaves the checkout (the sample's bibliography once
came from a `shared/` folder beside it; that copy now lives in data/).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHECKED = ("src", "tests", "tools", "bench", ".ci")

# A folder beside the checkout, named or reached from the repository root's parent.
OUTSIDE = re.compile(r"""\.\./shared|["']shared["']|shared/data|\b(?:REPO|REPO_ROOT)\.parent\b""")
# Paths anchored on the file itself: Path(__file__).resolve().parents[N] or .parent.parent…
ANCHOR = re.compile(r"Path\(__file__\)\.resolve\(\)(?:\.parents\[(\d+)\]|((?:\.parent\b)+))")


def tracked_text_files() -> dict[Path, str]:
    """The tracked files under CHECKED that are text, by path."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", *CHECKED],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    files: dict[Path, str] = {}
    for name in filter(None, listed.split("\0")):
        path = REPO / name
        try:
            files[path] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    assert REPO / "tests" / "conftest.py" in files, "not a git checkout of this repository"
    return files


def test_no_path_names_a_folder_outside_the_repository() -> None:
    offending = [
        f"{path.relative_to(REPO)}:{text[: match.start()].count(chr(10)) + 1}: {match.group()}"
        for path, text in tracked_text_files().items()
        if path != Path(__file__).resolve()  # this file has to spell the patterns out
        for match in OUTSIDE.finditer(text)
    ]
    assert offending == []


def test_paths_anchored_on_a_file_stay_inside_the_repository() -> None:
    anchors = 0
    for path, text in tracked_text_files().items():
        for match in ANCHOR.finditer(text):
            index, parents = match.groups()
            up = int(index) if index is not None else parents.count(".parent") - 1
            target = path.parents[up]
            assert target == REPO or REPO in target.parents, (
                f"{path.relative_to(REPO)}: {match.group()} is {target}, outside the repository"
            )
            anchors += 1
    assert anchors > 0  # the pattern still matches how this code base anchors its paths
