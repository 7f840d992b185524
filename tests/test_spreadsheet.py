"""studies.xlsx read back as a spreadsheet reads it (openpyxl), cell by cell: what any change
to how the workbook is written must keep."""

from __future__ import annotations

import gc
import io
import pickle
import sys
import warnings
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest

from evidence import spreadsheet, worker
from evidence.exports import CSV_COLUMNS, labelled_table
from evidence.settings import Settings, settings_from
from evidence.sources import ORIGIN_SAMPLE
from evidence.spreadsheet import flow_sheets, topic_flows, workbook
from evidence.study import doi_url, pmc_url
from evidence.view import load_view

INTEGERS = {"year", "evidence_level", "participants"}
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
WIDTHS = {"title": 60, "authors": 40, "journal": 30, "citation": 80, "curation_note": 50}


def missing_value(value: Any) -> bool:
    if isinstance(value, (list, tuple, str)):
        return not value
    return value is None or bool(pd.isna(value))


def expected_cell(column: str, value: Any) -> Any:
    """What the spreadsheet shows for a table value: the README's description of the
    workbook, written out independently of the module that writes it."""
    if missing_value(value):
        return None
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if column in INTEGERS:
        return int(value)
    if column == "retracted":
        return bool(value)
    if column == "first_seen":
        return datetime.fromisoformat(str(value)).replace(tzinfo=None)
    return str(value)


def expected_link(column: str, value: Any) -> str | None:
    if missing_value(value) or not isinstance(value, str):
        return None
    return {"pubmed_url": value, "doi": doi_url(value), "pmcid": pmc_url(value)}.get(column)


