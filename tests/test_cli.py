"""The `evidence` command as a user runs it, on the offline sample (no network)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from evidence.cli import main
from evidence.sources import SampleSource

SAMPLE_PMIDS = {str(s["pmid"]) for s in SampleSource().studies}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def refreshed(project: Path, capsys: pytest.CaptureFixture[str], no_network: None) -> Path:
    code, out, err = run(capsys, "refresh", "--sample", "--project", str(project))
    assert code == 0, err
    assert "Refreshed 2 queries from the curated offline sample" in out
    return project


def test_refresh_sample_writes_every_report(refreshed: Path) -> None:
    reports = refreshed / "reports"
    html = (reports / "research-studies.html").read_text(encoding="utf-8")
    page = (reports / "index.html").read_text(encoding="utf-8")
    md = (reports / "research-studies.md").read_text(encoding="utf-8")
    # The full page lists every study; the fragment and its Markdown the same short choice.
    for pmid in SAMPLE_PMIDS:
        assert f'href="https://pubmed.ncbi.nlm.nih.gov/{pmid}/"' in page
    shown = set(re.findall(r'href="https://pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/"', html))
    assert shown == set(re.findall(r"\(https://pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/\)", md))
    assert shown < SAMPLE_PMIDS and len(shown) == 17  # 7 headache + 10 neuropathic pain
    # The sample says what it is wherever it shows, in words a reader understands.
    for text in (html, page, md):
        assert "Curated offline sample" in text
        assert "November 24, 2026" in text
    for text in (html, md):
        assert "not the result of a current search of PubMed" in text
        for technical in ("evidence refresh", "<code", "`", "entinel", "Query:"):
            assert technical not in text
    assert html.lstrip().startswith("<section")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "How the studies were selected" in page
    assert 'href="https://doi.org/10.1212/WNL.0b013e3182824e66"' in page
    # Every neuropathic syndrome is listed with its count of studies per evidence level.
    for label in (
        "Complex regional pain syndrome (CRPS)",
        "Postherpetic neuralgia",
        "Phantom limb pain",
        "Diabetic neuropathy",
        "Spinal cord injury pain",
        "Fibromyalgia",
        "Trigeminal neuralgia",
        "Cancer-related neuropathic pain",
    ):
        assert re.search(f"<b[^>]*>{re.escape(label)}</b>: \\d+ stud", html), label
    assert "et al 2012" not in html  # counts, not a wall of look-alike citations
    # One compact entry per study: the title links to PubMed, then design, size and year.
    assert re.search(
        r'Afridi SK, Giffin NJ, Kaube H, Goadsby PJ\. <a href="https://pubmed\.ncbi\.nlm\.nih'
        r'\.gov/23365053/"[^>]*>A randomized controlled trial of intranasal ketamine in '
        r"migraine with prolonged aura</a>\. <i>Neurology\.</i>",
        html,
    )
    assert ">Randomized controlled trial · 30 participants · 2013</span>" in html


def test_studies_are_grouped_by_evidence_level_in_order(refreshed: Path) -> None:
    html = (refreshed / "reports" / "index.html").read_text(encoding="utf-8")
    headache = html[html.index('id="ev-headache"') : html.index('id="ev-neuropathic_pain"')]
    order = [
        headache.index(h)
        for h in (
            "Systematic reviews and meta-analyses (2)",
            "Randomized controlled trials (5)",
            "Other clinical trials (1)",
            "Observational studies (4)",
            "Case series and case reports (1)",
            "Reviews and guidelines (2)",
        )
    ]
    assert order == sorted(order)
    fragment = (refreshed / "reports" / "research-studies.html").read_text(encoding="utf-8")
    headache = fragment[fragment.index('id="ev-headache-title"') :]
    first = headache.index("Systematic reviews and meta-analyses</h4>")
    assert first < headache.index("Randomized controlled trials</h4>")
    assert "Observational studies</h4>" not in fragment  # not in the default selection


def test_export_csv(refreshed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "export", "--format", "csv", "--project", str(refreshed))
    assert code == 0
    assert out.startswith("\ufeff")  # the byte-order mark Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert {r["pmid"] for r in rows} == SAMPLE_PMIDS and len(rows) == len(SAMPLE_PMIDS)
    for column in (
        "pmid",
        "title",
        "authors",
        "journal",
        "year",
        "doi",
        "pmcid",
        "publication_types",
        "design",
        "topics",
        "conditions",
        "retracted",
        "first_seen",
    ):
        assert column in rows[0]
    afridi = next(r for r in rows if r["pmid"] == "23365053")
    assert afridi["design"] == "rct" and afridi["topics"] == "headache"
    assert afridi["conditions"] == "headache:migraine_with_aura"
    assert afridi["retracted"] == "False" and afridi["year"] == "2013"
    levels = [int(r["evidence_level"]) for r in rows]
    assert levels == sorted(levels)

    target = refreshed / "out.csv"
    code, out, _ = run(
        capsys, "export", "--format", "csv", "-o", str(target), "--project", str(refreshed)
    )
    assert code == 0 and out == ""
    assert len(list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))) == len(
        SAMPLE_PMIDS
    )


def test_status(refreshed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", "--json", "--project", str(refreshed))
    assert code == 0
    info = json.loads(out)
    assert info["origin"] == "sample" and info["studies"] == len(SAMPLE_PMIDS)
    assert info["queries"]["headache"]["last_run"]["status"] == "ok"
    assert info["queries"]["headache"]["studies"] == 15
    assert info["last_refreshed"]
    code, out, _ = run(capsys, "status", "--project", str(refreshed))
    assert code == 0 and "headache: last run ok" in out


def test_build_rebuilds_from_the_store(refreshed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = refreshed / "reports" / "index.html"
    before = page.read_text(encoding="utf-8")
    page.unlink()
    code, _, err = run(capsys, "build", "--project", str(refreshed))
    assert code == 0, err
    assert page.read_text(encoding="utf-8") == before


def test_unknown_option_is_a_one_line_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["refresh", "--colour", "--project", str(project)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("Error: unrecognized arguments: --colour")


def test_nothing_refreshed_yet(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "build", "--project", str(project))
    assert code == 2
    assert "evidence refresh --sample" in err and err.count("\n") == 1


def test_malformed_query_file_changes_nothing(
    refreshed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p.name: p.read_bytes() for p in (refreshed / "reports").iterdir()}
    bad = refreshed / "queries" / "broken.toml"
    bad.write_text('title = "x"\n[search\n', encoding="utf-8")
    code, _, err = run(capsys, "refresh", "--sample", "--project", str(refreshed))
    assert code == 2
    assert err.startswith(f"Error: {bad}: not valid TOML") and err.count("\n") == 1
    assert {p.name: p.read_bytes() for p in (refreshed / "reports").iterdir()} == before


def test_live_refresh_needs_an_email(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NCBI_EMAIL", raising=False)
    code, _, err = run(capsys, "refresh", "--project", str(project))
    assert code == 2
    assert err == (
        "Error: NCBI asks every E-utilities user for a contact email: set NCBI_EMAIL "
        "or pass --email\n"
    )


def test_missing_project_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "status", "--project", str(tmp_path / "nowhere"))
    assert code == 2 and "does not exist" in err


def test_readers_never_create_a_store(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "status", "--sample", "--project", str(project))
    assert code == 2 and "evidence refresh --sample" in err
    assert not (project / ".evidence" / "sample.sqlite").exists()


def test_build_waits_for_no_refresh(refreshed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import fcntl

    with (refreshed / ".evidence" / "refresh.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        code, _, err = run(capsys, "build", "--project", str(refreshed))
    assert code == 4 and "another refresh is running" in err


def test_export_marks_the_sample_as_such(
    refreshed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "export", "--format", "csv", "--project", str(refreshed))
    assert code == 0
    rows = csv.DictReader(io.StringIO(out.removeprefix("\ufeff")))
    assert {r["origin"] for r in rows} == {"sample"}


def test_style_flag_and_project_file_choose_the_citation_style(
    refreshed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "export", "--format", "csv", "--project", str(refreshed))
    assert code == 0 and "Neurology. 2013;80(7):642-647. doi:" in out  # AMA by default
    (refreshed / "evidence.toml").write_text('style = "vancouver"\n', encoding="utf-8")
    code, _, err = run(capsys, "build", "--project", str(refreshed))
    assert code == 0, err
    page = (refreshed / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Citations in Vancouver (NLM) style." in page
    assert "Neurology. 2013 Feb;80(7):642-7. doi:" in page  # month and short range (NLM)
    code, out, _ = run(
        capsys, "export", "--format", "json", "--style", "apa", "--project", str(refreshed)
    )
    data = json.loads(out)
    assert code == 0 and data["citation_style"] == "apa"
    assert any("Neurology, 80(7), 642\u2013647." in s["citation"] for s in data["studies"])


def test_a_bad_project_file_is_a_one_line_usage_error(
    refreshed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (refreshed / "evidence.toml").write_text('style = "mla"\n', encoding="utf-8")
    code, _, err = run(capsys, "build", "--project", str(refreshed))
    assert code == 2 and err.startswith("Error: ") and err.count("\n") == 1
    assert "evidence.toml: style = 'mla'" in err


def test_a_project_template_overrides_the_packaged_one(
    refreshed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's example: copy the fragment into templates/ and change its heading."""
    packaged = Path(__file__).resolve().parents[1] / "src/evidence/templates"
    text = (packaged / "research-studies.html").read_text(encoding="utf-8")
    heading = '<h2 id="evidence-studies-title"{{ at("h2") }}>Research studies</h2>'
    assert heading in text
    (refreshed / "templates").mkdir()
    (refreshed / "templates" / "research-studies.html").write_text(
        text.replace(heading, '<h2 id="evidence-studies-title">What the research says</h2>'),
        encoding="utf-8",
    )
    code, _, err = run(capsys, "build", "--project", str(refreshed))
    assert code == 0, err
    reports = refreshed / "reports"
    page = (reports / "research-studies.html").read_text(encoding="utf-8")
    assert "What the research says</h2>" in page and "Research studies</h2>" not in page
    # Templates the project does not override still come from the package.
    assert "## Research studies" in (reports / "research-studies.md").read_text("utf-8")


