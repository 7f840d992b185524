"""The real labelled PubMed records (tests/fixtures/real-pubmed/) and how the grading is measured
on them: shared by tests/test_grading.py, which holds the floors reached, and bench/grading.py,
which prints the figures beside the issue's targets.

A directory of records holds `labels.toml` and the XML files it names (see SOURCES.md there).
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evidence.classify import classify_design, is_notice, level_for, participants_for
from evidence.pubmed import parse_article_set
from evidence.study import AbstractSection, MeshHeading, Study

COMMITTED = Path(__file__).resolve().parent / "fixtures" / "real-pubmed"
NOTICE = "notice"  # the label of an erratum, retraction notice or expression of concern
COMMENT = "comment"  # the label of a comment, letter, editorial or news item with no study


@dataclass(frozen=True)
class Labelled:
    study: Study
    design: str
    participants: int | None
    split: str
    why: str
    # The design each reader gave, first reader first, where more than one read the record
    # (the label is the majority's; see SOURCES.md); empty where one reader did.
    readings: tuple[str, ...] = ()

    @property
    def disputed(self) -> bool:
        """Readers of the record gave it different designs."""
        return len(set(self.readings)) > 1


def load(directory: Path = COMMITTED) -> list[Labelled]:
    """Every labelled record of `directory`, parsed once per file by the streaming parser.

    Raises KeyError for a label whose PMID is not in its file: a label never goes unmeasured.
    """
    with (directory / "labels.toml").open("rb") as fh:
        labels = tomllib.load(fh)["record"]
    parsed: dict[str, dict[str, Study]] = {}
    records = []
    for label in labels:
        name = label["file"]
        if name not in parsed:
            studies = parse_article_set((directory / name).read_bytes()).studies
            parsed[name] = {s.pmid: s for s in studies}
        records.append(
            Labelled(
                study=parsed[name][label["pmid"]],
                design=label["design"],
                participants=label.get("participants"),
                split=label["split"],
                why=label.get("why", ""),
                readings=tuple(label.get("readings", ())),
            )
        )
    return records


WRITTEN = Path(__file__).resolve().parent / "fixtures" / "written-field"


def load_written(path: Path) -> list[Labelled]:
    """Records of the project's own field written (not gathered) by a reader blind to the
    rules, with their labels (tests/fixtures/written-field/, see its README.md): a JSON list
    of {id, title, abstract_sections, publication_types, mesh, design, participants, why}.
    Their split is "written": tests of the field's wording, never evidence of accuracy."""
    records = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        study = Study(
            pmid=item["id"],
            title=item["title"],
            abstract=tuple(
                AbstractSection(label, text) for label, text in item["abstract_sections"]
            ),
            publication_types=tuple(item["publication_types"]),
            mesh=tuple(MeshHeading(descriptor=m) for m in item["mesh"]),
        )
        records.append(
            Labelled(
                study=study,
                design=item["design"],
                participants=item["participants"],
                split="written",
                why=item["why"],
            )
        )
    return records


def unindexed(study: Study) -> Study:
    """The record as it arrives "in process": no MeSH headings, no publication type but
    Journal Article."""
    return dataclasses.replace(study, mesh=(), publication_types=("Journal Article",))


@dataclass
class Score:
    """Right answers out of all, per label."""

    right: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)

    def add(self, label: str, ok: bool) -> None:
        self.total[label] += 1
        self.right[label] += ok

    @property
    def count(self) -> int:
        return sum(self.total.values())

    @property
    def share(self) -> float:
        n = self.count
        return sum(self.right.values()) / n if n else 1.0


@dataclass
class Report:
    """How the grading did on a set of labelled records."""

    records: int = 0
    design: Score = field(default_factory=Score)  # as PubMed serves the record
    design_unindexed: Score = field(default_factory=Score)  # MeSH and types removed
    level: Score = field(default_factory=Score)
    # Design as indexed, only over records read more than once, by whether readers agreed.
    design_agreed: Score = field(default_factory=Score)
    design_disputed: Score = field(default_factory=Score)
    notices: Score = field(default_factory=Score)  # notice or not, over every record
    preclinical_among_clinical: int = 0  # preclinical records graded as clinical, as indexed
    preclinical_among_clinical_unindexed: int = 0
    participants_right: int = 0
    participants_wrong: int = 0  # a number, but not the stated one
    participants_empty: int = 0  # a number is stated, none found
    participants_invented: int = 0  # no number stated (or none applies), one given
    misses: list[str] = field(default_factory=list)

    @property
    def participants_stated(self) -> int:
        return self.participants_right + self.participants_wrong + self.participants_empty


def measure(records: Iterable[Labelled]) -> Report:
    """Grade every record as indexed and unindexed and compare with its labels."""
    report = Report()
    for r in records:
        report.records += 1
        if r.design in (NOTICE, COMMENT):
            # Neither is a study: what counts is that it is told apart from the studies.
            report.notices.add(r.design, is_notice(r.study))
            continue
        report.notices.add("study", not is_notice(r.study))
        design = classify_design(r.study)
        bare = classify_design(unindexed(r.study))
        report.design.add(r.design, design == r.design)
        report.design_unindexed.add(r.design, bare == r.design)
        report.level.add(r.design, level_for(design).rank == level_for(r.design).rank)
        if r.readings:
            shown = report.design_disputed if r.disputed else report.design_agreed
            shown.add(r.design, design == r.design)
        if r.design == "preclinical":
            report.preclinical_among_clinical += design != "preclinical"
            report.preclinical_among_clinical_unindexed += bare != "preclinical"
        found = participants_for(r.study, design)
        if r.participants is None:
            report.participants_invented += found is not None
        elif found is None:
            report.participants_empty += 1
        elif found == r.participants:
            report.participants_right += 1
        else:
            report.participants_wrong += 1
        if design != r.design or found != r.participants:
            report.misses.append(
                f"{r.study.pmid} {r.split}: {r.design}/{r.participants} "
                f"graded {design}/{found} (unindexed {bare})"
            )
    return report


def split(records: Sequence[Labelled], name: str) -> list[Labelled]:
    return [r for r in records if r.split == name]
