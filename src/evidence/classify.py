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
from evidence.routes import classify_route
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
# Notices about another article are never studies, whatever else they are typed or titled
# ("Erratum: … a randomized controlled trial"). "Retraction Notice" is PubMed's current name for
# the notice; "Retraction of Publication" is the older one, still on earlier records. The article
# that was retracted ("Retracted Publication") stays a study: `Study.retracted` flags it.
_NOTICE_PTS = frozenset(
    {
        "Published Erratum",
        "Retraction Notice",
        "Retraction of Publication",
        "Expression of Concern",
    }
)
# Correspondence and journalism are not studies either, unless an indexer also gave them a
# study-design type: case reports, and some trials, are published as letters. Before indexing
# ("in process", no MeSH yet) a letter that reports a case is typed only "Letter"; its title tells.
_CORRESPONDENCE_PTS = frozenset({"Comment", "Letter", "Editorial", "News", "Newspaper Article"})
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


_STUDY_PTS: frozenset[str] = frozenset().union(
    *(names for names, _ in _PT_RULES), _TRIAL_PTS, {"Case Reports", "Observational Study"}
)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_CASE_REPORT = _rx(
    r"case report|\ba case of\b|\bin a patient with\b|\ba (?:\d+-year-old|patient)\b"
)
_SYNTHESIS_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_rx(r"meta-?analys[ie]s|pooled analysis of (?:randomi[sz]ed|trials)"), "meta_analysis"),
    (_rx(r"systematic (?:literature )?review|scoping review"), "systematic_review"),
)
# In the abstract of a record typed "Review", only the authors' own account of their method
# counts: "we performed a systematic review and meta-analysis", "this meta-analysis", PRISMA.
# A narrative review cites other people's meta-analyses ("several meta-analyses suggest").
_SYNTHESIS_ABSTRACT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        _rx(
            r"\b(?:we|authors)\s+(?:[\w,]+\s+){0,8}?(?:conducted|performed|undertook|carried out"
            r"|did|report|present)\s+(?:a|an|this)\b[^.;]{0,50}?\bmeta-?analysis\b"
            r"|\bthis\s+(?:[\w-]+\s+){0,4}?meta-?analysis\b"
        ),
        "meta_analysis",
    ),
    (
        _rx(
            r"\b(?:we|authors)\s+(?:[\w,]+\s+){0,8}?(?:conducted|performed|undertook|carried out"
            r"|did|report|present)\s+(?:a|an|this)\b[^.;]{0,50}?\b(?:systematic|scoping)"
            r" (?:literature )?review\b|\bto (?:conduct|perform) a systematic review\b"
            r"|\bthis\s+(?:[\w-]+\s+){0,3}?(?:systematic|scoping) (?:literature )?review\b"
            r"|\bPRISMA\b"
        ),
        "systematic_review",
    ),
)

_PROTOCOL = _rx(r"\bprotocol for\b|study protocol|trial protocol")
# "non-randomized" contains "randomized": the look-behind keeps it out of the RCT rules.
_RANDOMIZED = r"(?<!non-)(?<!non)randomi[sz]ed"

