"""The bundled offline sample (src/evidence/data/sample/) and its builder, tools/build_sample.py."""

from __future__ import annotations

import csv
import importlib.util
import socket
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from Bio import Entrez
from Bio.Entrez import Parser as EntrezParser

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_ROOT / "src" / "evidence" / "data" / "sample"
XML_PATH = SAMPLE_DIR / "pubmed-sample.xml"
TOML_PATH = SAMPLE_DIR / "sample.toml"
BUILDER_PATH = REPO_ROOT / "tools" / "build_sample.py"

entrez_read: Callable[..., Any] = Entrez.read  # Biopython leaves `read` unannotated


def _load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_sample", BUILDER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while building classes
    spec.loader.exec_module(module)
    return module


builder = _load_builder()
Rows = list[dict[str, str]]
CSV_PATH = REPO_ROOT / "data" / "sample-bibliography.csv"


@pytest.fixture(scope="module")
def csv_rows() -> Rows:
    with CSV_PATH.open(newline="", encoding="utf-8") as handle:
        return [{k: v.strip() for k, v in row.items()} for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def articles() -> list[Any]:
    """The committed XML parsed by Bio.Entrez with the network made unreachable."""
    with pytest.MonkeyPatch.context() as mp:

        def no_network(*args: object, **kwargs: object) -> None:
            raise AssertionError("parsing the sample tried to reach the network")

        mp.setattr(EntrezParser, "urlopen", no_network)
        mp.setattr(socket.socket, "connect", no_network)
        with XML_PATH.open("rb") as handle:
            record = entrez_read(handle, validate=True)
    assert not record["PubmedBookArticle"]
    return list(record["PubmedArticle"])


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    with TOML_PATH.open("rb") as handle:
        return tomllib.load(handle)


def test_sample_is_built_from_the_repository_copy(manifest: dict[str, Any]) -> None:
    assert builder.DEFAULT_CSV == CSV_PATH
    origin = manifest["snapshot"]["origin"]
    assert origin.startswith(f"{CSV_PATH.relative_to(REPO_ROOT).as_posix()} ")


def test_committed_files_equal_a_fresh_build(
    csv_rows: Rows, manifest: dict[str, Any], tmp_path: Path
) -> None:
    compiled = manifest["snapshot"]["compiled"]
    assert (
        builder.main(["--csv", str(CSV_PATH), "--out", str(tmp_path), "--compiled", compiled]) == 0
    )
    for name in (builder.XML_NAME, builder.TOML_NAME, builder.README_NAME):
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), (
            f"{name} is stale: run `python tools/build_sample.py`"
        )


def test_build_is_deterministic_and_keeps_compiled_date(csv_rows: Rows, tmp_path: Path) -> None:
    builder.build(CSV_PATH, tmp_path, "2024-01-02")
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert builder.main(["--csv", str(CSV_PATH), "--out", str(tmp_path)]) == 0  # reuses the date
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == first


def test_bad_compiled_date_is_an_error(
    csv_rows: Rows, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        builder.main(["--csv", str(CSV_PATH), "--out", str(tmp_path), "--compiled", "24-1-2"]) == 1
    )
    assert capsys.readouterr().err.startswith("Error: compiled date '24-1-2'")


def test_xml_says_it_is_not_an_ncbi_response() -> None:
    head = XML_PATH.read_text(encoding="utf-8")[:1200]
    assert "NOT an NCBI/PubMed response" in head
    assert "pubmed_250101.dtd" in head


def test_xml_records_match_the_csv(articles: list[Any], csv_rows: Rows) -> None:
    assert len(articles) == len(csv_rows) == 33
    for article, row in zip(articles, csv_rows, strict=True):
        citation = article["MedlineCitation"]
        art = citation["Article"]
        assert str(citation["PMID"]) == row["pmid"]
        assert str(art["ArticleTitle"]) == row["title"]
        assert str(art["Journal"]["JournalIssue"]["PubDate"]["Year"]) == row["year"]
        assert str(citation["MedlineJournalInfo"]["MedlineTA"]) == row["journal"]
        assert "Title" not in art["Journal"] and "ISOAbbreviation" not in art["Journal"]
        assert "Abstract" not in art
        assert not art.get("Language")  # Bio.Entrez gives list elements as [] when absent
        dois = [str(e) for e in art.get("ELocationID", []) if e.attributes["EIdType"] == "doi"]
        assert dois == ([row["doi"]] if row["doi"] else [])
        ids = {e.attributes["IdType"]: str(e) for e in article["PubmedData"]["ArticleIdList"]}
        assert ids == {"pubmed": row["pmid"], **({"doi": row["doi"]} if row["doi"] else {})}
        types = [str(t) for t in art.get("PublicationTypeList", [])]
        assert types == [t for t in row["publication_types"].split("; ") if t]
        # Attributes the bibliography cannot tell are left out, never guessed.
        assert "Status" not in citation.attributes


