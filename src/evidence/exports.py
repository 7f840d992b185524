"""Every export of a build's studies: CSV and an Excel workbook (the evidence table), JSON for a
headless CMS, and the reference-manager formats (RIS, NBIB, BibTeX, CSL-JSON; written by
`references`), each a function of the View.

Every record of the offline sample carries the sample's label (`View.note`), so an imported
reference never passes for a PubMed search.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import pandas as pd
from markupsafe import escape

from evidence.chart import YearCounts
from evidence.classify import LEVELS
from evidence.errors import ConfigError, OutputError
from evidence.pieces import Pieces, Wanted, digest_of, texts_of
from evidence.reference_files import (
    REFERENCE_FORMATS,
    indented_json,
    json_array_texts,
    reference_file,
    reference_made_from,
    reference_parts,
    reference_record,
)
from evidence.references import Review
from evidence.render import write_content
from evidence.routes import ROUTE_LABELS
from evidence.spreadsheet import flow_sheets, to_xlsx, topic_flows
from evidence.study import Study, doi_url, pmc_url
from evidence.tabulate import EXCLUSIONS, OTHER
from evidence.view import View
from evidence.worker import Job, Worker

# `evidence export --format F` and the file of the same content a build writes into reports/.
EXPORT_FILES = {
    "csv": "studies.csv",
    "xlsx": "studies.xlsx",
    "ris": "studies.ris",
    "bibtex": "studies.bib",
    "csl-json": "studies.csl.json",
    "nbib": "studies.nbib",
    "json": "studies.json",
}
# Each code column of the table and the column of its readable label (the page's words).
LABEL_COLUMNS = {
    "design": "design_label",
    "topics": "topic_labels",
    "conditions": "condition_labels",
    "evidence_level": "evidence_level_label",
    "route": "route_label",
    "exclusion": "exclusion_label",
}
# The CSV's (and the workbook's) columns: the documented ones first (README, up to
# first_seen), then the grading and the citation; each code with its label beside it.
CSV_COLUMNS = [
    label
    for column in (
        *("pmid", "title", "authors", "journal", "year", "doi", "pmcid", "publication_types"),
        *("design", "topics", "conditions", "retracted", "first_seen", "evidence_level"),
        *("route", "agent", "participants", "curation_decision", "curation_note"),
        *("authors_conclusion", "notices", "exclusion", "design_basis", "citation"),
        *("pubmed_url", "origin"),
    )
    for label in (column, *([LABEL_COLUMNS[column]] if column in LABEL_COLUMNS else []))
]
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one


def export_text(view: View, fmt: str) -> str:
    """One text export of the view's studies (a CSV without its byte-order mark); `fmt` is a
    key of EXPORT_FILES other than the binary "xlsx"."""
    if fmt == "xlsx":
        raise ConfigError("xlsx is a binary format: write it to a file (-o studies.xlsx)")
    return "".join(str(part) for part in export_parts(view, fmt, bom=False))


def export_file(view: View, fmt: str, *, bom: bool = True) -> str | bytes:
    """One export as the content of its file: text (the CSV with a byte-order mark unless
    `bom` is false: Excel needs it to read UTF-8, and the csv module reads it with
    encoding="utf-8-sig"), or the bytes of the .xlsx workbook."""
    if fmt == "xlsx":
        return _xlsx(view)
    return "".join(str(part) for part in export_parts(view, fmt, bom=bom))


def export_parts(
    view: View, fmt: str, *, bom: bool = True, pieces: Pieces | None = None
) -> Iterator[str | bytes]:
    """One export as consecutive pieces of its file, made as they are written: a record at
    a time (the CSV a block of rows at a time), so no export is ever whole in memory; the
    .xlsx workbook is one piece of bytes. With `pieces` (a build reading a store), each
    study's record of the JSON and reference formats is the one kept in the store where
    nothing it is made from changed (evidence.pieces). An unknown `fmt` raises ConfigError
    at once, before anything is written."""
    if fmt == "csv":
        if pieces is None:
            return _csv_parts(_labelled(view), bom=bom)
        return _kept_csv_parts(view, pieces, bom=bom)
    if fmt == "json":
        return _json_object(_cms_head(view), "studies", texts_of(pieces, fmt, _cms_texts(view)))
    if fmt == "xlsx":
        return _lazy(_xlsx, view)
    if fmt in REFERENCE_FORMATS:
        if pieces is None:
            return reference_parts(fmt, view.whole_studies(), note=view.note, reviews=reviews(view))
        return reference_file(fmt, pieces.texts(fmt, _reference_wanted(fmt, view)), view.note)
    raise ConfigError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FILES)}")


def _reference_wanted(fmt: str, view: View) -> Iterator[Wanted]:
    found = reviews(view)
    note = view.note
    made_from = _references_made_from(view)
    for pmid in made_from:
        review = found.get(pmid)
        yield pmid, made_from[pmid], partial(_whole_record, fmt, view, pmid, note, review)


def _references_made_from(view: View) -> dict[str, str | None]:
    """What each study's reference records are made from, by PMID in the table's order:
    the same for all four formats, so made once per View, not once per format."""

    def make() -> dict[str, str | None]:
        found, note, digests = reviews(view), view.note, view.digests
        return {
            s.pmid: reference_made_from(digests.get(s.pmid), note, found.get(s.pmid))
            for s in view.studies()
        }

    return view.once("references_made_from", make)


def _whole_record(fmt: str, view: View, pmid: str, note: str, review: Review | None) -> str:
    # From the whole record: a build's View holds its studies abridged (no abstract).
    return reference_record(fmt, view.whole(pmid), note=note, review=review)


def export(
    view: View,
    fmt: str,
    *,
    out: BinaryIO | None = None,
    path: Path | None = None,
    bom: bool = True,
) -> None:
    """Write one export to `out`, or to `path` atomically (a temporary file beside it, renamed
    into place: a failure leaves no half-written file and any earlier file as it was); either
    way a record at a time, never the whole export in memory."""
    parts = export_parts(view, fmt, bom=bom)
    if path is None:
        if out is None:
            raise ValueError("export needs `out` or `path`")
        write_content(out, parts)
        return
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            write_content(fh, parts)
        os.replace(tmp, path)
        tmp = ""
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the export: {exc.strerror or exc}") from exc
    finally:
        if tmp:  # a failure midway (disk full, a bad record) leaves no half-written file
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _lazy(make: Callable[[View], bytes], view: View) -> Iterator[bytes]:
    yield make(view)  # made when the file is written, not when the build lists its files


def _xlsx(view: View) -> bytes:
    flows = topic_flows(view.flows(), [(q.id, q.title) for q in view.queries])
    return to_xlsx(_labelled(view), CSV_COLUMNS, flows, note=view.note, data_date=view.data_date())


# From this many studies a build makes the workbook and some of the reference-manager exports
# in a worker process, on the machine's other core, while it renders the pages and writes the
# rest; below it, the worker's start would cost more than it saves.
WORKER_STUDIES = 2000
# What the worker makes (after the chart): the workbook alone. It is a third of a build's
# processor time and is written only once the build has made the evidence table, so the
# build waited for it at the end (0.8-3 s at 10,000 studies) while RIS and NBIB, 0.4 s
# together with kept pieces, were made there too; the build's process now makes them.
# The worker can make any reference format (Job.files), as tests check.
WORKER_FORMATS = ("xlsx",)


def worker_size(studies: int) -> bool:
    """Whether a build of this many studies makes some exports in a worker process: from
    WORKER_STUDIES, on a machine with more than one core."""
    return studies >= WORKER_STUDIES and (os.cpu_count() or 1) > 1


def made_by_worker(
    view: View, worker: Worker, *, chart: tuple[YearCounts, str] | None = None
) -> dict[str, Iterable[bytes]]:
    """The exports of WORKER_FORMATS by file name, each as lazy pieces, made by `worker`
    (see evidence.worker) from the workbook table and, for reference formats, the view's
    order and reviews; with `chart` (its data and title), the worker draws the chart first
    (Worker.chart gives it). Only what the job needs is made before it is sent: the worker
    waits for it, and the table's rows as dicts (View.records) are not needed for the
    workbook alone."""
    flows = topic_flows(view.flows(), [(q.id, q.title) for q in view.queries])
    table = _labelled(view).reindex(columns=CSV_COLUMNS)  # only what the sheet shows
    files = {fmt: name for fmt, name in EXPORT_FILES.items() if fmt in WORKER_FORMATS}
    job = Job(
        pmids=[],
        note=view.note,
        reviews={},
        files=files,
        workbook=(table, CSV_COLUMNS, flow_sheets(flows), view.note, view.data_date()),
        chart=chart,
    )
    if set(files) - {"xlsx"}:  # reference formats, made in the table's order
        studies = view.studies()
        job.pmids = [s.pmid for s in studies]
        job.reviews = reviews(view)
        job.digests = {s.pmid: view.digests[s.pmid] for s in studies if s.pmid in view.digests}
    return worker.make(job)


def _json_object(head: dict[str, Any], key: str, texts: Iterable[str]) -> Iterator[str]:
    """json.dumps({**head, key: items}, ensure_ascii=False, indent=2) and a newline, the
    list an item at a time, each item given as its text indented as the list's items."""
    whole = json.dumps({**head, key: None}, ensure_ascii=False, indent=2)
    cut = whole.rindex("null")
    yield whole[:cut]
    yield from json_array_texts(texts, level=1, last=whole[cut + len("null") :] + "\n")