_TEXT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # A protocol for a trial or a review is a protocol, whatever it plans to be.
    (_PROTOCOL, "protocol"),
    *_SYNTHESIS_RULES,
    (
        _rx(
            _RANDOMIZED + r"[\w ,-]{0,60}(?:trial|study)|randomly (?:assigned|allocated)"
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
        _rx(
            r"retrospective|chart review|single[- ]cent(?:er|re) review|institutional review"
            r"|medical records? review|review of (?:the )?(?:medical "
            r"|electronic health )?(?:records|charts)|registry|database study"
        ),
        "retrospective",
    ),
    (_rx(r"prospective|cohort|observational study|longitudinal"), "cohort_prospective"),
    (_rx(r"case series|consecutive (?:patients|cases)"), "case_series"),
    (_CASE_REPORT, "case_report"),
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


def is_notice(study: Study) -> bool:
    """An erratum, retraction notice, comment, letter, editorial or news item that reports
    no study of its own (PubMed's publication types say so)."""
    types = set(study.publication_types)
    if types & _NOTICE_PTS:
        return True
    return (
        bool(types & _CORRESPONDENCE_PTS)
        and not types & _STUDY_PTS
        and (classify_design(study) == "other")
    )


def classify_design(study: Study) -> str:
    """Study design code (see DESIGN_LABELS), from publication types, MeSH, then text."""
    types = set(study.publication_types)
    if types & _NOTICE_PTS:
        return "other"
    mesh = {m.descriptor for m in study.mesh}
    if types & _CORRESPONDENCE_PTS and not types & _STUDY_PTS:
        letter = not types & (_CORRESPONDENCE_PTS - {"Letter"})
        if letter and not mesh and _CASE_REPORT.search(study.title):
            return "case_report"
        return "other"
    text = f"{study.title} {study.abstract_text}"
    if mesh & _ANIMAL_MESH and not mesh & _HUMAN_MESH:
        return "preclinical"
    for names, design in _PT_RULES:
        if types & names:
            return design
    if types & _TRIAL_PTS:
        return "rct" if _rx(_RANDOMIZED + r"|randomly").search(text) else "open_label_trial"
    if "Case Reports" in types:
        return (
            "case_series"
            if _rx(
                r"case series|\b(?:[3-9]|\d\d+|three|four|five|six|seven|eight|nine|ten"
                r"|eleven|twelve) (?:patients|cases)\b"
            ).search(study.title)
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
        # PubMed had no "Systematic Review" type before 2019, and records still awaiting
        # indexing carry only the publisher's "Review": the title, then the abstract, tell.
        return (
            _first_design(
                (study.title, _SYNTHESIS_RULES), (study.abstract_text, _SYNTHESIS_ABSTRACT_RULES)
            )
            or "review"
        )
    if not mesh and _ANIMAL.search(study.title):
        return "preclinical"
    return _first_design((study.title, _TEXT_RULES), (study.abstract_text, _TEXT_RULES)) or "other"


def _first_design(*sources: tuple[str, tuple[tuple[re.Pattern[str], str], ...]]) -> str:
    """The design of the first rule that matches, sources in order; '' when none does."""
    for text, rules in sources:
        for pattern, design in rules:
            if text and pattern.search(text):
                return design
    return ""


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
    """Whether a study is about a condition: its MeSH headings, or its words in the title,
    keywords or MeSH descriptor names.

    The abstract is read only for records with no MeSH headings yet (in process): an abstract
    names conditions the study is not about ("ketamine has been used in CRPS, PHN and
    fibromyalgia"), and once indexed, the MeSH headings say what it is about.
    """
    descriptors = {m.descriptor.lower() for m in study.mesh}
    if any(m.lower() in descriptors for m in condition.mesh):
        return True
    # Searched one by one, so that a phrase never runs from one field into the next.
    fields = [study.title, *study.keywords, *(m.descriptor for m in study.mesh)]
    if not study.mesh:
        fields.append(study.abstract_text)
    return any(_word_pattern(t).search(f) for t in condition.text for f in fields if f)


def classify_conditions(study: Study, query: Query) -> tuple[str, ...]:
    """Ids of the query's conditions this study is about, in the query's order."""
    return tuple(c.id for c in query.conditions if condition_matches(study, c))


# --- participants and route -----------------------------------------------------------------

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)"
_PEOPLE = (
    r"(?:patients|participants|subjects|adults|children|adolescents|volunteers|women|men"
    r"|veterans|individuals|people|cases)\b"
)
# What else a number may count: in "12 trials with 500 patients", 12 counts trials.
_NOT_PEOPLE = (
    r"(?:trials?|stud(?:y|ies)|articles?|records?|reports?|RCTs?|papers?|publications?"
    r"|reviews?|meta-analys[ie]s|cohorts?|cent(?:er|re)s?|sites?|hospitals?|institutions?"
    r"|countries|databases?|groups?|arms?|infusions?|doses?|sessions?|visits?|episodes?"
    r"|attacks?|procedures?|admissions?|encounters?|courses?|treatments?)\b"
)
# Up to three words between a number and the people it counts ("34 consecutive adult
# patients"): words only, no other number and nothing else counted.
_BETWEEN = rf"(?:(?!{_NOT_PEOPLE})[a-z][\w-]*,?\s+){{0,3}}"
_PARTICIPANT_RULES = (
    _rx(rf"\b(?:a total of|in total,?|overall,?)\s+{_NUM}\s+{_BETWEEN}{_PEOPLE}"),
    _rx(
        rf"\b{_NUM}\s+{_BETWEEN}{_PEOPLE}\s+(?:were|had been)\s+(?:randomi[sz]ed|enrolled"
        rf"|included|recruited|treated|studied|analy[sz]ed)"
    ),
    _rx(rf"\b(?:randomi[sz]ed|enrolled|included|recruited)\s+{_NUM}\s+{_BETWEEN}{_PEOPLE}"),
    # "Of 120 patients screened, 80 were randomized": the count that follows the screening.
    _rx(rf"\b{_NUM}\s+(?:were|had been)\s+(?:randomi[sz]ed|enrolled)"),
)
# Counted before anyone took part: "120 patients were screened / assessed for eligibility /
# eligible", "of 120 patients", "we screened 120 patients".
_SCREENED_AFTER = _rx(
    r"^\s*(?:\([^()]*\)\s*)?(?:(?:who\s+)?(?:were|was|had been)\s+)?"
    r"(?:initially\s+|potentially\s+)?(?:screened|assessed for eligibility|eligible|identified"
    r"|approached|invited|contacted)\b"
)
_SCREENED_BEFORE = _rx(
    r"(?:(?:^|[.;:(])\s*(?:of|among)(?:\s+the|\s+these)?|\bscreened)\s+(?:a total of\s+)?$"
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
        for m in rule.finditer(text):
            if _SCREENED_BEFORE.search(text, 0, m.start()) or _SCREENED_AFTER.search(
                text[m.end() :]
            ):
                continue
            return int(m.group(1).replace(",", ""))
    # A lone "n = 40" is the sample; several ("ketamine (n = 20) or placebo (n = 20)") are
    # groups, and adding them up would be a guess.
    counts = _N_EQUALS.findall(study.abstract_text or study.title)
    return int(counts[0].replace(",", "")) if len(counts) == 1 else None


# Designs whose counts are pooled from other studies, not the participants of one study; only a
# reviewer's curation gives them a number.
# Designs whose numbers are not participants of one clinical study: pooled counts, planned
# sample sizes (protocols), animals.
_NO_PARTICIPANTS = frozenset(
    {"meta_analysis", "systematic_review", "review", "guideline", "protocol", "preclinical"}
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
    s_form = bool(_ESKETAMINE.search(text)) or any(
        m.descriptor.lower() in _ESKETAMINE_MESH for m in study.mesh
    )
    racemic_text = _ESKETAMINE.sub(" ", text)
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
    design = classify_design(study)
    return Tags(
        design=design,
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