def test_incomplete_author_lists_are_exactly_the_rows_without_authors(
    articles: list[Any], csv_rows: Rows
) -> None:
    incomplete = {
        str(a["MedlineCitation"]["PMID"])
        for a in articles
        if a["MedlineCitation"]["Article"]["AuthorList"].attributes["CompleteYN"] == "N"
    }
    assert incomplete == {row["pmid"] for row in csv_rows if not row["authors"]}
    for article, row in zip(articles, csv_rows, strict=True):
        authors = article["MedlineCitation"]["Article"]["AuthorList"]
        if row["authors"]:
            shorts = [f"{a['LastName']} {a.get('Initials', '')}".strip() for a in authors]
            assert shorts == row["authors"].split("; ")
        else:
            assert [(a["LastName"], "Initials" in a) for a in authors] == [
                (row["first_author"], False)
            ]


def test_starred_mesh_qualifier_is_a_major_qualifier(articles: list[Any]) -> None:
    by_pmid = {str(a["MedlineCitation"]["PMID"]): a for a in articles}
    headings = by_pmid["23365053"]["MedlineCitation"]["MeshHeadingList"]
    # CSV: "Administration, Intranasal / methods*" (a descriptor with a comma in it)
    heading = next(h for h in headings if h["DescriptorName"] == "Administration, Intranasal")
    assert heading["DescriptorName"].attributes["MajorTopicYN"] == "N"
    assert [(str(q), q.attributes["MajorTopicYN"]) for q in heading["QualifierName"]] == [
        ("methods", "Y")
    ]


def test_mesh_entries_round_trip(articles: list[Any], csv_rows: Rows) -> None:
    for article, row in zip(articles, csv_rows, strict=True):
        entries = []
        for heading in article["MedlineCitation"].get("MeshHeadingList", []):
            descriptor = heading["DescriptorName"]
            star = "*" if descriptor.attributes["MajorTopicYN"] == "Y" else ""
            if not heading["QualifierName"]:
                entries.append(f"{descriptor}{star}")
            for qualifier in heading["QualifierName"]:
                q_star = "*" if qualifier.attributes["MajorTopicYN"] == "Y" else ""
                entries.append(f"{descriptor} / {qualifier}{q_star}")
        assert entries == [e for e in row["mesh_terms"].split("; ") if e]


def test_parse_mesh_groups_by_descriptor() -> None:
    headings = builder.parse_mesh("Ketamine / adverse effects; Adult; Ketamine / therapeutic use*")
    assert [(h.descriptor, h.major, h.qualifiers) for h in headings] == [
        ("Ketamine", False, [("adverse effects", False), ("therapeutic use", True)]),
        ("Adult", False, []),
    ]
    assert builder.parse_mesh("Pain*")[0].major is True


def test_split_author_uses_the_last_space() -> None:
    assert builder.split_author("Aspegren Kendall S") == ("Aspegren Kendall", "S")
    assert builder.split_author("Amr YM") == ("Amr", "YM")
    assert builder.split_author("Cochrane") == ("Cochrane", "")


def test_manifest_round_trips(manifest: dict[str, Any], csv_rows: Rows) -> None:
    snapshot = manifest["snapshot"]
    assert snapshot["studies"] == 33
    assert "not a live PubMed search" in snapshot["notice"]
    studies = manifest["study"]
    assert len(studies) == 33
    assert {s["topic"] for s in studies} <= {"headache", "neuropathic_pain"}
    for study, row in zip(studies, csv_rows, strict=True):
        assert study["pmid"] == row["pmid"]
        assert study["design"] == row["design"]
        assert study["conditions"] == [row["condition"]]
        assert study.get("route") == (row["route"] if row["route"] not in ("", "na") else None)
        assert study.get("participants") == (int(row["n"]) if row["n"] else None)
        assert study.get("comparator") == (row["comparator"] or None)
        assert study["note"] == row["finding"]
        assert study["source_url"] == row["source_url"]
