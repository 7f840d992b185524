"""A reviewer's coding, applied over the automatic tags at every build.

Entries come from the packaged sample's manifest (the reviewer's coding of the offline sample)
and from an optional `queries/curation.toml` in the project, which wins where both speak:

    [[study]]
    pmid = "23365053"
    design = "rct"                       # a design code, see evidence.classify.DESIGN_LABELS
    conditions = ["migraine_with_aura"]  # condition ids from the query files
    participants = 30
    route = "intranasal"
    note = "Reduced aura severity but not duration versus midazolam."
    featured = true                      # may be chosen for the short fragment (see [publish])

    [[study]]
    pmid = "12345678"
    decision = "exclude"                 # include | exclude; an exclusion needs a reason
    reason = "Ketamine used only for anaesthesia induction"

An optional top-level `reasons = [...]`, before the first [[study]], is the project's pick
list of exclusion reasons (the review app offers it; free text stays possible).
`evidence review --serve` writes this file (see evidence.curation_file).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence.classify import DESIGN_LABELS, known_conditions, level_for
from evidence.errors import QueryError
from evidence.queries import Query
from evidence.routes import ROUTE_LABELS
from evidence.settings import read_toml
from evidence.study import Tags, is_pmid

_KEYS = {
    "pmid",
    "topic",
    "design",
    "conditions",
    "participants",
    "route",
    "note",
    "comparator",
    "source_url",
    "decision",
    "reason",
    "featured",
}
DECISIONS = ("include", "exclude")
# Offered when the project keeps no `reasons` list of its own: the usual screening reasons.
DEFAULT_REASONS = (
    "Not about the topic",
    "Not the intervention of interest",
    "Wrong population",
    "Wrong study design",
    "No outcome of interest",
    "Duplicate publication",
)
ROUTES = tuple(ROUTE_LABELS)


@dataclass(frozen=True)
class Entry:
    """One reviewer decision about one PMID (every field optional but the PMID)."""

    pmid: str
    design: str = ""
    conditions: tuple[str, ...] = ()
    participants: int | None = None
    route: str = ""
    note: str = ""
    decision: str = ""  # "include", "exclude", or "" (coded, no decision recorded)
    reason: str = ""  # why excluded
    featured: bool = False  # the reviewer's pick for the short fragment ([publish] only)


Curation = dict[str, Entry]


def entries_from(records: Iterable[Mapping[str, Any]], where: str) -> Curation:
    """Validate raw [[study]] tables into entries keyed by PMID."""
    out: Curation = {}
    for i, raw in enumerate(records):
        at = f"{where}: study[{i}]"
        unknown = sorted(set(raw) - _KEYS)
        if unknown:
            raise QueryError(f"{at}: unknown key {unknown[0]!r}")
        pmid = str(raw.get("pmid", "")).strip()
        if not is_pmid(pmid):
            raise QueryError(
                f"{at}: pmid must be a PubMed id (1 to 9 digits, no leading zero), got {pmid!r}"
            )
        if pmid in out:
            raise QueryError(f"{at}: PMID {pmid} has two entries; keep one")
        route = str(raw.get("route", ""))
        if route and route not in ROUTES:
            raise QueryError(
                f"{at} (PMID {pmid}): unknown route {route!r} (one of: {', '.join(ROUTES)})"
            )
        design = str(raw.get("design", ""))
        if design and design not in DESIGN_LABELS:
            raise QueryError(
                f"{at} (PMID {pmid}): unknown design {design!r} "
                f"(one of: {', '.join(DESIGN_LABELS)})"
            )
        participants = raw.get("participants")
        if participants is not None and (
            not isinstance(participants, int) or isinstance(participants, bool) or participants < 1
        ):
            raise QueryError(f"{at} (PMID {pmid}): participants must be a positive integer")
        decision = str(raw.get("decision", ""))
        if decision and decision not in DECISIONS:
            raise QueryError(f"{at} (PMID {pmid}): decision must be 'include' or 'exclude'")
        reason = str(raw.get("reason", "")).strip()
        if decision == "exclude" and not reason:
            raise QueryError(f"{at} (PMID {pmid}): an exclusion needs a 'reason'")
        featured = raw.get("featured", False)
        if not isinstance(featured, bool):
            raise QueryError(f"{at} (PMID {pmid}): featured must be true or false")
        conditions = raw.get("conditions", [])
        if not isinstance(conditions, list) or not all(isinstance(c, str) for c in conditions):
            raise QueryError(f"{at} (PMID {pmid}): conditions must be a list of condition ids")
        featured = raw.get("featured", False)
        if not isinstance(featured, bool):
            raise QueryError(f"{at} (PMID {pmid}): featured must be true or false")
        out[pmid] = Entry(
            pmid=pmid,
            design=design,
            conditions=tuple(conditions),
            participants=participants,
            route=str(raw.get("route", "")),
            note=str(raw.get("note", "")),
            decision=decision,
            reason=reason,
            featured=featured,
        )
    return out


def load_curation(path: Path, conditions: Collection[str] | None = None) -> Curation:
    """Load a project's curation file; a missing file is an empty curation.

    `conditions`, when given, are the condition ids the query files declare: a reviewer's
    condition that names none of them is a typo, refused rather than silently ignored.
    """
    data = read_toml(path, QueryError)
    return validate(data or {}, str(path), conditions)


def validate(
    data: Mapping[str, Any], where: str, conditions: Collection[str] | None = None
) -> Curation:
    """The entries of a parsed curation file, every key and value checked."""
    unknown = sorted(set(data) - {"study", "reasons"})
    if unknown:
        raise QueryError(f"{where}: unknown key {unknown[0]!r} (decisions go in [[study]] tables)")
    reasons_of(data, where)
    studies = data.get("study", [])
    if not isinstance(studies, list):
        raise QueryError(f"{where}: 'study' must be an array of tables ([[study]])")
    entries = entries_from(studies, where)
    if conditions is not None:
        for entry in entries.values():
            bad = [c for c in entry.conditions if c not in conditions]
            if bad:
                raise QueryError(
                    f"{where}: PMID {entry.pmid}: condition {bad[0]!r} is not declared in any "
                    f"query file (one of: {', '.join(sorted(conditions))})"
                )
    return entries


def reasons_of(data: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """The project's pick list of exclusion reasons (`reasons = [...]`), else the usual ones."""
    reasons = data.get("reasons")
    if reasons is None:
        return DEFAULT_REASONS
    if not isinstance(reasons, list) or not all(isinstance(r, str) and r.strip() for r in reasons):
        raise QueryError(f"{where}: 'reasons' must be a list of exclusion reasons (text)")
    return tuple(r.strip() for r in reasons)


