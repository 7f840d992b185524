"""Evidence a clinician can trust, end to end against the emulator: retractions and
corrections, preclinical and language exclusions, the reviewer's curation, the PRISMA-style
flow, the evidence map, new studies, and sentinel studies."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from evidence.cli import main
from evidence.errors import EXIT_SENTINEL, EXIT_USAGE
from evidence.queries import load_queries
from evidence.testing import EutilsEmulator, refresh_args, synthetic_article

RCT_TYPES = (
    '<PublicationType UI="D016428">Journal Article</PublicationType>'
    '<PublicationType UI="D016449">Randomized Controlled Trial</PublicationType>'
)


def article(
    pmid: str,
    title: str,
    *,
    types: str = RCT_TYPES,
    mesh: tuple[str, ...] = ("Humans",),
    language: str = "eng",
    corrections: str = "",
) -> bytes:
    xml = synthetic_article(pmid, year=2021).decode()
    xml = re.sub(
        r"<ArticleTitle>.*?</ArticleTitle>",
        f"<ArticleTitle>{title}</ArticleTitle>",
        xml,
        count=1,
        flags=re.S,
    )
    xml = re.sub(
        r"<PublicationTypeList>.*?</PublicationTypeList>",
        f"<PublicationTypeList>{types}</PublicationTypeList>",
        xml,
        count=1,
        flags=re.S,
    )
    headings = "".join(
        f"<MeshHeading><DescriptorName>{m}</DescriptorName></MeshHeading>" for m in mesh
    )
    xml = re.sub(
        r"<MeshHeadingList>.*?</MeshHeadingList>",
        f"<MeshHeadingList>{headings}</MeshHeadingList>",
        xml,
        count=1,
        flags=re.S,
    )
    xml = re.sub(r"<Language>\w+</Language>", f"<Language>{language}</Language>", xml, count=1)
    if corrections:
        xml = xml.replace(
            "<MeshHeadingList>",
            f"<CommentsCorrectionsList>{corrections}</CommentsCorrectionsList><MeshHeadingList>",
            1,
        )
    return xml.encode()


def correction(kind: str, pmid: str) -> str:
    return (
        f'<CommentsCorrections RefType="{kind}"><RefSource>J. 2022</RefSource>'
        f'<PMID Version="1">{pmid}</PMID></CommentsCorrections>'
    )


RECORDS = {
    "41000001": article("41000001", "Intravenous ketamine for migraine: a randomized trial"),
    "41000002": article(
        "41000002",
        "Ketamine for chronic migraine: a randomized trial",
        types=RCT_TYPES + '<PublicationType UI="D016441">Retracted Publication</PublicationType>',
        corrections=correction("RetractionIn", "41900001"),
    ),
    "41000003": article(
        "41000003",
        "Ketamine reduces migraine-like pain in a rat model",
        types='<PublicationType UI="D016428">Journal Article</PublicationType>',
        mesh=("Animals", "Rats", "Migraine Disorders"),
    ),
    "41000004": article("41000004", "[Ketamine for migraine: a randomized trial]", language="fre"),
    "41000005": article("41000005", "Ketamine for migraine after anaesthesia: a randomized trial"),
    "41000006": article(
        "41000006",
        "Intranasal esketamine for migraine: a randomized trial",
        corrections=correction("ErratumIn", "41900002")
        + correction("ExpressionOfConcernIn", "41900003"),
    ),
}


@pytest.fixture
def world(project: Path) -> Iterator[tuple[EutilsEmulator, Path]]:
    queries = project / "queries"
    (queries / "neuropathic-pain.toml").unlink()
    text = (queries / "headache.toml").read_text(encoding="utf-8")
    text = re.sub(r"sentinels = \[.*?\]", 'sentinels = ["41000001", "41000099"]', text)
    text = text.replace("\n[search]\n", '\nlanguages = ["eng"]\n\n[search]\n', 1)
    (queries / "headache.toml").write_text(text, encoding="utf-8")
    (queries / "curation.toml").write_text(
        '[[study]]\npmid = "41000005"\ndecision = "exclude"\n'
        'reason = "Ketamine given for anaesthesia, not for migraine"\n\n'
        '[[study]]\npmid = "41000001"\ndecision = "include"\nparticipants = 48\n'
        'note = "Pain relief at 2 hours did not differ from placebo."\n',
        encoding="utf-8",
    )
    (term,) = [q.term for q in load_queries(queries)]
    with EutilsEmulator(RECORDS, rate_limit=None) as emu:
        emu.add_search(term, sorted(RECORDS))
        yield emu, project


def refresh(project: Path, url: str, *extra: str) -> int:
    return main(refresh_args(project, url, *extra))


def test_every_output_tells_the_clinician_what_to_trust(
    world: tuple[EutilsEmulator, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    emu, project = world
    assert refresh(project, emu.url) == 0
    err = capsys.readouterr().err
    # A missing sentinel is loud even with --quiet.
    assert "Warning: headache: sentinel studies not found: 41000099" in err

    html = (project / "reports" / "index.html").read_text(encoding="utf-8")
    main_list = html[: html.index('<details class="ev-excluded"')]
    # Included: only the two sound human RCTs in English.
    found = re.findall(r'<li class="ev-study[^"]*" id="ev-headache-(\d+)"', main_list)
    assert found == ["41000001", "41000006"]  # same level and year: by PMID
    assert 'Erratum</span>: <a href="https://pubmed.ncbi.nlm.nih.gov/41900002/"' in main_list
    assert "Expression of concern</span>: <a" in main_list
    assert "48 participants" in main_list and "Pain relief at 2 hours" in main_list
    assert "esketamine" in main_list  # the agent is named where it is not plain ketamine
    # Each exclusion is listed apart, never silently dropped.
    for label, pmid in (
        ("Retracted publications (1): shown struck through", "41000002"),
        ("Preclinical studies (animal or laboratory only) (1)", "41000003"),
        ("Not in the included languages (1)", "41000004"),
        ("Excluded by the reviewer (1)", "41000005"),
    ):
        group = html[html.index(label) :]
        assert f'id="ev-headache-{pmid}"' in group[: group.index("</details>")]
    assert 'class="ev-study ev-retracted" id="ev-headache-41000002"' in html
    assert 'Retraction notice</span>: <a href="https://pubmed.ncbi.nlm.nih.gov/41900001/"' in html
    assert "Excluded by the reviewer: Ketamine given for anaesthesia" in html
    assert "did not find 1 of its 2 landmark (sentinel) studies" in html

    page = (project / "reports" / "index.html").read_text(encoding="utf-8")
    flow = page[page.index("How the studies were selected") :]
    for row, value in (
        ("Records identified by the search", 6),
        ("Excluded automatically: retracted publications", 1),
        ("Excluded automatically: preclinical studies", 1),
        ("Excluded automatically: not in the included languages", 1),
        ("Excluded by the reviewer (Ketamine given for anaesthesia, not for migraine: 1)", 1),
        ("Studies included", 2),
    ):
        assert re.search(re.escape(row) + r'[^<]*</th><td class="num">' + str(value), flow), row
    evidence_map = page[page.index('id="ev-map-title"') : page.index('id="ev-chart-title"')]
    # The map counts included studies only: two RCTs, no column for the retracted,
    # preclinical or excluded ones; each count links to its filtered list.
    heads = re.findall(r'<th scope="col" class="lv">([^<]*)</th>', evidence_map)
    assert heads == ["Randomized trials", "All"]
    counts = re.findall(
        r'<a href="\?topic=headache&amp;condition=(\w+)&amp;level=rct#ev-studies"[^>]*>(\d+)</a>',
        evidence_map,
    )
    assert counts and all(int(n) <= 2 for _, n in counts)

    md = (project / "reports" / "research-studies.md").read_text(encoding="utf-8")
    # The short Markdown fragment flags corrections and leaves retracted studies out.
    assert "**Expression of concern** · **Erratum**" in md and "41000002" not in md


def test_status_review_and_export(
    world: tuple[EutilsEmulator, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    emu, project = world
    assert refresh(project, emu.url) == 0
    capsys.readouterr()
    assert main(["status", "--json", "--project", str(project)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["studies"] == 2 and info["unreviewed"] == 4
    headache = info["queries"]["headache"]
    assert headache["missing_sentinels"] == ["41000099"]
    assert headache["flow"] == info["flow"] | {"duplicates_removed": 0}
    assert info["flow"] == {
        "identified": 6,
        "duplicates_removed": 0,
        "not_retrieved": 0,
        "excluded_automatically": {"retracted": 1, "preclinical": 1, "language": 1, "notice": 0},
        "excluded_by_reviewer": 1,
        "reviewer_reasons": {"Ketamine given for anaesthesia, not for migraine": 1},
        "included": 2,
    }

    assert main(["review", "--json", "--project", str(project)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["pmid"] for r in rows} == {"41000002", "41000003", "41000004", "41000006"}
    assert main(["review", "--project", str(project)]) == 0
    assert "4 studies not reviewed yet" in capsys.readouterr().out

    assert main(["export", "--format", "csv", "--project", str(project)]) == 0
    out = capsys.readouterr().out.removeprefix("\ufeff")  # the BOM, for Excel
    exported = {r["pmid"]: r for r in csv.DictReader(io.StringIO(out))}
    for column in (
        "evidence_level",
        "route",
        "agent",
        "participants",
        "curation_decision",
        "curation_note",
    ):
        assert column in exported["41000001"]
    assert exported["41000001"]["curation_decision"] == "include"
    assert exported["41000001"]["participants"] == "48"
    assert exported["41000005"]["curation_decision"] == "exclude"
    assert exported["41000005"]["curation_note"].startswith("Ketamine given for anaesthesia")
    assert exported["41000002"]["retracted"] == "True"
    assert exported["41000002"]["exclusion"] == "retracted"
    assert exported["41000006"]["agent"] == "esketamine"
    assert exported["41000006"]["notices"] == (
        "Expression of concern (PMID 41900003); Erratum (PMID 41900002)"
    )


def test_strict_turns_a_missing_sentinel_into_an_exit_code(
    world: tuple[EutilsEmulator, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    emu, project = world
    assert refresh(project, emu.url, "--strict") == EXIT_SENTINEL
    assert "sentinel studies not found: 41000099" in capsys.readouterr().err


def test_decisions_survive_refreshes_and_new_studies_are_marked(
    world: tuple[EutilsEmulator, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    emu, project = world
    assert refresh(project, emu.url) == 0
    first = (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert '<span class="ev-new"' not in first  # a first refresh marks nothing new
    (term,) = [q.term for q in load_queries(project / "queries")]
    # A record new to PubMed carries today's Entrez date (incremental runs ask for those).
    today = datetime.now(UTC).strftime("%Y/%m/%d")
    emu.add_article(
        "41000007", article("41000007", "Ketamine for migraine: a randomized trial"), edat=today
    )
    emu.add_search(term, [*sorted(RECORDS), "41000007"])
    assert refresh(project, emu.url) == 0
    html = (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert "1 study is new since the previous refresh" in html
    assert re.findall(r'id="ev-headache-(\d+)"[^>]*>\n<span class="ev-new"', html) == ["41000007"]
    # The reviewer's decisions still apply after the second refresh.
    assert "Excluded by the reviewer: Ketamine given for anaesthesia" in html
    capsys.readouterr()
    assert main(["status", "--json", "--project", str(project)]) == 0
    assert json.loads(capsys.readouterr().out)["queries"]["headache"]["new_studies"] == ["41000007"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('pmid = "1"\ndecision = "exclude"\n', "an exclusion needs a 'reason'"),
        ('pmid = "1"\ndecision = "maybe"\n', "decision must be 'include' or 'exclude'"),
        ('pmid = "1"\ndesign = "anecdote"\n', "unknown design 'anecdote'"),
        ('pmid = "x1"\n', "pmid must be a PubMed id"),
    ],
)
def test_a_bad_curation_file_is_a_clear_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str], entry: str, message: str
) -> None:
    (project / "queries" / "curation.toml").write_text(f"[[study]]\n{entry}", encoding="utf-8")
    assert main(["refresh", "--sample", "--project", str(project)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and "curation.toml" in err and err.count("\n") == 1


def test_sentinels_must_be_pmids(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "queries" / "headache.toml"
    path.write_text(
        re.sub(
            r"sentinels = \[.*?\]", 'sentinels = ["Afridi 2013"]', path.read_text(encoding="utf-8")
        ),
        encoding="utf-8",
    )
    assert main(["refresh", "--sample", "--project", str(project)]) == EXIT_USAGE
    assert "sentinels: 'Afridi 2013' is not a PMID" in capsys.readouterr().err


def test_every_export_and_the_feed_flag_retractions_and_exclusions(
    world: tuple[EutilsEmulator, Path],
) -> None:
    import feedparser
    import rispy
    from bibtexparser.entrypoint import parse_string

    emu, project = world
    assert refresh(project, emu.url) == 0
    reports = project / "reports"
    ris = {
        r["accession_number"]: r
        for r in rispy.loads((reports / "studies.ris").read_text(encoding="utf-8"))
    }
    assert ris["41000002"]["notes"][0].startswith("RETRACTED; Retraction notice (PMID 41900001)")
    assert "Erratum (PMID 41900002)" in ris["41000006"]["notes"][0]
    bib = parse_string((reports / "studies.bib").read_text(encoding="utf-8"))
    notes = {e.key: e.fields_dict["note"].value for e in bib.entries if "note" in e.fields_dict}
    assert notes["pmid41000002"].startswith("RETRACTED")
    csl = {i["PMID"]: i for i in json.loads((reports / "studies.csl.json").read_text("utf-8"))}
    assert csl["41000002"]["note"].startswith("RETRACTED")
    feed = {e.id: e for e in feedparser.parse(str(reports / "feed.xml")).entries}
    retracted = feed["https://pubmed.ncbi.nlm.nih.gov/41000002/"]
    assert retracted.title.startswith("Retracted: ")
    rat = feed["https://pubmed.ncbi.nlm.nih.gov/41000003/"]
    assert "Not counted: Preclinical studies" in rat.summary
