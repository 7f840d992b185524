"""studies.xlsx: the evidence table as an Excel workbook (openpyxl), with one sheet of studies
(the CSV's columns and rows, typed: numbers as numbers, dates as dates, links clickable;
header frozen, filters on) and one sheet per topic's PRISMA-style flow.

The workbook is a function of its inputs, byte for byte: its timestamps are the data's date,
not the time of the build, so an unchanged store rebuilds an unchanged file.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from evidence.study import doi_url, pmc_url
from evidence.tabulate import EXCLUSIONS, Flow

STUDIES_SHEET = "Studies"
# Columns whose cell is typed rather than text, and how wide a column is (characters).
_INTEGERS = frozenset({"year", "evidence_level", "participants"})
_WIDTHS = {"title": 60, "authors": 40, "journal": 30, "citation": 80, "curation_note": 50}
_LINK = Font(color="0563C1", underline="single")
_BOLD = Font(bold=True)


def to_xlsx(
    table: pd.DataFrame,
    columns: Sequence[str],
    flows: Sequence[tuple[str, str, Flow]],
    *,
    note: str = "",
    data_date: date,
) -> bytes:
    """The workbook: `table` in `columns` (the CSV's), then one sheet per (id, title, flow)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = STUDIES_SHEET
    _studies_sheet(ws, table.reindex(columns=list(columns)))
    for sheet_id, title, flow in flows:
        _flow_sheet(wb.create_sheet(_sheet_name(sheet_id)), title, flow, note)
    stamp = datetime(data_date.year, data_date.month, data_date.day)
    wb.properties.title = "Evidence table"
    wb.properties.description = note or None
    wb.properties.creator = "evidence"
    wb.properties.created = stamp
    out = io.BytesIO()
    wb.save(out)
    return _reproducible(out.getvalue(), stamp)


def _studies_sheet(ws: Worksheet, frame: pd.DataFrame) -> None:
    ws.append(list(frame.columns))
    for cell in ws[1]:
        cell.font = _BOLD
    for record in frame.to_dict("records"):
        ws.append([_value(str(col), v) for col, v in record.items()])
    names = [str(c) for c in frame.columns]
    for row in ws.iter_rows(min_row=2):
        for column, cell in zip(names, row, strict=True):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text that starts with "=" stays text, never a formula
            elif column == "first_seen" and cell.value is not None:
                cell.number_format = "yyyy-mm-dd hh:mm"
            link = _link(column, cell.value)
            if link:
                cell.hyperlink = link
                cell.font = _LINK
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for i, column in enumerate(frame.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(str(column), 16)


def _value(column: str, value: Any) -> Any:
    """A cell's typed value: integers, booleans, first_seen as a date and time (UTC), lists
    joined as in the CSV, everything else text; missing values as empty cells."""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value) or None
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if column in _INTEGERS:
        return int(value)
    if column == "retracted":
        return bool(value)
    if column == "first_seen":
        return datetime.fromisoformat(str(value)).replace(tzinfo=None)
    return str(value) if str(value) else None


def _link(column: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        return ""
    if column == "pubmed_url":
        return value
    if column == "doi":
        return doi_url(value)
    if column == "pmcid":
        return pmc_url(value)
    return ""


def flow_rows(flow: Flow) -> list[tuple[str, int]]:
    """A PRISMA-style flow as (step, studies) rows, from identified down to included."""
    rows = [("Identified by the search", flow.identified)]
    if flow.duplicates:
        rows.append(("Duplicates removed (found by more than one topic)", flow.duplicates))
    rows.append(("Not retrieved", flow.not_retrieved))
    for key, label in EXCLUSIONS.items():
        if key != "reviewer":
            rows.append((f"Excluded: {label}", flow.excluded.get(key, 0)))
    rows.append(("Excluded by the reviewer", flow.excluded.get("reviewer", 0)))
    rows += [(f"  Reason: {reason or 'none given'}", n) for reason, n in flow.reasons.items()]
    rows.append(("Included", flow.included))
    return rows


def _flow_sheet(ws: Worksheet, title: str, flow: Flow, note: str) -> None:
    ws.append([title])
    ws["A1"].font = _BOLD
    if note:
        ws.append([note])
    ws.append([])
    ws.append(["Step", "Studies"])
    header = ws.max_row
    for cell in ws[header]:
        cell.font = _BOLD
    for step, count in flow_rows(flow):
        ws.append([step, count])
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 10


def _sheet_name(text: str) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", f"Flow {text}")[:31]


def _reproducible(data: bytes, stamp: datetime) -> bytes:
    """The same bytes for the same workbook: openpyxl stamps the save time into
    docProps/core.xml and into each zip entry; both become the data's date."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{iso}\2", text
                )
                body = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, body)
    return out.getvalue()


def topic_flows(
    flows: Mapping[str, Flow], topics: Sequence[tuple[str, str]]
) -> list[tuple[str, str, Flow]]:
    """(sheet id, title, flow) for each topic in order, then all topics together."""
    out = [(qid, title, flows[qid]) for qid, title in topics if qid in flows]
    if "all" in flows and len(out) > 1:
        out.append(("all topics", "All topics together", flows["all"]))
    return out
