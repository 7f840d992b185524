"""Pure functions that tag a Study: design and evidence level, conditions, participants, route.

PubMed's own indexing comes first (publication types, MeSH headings); the title and abstract
are read only where those say nothing, as for records still "in process" without MeSH.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from evidence.designs import design_call
from evidence.designs import is_notice as is_notice
from evidence.participants import extract_participants as extract_participants
from evidence.queries import Condition, Query
from evidence.routes import classify_route, lowered
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
    Level(
        4,
        "observational",
        "Observational studies",
        ("cohort_prospective", "retrospective", "case_control", "cross_sectional"),
    ),
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
    "case_control": "Case-control study",
    "cross_sectional": "Cross-sectional study",
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


def classify_design(study: Study) -> str:
    """Study design code (see DESIGN_LABELS), from publication types, MeSH, then text; the rules
    and the source of each answer are in `evidence.designs`."""
    return design_call(study).design


# --- conditions ---------------------------------------------------------------------------


def _word_regex(term: str) -> str:
    stem = term.rstrip("*")
    body = re.escape(stem).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
    tail = r"\w*" if term.endswith("*") else r"\b"
    # Short all-capital acronyms (CRPS, PHN, SCI) are matched case-sensitively.
    case = "" if (stem.isupper() and len(stem) <= 6) else "i"
    return rf"(?{case or '-i'}:(?<!\w){body}{tail})"


@cache
def _condition_pattern(condition: Condition) -> re.Pattern[str] | None:
    """All of a condition's words as one pattern (one search of a field instead of one a
    word: grading 10,000 studies made two million searches)."""
    if not condition.text:
        return None
    return re.compile("|".join(_word_regex(t) for t in condition.text))


@cache
def _first_words(condition: Condition) -> tuple[str, ...]:
    """For each of a condition's words, the part any match of it holds as written (up to
    its first space or hyphen, which the pattern lets vary), lower-cased."""
    return tuple(re.split(r"[\s-]", t.rstrip("*"), maxsplit=1)[0].lower() for t in condition.text)


@cache
def _mesh_names(condition: Condition) -> frozenset[str]:
    return frozenset(m.lower() for m in condition.mesh)


# Fields are searched as one text joined by a character no record holds (XML cannot carry
# NUL) and no pattern crosses: a phrase never runs from one field into the next.
_FIELD_BREAK = "\x00"


def _fields_text(study: Study) -> str:
    fields = [study.title, *study.keywords, *(m.descriptor for m in study.mesh)]
    if not study.mesh:
        fields.append(study.abstract_text)
    return _FIELD_BREAK.join(f for f in fields if f)


def condition_matches(
    study: Study, condition: Condition, text: str | None = None, low: str | None = None
) -> bool:
    """Whether a study is about a condition: its MeSH headings, or its words in the title,
    keywords or MeSH descriptor names (`text`: those fields as `_fields_text` joins them, and
    `low` the same lowered, when the caller has them already).

    The abstract is read only for records with no MeSH headings yet (in process): an abstract
    names conditions the study is not about ("ketamine has been used in CRPS, PHN and
    fibromyalgia"), and once indexed, the MeSH headings say what it is about.
    """
    mesh = _mesh_names(condition)
    if mesh and any(m.descriptor.lower() in mesh for m in study.mesh):
        return True
    pattern = _condition_pattern(condition)
    if pattern is None:
        return False
    text = _fields_text(study) if text is None else text
    low = lowered(text) if low is None else low
    if not any(word in low for word in _first_words(condition)):
        return False  # a substring test is far cheaper than the search it spares
    return pattern.search(text) is not None


def classify_conditions(study: Study, query: Query) -> tuple[str, ...]:
    """Ids of the query's conditions this study is about, in the query's order."""
    text = _fields_text(study)
    low = lowered(text)
    return tuple(c.id for c in query.conditions if condition_matches(study, c, text, low))


# --- participants and route -----------------------------------------------------------------

# Designs whose numbers are not participants of one clinical study: pooled counts, planned
# sample sizes (protocols), animals; a case report has its one patient. Only a reviewer's
# curation gives them a number.
_NO_PARTICIPANTS = frozenset(
    {
        "meta_analysis",
        "systematic_review",
        "review",
        "guideline",
        "protocol",
        "preclinical",
        "case_report",
    }
)

_ESKETAMINE = re.compile(r"es-?ketamine|\bS\s*\(?\+?\)?-\s*ketamine|spravato|ketanest\s*S", re.I)
_RACEMIC = re.compile(r"(?<![\w-])ketamine(?!\w)", re.I)
_ESKETAMINE_MESH = frozenset({"esketamine"})


def classify_agent(study: Study) -> str:
    """'ketamine', 'esketamine', 'ketamine and esketamine', or '' when neither is named.

    S-ketamine is a named agent of its own; 'ketamine' alone (including the MeSH heading,
    which covers both) counts as racemic ketamine only where no S-form is named beside it in
    a way that stands alone ("S-ketamine" contains "ketamine", so that is checked first).
    """
    text = f"{study.title} {study.abstract_text} {' '.join(study.keywords)}"
    named = _ESKETAMINE.search(text) is not None
    s_form = named or any(m.descriptor.lower() in _ESKETAMINE_MESH for m in study.mesh)
    racemic_text = _ESKETAMINE.sub(" ", text) if named else text
    racemic = bool(_RACEMIC.search(racemic_text)) or (
        not s_form and any(m.descriptor == "Ketamine" for m in study.mesh)
    )
    if s_form and racemic:
        return "ketamine and esketamine"
    return "esketamine" if s_form else "ketamine" if racemic else ""


def participants_for(study: Study, design: str) -> int | None:
    """The participants of a study of this design, or None where no number applies (pooled
    counts, planned sample sizes, animals) or none is found."""
    return None if design in _NO_PARTICIPANTS else extract_participants(study)


def classify(study: Study, query: Query) -> Tags:
    """All automatic tags of a study within one topic."""
    call = design_call(study)
    design = call.design
    return Tags(
        design=design,
        design_basis=call.source,
        evidence_level=level_for(design).rank,
        conditions=classify_conditions(study, query),
        participants=participants_for(study, design),
        route=classify_route(study),
        agent=classify_agent(study),
        preclinical=design == "preclinical",
    )


def known_conditions(query: Query, ids: Iterable[str]) -> tuple[str, ...]:
    """The ids that are conditions of this query, in the query's order."""
    wanted = set(ids)
    return tuple(c.id for c in query.conditions if c.id in wanted)
