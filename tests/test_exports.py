"""Every export read back by an independent, well-kept parser: rispy (RIS), bibtexparser
(BibTeX), Biopython's Bio.Medline (PubMed's MEDLINE/.nbib), citeproc-py (CSL-JSON, also
rendered to a bibliography), the csv and json modules. Each record's PMID, DOI, title,
authors and year must survive the round trip, for the whole sample and for awkward records."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import rispy
from bibtexparser import middlewares
from bibtexparser.entrypoint import parse_string
from Bio import Medline
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from markupsafe import Markup

from conftest import missing
from evidence.citations import expand_pages
from evidence.cli import main
from evidence.errors import ConfigError, OutputError
from evidence.exports import (
    CSV_COLUMNS,
    EXPORT_FILES,
    LABEL_COLUMNS,
    _csv_parts,
    _json_object,
    cms_json,
    export,
    export_file,
    export_parts,
    export_text,
    labelled_table,
    reviews,
    write_csv,
)
from evidence.findings import authors_conclusion
from evidence.reference_files import indented_json, json_array
from evidence.references import Review, to_bibtex, to_csl_json, to_nbib, to_ris
from evidence.settings import Settings, settings_from
from evidence.sources import ORIGIN_SAMPLE
from evidence.spreadsheet import to_xlsx
from evidence.study import AbstractSection, Author, Study
from evidence.view import View, load_view

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Record:
    """What must survive an export: the identity of one study."""

    pmid: str
    doi: str
    title: str
    surnames: tuple[str, ...]  # family names, or collective names
    year: str


def expected(studies: list[Study], fmt: str = "") -> list[Record]:
    records = []
    for s in studies:
        surnames = tuple(a.collective_name or a.last_name for a in s.authors if a.short)
        records.append(
            Record(
                s.pmid,
                s.doi,
                " ".join(s.title.split()),
                tuple(sorted(surnames)) if fmt == "nbib" else surnames,
                str(s.year or ""),
            )
        )
    return records


def _surname(name: str) -> str:
    return name.split(",")[0].strip()


def read_ris(text: str) -> list[Record]:
    return [
        Record(
            e["accession_number"],
            e.get("doi", ""),
            e["title"],
            tuple(_surname(a) for a in e.get("authors", [])),
            e.get("year", ""),
        )
        for e in rispy.loads(text)
    ]


def read_bibtex(text: str) -> list[Record]:
    library = parse_string(
        text,
        append_middleware=[
            middlewares.LatexDecodingMiddleware(),
            middlewares.SeparateCoAuthors(),
        ],
    )
    assert library.failed_blocks == []
    out = []
    for e in library.entries:
        f = {k: v.value for k, v in e.fields_dict.items()}
        assert e.key == f"pmid{f['pmid']}"
        out.append(
            Record(
                f["pmid"],
                f.get("doi", ""),
                f["title"],
                tuple(_surname(a) for a in f.get("author", [])),
                f.get("year", ""),
            )
        )
    return out


def read_nbib(text: str) -> list[Record]:
    out = []
    for r in Medline.parse(io.StringIO(text)):  # type: ignore[no-untyped-call]
        dois = [v.removesuffix(" [doi]") for v in r.get("AID", []) if v.endswith(" [doi]")]
        # Bio.Medline groups values by tag, so persons (AU) and groups (CN) come apart and
        # their relative order is lost: compare them sorted.
        people = [n.rsplit(" ", 1)[0] for n in r.get("AU", [])]
        out.append(
            Record(
                r["PMID"],
                dois[0] if dois else "",
                r.get("TI") or r.get("BTI", ""),
                tuple(sorted(people + r.get("CN", []))),
                r.get("DP", "")[:4],
            )
        )
    return out


def read_csl_json(text: str) -> list[Record]:
    source = CiteProcJSON(json.loads(text))
    out = []
    for key in source:
        ref = source[key]
        issued = ref.get("issued")
        out.append(
            Record(
                str(ref["PMID"]),
                str(ref.get("DOI", "")),
                str(ref["title"]),
                tuple(a.get("family") or a.get("literal") for a in ref.get("author", [])),
                _csl_year(issued),
            )
        )
    # A CSL processor must also be able to format every item.
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for key in source:
        bibliography.register(Citation([CitationItem(key)]))
    rendered = [str(item) for item in bibliography.bibliography()]
    assert len(rendered) == len(out)
    assert all(r.title.split()[0] in "\n".join(rendered) for r in out)
    return out


def _csl_year(issued: object) -> str:
    """The year of a citeproc-py date; a range ("2019 Nov-Dec") is read as its start."""
    if not issued:
        return ""
    assert isinstance(issued, dict)
    return str(issued.get("begin", issued)["year"])


def read_json(text: str) -> list[Record]:
    data = json.loads(text)
    return [
        Record(
            s["pmid"],
            s["doi"] or "",
            s["title"],
            tuple(a.rsplit(" ", 1)[0] if " " in a else a for a in s["authors"]),
            str(s["year"] or ""),
        )
        for s in data["studies"]
    ]


def read_csv(text: str) -> list[Record]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return [
        Record(
            r["pmid"],
            r["doi"],
            r["title"].removeprefix("'"),
            tuple(
                a.rsplit(" ", 1)[0]
                for a in r["authors"].removeprefix("'").split("; ")
                if a and a != "et al"  # an incomplete author list ends "; et al"
            ),
            r["year"],
        )
        for r in rows
    ]


READERS = {
    "ris": read_ris,
    "bibtex": read_bibtex,
    "nbib": read_nbib,
    "csl-json": read_csl_json,
    "json": read_json,
    "csv": read_csv,
}


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("exports") / "project"
    shutil.copytree(REPO / "queries", root / "queries")
    assert main(["refresh", "--sample", "--quiet", "--project", str(root)]) == 0
    return root


def test_every_format_has_a_reader() -> None:
    assert {*READERS, "xlsx"} == set(EXPORT_FILES)


def read_xlsx(data: bytes) -> list[Record]:
    ws = openpyxl.load_workbook(io.BytesIO(data))["Studies"]
    rows = ws.iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    out = []
    for values in rows:
        r = dict(zip(header, values, strict=True))
        authors = str(r["authors"] or "").split("; ")
        out.append(
            Record(
                str(r["pmid"]),
                str(r["doi"] or ""),
                str(r["title"]),
                tuple(a.rsplit(" ", 1)[0] for a in authors if a and a != "et al"),
                str(r["year"] or ""),
            )
        )
    return out


@pytest.mark.parametrize("fmt", sorted(EXPORT_FILES))
def test_each_export_round_trips_every_sample_record(
    sample_project: Path, fmt: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    settings = settings_from(project=sample_project, environ={})
    studies = load_view(settings, ORIGIN_SAMPLE).studies()
    assert len(studies) == 33
    want = expected(studies, fmt)
    assert main(["export", "--format", fmt, "--sample", "--project", str(sample_project)]) == 0
    printed = capsysbinary.readouterr().out
    if fmt == "xlsx":
        assert read_xlsx(printed) == want
    else:
        assert READERS[fmt](printed.decode("utf-8-sig")) == want
    # `build` wrote the same file into reports/.
    assert (sample_project / "reports" / EXPORT_FILES[fmt]).read_bytes() == printed


def test_exports_say_the_sample_is_not_a_pubmed_search(sample_project: Path) -> None:
    reports = sample_project / "reports"
    for name in ("studies.ris", "studies.nbib", "studies.bib", "studies.csl.json"):
        text = reports / name
        assert text.read_text(encoding="utf-8").count("curated offline sample") >= 33, name
    data = json.loads((reports / "studies.json").read_text(encoding="utf-8"))
    assert data["sample"] is True and "not a live PubMed search" in data["notice"]
    rows = list(csv.DictReader(io.StringIO((reports / "studies.csv").read_text("utf-8"))))
    assert {r["origin"] for r in rows} == {"sample"}


AWKWARD = [
    Study(
        pmid="31000001",
        title="Ketamine & {braces}: 100% of #1 patients_x in Größe [sic] $5 ~ études",
        authors=(
            Author("Müller-Lüdenscheidt", "Hans-Jürgen", "HJ"),
            Author(collective_name="The A & B Migraine Group"),
            Author("O'Brien", "", "C"),
        ),
        journal="Revue Neurologique",
        journal_abbrev="Rev Neurol (Paris)",
        year=2019,
        pub_date="2019 Nov-Dec",
        volume="175",
        issue="10",
        pages="642-7",
        doi="10.1016/j.neurol.2019.07.001",
        languages=("fre",),
    ),
    Study(
        pmid="31000002",
        title="[Ketamine in chronic pain: a translated title that is long enough to be "
        "wrapped across several lines of a MEDLINE record, which continue with six spaces]",
        authors=tuple(Author(f"Surname{i}", "", "AB") for i in range(8)),
        journal_abbrev="Schmerz",
        year=2024,
        pub_date="2024 Mar 1",
        doi="10.1007/s00482-024-00001-x",
    ),
    Study(
        pmid="31000003",
        title="Ketamine",
        kind="book",
        chapter=True,
        journal="StatPearls",
        publisher="StatPearls Publishing",
        year=2024,
        authors=(Author("Rosenbaum", "Sara", "S"),),
    ),
    Study(pmid="31000004", title="No authors, no year, no DOI"),
]


@pytest.mark.parametrize(
    ("fmt", "write"),
    [
        ("ris", lambda s: to_ris(s, note="n")),
        ("bibtex", lambda s: to_bibtex(s, note="n")),
        ("nbib", lambda s: to_nbib(s, note="n")),
        ("csl-json", lambda s: json.dumps(to_csl_json(s, note="n"))),
    ],
)
def test_awkward_records_round_trip(fmt: str, write: object) -> None:
    assert callable(write)
    assert READERS[fmt](write(AWKWARD)) == expected(AWKWARD, fmt)


def test_nbib_wraps_long_lines_as_pubmed_does() -> None:
    text = to_nbib(AWKWARD[1:2])
    assert max(len(line) for line in text.splitlines()) <= 88
    assert "\n      " in text  # continuation lines start with six spaces


def test_unknown_export_format_is_a_usage_error(
    sample_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["export", "--format", "docx", "--project", str(sample_project)])
    assert exc.value.code == 2
    assert capsys.readouterr().err.startswith("Error: argument --format: invalid choice")


DOCUMENTED = CSV_COLUMNS[: CSV_COLUMNS.index("first_seen") + 1]


def test_csv_export_has_the_documented_columns_first() -> None:
    table = pd.DataFrame(
        [
            {c: "" for c in DOCUMENTED}
            | {
                "topics": ["a", "b"],
                "conditions": ["a:x"],
                "publication_types": ["RCT"],
                "citation": "C",
                "citation_html": "<i>C</i>",
            }
        ]
    )
    out = io.StringIO()
    write_csv(table, out)
    frame = pd.read_csv(io.StringIO(out.getvalue()), dtype=str, keep_default_na=False)
    assert list(frame.columns)[: len(DOCUMENTED)] == DOCUMENTED
    assert "citation_html" not in frame.columns
    assert frame.loc[0, "topics"] == "a; b"


def test_csv_cells_cannot_become_spreadsheet_formulas() -> None:
    table = pd.DataFrame(
        [
            {c: "" for c in DOCUMENTED}
            | {
                "title": '=HYPERLINK("http://evil","x")',
                "authors": "@SUM(1)",
                "journal": "-2+3",
                "topics": ["a"],
                "conditions": [],
                "publication_types": [],
            }
        ]
    )
    out = io.StringIO()
    write_csv(table, out)
    frame = pd.read_csv(io.StringIO(out.getvalue()), dtype=str, keep_default_na=False)
    assert frame.loc[0, "title"] == '\'=HYPERLINK("http://evil","x")'
    assert frame.loc[0, "authors"] == "'@SUM(1)" and frame.loc[0, "journal"] == "'-2+3"


def test_export_to_a_path_is_atomic(sample_project: Path) -> None:
    view = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)
    target = sample_project / "out" / "studies.ris"
    target.parent.mkdir()
    target.write_text("an earlier export\n", encoding="utf-8")
    export(view, "ris", path=target)
    assert target.read_text(encoding="utf-8") == export_text(view, "ris")
    assert [p.name for p in target.parent.iterdir()] == ["studies.ris"]  # no temporary left
    # A rename that fails (here: a folder stands where the file would go) leaves no temporary
    # and nothing half-written, and says which file.
    blocked = target.parent / "studies.csv"
    (blocked / "inside").mkdir(parents=True)
    with pytest.raises(OutputError, match=r"studies\.csv: cannot write the export"):
        export(view, "csv", path=blocked)
    assert sorted(p.name for p in target.parent.iterdir()) == ["studies.csv", "studies.ris"]
    assert [p.name for p in blocked.iterdir()] == ["inside"]
    assert target.read_text(encoding="utf-8") == export_text(view, "ris")  # kept whole


def test_an_unknown_format_is_a_configuration_error(sample_project: Path) -> None:
    view = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)
    with pytest.raises(ConfigError, match="unknown export format 'docx'"):
        export_text(view, "docx")


def test_csl_json_keeps_initials_dates_markup_numbers_and_language() -> None:
    study = Study(
        pmid="31000010",
        title="CO2 in E. coli",
        title_html="CO<sub>2</sub> in <i>E. coli</i> &amp; <u>more</u>",
        authors=(
            Author("Sarvari", "", "HR"),
            Author("Dupont", "J-P", "J-P"),
            Author("Lee", "Anna", "A"),
        ),
        journal="Cureus",
        year=2019,
        pub_date="2019 Nov-Dec",
        pages="e35638",
        languages=("ger",),
        pmcid="PMC123",
    )
    [item] = to_csl_json([study])
    assert item["author"] == [
        {"family": "Sarvari", "given": "H. R."},
        {"family": "Dupont", "given": "J.-P."},
        {"family": "Lee", "given": "Anna"},
    ]
    assert item["issued"] == {"date-parts": [[2019, 11], [2019, 12]]}
    assert item["title"] == "CO<sub>2</sub> in <i>E. coli</i> & more"
    assert item["number"] == "e35638" and "page" not in item
    assert item["language"] == "de"
    assert (item["PMID"], item["PMCID"]) == ("31000010", "PMC123")


@pytest.mark.parametrize(
    ("pub_date", "issued"),
    [
        ("2019 Nov-Dec", {"date-parts": [[2019, 11], [2019, 12]]}),
        ("1998 Dec-1999 Jan", {"date-parts": [[1998, 12], [1999, 1]]}),
        ("2001-2002", {"date-parts": [[2001], [2002]]}),
        ("2003 Mar 1-15", {"date-parts": [[2003, 3, 1], [2003, 3, 15]]}),
        ("2000 Winter", {"date-parts": [[2000]], "season": 4}),
        ("2000 Spring-Summer", {"date-parts": [[2000]], "season": 1}),
        ("2023 Mar 1", {"date-parts": [[2023, 3, 1]]}),
        ("2023", {"date-parts": [[2023]]}),
    ],
)
def test_csl_dates_keep_ranges_and_seasons(pub_date: str, issued: object) -> None:
    year = int(pub_date[:4])
    [item] = to_csl_json([Study(pmid="1", title="t", year=year, pub_date=pub_date)])
    assert item["issued"] == issued


REVIEWED = Study(
    pmid="31000020",
    title="Ketamine for migraine",
    authors=(Author("Okafor", "", "C"),),
    journal="Headache",
    year=2024,
    volume="64",
    issue="2",
    pages="101-9",
    doi="10.1111/head.1",
)
REVIEW = Review(
    design="Randomized controlled trial",
    level="Randomized controlled trials",
    note="Small sample; 30-day follow-up",
    exclusion="Excluded by the reviewer",
)


def test_the_reviewers_work_survives_each_reference_manager_reader() -> None:
    reviews = {REVIEWED.pmid: REVIEW}
    expected_notes = [
        "Reviewer's note: Small sample; 30-day follow-up",
        "Study design: Randomized controlled trial",
        "Evidence level: Randomized controlled trials",
        "Not counted: Excluded by the reviewer",
    ]
    [ris] = rispy.loads(to_ris([REVIEWED], reviews=reviews))
    assert ris["notes"] == expected_notes
    assert "Study design: Randomized controlled trial" in ris["keywords"]
    assert ris["authors"] == ["Okafor, C."]
    library = parse_string(
        to_bibtex([REVIEWED], reviews=reviews),
        append_middleware=[middlewares.LatexDecodingMiddleware()],
    )
    fields = {k: v.value for k, v in library.entries[0].fields_dict.items()}
    assert fields["note"] == " ".join(n + "." for n in expected_notes)
    assert "Study design: Randomized controlled trial" in fields["keywords"]
    assert (fields["eprint"], fields["eprinttype"]) == ("31000020", "pubmed")
    [medline] = Medline.parse(io.StringIO(to_nbib([REVIEWED], reviews=reviews)))  # type: ignore[no-untyped-call]
    assert medline["GN"] == expected_notes
    [item] = to_csl_json([REVIEWED], reviews=reviews)
    assert item["note"] == "\n".join(expected_notes)
    assert "Study design: Randomized controlled trial" in str(item["keyword"])


def test_the_authors_conclusion_stands_in_for_a_missing_reviewers_note() -> None:
    study = Study(
        pmid="31000021",
        title="t",
        abstract=(
            AbstractSection("BACKGROUND", "Why."),
            AbstractSection("CONCLUSIONS", "Ketamine helped some."),
        ),
    )
    review = Review(design="Case series", conclusion=authors_conclusion(study))
    [item] = to_csl_json([study], reviews={study.pmid: review})
    assert str(item["note"]).splitlines() == [
        "Authors' conclusion: Ketamine helped some.",
        "Study design: Case series",
    ]


def test_sample_exports_carry_design_and_notes(sample_project: Path) -> None:
    reports = sample_project / "reports"
    ris = rispy.loads((reports / "studies.ris").read_text(encoding="utf-8"))
    assert all(any(n.startswith("Study design: ") for n in e["notes"]) for e in ris)
    items = json.loads((reports / "studies.csl.json").read_text(encoding="utf-8"))
    assert all("Study design: " in i["note"] for i in items)


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def export_data(view: View, fmt: str) -> bytes:
    content = export_file(view, fmt)
    return content.encode() if isinstance(content, str) else content


def test_csv_starts_with_a_bom_for_excel_unless_asked_not_to(
    sample_project: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    args = ["export", "--format", "csv", "--sample", "--project", str(sample_project)]
    assert main(args) == 0
    with_bom = capsysbinary.readouterr().out
    assert with_bom.startswith(b"\xef\xbb\xbfpmid,title,")
    assert (sample_project / "reports" / "studies.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert main([*args, "--no-bom"]) == 0
    without = capsysbinary.readouterr().out
    assert without.startswith(b"pmid,title,") and with_bom == b"\xef\xbb\xbf" + without
    # Non-ASCII names as UTF-8, which Excel shows right once the BOM says so.
    assert "Jørum" in without.decode("utf-8")


def test_csv_carries_readable_labels_beside_the_codes(sample_project: Path) -> None:
    rows = _csv_rows((sample_project / "reports" / "studies.csv").read_bytes())
    header = list(rows[0])
    for code, label in LABEL_COLUMNS.items():
        assert header.index(label) == header.index(code) + 1
    by_design = {r["design"]: r["design_label"] for r in rows}
    assert by_design["systematic_review"] == "Systematic review"
    routes = {r["route"]: r["route_label"] for r in rows}
    assert routes["mixed"] == "several routes"
    other = next(r for r in rows if r["conditions"] == "headache:other")
    assert other["condition_labels"] == "Other headache disorders"
    assert other["topic_labels"] == "Ketamine for migraine and other headache disorders"
    assert {r["evidence_level_label"] for r in rows if r["evidence_level"] == "1"} == {
        "Systematic reviews and meta-analyses"
    }


def _as_csv_text(value: object) -> str:
    """A workbook cell as the CSV writes the same value."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return str(value)