def cms_json(view: View) -> dict[str, Any]:
    """The evidence table for a headless CMS: provenance, then one object per study."""
    return {**_cms_head(view), "studies": list(cms_records(view))}


def _cms_head(view: View) -> dict[str, Any]:
    return {
        "origin": view.origin,
        "sample": view.sample is not None,
        "notice": view.note or None,
        "data_date": view.data_date().isoformat(),
        "citation_style": view.style,
    }


def cms_records(view: View) -> Iterator[dict[str, Any]]:
    """The CMS object of each study of the evidence table, one at a time."""
    studies = {s.pmid: s for s in view.studies()}
    for r in view.records():
        yield _cms_record(studies[str(r["pmid"])], r)


def _cms_texts(view: View) -> Iterator[Wanted]:
    """Each study's CMS object as the JSON export's text makes it, with what it is made from
    (its stored record and its row of the evidence table, the row as a digest: a build
    keeps only a block's at a time), one at a time."""
    studies = {s.pmid: s for s in view.studies()}
    rows = _row_digests(view)
    for r in view.records():
        s = studies[str(r["pmid"])]
        digest = view.digests.get(s.pmid)
        made_from = None if digest is None else f"{digest}\0{rows[s.pmid]}"
        yield s.pmid, made_from, partial(_cms_text, s, r)