def merge(base: Curation, over: Curation) -> Curation:
    """`over` laid on `base` field by field: a project's note on a sample study keeps the
    sample reviewer's design, participants and conditions."""
    out = dict(base)
    for pmid, entry in over.items():
        old = out.get(pmid)
        if old is None:
            out[pmid] = entry
            continue
        changes = {
            f.name: getattr(entry, f.name)
            for f in dataclasses.fields(entry)
            if getattr(entry, f.name) not in ("", (), None, False)
        }
        out[pmid] = dataclasses.replace(old, **changes)
    return out


def apply(tags: Tags, entry: Entry | None, query: Query) -> Tags:
    """The automatic tags with the reviewer's coding laid over them."""
    if entry is None:
        return tags
    changes: dict[str, Any] = {}
    if entry.design:
        changes.update(
            design=entry.design,
            evidence_level=level_for(entry.design).rank,
            design_source="curation",
            # Where the reviewer agrees with the grading, what it read still says why.
            design_basis=tags.design_basis
            if entry.design == tags.design
            else "the reviewer's curation",
        )
    if entry.conditions:
        # The reviewer's conditions replace the automatic ones; a code the query does not
        # declare leaves the study in the topic's "other" group.
        changes["conditions"] = known_conditions(query, entry.conditions)
    if entry.participants is not None:
        changes["participants"] = entry.participants
    if entry.route:
        changes["route"] = entry.route
    if entry.note:
        changes["note"] = entry.note
    # Any entry means a reviewer has looked at the study; a coding without an explicit
    # decision keeps it in.
    changes["decision"] = entry.decision or "include"
    changes["reason"] = entry.reason
    if entry.design:
        changes["preclinical"] = entry.design == "preclinical"
    return dataclasses.replace(tags, **changes)