def test_xlsx_opens_typed_and_its_rows_equal_the_csvs(sample_project: Path) -> None:
    reports = sample_project / "reports"
    wb = openpyxl.load_workbook(reports / "studies.xlsx")
    ws = wb["Studies"]
    rows = list(ws.iter_rows(values_only=True))
    header, body = [str(h) for h in rows[0]], rows[1:]
    csv_rows = _csv_rows((reports / "studies.csv").read_bytes())
    assert header == list(csv_rows[0]) == CSV_COLUMNS
    assert [{h: _as_csv_text(v) for h, v in zip(header, row, strict=True)} for row in body] == [
        {h: v.removeprefix("'") for h, v in r.items()} for r in csv_rows
    ]
    # Types: numbers, booleans and dates as such, identifiers as text.
    first = dict(zip(header, body[0], strict=True))
    assert isinstance(first["year"], int) and isinstance(first["evidence_level"], int)
    assert isinstance(first["retracted"], bool)
    assert isinstance(first["first_seen"], datetime)
    assert isinstance(first["pmid"], str)
    assert any(isinstance(dict(zip(header, r, strict=True))["participants"], int) for r in body)
    # Frozen header, filters on, links clickable.
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == ws.dimensions
    url = ws.cell(2, header.index("pubmed_url") + 1)
    assert url.hyperlink is not None and url.hyperlink.target == url.value
    doi = ws.cell(2, header.index("doi") + 1)
    assert doi.hyperlink is not None and doi.hyperlink.target == f"https://doi.org/{doi.value}"


