from __future__ import annotations

import errno
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest

from evidence import render
from evidence.errors import OutputError, TemplateError
from evidence.publish import fragment_styles
from evidence.render import environment, md_escape, render_all, write_all
from evidence.study import doi_url, pmc_url, pubmed_url


def test_links_are_built_only_from_valid_identifiers() -> None:
    assert pubmed_url("123") == "https://pubmed.ncbi.nlm.nih.gov/123/"
    with pytest.raises(ValueError):
        pubmed_url("123/../../evil")
    assert doi_url("10.1016/0304-3959(94)00182-E") == "https://doi.org/10.1016/0304-3959(94)00182-E"
    assert doi_url('10.1234/x"><script>') == "https://doi.org/10.1234/x%22%3E%3Cscript%3E"
    assert doi_url("javascript:alert(1)") == ""
    assert pmc_url("PMC123") == "https://pmc.ncbi.nlm.nih.gov/articles/PMC123/"
    assert pmc_url("PMC1 onclick") == ""


def test_markdown_escape_makes_links_and_html_inert() -> None:
    assert md_escape("[x](javascript:1) <b>") == r"\[x\](javascript:1) \<b\>"
    assert md_escape("# not a heading (really)") == r"\# not a heading (really)"
    assert md_escape("2019. A year") == r"2019\. A year"