def _row_digests(view: View) -> dict[str, str]:
    """A digest of each row of the evidence table (every column's value), by PMID: what the
    JSON's and the CSV's kept pieces are made from, made once per View for both."""
    return view.once(
        "row_digests", lambda: {str(r["pmid"]): digest_of(repr(r)) for r in view.records()}
    )


def _cms_text(s: Study, r: Mapping[str, Any]) -> str:
    return indented_json(_cms_record(s, r), "    ")


_LEVEL_LABELS = {lv.rank: lv.label for lv in LEVELS}


def _cms_record(s: Study, r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "pmid": s.pmid,
        "title": s.title,
        "title_html": s.title_html or str(escape(s.title)),
        "authors": [a.short for a in s.authors if a.short],
        "authors_complete": s.authors_complete,
        "journal": s.journal or s.journal_abbrev,
        "year": s.year,
        "doi": s.doi or None,
        "pmcid": s.pmcid or None,
        "design": r["design"],
        "design_label": r["design_label"],
        "evidence_level": int(r["evidence_level"]),
        "evidence_level_label": _LEVEL_LABELS.get(int(r["evidence_level"]), ""),
        "topics": list(r["topics"]),
        "conditions": list(r["conditions"]),
        "participants": None if pd.isna(r["participants"]) else int(r["participants"]),
        "retracted": bool(r["retracted"]),
        "note": r["curation_note"] or None,
        "authors_conclusion": r["authors_conclusion"] or None,
        "design_basis": r["design_basis"] or None,
        "curation_decision": r["curation_decision"] or None,
        "exclusion": r["exclusion"] or None,
        "notices": list(r["notices"]),
        "first_seen": r["first_seen"],
        "citation": r["citation"],
        "citation_html": str(r["citation_html"]),
        "links": {
            "pubmed": s.pubmed_url,
            "doi": doi_url(s.doi) or None,
            "pmc": pmc_url(s.pmcid) or None,
        },
    }


