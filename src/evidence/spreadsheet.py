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
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
import xlsxwriter

from evidence.study import doi_url, pmc_url

if TYPE_CHECKING:
    # Only for its type: the build's worker writes the workbook from a flow's rows
    # (Flow.rows) and starts without the grading modules evidence.tabulate imports.
    from evidence.tabulate import Flow

STUDIES_SHEET = "Studies"
# Columns whose cell is typed rather than text, and how wide a column is (characters).
_INTEGERS = frozenset({"year", "evidence_level", "participants"})
_WIDTHS = {"title": 60, "authors": 40, "journal": 30, "citation": 80, "curation_note": 50}
_MAX_URLS = 65_530  # Excel's limit of hyperlinks per sheet; past it, links stay plain text


# A flow's sheet: its id, its title and its rows (Flow.rows: step, studies).
FlowSheet = tuple[str, str, Sequence[tuple[str, int]]]


def to_xlsx(
    table: pd.DataFrame,
    columns: Sequence[str],
    flows: Sequence[tuple[str, str, Flow]],
    *,
    note: str = "",
    data_date: date,
) -> bytes:
    """The workbook: `table` in `columns` (the CSV's), then one sheet per (id, title, flow)."""
    return workbook(table, columns, flow_sheets(flows), note=note, data_date=data_date)


def flow_sheets(flows: Sequence[tuple[str, str, Flow]]) -> list[FlowSheet]:
    """Each (id, title, flow) as the rows of its sheet."""
    return [(sheet_id, title, flow.rows()) for sheet_id, title, flow in flows]


def workbook(
    table: pd.DataFrame,
    columns: Sequence[str],
    flows: Sequence[FlowSheet],
    *,
    note: str = "",
    data_date: date,
) -> bytes:
    """to_xlsx with each flow given as its sheet's rows (flow_sheets)."""
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
    for sheet_id, title, rows in flows:
        _flow_sheet(wb.add_worksheet(_sheet_name(sheet_id)), title, rows, note, formats["bold"])
    wb.close()
    return out.getvalue()


def _studies_sheet(ws: Any, frame: pd.DataFrame, formats: Mapping[str, Any]) -> None:
    names = [str(c) for c in frame.columns]
    for col, name in enumerate(names):
        ws.write_string(0, col, name, formats["bold"])
        ws.set_column(col, col, _WIDTHS.get(name, 16))
    # Each column's cells typed at once and its writer chosen once (most columns hold one
    # type): the per-cell work left is XlsxWriter's own. Written row by row, as before, so
    # the shared strings come in the same order and the bytes are the same.
    urls = [0]
    columns = []
    writers = []
    for name, raw in zip(names, (frame[n].tolist() for n in frame.columns), strict=True):
        cells = _cells(name, raw)
        write = _writer(ws, formats, {type(v) for v in cells if v is not None})
        if name in _LINKED:
            cells = [None if v is None else (v, _link(name, v)) for v in cells]
            write = _url_writer(ws, formats["link"], write, urls)
        columns.append(cells)
        writers.append(write)
    for row, record in enumerate(zip(*columns, strict=True), 1):
        for col, (write, value) in enumerate(zip(writers, record, strict=True)):
            if value is not None:
                write(row, col, value)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(frame), len(names) - 1)


_LINKED = frozenset({"pubmed_url", "doi", "pmcid"})


def _cells(column: str, values: list[Any]) -> list[Any]:
    """A column's typed values (_value of each), the common types passed through as they
    are: _value would return them unchanged."""
    if column == "first_seen":
        return [_value(column, v) for v in values]
    if column in _INTEGERS:
        return [v if type(v) is int else _value(column, v) for v in values]
    if column == "retracted":
        return [v if type(v) is bool else _value(column, v) for v in values]
    return [(v or None) if type(v) is str else _value(column, v) for v in values]


def _writer(ws: Any, formats: Mapping[str, Any], types: set[type]) -> Callable[..., Any]:
    """What writes a cell of a column whose values are of `types`: one XlsxWriter call
    where they are of one type, else a choice by each value's type."""
    single: dict[type, Callable[..., Any]] = {
        str: ws.write_string,  # text, never a formula
        int: ws.write_number,
        bool: ws.write_boolean,
    }
    if len(types) == 1 and (found := single.get(next(iter(types)))) is not None:
        return found

    def typed(row: int, col: int, value: Any) -> None:
        if isinstance(value, bool):
            ws.write_boolean(row, col, value)
        elif isinstance(value, int):
            ws.write_number(row, col, value)
        elif isinstance(value, datetime):
            ws.write_datetime(row, col, value, formats["datetime"])
        else:
            ws.write_string(row, col, str(value))  # text, never a formula

    return typed


def _url_writer(
    ws: Any, link_format: Any, plain: Callable[..., Any], urls: list[int]
) -> Callable[..., Any]:
    """What writes a (value, link) cell: a link while the sheet may hold more (`urls`
    counts them across columns), else the value as `plain` writes it."""

    def write(row: int, col: int, cell: tuple[Any, str]) -> None:
        value, link = cell
        # XlsxWriter leaves the cell empty, with a warning, for a link past Excel's length
        # limit (its max_url_length): such a value is written as plain text instead.
        if link and urls[0] < _MAX_URLS and _linkable(link, ws.max_url_length):
            ws.write_url(row, col, link, link_format, str(value))
            urls[0] += 1
        else:
            plain(row, col, value)

    return write


def _linkable(link: str, limit: int) -> bool:
    """Whether Excel takes `link` as a link: no part of it, either side of a "#", longer
    than `limit` UTF-16 units (at most two per character)."""
    if len(link) <= limit // 2:
        return True
    return all(len(part.encode("utf-16-le")) // 2 <= limit for part in link.split("#", 1))


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


def _flow_sheet(ws: Any, title: str, rows: Sequence[tuple[str, int]], note: str, bold: Any) -> None:
    ws.write_string(0, 0, title, bold)
    row = 1
    if note:
        ws.write_string(row, 0, note)
        row += 1
    row += 1
    ws.write_string(row, 0, "Step", bold)
    ws.write_string(row, 1, "Studies", bold)
    for step, count in rows:
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