def test_project_templates_override_the_packaged_ones(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("custom {{ total_studies }}", encoding="utf-8")
    env = environment(tmp_path)
    assert env.get_template("index.html").render(total_studies=3) == "custom 3"
    # Templates the project does not override come from the package.
    assert "evidence-studies" in env.get_template("research-studies.html").render(
        _minimal_context()
    )


def test_autoescape_is_on_for_html_and_off_for_markdown(tmp_path: Path) -> None:
    (tmp_path / "t.html").write_text("{{ v }}", encoding="utf-8")
    (tmp_path / "t.md").write_text("{{ v|md }}", encoding="utf-8")
    env = environment(tmp_path)
    assert env.get_template("t.html").render(v="<script>") == "&lt;script&gt;"
    assert env.get_template("t.md").render(v="<script>") == r"\<script\>"


def _compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles from here on, in a process that has
    compiled none yet (the process's own kept ones forgotten)."""
    monkeypatch.setattr(render._COMPILED, "_code", {})
    compiled: list[str] = []
    original = jinja2.Environment.compile

    def compile(self: jinja2.Environment, source: Any, name: Any = None, *a: Any, **k: Any) -> Any:
        compiled.append(name)
        return original(self, source, name, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "compile", compile)
    return compiled


def test_compiled_templates_are_kept_for_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "t.html"
    page.write_text("<p>{{ v }}</p>", encoding="utf-8")
    kept = tmp_path / "state" / "compiled"
    compiled = _compiles(monkeypatch)
    assert (
        environment(tmp_path / "templates", compiled=kept).get_template("t.html").render(v="<a>")
        == "<p>&lt;a&gt;</p>"
    )
    assert compiled == ["t.html"] and len(list(kept.iterdir())) == 1

    compiled = _compiles(monkeypatch)  # the next build: a new process
    env = environment(tmp_path / "templates", compiled=kept)
    assert env.get_template("t.html").render(v="<a>") == "<p>&lt;a&gt;</p>"
    assert compiled == []

    page.write_text("<b>{{ v }}</b>", encoding="utf-8")  # an edited template compiles anew
    compiled = _compiles(monkeypatch)
    env = environment(tmp_path / "templates", compiled=kept)
    assert env.get_template("t.html").render(v="x") == "<b>x</b>"
    assert compiled == ["t.html"]


def test_a_damaged_or_unwritable_kept_template_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "t.html").write_text("<p>{{ v }}</p>", encoding="utf-8")
    kept = tmp_path / "compiled"
    environment(tmp_path, compiled=kept).get_template("t.html")
    (file,) = kept.iterdir()
    whole = file.read_bytes()
    for damaged in (b"", whole[:20], whole[:-40], whole[:8] + b"\xff" * 40):
        file.write_bytes(damaged)
        compiled = _compiles(monkeypatch)
        assert environment(tmp_path, compiled=kept).get_template("t.html").render(v=1) == "<p>1</p>"
        assert compiled == ["t.html"]
    # A folder that cannot be made (a file in its way): compiled, nothing kept, no error.
    blocked = tmp_path / "blocked"
    blocked.write_text("", encoding="utf-8")
    compiled = _compiles(monkeypatch)
    assert environment(tmp_path, compiled=blocked).get_template("t.html").render(v=2) == "<p>2</p>"
    assert compiled == ["t.html"] and blocked.is_file()


def test_template_errors_name_the_template_and_line(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("line one\n{{ no_such_value }}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"index.html: line 2: 'no_such_value' is undefined"):
        render_all(environment(tmp_path), _minimal_context())
    (tmp_path / "index.html").write_text("{% for %}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"index.html:1: "):
        render_all(environment(tmp_path), _minimal_context())


def test_write_all_replaces_files_and_leaves_no_temporaries(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    write_all(out, {"a.html": "one", "b.md": "two"})
    write_all(out, {"a.html": "three", "b.md": "four"})
    assert sorted(p.name for p in out.iterdir()) == ["a.html", "b.md"]
    assert (out / "a.html").read_text() == "three"
    assert oct((out / "a.html").stat().st_mode & 0o777) == oct(0o644)


def test_unwritable_reports_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(OutputError, match="cannot create the reports folder"):
        write_all(blocker, {"a.html": "x"})


def _minimal_context() -> dict[str, object]:
    return {
        "sample": None,
        "data_date": "2026-01-01",
        "data_date_text": "January 1, 2026",
        "total_studies": 0,
        "topics": [],
        "counts": {"columns": [], "rows": []},
        "origin": "pubmed",
        "design_labels": {},
        "style": "ama",
        "style_label": "AMA 11th edition",
        "chart": {
            "title": "T",
            "summary": "S",
            "svg": "<svg></svg>",
            "file": "c.svg",
            "years": [],
            "levels": [],
        },
        "feed": {"id": "urn:x", "updated": "2026-01-01T00:00:00+00:00", "entries": []},
        "fragment": {
            "mode": "inline",
            "styles": fragment_styles("inline"),
            "topics": [],
            "shown": 0,
            "included": 0,
            "selection": "Shown: every study.",
            "full_list_url": "",
        },
    }


def test_leftovers_of_a_killed_build_are_cleared(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    (out / ".a.html.x1y2.tmp").write_text("half written")
    (out / ".a.html.previous").write_text("old backup")
    (out / "notes.txt").write_text("not ours")
    write_all(out, {"a.html": "new"})
    assert sorted(p.name for p in out.iterdir()) == ["a.html", "notes.txt"]


def test_the_reports_switch_as_one_set_and_keep_the_projects_own_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "reports"
    write_all(out, {"a.html": "old a", "b.md": "old b"})
    (out / "notes.txt").write_text("the project's own file")
    (out / "img").mkdir()
    (out / "img" / "logo.svg").write_text("<svg/>")
    seen: list[dict[str, str]] = []
    real_swap = render._swap

    def watched(a: Path, b: Path) -> None:  # what a reader finds just before and just after
        seen.append(_contents(out))
        real_swap(a, b)
        seen.append(_contents(out))

    monkeypatch.setattr(render, "_swap", watched)
    if not render._can_swap():
        pytest.skip("this system cannot swap two folders atomically")
    write_all(out, {"a.html": "new a", "b.md": "new b"})
    own = {"notes.txt": "the project's own file", "img/logo.svg": "<svg/>"}
    assert seen == [
        {"a.html": "old a", "b.md": "old b", **own},
        {"a.html": "new a", "b.md": "new b", **own},
    ]  # one step from the whole old set to the whole new one
    assert _contents(out) == seen[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]  # nothing left beside


def _contents(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_a_build_killed_before_or_after_the_switch_leaves_one_whole_set(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    write_all(out, {"a.html": "old a", "b.md": "old b"})
    staging = tmp_path / ".reports.staging"
    # Killed while staging: a half-written new set beside the old reports, which are intact.
    staging.mkdir()
    (staging / "a.html").write_text("new a")
    assert (out / "a.html").read_text() == "old a" and (out / "b.md").read_text() == "old b"
    write_all(out, {"a.html": "newer a", "b.md": "newer b"})  # the next build clears it
    assert not staging.exists()
    assert (out / "a.html").read_text() == "newer a" and (out / "b.md").read_text() == "newer b"


def test_a_failure_midway_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    write_all(out, {"a.html": "old a", "b.md": "old b"})
    with pytest.raises(OutputError, match="previous reports are unchanged"):
        write_all(out, {"a.html": "new a", "sub/b.md": "no such folder in the set"})
    assert sorted(p.name for p in out.iterdir()) == ["a.html", "b.md"]
    assert (out / "a.html").read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_where_folders_cannot_be_swapped_the_files_switch_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "reports"
    write_all(out, {"a.html": "old a", "b.md": "old b"})

    def refused(a: Path, b: Path) -> None:  # as NFS or an old kernel answers renameat2
        raise OSError(errno.EINVAL, "Invalid argument", str(b))

    monkeypatch.setattr(render, "_swap", refused)
    write_all(out, {"a.html": "new a", "b.md": "new b"})
    assert _contents(out) == {"a.html": "new a", "b.md": "new b"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_a_file_the_system_will_not_link_is_copied_into_the_new_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "reports"
    write_all(out, {"a.html": "old a"})
    (out / "CNAME").write_text("evidence.example.org")  # the site's own file, another owner's

    def protected(source: object, target: object) -> None:  # fs.protected_hardlinks refuses
        raise PermissionError(errno.EPERM, "Operation not permitted", str(source))

    monkeypatch.setattr(os, "link", protected)  # render links through os.link
    write_all(out, {"a.html": "new a"})
    assert _contents(out) == {"CNAME": "evidence.example.org", "a.html": "new a"}


class _Recorder(io.BytesIO):
    """A file that remembers the size of each write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[int] = []

    def write(self, data: Any) -> int:
        self.writes.append(len(data))
        return super().write(data)


def test_a_file_given_in_pieces_is_written_piece_by_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []

    def pieces() -> Iterator[str | bytes]:
        for i in range(5):
            made.append(i)  # made only when the writer asks for it
            yield "é" * 10 if i % 2 else b"x" * 10

    monkeypatch.setattr(render, "_WRITE_SIZE", 15)  # so that a few pieces make one write
    out = _Recorder()
    parts = pieces()
    assert made == []
    render.write_content(out, parts)
    assert made == [0, 1, 2, 3, 4]
    e = "é".encode()
    assert out.getvalue() == b"x" * 10 + e * 10 + b"x" * 10 + e * 10 + b"x" * 10
    assert out.writes == [30, 30, 10]  # never the whole file in one write
    mixed: list[str | bytes] = ["one ", b"two"]
    write_all(tmp_path / "reports", {"a.txt": iter(mixed)})
    assert (tmp_path / "reports" / "a.txt").read_bytes() == b"one two"


@pytest.mark.parametrize("swap", [True, False])
def test_a_file_whose_pieces_fail_midway_leaves_the_reports_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: bool
) -> None:
    out = tmp_path / "reports"
    write_all(out, {"a.html": "old a", "b.md": "old b"})
    if not swap:
        monkeypatch.setattr(render, "_can_swap", lambda: False)

    def broken() -> Iterator[str]:
        yield "half of a record"
        raise ValueError("a record the writer cannot format")

    with pytest.raises(ValueError, match="cannot format"):
        write_all(out, {"a.html": "new a", "b.md": broken()})
    assert _contents(out) == {"a.html": "old a", "b.md": "old b"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]
    assert sorted(p.name for p in out.iterdir()) == ["a.html", "b.md"]