def reviews(view: View) -> dict[str, Review]:
    """The reviewer's work on each study, by PMID, in the words the page uses (made once per
    View: BibTeX, CSL-JSON and the worker's exports all read it)."""
    return view.once("reviews", lambda: _reviews(view))


def _reviews(view: View) -> dict[str, Review]:
    levels = {lv.rank: lv.label for lv in LEVELS}
    return {
        str(r["pmid"]): Review(
            design=str(r["design_label"]),
            level=levels.get(int(r["evidence_level"]), ""),
            note=str(r["curation_note"] or ""),
            conclusion=str(r["authors_conclusion"] or ""),
            exclusion=EXCLUSIONS.get(str(r["exclusion"]), ""),
        )
        for r in view.records()
    }


# --- CSV ----------------------------------------------------------------------------------


def labelled_table(view: View) -> pd.DataFrame:
    """The evidence table with each code's readable label beside it (LABEL_COLUMNS): the
    design, topic and condition names, the evidence level, route and exclusion as the page
    words them (a copy: callers may change it)."""
    return _labelled(view).copy()


def _labelled(view: View) -> pd.DataFrame:
    """labelled_table, made once per View (the CSV, the workbook and the worker's job read
    it, none changes it)."""
    return view.once("labelled_table", lambda: _make_labelled(view))


def _make_labelled(view: View) -> pd.DataFrame:
    table = view.table()
    levels = {lv.rank: lv.label for lv in LEVELS}
    topics, conditions = _label_names(view)

    def names(codes: object, labels: dict[str, str]) -> list[str]:
        out = [labels.get(str(c), str(c)) for c in codes] if isinstance(codes, list) else []
        return list(dict.fromkeys(out))  # once each, in order

    table["topic_labels"] = table["topics"].map(lambda v: names(v, topics))
    table["condition_labels"] = table["conditions"].map(lambda v: names(v, conditions))
    table["evidence_level_label"] = table["evidence_level"].map(lambda v: levels.get(int(v), ""))
    table["route_label"] = table["route"].map(lambda v: ROUTE_LABELS.get(str(v), str(v)))
    table["exclusion_label"] = table["exclusion"].map(lambda v: EXCLUSIONS.get(str(v), ""))
    return table


def _label_names(view: View) -> tuple[dict[str, str], dict[str, str]]:
    """The topics' and the conditions' names by code, as the labelled table words them
    (the other labels are the package's own: LEVELS, ROUTE_LABELS, EXCLUSIONS)."""
    topics = {q.id: q.title for q in view.queries}
    conditions = {
        f"{q.id}:{cid}": label
        for q in view.queries
        for cid, label in [*((c.id, c.label) for c in q.conditions), (OTHER, q.other_label)]
    }
    return topics, conditions


