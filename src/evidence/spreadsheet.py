"""studies.xlsx: the evidence table as an Excel workbook, with one sheet of studies (the CSV's
columns and rows, typed: numbers as numbers, dates as dates, links clickable; header frozen,
filters on) and one sheet per topic's PRISMA-style flow.

Written by XlsxWriter entirely in memory (no temporary files, so a full disk can only fail the
build's one write of the finished files), and reproducible: the workbook's date is the data's
date and XlsxWriter dates every part of the zip 1980-01-01, so an unchanged store rebuilds the
same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
import xlsxwriter

from evidence.study import doi_url, pmc_url
from evidence.tabulate import EXCLUSIONS, Flow

STUDIES_SHEET = "Studies"
# Columns whose cell is typed rather than text, and how wide a column is (characters).
_INTEGERS = frozenset({"year", "evidence_level", "participants"})
_WIDTHS = {"title": 60, "authors": 40, "journal": 30, "citation": 80, "curation_note": 50}
_MAX_URLS = 65_530  # Excel's limit of hyperlinks per sheet; past it, links stay plain text


def to_xlsx(
    table: pd.DataFrame,
    columns: Sequence[str],
    flows: Sequence[tuple[str, str, Flow]],
    *,
    note: str = "",
    data_date: date,
) -> bytes:
    """The workbook: `table` in `columns` (the CSV's), then one sheet per (id, title, flow)."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_urls": False})
    wb.set_properties(
        {
            "title": "Evidence table",
            "author": "evidence",
            "comments": note,
            "created": datetime(data_date.year, data_date.month, data_date.day),
        }
    )
    formats = {
        "bold": wb.add_format({"bold": True}),
        "link": wb.add_format({"font_color": "#0563C1", "underline": 1}),
        "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    _studies_sheet(wb.add_worksheet(STUDIES_SHEET), table.reindex(columns=list(columns)), formats)
    for sheet_id, title, flow in flows:
        _flow_sheet(wb.add_worksheet(_sheet_name(sheet_id)), title, flow, note, formats["bold"])
    wb.close()
    return out.getvalue()


def _studies_sheet(ws: Any, frame: pd.DataFrame, formats: Mapping[str, Any]) -> None:
    names = [str(c) for c in frame.columns]
    for col, name in enumerate(names):
        ws.write_string(0, col, name, formats["bold"])
        ws.set_column(col, col, _WIDTHS.get(name, 16))
    urls = 0
    for row, record in enumerate(frame.itertuples(index=False, name=None), 1):
        for col, (name, raw) in enumerate(zip(names, record, strict=True)):
            value = _value(name, raw)
            link = _link(name, value)
            if value is None:
                continue
            if link and urls < _MAX_URLS:
                ws.write_url(row, col, link, formats["link"], str(value))
                urls += 1
            elif isinstance(value, bool):
                ws.write_boolean(row, col, value)
            elif isinstance(value, int):
                ws.write_number(row, col, value)
            elif isinstance(value, datetime):
                ws.write_datetime(row, col, value, formats["datetime"])
            else:
                ws.write_string(row, col, str(value))  # text, never a formula
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(frame), len(names) - 1)


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


def _flow_sheet(ws: Any, title: str, flow: Flow, note: str, bold: Any) -> None:
    ws.write_string(0, 0, title, bold)
    row = 1
    if note:
        ws.write_string(row, 0, note)
        row += 1
    row += 1
    ws.write_string(row, 0, "Step", bold)
    ws.write_string(row, 1, "Studies", bold)
    for step, count in flow_rows(flow):
        row += 1
        ws.write_string(row, 0, step)
        ws.write_number(row, 1, count)
    ws.set_column(0, 0, 60)
    ws.set_column(1, 1, 10)


def _sheet_name(text: str) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", f"Flow {text}")[:31]


def topic_flows(
    flows: Mapping[str, Flow], topics: Sequence[tuple[str, str]]
) -> list[tuple[str, str, Flow]]:
    """(sheet id, title, flow) for each topic in order, then all topics together."""
    out = [(qid, title, flows[qid]) for qid, title in topics if qid in flows]
    if "all" in flows and len(out) > 1:
        out.append(("all topics", "All topics together", flows["all"]))
    return out
