"""Build the offline sample that `evidence` ships, from the reviewer's curated bibliography.

Reads data/sample-bibliography.csv and writes, into src/evidence/data/sample/:

- pubmed-sample.xml: one PubmedArticle per CSV row in PubMed's EFetch XML shape, holding only
  the bibliographic cells that were seen printed for that study (nothing is filled in);
- sample.toml: the snapshot's manifest and the reviewer's coding of each study;
- README.md: what these files are and how to regenerate them.

The CSV is a reviewer's curated bibliography, not an NCBI answer; the outputs say so.

Usage: python tools/build_sample.py [--csv PATH] [--out DIR] [--compiled YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# The bibliography is part of the repository, so a plain clone can rebuild the sample; the
# generated files name it by this repository-relative path.
CSV_IN_REPO = "data/sample-bibliography.csv"
DEFAULT_CSV = REPO_ROOT / CSV_IN_REPO
DEFAULT_OUT = REPO_ROOT / "src" / "evidence" / "data" / "sample"

XML_NAME = "pubmed-sample.xml"
TOML_NAME = "sample.toml"
README_NAME = "README.md"

TOPICS = ("headache", "neuropathic_pain")
SNAPSHOT_TITLE = "Curated offline sample: ketamine for headache disorders and neuropathic pain"
ORIGIN = (
    f"{CSV_IN_REPO} — a reviewer's curated bibliography; "
    "each PMID was seen printed next to its study"
)
DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)
# The DTD requires some attributes (MedlineCitation Status/Owner, Article PubModel,
# JournalIssue CitedMedium) that the bibliography cannot tell; they are left out rather than
# guessed (Bio.Entrez does not need them), and the XML says so.
PLACEHOLDER_NOTE = (
    "<!-- Attributes the DTD requires but the bibliography cannot tell (MedlineCitation Status "
    "and Owner, Article PubModel, JournalIssue CitedMedium) are left out, not guessed. -->"
)

REQUIRED_COLUMNS = (
    "pmid",
    "doi",
    "first_author",
    "year",
    "journal",
    "title",
    "topic",
    "design",
    "condition",
    "route",
    "n",
    "comparator",
    "finding",
    "source_url",
    "authors",
    "volume",
    "issue",
    "pages",
    "month",
    "publication_types",
    "mesh_terms",
)

LIST_SEPARATOR = "; "
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SampleDataError(ValueError):
    """The bibliography CSV (or an argument) cannot be turned into the sample."""


@dataclass(frozen=True)
class MeshEntry:
    """One MeSH heading as rebuilt from the CSV: descriptor, its flag, qualifiers with flags."""

    descriptor: str
    major: bool = False
    qualifiers: list[tuple[str, bool]] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


def read_rows(csv_path: Path) -> list[dict[str, str]]:
    """Read and check the bibliography CSV; cells are stripped, rows kept in file order."""
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SampleDataError(f"{csv_path}: missing column(s): {', '.join(missing)}")
        rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    if not rows:
        raise SampleDataError(f"{csv_path}: no rows")
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        where = f"{csv_path}:{line}"
        pmid = row["pmid"]
        if not pmid.isdigit():
            raise SampleDataError(f"{where}: pmid {pmid!r} is not a number")
        if pmid in seen:
            raise SampleDataError(f"{where}: pmid {pmid} appears twice")
        seen.add(pmid)
        for column in ("first_author", "year", "journal", "title", "topic", "design"):
            if not row[column]:
                raise SampleDataError(f"{where}: pmid {pmid} has no {column}")
        if not re.fullmatch(r"\d{4}", row["year"]):
            raise SampleDataError(f"{where}: pmid {pmid} year {row['year']!r} is not YYYY")
        if row["topic"] not in TOPICS:
            raise SampleDataError(f"{where}: pmid {pmid} topic {row['topic']!r} not in {TOPICS}")
        if row["n"] and not row["n"].isdigit():
            raise SampleDataError(f"{where}: pmid {pmid} n {row['n']!r} is not a whole number")
    return rows


def split_list(cell: str) -> list[str]:
    """Split a '; '-separated cell; only '; ' separates (MeSH names contain commas)."""
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def split_author(entry: str) -> tuple[str, str]:
    """'Aspegren Kendall S' -> ('Aspegren Kendall', 'S'); a single token is a surname only."""
    last_name, _, initials = entry.rpartition(" ")
    if not last_name:
        return entry, ""
    return last_name, initials


def parse_mesh(cell: str) -> list[MeshEntry]:
    """Group 'Descriptor[*]' and 'Descriptor / qualifier[*]' entries by descriptor, in order."""
    headings: dict[str, MeshEntry] = {}
    for entry in split_list(cell):
        descriptor, sep, qualifier = entry.partition(" / ")
        if sep:
            major = qualifier.endswith("*")
            name = qualifier.rstrip("*").strip()
            heading = headings.setdefault(descriptor.strip(), MeshEntry(descriptor.strip()))
            heading.qualifiers.append((name, major))
        else:
            major = descriptor.endswith("*")
            name = descriptor.rstrip("*").strip()
            heading = headings.get(name, MeshEntry(name))
            headings[name] = MeshEntry(name, heading.major or major, heading.qualifiers)
    return list(headings.values())


# --------------------------------------------------------------------------- XML


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def article_element(row: dict[str, str]) -> ET.Element:
    """One PubmedArticle holding only what the CSV row gives."""
    mesh = parse_mesh(row["mesh_terms"])
    article = ET.Element("PubmedArticle")
    citation = _sub(article, "MedlineCitation")
    _sub(citation, "PMID", row["pmid"], Version="1")

    art = _sub(citation, "Article")
    journal = _sub(art, "Journal")
    issue = _sub(journal, "JournalIssue")
    if row["volume"]:
        _sub(issue, "Volume", row["volume"])
    if row["issue"]:
        _sub(issue, "Issue", row["issue"])
    pub_date = _sub(issue, "PubDate")
    _sub(pub_date, "Year", row["year"])
    if row["month"]:
        _sub(pub_date, "Month", row["month"])
    _sub(art, "ArticleTitle", row["title"])
    if row["pages"]:
        _sub(_sub(art, "Pagination"), "MedlinePgn", row["pages"])
    if row["doi"]:
        _sub(art, "ELocationID", row["doi"], EIdType="doi", ValidYN="Y")

    authors = split_list(row["authors"])
    if authors:
        author_list = _sub(art, "AuthorList", CompleteYN="Y")
        for entry in authors:
            last_name, initials = split_author(entry)
            author = _sub(author_list, "Author", ValidYN="Y")
            _sub(author, "LastName", last_name)
            if initials:
                _sub(author, "Initials", initials)
    else:
        # Only the first author's surname was seen: PubMed's own marker for a partial list.
        author_list = _sub(art, "AuthorList", CompleteYN="N")
        _sub(_sub(author_list, "Author", ValidYN="Y"), "LastName", row["first_author"])

    publication_types = split_list(row["publication_types"])
    if publication_types:
        type_list = _sub(art, "PublicationTypeList")
        for publication_type in publication_types:
            _sub(type_list, "PublicationType", publication_type)

    _sub(_sub(citation, "MedlineJournalInfo"), "MedlineTA", row["journal"])

    if mesh:
        heading_list = _sub(citation, "MeshHeadingList")
        for mesh_entry in mesh:
            heading = _sub(heading_list, "MeshHeading")
            descriptor = mesh_entry.descriptor
            _sub(heading, "DescriptorName", descriptor, MajorTopicYN=_yn(mesh_entry.major))
            for qualifier, major in mesh_entry.qualifiers:
                _sub(heading, "QualifierName", qualifier, MajorTopicYN=_yn(major))

    ids = _sub(_sub(article, "PubmedData"), "ArticleIdList")
    _sub(ids, "ArticleId", row["pmid"], IdType="pubmed")
    if row["doi"]:
        _sub(ids, "ArticleId", row["doi"], IdType="doi")
    return article


def render_xml(rows: Sequence[dict[str, str]]) -> str:
    """The whole PubmedArticleSet document, indented by two spaces, ending in a newline."""
    root = ET.Element("PubmedArticleSet")
    for row in rows:
        root.append(article_element(row))
    ET.indent(root, space="  ")
    comment = (
        f"<!-- evidence offline sample: a reviewer's curated bibliography ({len(rows)} studies) "
        f"rebuilt in PubMed's XML shape from {CSV_IN_REPO}. "
        "NOT an NCBI/PubMed response. Fields not seen printed for a study are left out. -->"
    )
    body = ET.tostring(root, encoding="unicode")
    header = ['<?xml version="1.0" encoding="UTF-8"?>', DOCTYPE, comment, PLACEHOLDER_NOTE]
    return "\n".join([*header, body]) + "\n"


# --------------------------------------------------------------------------- TOML


def toml_string(value: str) -> str:
    """A TOML basic string. JSON's escapes are valid TOML; DEL is the one control character
    that json.dumps leaves bare and TOML forbids."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def render_toml(rows: Sequence[dict[str, str]], compiled: str) -> str:
    """The snapshot manifest plus one [[study]] table of the reviewer's coding per row."""
    count = len(rows)
    notice = (
        f"This is a curated offline sample of {count} studies, not a live PubMed search. "
        "Run `evidence refresh` to fetch the live set from PubMed."
    )
    lines = [
        "# evidence offline sample: the manifest and the reviewer's coding for the bundled sample.",
        f"# Built from a reviewer's curated bibliography ({CSV_IN_REPO}),",
        "# NOT from an NCBI/PubMed answer; the [[study]] values are the reviewer's curation notes,",
        "# not PubMed data. Generated file: regenerate with `python tools/build_sample.py`.",
        "",
        "[snapshot]",
        f"title = {toml_string(SNAPSHOT_TITLE)}",
        f"compiled = {toml_string(compiled)}",
        f"studies = {count}",
        f"origin = {toml_string(ORIGIN)}",
        f"notice = {toml_string(notice)}",
    ]
    for row in rows:
        lines += ["", "[[study]]", f"pmid = {toml_string(row['pmid'])}"]
        lines.append(f"topic = {toml_string(row['topic'])}")
        lines.append(f"design = {toml_string(row['design'])}")
        conditions = [row["condition"]] if row["condition"] else []
        lines.append(f"conditions = [{', '.join(toml_string(c) for c in conditions)}]")
        if row["route"] and row["route"] != "na":
            lines.append(f"route = {toml_string(row['route'])}")
        if row["n"]:
            lines.append(f"participants = {int(row['n'])}")
        if row["comparator"]:
            lines.append(f"comparator = {toml_string(row['comparator'])}")
        if row["finding"]:
            lines.append(f"note = {toml_string(row['finding'])}")
        if row["source_url"]:
            lines.append(f"source_url = {toml_string(row['source_url'])}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- README


def render_readme(count: int) -> str:
    """A short note for whoever opens the folder."""
    return f"""# Offline sample (generated — do not edit by hand)

A curated offline sample of {count} studies of ketamine for headache disorders and neuropathic
pain, so `evidence` can build reports without network access. It is a reviewer's curated
bibliography ({CSV_IN_REPO}), NOT an NCBI/PubMed response or search result.

- `{XML_NAME}`: one record per study in PubMed's EFetch XML shape, holding only the
  fields seen printed for that study (no abstracts; absent fields are left out, not filled in).
- `{TOML_NAME}`: the snapshot manifest and the reviewer's coding (topic, design, condition,
  route, participants, comparator, note) — curation notes, not PubMed data.

Regenerate: `python tools/build_sample.py`; fetch the live set with `evidence refresh`.
"""


# --------------------------------------------------------------------------- entry points


def build(csv_path: Path, out_dir: Path, compiled: str) -> None:
    """Write the three sample files for `csv_path` into `out_dir` (deterministic output)."""
    if not DATE_RE.fullmatch(compiled):
        raise SampleDataError(f"compiled date {compiled!r} is not YYYY-MM-DD")
    try:
        dt.date.fromisoformat(compiled)
    except ValueError as exc:
        raise SampleDataError(f"compiled date {compiled!r} is not a real date") from exc
    rows = read_rows(csv_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {
        XML_NAME: render_xml(rows),
        TOML_NAME: render_toml(rows, compiled),
        README_NAME: render_readme(len(rows)),
    }
    for name, text in outputs.items():
        (out_dir / name).write_text(text, encoding="utf-8", newline="\n")


def existing_compiled(out_dir: Path) -> str | None:
    """The `compiled` date already recorded in out_dir/sample.toml, if any."""
    path = out_dir / TOML_NAME
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        snapshot = tomllib.load(handle).get("snapshot", {})
    value = snapshot.get("compiled") if isinstance(snapshot, dict) else None
    return value if isinstance(value, str) else None


def main(argv: list[str] | None = None) -> int:
    """Command line: build the sample; returns an exit code."""
    parser = argparse.ArgumentParser(
        description="Build evidence's offline sample from the curated bibliography CSV.",
        epilog="example: python tools/build_sample.py --compiled 2025-01-31",
    )
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="bibliography CSV")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument(
        "--compiled",
        help="snapshot date YYYY-MM-DD (default: the one in OUT/sample.toml, else today)",
    )
    args = parser.parse_args(argv)
    csv_path: Path = args.csv
    out_dir: Path = args.out
    try:
        compiled: str = args.compiled or existing_compiled(out_dir) or dt.date.today().isoformat()
        build(csv_path, out_dir, compiled)
    except (OSError, SampleDataError, tomllib.TOMLDecodeError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {XML_NAME}, {TOML_NAME}, {README_NAME} to {out_dir} (compiled {compiled})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