def test_a_broken_project_template_is_named_with_its_line(
    refreshed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (refreshed / "templates").mkdir()
    (refreshed / "templates" / "feed.xml").write_text(
        '<?xml version="1.0"?>\n<feed>\n{% for e in feed.entries %}\n', encoding="utf-8"
    )
    code, _, err = run(capsys, "build", "--project", str(refreshed))
    assert code == 2 and err.count("\n") == 1
    # The project's own file is named, so there is no doubt which copy is broken.
    where = refreshed / "templates" / "feed.xml"
    assert err.startswith(f"Error: {where}:3: Unexpected end of template.")


def test_log_format_json_writes_one_object_a_line(
    project: Path, capsys: pytest.CaptureFixture[str], no_network: None
) -> None:
    code, _, err = run(
        capsys, "refresh", "--sample", "--project", str(project), "--log-format", "json"
    )
    assert code == 0
    entries = [json.loads(line) for line in err.splitlines()]
    assert entries and all(set(e) == {"time", "level", "logger", "message"} for e in entries)
    assert "headache: searching" in [e["message"] for e in entries]
    assert all(e["logger"] == "evidence.progress" and e["level"] == "info" for e in entries)


def test_quiet_json_logging_prints_nothing_on_success(
    project: Path, capsys: pytest.CaptureFixture[str], no_network: None
) -> None:
    code, out, err = run(
        capsys, "refresh", "--sample", "--quiet", "--project", str(project), "--log-format", "json"
    )
    assert (code, out, err) == (0, "", "")


def test_status_tells_the_next_window(refreshed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", "--project", str(refreshed))
    assert code == 0
    assert "next run: full search" in out  # the sample is a snapshot: always all of it
    code, out, _ = run(capsys, "status", "--json", "--project", str(refreshed))
    info = json.loads(out)
    assert info["last_failure"] is None and info["last_success"] == info["last_refreshed"]
    assert set(info["new_studies"]) == SAMPLE_PMIDS - set(info["changes"]["deleted"])
    assert info["queries"]["headache"]["next_window"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--per-topic", "ten"], "Error: argument --per-topic: not a whole number: 'ten'"),
        (["--per-level", "-2"], "Error: argument --per-level: not a whole number: '-2'"),
        (["--only", "best"], "Error: argument --only: invalid choice: 'best'"),
        (["--fragment", "css"], "Error: argument --fragment: invalid choice: 'css'"),
        (["--levels", "rct,anecdote"], "Error: --levels = ['rct', 'anecdote']: expected"),
        (["--full-list-url", "javascript:x"], "Error: --full-list-url = 'javascript:x'"),
        (["--topics", "nope"], "Error: evidence.toml: [publish] topics (or --topics): no query"),
    ],
)
def test_a_bad_publish_flag_is_one_error_line_naming_it(
    refreshed: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = (refreshed / "reports" / "research-studies.html").read_bytes()
    try:
        code, _, err = run(capsys, "build", "--project", str(refreshed), *args)
    except SystemExit as exc:  # argparse refuses the flag itself
        code, err = int(str(exc.code)), capsys.readouterr().err
    assert code == 2 and err.startswith(message) and err.count("\n") == 1, err
    assert (refreshed / "reports" / "research-studies.html").read_bytes() == before


def test_a_bad_publish_key_in_the_project_file_is_one_error_line(
    refreshed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (refreshed / "evidence.toml").write_text("[publish]\nper_topic = -1\n", encoding="utf-8")
    code, _, err = run(capsys, "refresh", "--sample", "--project", str(refreshed))
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("Error: ") and "evidence.toml: [publish] per_topic = -1" in err
