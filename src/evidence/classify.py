"""Pure functions that tag a Study: design and evidence level, conditions, participants, route.

PubMed's own indexing comes first (publication types, MeSH headings); the title and abstract
are read only where those say nothing, as for records still "in process" without MeSH.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from evidence.queries import Condition, Query
from evidence.study import Study, Tags


@dataclass(frozen=True)
class Level:
    rank: int
    key: str
    label: str
    designs: tuple[str, ...]


# The fixed evidence-level order that drives sorting and grouping in every output.
LEVELS: tuple[Level, ...] = (
    Level(
        1,
        "synthesis",
        "Systematic reviews and meta-analyses",
        ("meta_analysis", "systematic_review"),
    ),
    Level(2, "rct", "Randomized controlled trials", ("rct",)),
    Level(3, "trial", "Other clinical trials", ("open_label_trial",)),
    Level(4, "observational", "Observational studies", ("cohort_prospective", "retrospective")),
    Level(5, "cases", "Case series and case reports", ("case_series", "case_report")),
    Level(6, "review", "Reviews and guidelines", ("review", "guideline")),
    Level(7, "other", "Other publications", ("protocol", "other")),
    Level(8, "preclinical", "Preclinical studies (animal or laboratory)", ("preclinical",)),
)

DESIGN_LABELS: dict[str, str] = {
    "meta_analysis": "Meta-analysis",
    "systematic_review": "Systematic review",
    "rct": "Randomized controlled trial",
    "open_label_trial": "Non-randomized or open-label trial",
    "cohort_prospective": "Prospective cohort study",
    "retrospective": "Retrospective study",
    "case_series": "Case series",
    "case_report": "Case report",
    "review": "Narrative review",
    "guideline": "Guideline or consensus statement",
    "protocol": "Study protocol",
    "preclinical": "Preclinical study",
    "other": "Other",
}

_LEVEL_OF = {design: level for level in LEVELS for design in level.designs}


def level_for(design: str) -> Level:
    """The evidence level of a design code (unknown codes count as 'other')."""
    return _LEVEL_OF.get(design, LEVELS[6])


# --- design -------------------------------------------------------------------------------

_PT_RULES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"Meta-Analysis", "Network Meta-Analysis"}), "meta_analysis"),
    (frozenset({"Systematic Review"}), "systematic_review"),
    (frozenset({"Randomized Controlled Trial", "Equivalence Trial"}), "rct"),
    (
        frozenset(
            {
                "Practice Guideline",
                "Guideline",
                "Consensus Development Conference",
                "Consensus Development Conference, NIH",
            }
        ),
        "guideline",
    ),
    (frozenset({"Clinical Trial Protocol"}), "protocol"),
)
_TRIAL_PTS = frozenset(
    {
        "Clinical Trial",
        "Clinical Trial, Phase I",
        "Clinical Trial, Phase II",
        "Clinical Trial, Phase III",
        "Clinical Trial, Phase IV",
        "Controlled Clinical Trial",
        "Pragmatic Clinical Trial",
        "Adaptive Clinical Trial",
    }
)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_TEXT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_rx(r"meta-?analys[ie]s|pooled analysis of (?:randomi[sz]ed|trials)"), "meta_analysis"),
    (_rx(r"systematic (?:literature )?review|scoping review"), "systematic_review"),
    (_rx(r"\bprotocol for\b|study protocol|trial protocol"), "protocol"),
    (
        _rx(
            r"randomi[sz]ed[\w ,-]{0,60}(?:trial|study)|randomly (?:assigned|allocated)"
            r"|double[- ]blind|placebo[- ]controlled"
        ),
        "rct",
    ),
    (
        _rx(
            r"open[- ]label|single[- ]arm|non-?randomi[sz]ed|pilot (?:trial|study)"
            r"|phase (?:i|ii|1|2)\b|dose[- ](?:finding|escalation)"
        ),
        "open_label_trial",
    ),
    (
        _rx(r"retrospective|chart review|medical records? review|registry|database study"),
        "retrospective",
    ),
    (_rx(r"prospective|cohort|observational study|longitudinal"), "cohort_prospective"),
    (_rx(r"case series|consecutive (?:patients|cases)"), "case_series"),
    (
        _rx(r"case report|\ba case of\b|\bin a patient with\b|\ba (?:\d+-year-old|patient)\b"),
        "case_report",
    ),
    (_rx(r"guideline|consensus statement|recommendations? (?:of|from) the"), "guideline"),
    (_rx(r"\breview\b|an update\b|overview|state of the art|narrative"), "review"),
)
_ANIMAL = _rx(
    r"\b(?:rats?|mice|mouse|murine|rodents?|rabbits?|dogs?|canine|sheep|pigs?|porcine"
    r"|primates?|monkeys?|in vitro|cell cultures?|zebrafish)\b"
)
_HUMAN_MESH = frozenset({"Humans", "Human"})
_ANIMAL_MESH = frozenset(
    {"Animals", "Rats", "Mice", "Disease Models, Animal", "Rats, Sprague-Dawley", "Rats, Wistar"}
)


def classify_design(study: Study) -> str:
    """Study design code (see DESIGN_LABELS), from publication types, MeSH, then text."""
    types = set(study.publication_types)
    mesh = {m.descriptor for m in study.mesh}
    text = f"{study.title} {study.abstract_text}"
    if mesh & _ANIMAL_MESH and not mesh & _HUMAN_MESH:
        return "preclinical"
    for names, design in _PT_RULES:
        if types & names:
            return design
    if types & _TRIAL_PTS:
        return "rct" if _rx(r"randomi[sz]ed|randomly").search(text) else "open_label_trial"
    if "Case Reports" in types:
        return (
            "case_series"
            if _rx(r"case series|\b(?:[3-9]|\d\d+) (?:patients|cases)\b").search(study.title)
            else "case_report"
        )
    if "Observational Study" in types or mesh & {
        "Retrospective Studies",
        "Prospective Studies",
        "Cohort Studies",
        "Longitudinal Studies",
    }:
        if "Retrospective Studies" in mesh or _rx(r"retrospective").search(text):
            return "retrospective"
        return "cohort_prospective"
    if "Review" in types:
        return "review"
    if not mesh and _ANIMAL.search(study.title):
        return "preclinical"
    for source in (study.title, study.abstract_text):
        for pattern, design in _TEXT_RULES:
            if source and pattern.search(source):
                return design
    return "other"


# --- conditions ---------------------------------------------------------------------------


@cache
def _word_pattern(term: str) -> re.Pattern[str]:
    stem = term.rstrip("*")
    body = re.escape(stem).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
    tail = r"\w*" if term.endswith("*") else r"\b"
    # Short all-capital acronyms (CRPS, PHN, SCI) are matched case-sensitively.
    flags = 0 if (stem.isupper() and len(stem) <= 6) else re.I
    return re.compile(rf"(?<!\w){body}{tail}", flags)


def condition_matches(study: Study, condition: Condition) -> bool:
    """Whether a study is about a condition: one of its MeSH headings, or its words."""
    descriptors = {m.descriptor.lower() for m in study.mesh}
    if any(m.lower() in descriptors for m in condition.mesh):
        return True
    haystack = " ".join(
        (
            study.title,
            study.abstract_text,
            " ".join(study.keywords),
            " ".join(m.descriptor for m in study.mesh),
        )
    )
    return any(_word_pattern(t).search(haystack) for t in condition.text)


def classify_conditions(study: Study, query: Query) -> tuple[str, ...]:
    """Ids of the query's conditions this study is about, in the query's order."""
    return tuple(c.id for c in query.conditions if condition_matches(study, c))


# --- participants and route -----------------------------------------------------------------

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)"
_PEOPLE = (
    r"(?:patients|participants|subjects|adults|children|adolescents|volunteers|women|men"
    r"|veterans|individuals|people|cases)"
)
_PARTICIPANT_RULES = (
    _rx(rf"\b(?:a total of|in total,?|overall,?)\s+{_NUM}\s+(?:\w+\s+){{0,3}}{_PEOPLE}"),
    _rx(
        rf"\b{_NUM}\s+(?:\w+\s+){{0,3}}{_PEOPLE}\s+(?:were|had been)\s+(?:randomi[sz]ed|enrolled"
        rf"|included|recruited|treated|studied|analy[sz]ed)"
    ),
    _rx(rf"\b(?:randomi[sz]ed|enrolled|included|recruited)\s+{_NUM}\s+(?:\w+\s+){{0,3}}{_PEOPLE}"),
)
_N_EQUALS = _rx(rf"\bn\s*=\s*{_NUM}")


def extract_participants(study: Study) -> int | None:
    """Number of participants from common phrasings, or None when unsure."""
    if study.abstract:
        methods = " ".join(
            s.text
            for s in study.abstract
            if s.label.upper() in ("METHODS", "PATIENTS", "PARTICIPANTS", "RESULTS", "SUBJECTS")
        )
        text = f"{methods} {study.abstract_text}" if methods else study.abstract_text
    else:
        text = study.title
    for rule in _PARTICIPANT_RULES:
        m = rule.search(text)
        if m:
            return int(m.group(1).replace(",", ""))
    counts = {int(v.replace(",", "")) for v in _N_EQUALS.findall(text)}
    return counts.pop() if len(counts) == 1 else None


_ROUTES: tuple[tuple[str, re.Pattern[str], frozenset[str]], ...] = (
    (
        "intranasal",
        _rx(r"intranasal|nasal spray|\bnasal\b"),
        frozenset({"Administration, Intranasal"}),
    ),
    (
        "iv",
        _rx(r"intravenous|\binfusions?\b|\bi\.?v\.?\b"),
        frozenset({"Infusions, Intravenous", "Administration, Intravenous"}),
    ),
    ("intramuscular", _rx(r"intramuscular|\bi\.?m\.?\b"), frozenset({"Injections, Intramuscular"})),
    ("subcutaneous", _rx(r"subcutaneous"), frozenset({"Injections, Subcutaneous"})),
    ("oral", _rx(r"\boral(?:ly)?\b"), frozenset({"Administration, Oral"})),
    (
        "topical",
        _rx(r"topical|\bcream\b|\bgel\b|ointment"),
        frozenset({"Administration, Topical", "Administration, Cutaneous"}),
    ),
)


def classify_route(study: Study) -> str:
    """Route of administration ('iv', 'intranasal', …, 'mixed'), or '' when not stated."""
    mesh = {m.descriptor for m in study.mesh}
    text = f"{study.title} {study.abstract_text}"
    found = [name for name, pattern, headings in _ROUTES if mesh & headings or pattern.search(text)]
    if len(found) > 1:
        return "mixed"
    return found[0] if found else ""


def classify(study: Study, query: Query) -> Tags:
    """All automatic tags of a study within one topic."""
    design = classify_design(study)
    return Tags(
        design=design,
        evidence_level=level_for(design).rank,
        conditions=classify_conditions(study, query),
        participants=extract_participants(study),
        route=classify_route(study),
    )


def known_conditions(query: Query, ids: Iterable[str]) -> tuple[str, ...]:
    """The ids that are conditions of this query, in the query's order."""
    wanted = set(ids)
    return tuple(c.id for c in query.conditions if c.id in wanted)
