"""Every export of a build's studies: CSV (the evidence table), JSON for a headless CMS, and the
reference-manager formats (RIS, NBIB, BibTeX, CSL-JSON), each a function of the View.

Every record of the offline sample carries the sample's label (`View.note`), so an imported
reference never passes for a PubMed search.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
from markupsafe import escape

from evidence.classify import LEVELS
from evidence.errors import ConfigError, OutputError
from evidence.references import Review, to_bibtex, to_csl_json, to_nbib, to_ris
from evidence.study import doi_url, pmc_url
from evidence.tabulate import EXCLUSIONS
from evidence.view import View

# `evidence export --format F` and the file of the same content a build writes into reports/.
EXPORT_FILES = {
    "csv": "studies.csv",
    "ris": "studies.ris",
    "bibtex": "studies.bib",
    "csl-json": "studies.csl.json",
    "nbib": "studies.nbib",
    "json": "studies.json",
}
# The CSV's columns: the documented ones first (README, up to first_seen), then the grading and
# the citation.
CSV_COLUMNS = [
    *("pmid", "title", "authors", "journal", "year", "doi", "pmcid", "publication_types"),
    *("design", "topics", "conditions", "retracted", "first_seen", "evidence_level", "route"),
    *("agent", "participants", "curation_decision", "curation_note", "notices", "exclusion"),
    *("citation", "pubmed_url", "origin"),
]


def export_text(view: View, fmt: str) -> str:
    """One export of the view's studies as text; `fmt` is a key of EXPORT_FILES."""
    if fmt == "csv":
        out = io.StringIO()
        write_csv(view.table(), out)
        return out.getvalue()
    if fmt == "json":
        return _json_text(cms_json(view))
    writers = {"ris": to_ris, "bibtex": to_bibtex, "nbib": to_nbib}
    if fmt in writers:
        return writers[fmt](view.studies(), note=view.note, reviews=reviews(view))
    if fmt == "csl-json":
        return _json_text(to_csl_json(view.studies(), note=view.note, reviews=reviews(view)))
    raise ConfigError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FILES)}")


def export(view: View, fmt: str, *, out: TextIO | None = None, path: Path | None = None) -> None:
    """Write one export to `out`, or to `path` atomically (a temporary file beside it, renamed
    into place: a failure leaves no half-written file and any earlier file as it was)."""
    text = export_text(view, fmt)
    if path is None:
        if out is None:
            raise ValueError("export needs `out` or `path`")
        out.write(text)
        return
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise OutputError(f"{path}: cannot write the export: {exc.strerror or exc}") from exc


def _json_text(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def cms_json(view: View) -> dict[str, Any]:
    """The evidence table for a headless CMS: provenance, then one object per study."""
    table = view.table()
    studies = {s.pmid: s for s in view.studies()}
    levels = {lv.rank: lv.label for lv in LEVELS}
    records = []
    for r in table.to_dict("records"):
        s = studies[str(r["pmid"])]
        records.append(
            {
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
                "evidence_level_label": levels.get(int(r["evidence_level"]), ""),
                "topics": list(r["topics"]),
                "conditions": list(r["conditions"]),
                "participants": None if pd.isna(r["participants"]) else int(r["participants"]),
                "retracted": bool(r["retracted"]),
                "note": r["curation_note"] or None,
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
        )
    return {
        "origin": view.origin,
        "sample": view.sample is not None,
        "notice": view.note or None,
        "data_date": view.data_date().isoformat(),
        "citation_style": view.style,
        "studies": records,
    }


def reviews(view: View) -> dict[str, Review]:
    """The reviewer's work on each study, by PMID, in the words the page uses."""
    levels = {lv.rank: lv.label for lv in LEVELS}
    return {
        str(r["pmid"]): Review(
            design=str(r["design_label"]),
            level=levels.get(int(r["evidence_level"]), ""),
            note=str(r["curation_note"] or ""),
            exclusion=EXCLUSIONS.get(str(r["exclusion"]), ""),
        )
        for r in view.table().to_dict("records")
    }


# --- CSV ----------------------------------------------------------------------------------


def write_csv(table: pd.DataFrame, out: TextIO) -> None:
    """The evidence table as CSV, in CSV_COLUMNS' order."""
    frame = table.reindex(columns=CSV_COLUMNS)
    for col in [c for c in ("topics", "conditions", "publication_types", "notices") if c in frame]:
        frame[col] = frame[col].map(lambda v: "; ".join(v) if isinstance(v, (list, tuple)) else v)
    for col in frame.columns:
        frame[col] = frame[col].map(_inert_cell)
    frame.to_csv(out, index=False, lineterminator="\n")


def _inert_cell(value: object) -> object:
    """A text cell a spreadsheet will not run as a formula (=, +, -, @ lead a formula)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