def test_xlsx_has_a_flow_sheet_per_topic(sample_project: Path) -> None:
    view = load_view(settings_from(project=sample_project, environ={}), ORIGIN_SAMPLE)
    wb = openpyxl.load_workbook(io.BytesIO(export_data(view, "xlsx")))
    assert wb.sheetnames == ["Studies", *(f"Flow {q.id}" for q in view.queries), "Flow all topics"]
    for q in view.queries:
        ws = wb[f"Flow {q.id}"]
        values = list(ws.iter_rows(values_only=True))
        assert values[0][0] == q.title and "curated offline sample" in str(values[1][0])
        steps = {str(r[0]): r[1] for r in values if r and isinstance(r[1], int)}
        flow = view.flows()[q.id]
        assert steps["Identified by the search"] == flow.identified
        assert steps["Included"] == flow.included


def test_xlsx_text_never_becomes_a_formula_and_the_file_is_reproducible(
    sample_project: Path,
) -> None:
    view = load_view(settings_from(project=sample_project, environ={}), ORIGIN_SAMPLE)
    table = labelled_table(view)
    table.loc[0, "title"] = '=HYPERLINK("http://evil","x")'
    data = to_xlsx(table, CSV_COLUMNS, [], data_date=view.data_date())
    cell = openpyxl.load_workbook(io.BytesIO(data))["Studies"]["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil","x")'
    assert to_xlsx(table, CSV_COLUMNS, [], data_date=view.data_date()) == data
    assert export_data(view, "xlsx") == export_data(view, "xlsx")