_CSV_BLOCK = 1000  # rows converted and written at a time


def _csv_parts(table: pd.DataFrame, *, bom: bool) -> Iterator[str]:
    """The CSV in blocks of rows, the header (after the byte-order mark) with the first."""
    for start in range(0, max(len(table), 1), _CSV_BLOCK):
        out = io.StringIO()
        if bom and not start:
            out.write(BOM)
        write_csv(table.iloc[start : start + _CSV_BLOCK], out, header=not start)
        yield out.getvalue()


def _kept_csv_parts(view: View, pieces: Pieces, *, bom: bool) -> Iterator[str]:
    """The CSV as _csv_parts writes it, each study's row the one kept in the store where its
    row of the evidence table and the topics' and conditions' names are those it was made
    from; the header (after the byte-order mark) made every time."""
    table = _labelled(view)
    out = io.StringIO()
    if bom:
        out.write(BOM)
    csv.writer(out, lineterminator="\n").writerow(CSV_COLUMNS)
    yield out.getvalue()
    names = digest_of(repr(_label_names(view)))
    rows = _row_digests(view)
    columns: list[list[Any]] = []  # each column's values, taken when a row is first made

    def row_text(i: int) -> str:
        if not columns:
            frame = table.reindex(columns=CSV_COLUMNS)
            columns.extend(frame[name].tolist() for name in CSV_COLUMNS)
        line = io.StringIO()
        cells = [_csv_cells(name, [c[i]])[0] for name, c in zip(CSV_COLUMNS, columns, strict=True)]
        csv.writer(line, lineterminator="\n").writerow(cells)
        return line.getvalue()

    def wanted() -> Iterator[Wanted]:
        for i, r in enumerate(view.records()):
            pmid = str(r["pmid"])
            made_from = f"{rows[pmid]}\0{names}" if pmid in view.digests else None
            yield pmid, made_from, partial(row_text, i)

    yield from pieces.texts("csv", wanted())


def write_csv(table: pd.DataFrame, out: TextIO, *, header: bool = True) -> None:
    """The evidence table as CSV, in CSV_COLUMNS' order (the rows alone without `header`):
    the bytes pandas' to_csv writes (missing values as empty cells, lists joined with "; ",
    minimal quoting), written by the csv module a row at a time from each column's values,
    without pandas' work per cell (which cost a tenth of a 10,000-study build)."""
    frame = table.reindex(columns=CSV_COLUMNS)
    columns = [_csv_cells(str(name), frame[name].tolist()) for name in frame.columns]
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow([str(name) for name in frame.columns])
    writer.writerows(zip(*columns, strict=True))


_CSV_LISTS = frozenset(
    {"topics", "conditions", "publication_types", "notices", "topic_labels", "condition_labels"}
)


def _csv_cells(column: str, values: list[Any]) -> list[object]:
    """A column's cells as the csv module writes them (see _csv_cell)."""
    if column in _CSV_LISTS:
        values = ["; ".join(v) if isinstance(v, (list, tuple)) else v for v in values]
    # Most columns hold one type throughout: their cells made without a call per cell.
    types = set(map(type, values))
    if types == {str}:
        return ["'" + v if v and v[0] in _FORMULA_FIRST else v for v in values]
    if types <= {int, bool}:
        return values
    return [_csv_cell(v) for v in values]


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_STARTS)


def _csv_cell(value: Any) -> object:
    """A cell as the csv module writes it: a missing value as None (an empty cell), and a
    text a spreadsheet would run as a formula (=, +, -, @ lead one) made inert."""
    if isinstance(value, str):
        return "'" + value if value[:1] in _FORMULA_STARTS else value
    if type(value) is int or type(value) is bool:  # the common case, without pd.isna
        return value
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    return value