def test_every_cell_type_format_and_link_read_back_is_the_tables(sample_project: Path) -> None:
    view = load_view(settings_from(project=sample_project, environ={}), ORIGIN_SAMPLE)
    table = labelled_table(view).reindex(columns=CSV_COLUMNS)
    flows = flow_sheets(topic_flows(view.flows(), [(q.id, q.title) for q in view.queries]))
    data = workbook(table, CSV_COLUMNS, flows, note=view.note, data_date=view.data_date())
    assert workbook(table, CSV_COLUMNS, flows, note=view.note, data_date=view.data_date()) == data

    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Studies", *(f"Flow {q.id}" for q in view.queries), "Flow all topics"]
    props = wb.properties
    assert (props.title, props.creator, props.description) == (
        "Evidence table",
        "evidence",
        view.note,
    )
    assert props.created is not None and props.created.date() == view.data_date()
    ws = wb["Studies"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == ws.dimensions == f"A1:AF{len(table) + 1}"
    assert ws.max_row == len(table) + 1 and ws.max_column == len(CSV_COLUMNS) == 32

    widths = {  # a <col> element may span columns of one width
        i: dim.width
        for dim in ws.column_dimensions.values()
        for i in range(dim.min or 0, (dim.max or 0) + 1)
    }
    for col, name in enumerate(CSV_COLUMNS, 1):
        head = ws.cell(1, col)
        assert (head.value, head.data_type, head.font.b) == (name, "s", True)
        assert int(widths[col]) == WIDTHS.get(name, 16), name

    links = 0
    for row, record in enumerate(table.itertuples(index=False), 2):
        for col, (name, value) in enumerate(zip(CSV_COLUMNS, record, strict=True), 1):
            cell = ws.cell(row, col)
            want = expected_cell(name, value)
            assert cell.value == want, (row, name)
            if want is None:
                continue
            assert type(cell.value) is type(want), (row, name)
            assert not cell.font.b
            if isinstance(want, datetime):
                assert cell.number_format == "yyyy-mm-dd hh:mm"
            else:
                assert cell.number_format == "General", (row, name)
            link = expected_link(name, value)
            if link is None:
                assert cell.hyperlink is None, (row, name)
                assert cell.font.u is None
            else:
                links += 1
                assert cell.hyperlink is not None and cell.hyperlink.target == link
                assert cell.font.u == "single" and cell.font.color.rgb == "FF0563C1"
    assert links == sum(c.hyperlink is not None for r in ws.iter_rows() for c in r)
    assert links > len(table)  # every study's PubMed page, and DOIs and PMC articles


def test_links_stop_at_excels_limit_per_sheet_and_the_rest_stay_text() -> None:
    # 65,532 links asked for, two a row: the first 65,530, row by row, are links. Read from
    # the sheet's XML: openpyxl takes minutes to bind this many links.
    rows = 32_766
    table = pd.DataFrame(
        {
            "pubmed_url": [f"https://pubmed.ncbi.nlm.nih.gov/{i}/" for i in range(rows)],
            "doi": [f"10.1000/{i}" for i in range(rows)],
        }
    )
    data = spreadsheet.to_xlsx(table, list(table.columns), [], data_date=date(2024, 5, 1))
    with zipfile.ZipFile(io.BytesIO(data)) as xlsx:
        sheet = ElementTree.fromstring(xlsx.read("xl/worksheets/sheet1.xml"))
        shared = ElementTree.fromstring(xlsx.read("xl/sharedStrings.xml"))
    linked = [h.get("ref") for h in sheet.iter(f"{MAIN}hyperlink")]
    assert len(linked) == 65_530
    assert linked[-2:] == [f"A{rows}", f"B{rows}"]  # the last row but one
    strings = [t.text for t in shared.iter(f"{MAIN}t")]
    last = [c for c in sheet.iter(f"{MAIN}c") if c.get("r") in (f"A{rows + 1}", f"B{rows + 1}")]
    assert [(c.get("t"), strings[int(c.findtext(f"{MAIN}v") or "")]) for c in last] == [
        ("s", table["pubmed_url"].iloc[-1]),
        ("s", f"10.1000/{rows - 1}"),
    ]


def test_a_link_too_long_for_excel_is_kept_as_text_not_dropped() -> None:
    # XlsxWriter refuses a link of more than 2,079 characters and leaves its cell empty: the
    # value must still be there, as text. "https://doi.org/" makes the link 16 longer.
    fits, too_long = "10.1000/" + "a" * 2055, "10.1000/" + "b" * 2056
    table = pd.DataFrame({"doi": [fits, too_long]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # XlsxWriter's "Ignoring URL" warning fails the test
        data = spreadsheet.to_xlsx(table, ["doi"], [], data_date=date(2024, 5, 1))
    ws = openpyxl.load_workbook(io.BytesIO(data))[spreadsheet.STUDIES_SHEET]
    cells = [ws.cell(row=r, column=1) for r in (2, 3)]
    assert [c.value for c in cells] == [fits, too_long]
    assert [c.hyperlink.target if c.hyperlink else None for c in cells] == [
        f"https://doi.org/{fits}",
        None,
    ]
    # Excel counts UTF-16 units: a character outside the BMP is two.
    assert spreadsheet._linkable("https://x.org/" + "\U0001f600" * 1032, 2079)  # 2,078 units
    assert not spreadsheet._linkable("https://x.org/" + "\U0001f600" * 1033, 2079)  # 2,080
    assert spreadsheet._linkable("https://x.org/#" + "a" * 2079, 2079)  # each side of "#" apart


def test_the_worker_writes_the_workbook_with_the_collector_off(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The workbook's cells are many small objects, none in a cycle: collecting while they
    # are made costs a tenth of the workbook's time (bench/workbook.py).
    seen: list[bool] = []

    def recording(*args: Any, **kwargs: Any) -> bytes:
        seen.append(gc.isenabled())
        return b"workbook"

    monkeypatch.setattr(spreadsheet, "workbook", recording)
    store = Settings(project=sample_project).store_path(ORIGIN_SAMPLE)
    job = worker.Job(
        pmids=[],
        note="",
        reviews={},
        files={"xlsx": "studies.xlsx"},
        workbook=(pd.DataFrame(), [], [], "", date(2024, 5, 1)),
    )
    stdin = io.BytesIO(pickle.dumps((str(store), str(tmp_path))) + pickle.dumps(job))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stdin))
    try:
        worker.main()
    finally:
        gc.enable()
    assert seen == [False]
    assert (tmp_path / "studies.xlsx").read_bytes() == b"workbook"