def test_xlsx_types_each_cell_of_a_column_that_mixes_types() -> None:
    # A column's writer is chosen once where its values share a type; where they do not,
    # each cell is still written by its own type; a link column's cell without a link is text.
    table = pd.DataFrame(
        {
            "year": pd.array([2020, None, 2019], dtype=object),
            "participants": [12, [3, 4], None],
            "retracted": [True, float("nan"), False],
            "doi": ["10.1000/xyz123", "", "10.2/y"],
            "title": ["A", 7, ["b", "c"]],
        }
    )
    data = to_xlsx(table, list(table.columns), [], data_date=date(2024, 5, 1))
    ws = openpyxl.load_workbook(io.BytesIO(data))["Studies"]
    rows = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert rows == [
        [2020, 12, True, "10.1000/xyz123", "A"],
        [None, "3; 4", None, None, "7"],
        [2019, None, False, "10.2/y", "b; c"],
    ]
    assert ws["D2"].hyperlink is not None
    assert ws["D2"].hyperlink.target == "https://doi.org/10.1000/xyz123"
    assert ws["D4"].hyperlink is None  # not a DOI doi.org resolves: plain text


def test_xlsx_on_a_terminal_is_refused(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    args = ["export", "--format", "xlsx", "--sample", "--project", str(sample_project)]
    assert main(args) == 2
    assert capsys.readouterr().err == (
        "Error: xlsx is a binary format: write it to a file (-o studies.xlsx)\n"
    )


@dataclass(frozen=True)
class Imported:
    """What a Zotero-style import must keep of one study."""

    pmid: str
    title: str
    authors: tuple[str, ...]  # "Family, G. N." as the reader gives them back
    year: str
    journal: str
    volume: str
    issue: str
    pages: str
    doi: str
    note: str  # the reviewer's note, or the authors' conclusion
    design: str


def _imported_expected(view: View) -> list[Imported]:
    from evidence.exports import reviews as review_of
    from evidence.references import given_names

    out = []
    for s in view.studies():
        review = review_of(view)[s.pmid]
        note, _ = _note_and_design(review.notes())
        out.append(
            Imported(
                s.pmid,
                s.title,
                tuple(
                    a.collective_name or _name(a.last_name, given_names(a))
                    for a in s.authors
                    if a.short
                ),
                str(s.year or ""),
                s.journal or s.journal_abbrev,
                s.volume,
                s.issue,
                expand_pages(s.pages) if s.pages else s.elocation,
                s.doi,
                note,
                f"Study design: {review.design}",
            )
        )
    return out


def _name(family: str, given: str) -> str:
    return f"{family}, {given}" if given else family


def _note_and_design(notes: list[str]) -> tuple[str, str]:
    note = next((n for n in notes if n.startswith(("Reviewer's note: ", "Authors'"))), "")
    design = next(n for n in notes if n.startswith("Study design: "))
    return note, design


def _bibtex_note_and_design(note: str, want: list[Imported]) -> tuple[str, str]:
    """BibTeX has one note field: the notes are sentences in it, so look for each wanted one."""
    notes = {w.note for w in want if w.note} | {w.design for w in want}
    found = [n for n in notes if n + "." in note or (n.endswith(".") and n in note)]
    return _note_and_design(sorted(found, key=note.index))


def test_a_zotero_style_import_keeps_what_a_reviewer_needs(sample_project: Path) -> None:
    view = load_view(settings_from(project=sample_project, environ={}), ORIGIN_SAMPLE)
    want = _imported_expected(view)
    assert any(w.note for w in want) and all(w.authors for w in want)
    reports = sample_project / "reports"

    ris = []
    for e in rispy.loads((reports / "studies.ris").read_text(encoding="utf-8")):
        pages = "-".join(p for p in (e.get("start_page", ""), e.get("end_page", "")) if p)
        ris.append(
            Imported(
                e["accession_number"],
                e["title"],
                tuple(e["authors"]),
                e["year"],
                e["secondary_title"],
                e.get("volume", ""),
                e.get("number", ""),
                pages,
                e.get("doi", ""),
                *_note_and_design(e["notes"]),
            )
        )
    assert ris == want

    library = parse_string(
        (reports / "studies.bib").read_text(encoding="utf-8"),
        append_middleware=[
            middlewares.LatexDecodingMiddleware(),
            middlewares.SeparateCoAuthors(),
        ],
    )
    bib = []
    for entry in library.entries:
        f = {k: v.value for k, v in entry.fields_dict.items()}
        bib.append(
            Imported(
                f["pmid"],
                f["title"],
                tuple(a.strip("{}") for a in f["author"]),
                f["year"],
                f["journal"],
                f.get("volume", ""),
                f.get("number", ""),
                f.get("pages", "").replace("\u2013", "-"),  # LaTeX's "--", decoded
                f.get("doi", ""),
                *_bibtex_note_and_design(f["note"], want),
            )
        )
    assert bib == want

    csl = []
    for item in json.loads((reports / "studies.csl.json").read_text(encoding="utf-8")):
        csl.append(
            Imported(
                item["PMID"],
                item["title"],
                tuple(a.get("literal") or _name(a["family"], a["given"]) for a in item["author"]),
                str(item["issued"]["date-parts"][0][0]),
                item["container-title"],
                item.get("volume", ""),
                item.get("issue", ""),
                item.get("page") or item.get("number", ""),
                item.get("DOI", ""),
                *_note_and_design(item["note"].splitlines()),
            )
        )
    assert csl == want


def test_bibutils_reads_the_pmid_of_every_bibtex_record(sample_project: Path) -> None:
    bib2xml = shutil.which("bib2xml")
    if bib2xml is None:
        missing("bibutils (apt-get install bibutils)")
    proc = subprocess.run(
        [bib2xml, str(sample_project / "reports" / "studies.bib")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    pmids = re.findall(r'<identifier type="pubmed">(\d+)</identifier>', proc.stdout)
    view = load_view(settings_from(project=sample_project, environ={}), ORIGIN_SAMPLE)
    assert pmids == [s.pmid for s in view.studies()]


# --- written record by record ------------------------------------------------------------


def _whole(view: View, fmt: str) -> str:
    """Each text export as the whole-string writers make it (what a build wrote before its
    exports were streamed)."""
    studies, note, done = view.studies(), view.note, reviews(view)
    if fmt == "json":
        return json.dumps(cms_json(view), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csl-json":
        items = to_csl_json(studies, note=note, reviews=done)
        return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        write_csv(labelled_table(view), out)
        return out.getvalue()
    writers = {"ris": to_ris, "bibtex": to_bibtex, "nbib": to_nbib}
    return writers[fmt](studies, note=note, reviews=done)


@pytest.mark.parametrize("fmt", [f for f in EXPORT_FILES if f != "xlsx"])
def test_an_export_is_made_record_by_record_with_the_same_bytes(
    sample_project: Path, fmt: str
) -> None:
    view = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)
    parts = [str(p) for p in export_parts(view, fmt, bom=False)]
    studies = view.studies()
    # A piece a record (the CSV is in blocks of rows), each far smaller than the export.
    assert len(parts) >= (1 if fmt == "csv" else len(studies))
    if fmt != "csv":
        assert max(len(p) for p in parts) < len("".join(parts)) / 5
    assert "".join(parts) == _whole(view, fmt) == export_text(view, fmt)


def test_an_export_to_a_file_is_written_in_pieces(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evidence import render

    view = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)
    monkeypatch.setattr(render, "_WRITE_SIZE", 1000)
    writes: list[int] = []

    class Recorder(io.BytesIO):
        def write(self, data: object) -> int:
            writes.append(len(data))  # type: ignore[arg-type]
            return super().write(data)  # type: ignore[arg-type]

    out = Recorder()
    export(view, "nbib", out=out)
    assert out.getvalue() == _whole(view, "nbib").encode("utf-8")
    assert len(writes) > 10 and max(writes) < len(out.getvalue()) / 10


def test_json_pieces_are_what_json_dumps_writes() -> None:
    awkward = [
        {},
        {"a": [], "b": {}, "c": None, "d": True, "e": False, "f": 0, "g": 1, "h": -7},
        {"s": 'quote " back \\ tab \t nl \n é ✓ \u2028 \x00', "n": [[1, [2, []]], {"x": {}}]},
        {"float": 1.5, "keys": {1: "int key"}, "markup": Markup("<i>x</i>")},
    ]
    for items in ([], awkward[:1], awkward, [{"x": i, "y": []} for i in range(3)]):
        expected = json.dumps({"head": 1, "items": items}, ensure_ascii=False, indent=2) + "\n"
        texts = (indented_json(item, "    ") for item in items)  # an item's text, as kept pieces
        assert "".join(_json_object({"head": 1}, "items", texts)) == expected
        alone = json.dumps(items, ensure_ascii=False, indent=2) + "\n"
        assert "".join(json_array(iter(items), level=0, last="\n")) == alone


def test_the_csv_is_written_in_blocks_with_one_header(sample_project: Path) -> None:
    view = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)
    table = pd.concat([labelled_table(view)] * 70, ignore_index=True)  # past two blocks
    assert len(table) > 2000
    pieces = list(_csv_parts(table, bom=True))
    out = io.StringIO()
    write_csv(table, out)
    assert len(pieces) == -(-len(table) // 1000)
    assert "".join(pieces) == "\ufeff" + out.getvalue()


def test_an_unknown_format_is_refused_before_anything_is_written(sample_project: Path) -> None:
    view = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)
    target = sample_project / "studies.docx"
    with pytest.raises(ConfigError, match="unknown export format"):
        export_parts(view, "docx")  # at once, not when the pieces are first asked for
    with pytest.raises(ConfigError, match="unknown export format"):
        export(view, "docx", path=target)
    assert not target.exists() and not list(sample_project.glob(".studies.docx.*"))


def test_an_export_failing_midway_leaves_the_earlier_file(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evidence import reference_files

    view = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)
    target = sample_project / "studies.ris"
    target.write_text("an earlier export\n", encoding="utf-8")

    def failing(studies: list[Study], **_: object) -> Iterator[str]:
        yield "TY  - JOUR\n"
        raise OutputError("no space left on device")

    monkeypatch.setattr(reference_files, "ris_records", failing)
    with pytest.raises(OutputError):
        export(view, "ris", path=target)
    assert target.read_text(encoding="utf-8") == "an earlier export\n"
    assert not list(sample_project.glob(".studies.ris.*"))


def test_the_csv_is_what_pandas_wrote_without_pandas_per_cell(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The rows are written by the csv module from each column's values: the same bytes as
    # pandas' to_csv (which cost a tenth of a large build), for the awkward cells too.
    view = load_view(Settings(project=sample_project), ORIGIN_SAMPLE)
    table = labelled_table(view)
    odd = table.iloc[:1].copy()
    odd.loc[0, "title"] = 'Comma, "quote"\nnewline and \r return'
    odd.loc[0, "authors"] = "=1+1"
    odd.loc[0, "journal"] = ""
    odd.loc[0, "agent"] = None
    odd.loc[0, "doi"] = float("nan")
    odd["year"] = pd.array([pd.NA], dtype="Int64")
    odd["participants"] = pd.array([None], dtype="Int64")
    odd.at[0, "notices"] = ["-starts like a formula", "plain"]  # type: ignore[assignment]
    odd.at[0, "topics"] = []  # type: ignore[assignment]
    table = pd.concat([table, odd], ignore_index=True)

    def pandas_csv(frame: pd.DataFrame) -> str:
        frame = frame.reindex(columns=CSV_COLUMNS)
        lists = ("topics", "conditions", "publication_types", "notices", "topic_labels")
        for col in (*lists, "condition_labels"):
            frame[col] = frame[col].map(
                lambda v: "; ".join(v) if isinstance(v, (list, tuple)) else v
            )
        for col in frame.columns:
            frame[col] = frame[col].map(
                lambda v: "'" + v if isinstance(v, str) and v[:1] in "=+-@\t\r" and v else v
            )
        return str(frame.to_csv(index=False, lineterminator="\n"))

    expected = pandas_csv(table)

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("the CSV went through DataFrame.to_csv")

    monkeypatch.setattr(pd.DataFrame, "to_csv", refused)
    out = io.StringIO()
    write_csv(table, out)
    assert out.getvalue() == expected
    assert "'=1+1" in expected and "'-starts like a formula; plain" in expected
