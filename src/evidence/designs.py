"""The study design of a PubMed record, and why: PubMed's indexing first (publication types, MeSH
headings), then the record's own words, read where they describe this study (the abstract's
METHODS, DESIGN, SETTING sections; never its BACKGROUND, which describes other people's work).

Every answer is a `DesignCall`: the design code and its source (the publication type, the MeSH
heading, or the text rule and the words it matched), so a reviewer can see why a study landed
where it did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evidence.designs_text import (
    ACCURACY,
    AGREEMENT_HINTS,
    ALLOCATED,
    ANIMAL_WORD,
    ANIMALS_USED,
    BENCH_METHODS,
    BUILT,
    BUILT_TITLE,
    CASE_AND_LITERATURE,
    CASE_CONTROL_TOLD,
    CASE_REPORT,
    CASE_SERIES,
    CELLS_USED,
    COHORT_NAMED,
    COMMENTARY_SELF,
    COMPARED,
    CROSS_SECTIONAL_TOLD,
    ECONOMIC_MODEL,
    FOLLOWED_FORWARD,
    FUTURE_STATE,
    GIVEN_BY_DESIGN,
    GROUP_STUDIED,
    GUIDELINE_TOLD,
    HUMAN_CASE,
    HUMANS_NAMED,
    LAB_WORDS,
    LATER,
    MEASURE_STUDY,
    MEASURED_AGAIN,
    MEASURED_RESULT,
    MEETING_SELF,
    META_ANALYSIS_TOLD,
    METHOD_AGREEMENT,
    MOLECULAR,
    NOT_RANDOMISED_TRIAL,
    OBSERVED_IN_CARE,
    ORDER_OF_TREATMENTS,
    ORDER_RANDOMISED,
    OTHER_GROUP,
    OUTCOME_OVER_TIME,
    OWN_FINDING,
    OWN_SEARCH,
    PAST_EXPOSURE,
    PATIENT_TRAITS,
    PEOPLE_MEASURED,
    PEOPLE_STUDIED,
    PRESENT_STATE,
    PROGNOSIS,
    QUALITATIVE,
    QUALITATIVE_HINTS,
    QUALITATIVE_TITLE,
    RANDOMISED,
    RETROSPECTIVE_TOLD,
    REVIEW_SELF,
    REVIEW_TITLE,
    SERIES_MOST,
    SURVEY_MESH,
    SYNTHESIS_ABSTRACT_RULES,
    SYSTEMATIC_REVIEW_TOLD,
    TEXT_RULES,
    TITLE_CASES,
    TREATMENT_GIVEN,
    TRIAL_TITLE,
    UNLABELLED_RULES,
    case_section,
    method_sections,
    one_case,
    own_part,
    people_counted,
    pooled_told,
    protocol_told,
    synthesis_told,
    tells_no_work_of_its_own,
    told_before_results,
)
from evidence.participants import extract_participants
from evidence.study import Study


@dataclass(frozen=True)
class DesignCall:
    """A design code (see classify.DESIGN_LABELS) and what it was read from."""

    design: str
    source: str


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# --- publication types and MeSH headings ---------------------------------------------------

_GUIDELINE_TYPES: tuple[str, ...] = (
    "Practice Guideline",
    "Guideline",
    "Consensus Development Conference",
    "Consensus Development Conference, NIH",
)
_SYNTHESIS_TYPES: tuple[str, ...] = (
    "Meta-Analysis",
    "Network Meta-Analysis",
    "Systematic Review",
    "Scoping Review",
)
_GUIDELINE_TYPE_SET = frozenset(_GUIDELINE_TYPES)
_SYNTHESIS_TYPE_SET = frozenset(_SYNTHESIS_TYPES)
_PT_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (_SYNTHESIS_TYPES[:2], "meta_analysis"),
    (_SYNTHESIS_TYPES[2:], "systematic_review"),
    (("Randomized Controlled Trial", "Equivalence Trial"), "rct"),
    (_GUIDELINE_TYPES, "guideline"),
    (("Clinical Trial Protocol",), "protocol"),
)
# Notices about another article are never studies, whatever else they are typed or titled
# ("Erratum: … a randomized controlled trial"). "Retraction Notice" is PubMed's current name for
# the notice; "Retraction of Publication" the older one. A "Corrected and Republished Article"
# is the full article again, titled "Erratum: …" by some journals: a study, not a notice.
NOTICE_TYPES = frozenset(
    {
        "Published Erratum",
        "Retraction Notice",
        "Retraction of Publication",
        "Expression of Concern",
    }
)
REPUBLISHED = "Corrected and Republished Article"
# Correspondence, journalism and meeting reports ("Congresses") are not studies either, unless
# an indexer also gave them a study-design type: case reports, and some trials, are published as
# letters.
CORRESPONDENCE_TYPES = frozenset(
    {"Comment", "Letter", "Editorial", "News", "Newspaper Article", "Congresses"}
)
TRIAL_TYPES = frozenset(
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
STUDY_TYPES: frozenset[str] = frozenset().union(
    *(frozenset(names) for names, _ in _PT_RULES),
    TRIAL_TYPES,
    {"Case Reports", "Observational Study", "Review", "Systematic Review"},
)
_MESH_DESIGNS: tuple[tuple[str, str], ...] = (
    ("Case-Control Studies", "case_control"),
    ("Cross-Sectional Studies", "cross_sectional"),
    ("Retrospective Studies", "retrospective"),
    ("Prospective Studies", "cohort_prospective"),
    ("Cohort Studies", "cohort_prospective"),
    ("Longitudinal Studies", "cohort_prospective"),
    ("Follow-Up Studies", "cohort_prospective"),
)
# Indexers give the people of a clinical study their age groups; cells and tissue get none.
_AGE_GROUPS = frozenset(
    {
        "Infant, Newborn",
        "Infant",
        "Child, Preschool",
        "Child",
        "Adolescent",
        "Young Adult",
        "Adult",
        "Middle Aged",
        "Aged",
        "Aged, 80 and over",
    }
)
_LAB_MESH = frozenset(
    {
        "Cell Line",
        "Cell Line, Tumor",
        "Cells, Cultured",
        "Tumor Cells, Cultured",
        "In Vitro Techniques",
        "Xenograft Model Antitumor Assays",
        "Heterografts",
        "Gene Knockdown Techniques",
        "RNA, Small Interfering",
        "RNA Interference",
        "Transfection",
        "Mutagenesis, Site-Directed",
        "Models, Molecular",
        "Molecular Docking Simulation",
        "Molecular Dynamics Simulation",
        "Cell Proliferation",
        "Cell Movement",
        "Cell Survival",
        "Phosphorylation",
        "Signal Transduction",
        "Protein Binding",
        "Disease Models, Animal",
    }
)


def _lab_heading(descriptor: str) -> bool:
    """Cell lines are indexed by name ("HeLa Cells", "MCF-7 Cells", "HEK293 Cells"); a
    microbe's own molecules by its kind ("DNA, Protozoan", "Bacterial Proteins")."""
    return (
        descriptor in _LAB_MESH
        or _cell_line(descriptor)
        or bool(_MICROBE_MOLECULES.fullmatch(descriptor))
    )


def _cell_line(descriptor: str) -> bool:
    """A heading for a cell line, by kind or by name ("Cell Line, Tumor", "HeLa Cells"); cells
    cultured from a patient group ("Cells, Cultured") are in _LAB_MESH, not here."""
    return descriptor in _CELL_LINES or bool(
        re.fullmatch(r"(?:[\w-]*\d[\w-]*|[A-Z][a-z]*[A-Z][\w-]*)(?: \w+)? Cells", descriptor)
    )


_CELL_LINES = frozenset({"Cell Line", "Cell Line, Tumor", "Cell Line, Transformed"})

_MICROBE_MOLECULES = re.compile(
    r"(?:DNA|RNA), (?:Protozoan|Bacterial|Fungal|Viral|Helminth)"
    r"|(?:Protozoan|Bacterial|Fungal|Viral|Helminth)(?: \w+)? Proteins"
)


def _text_call(
    sources: tuple[tuple[str, str], ...], rules: tuple[tuple[re.Pattern[str], str], ...]
) -> DesignCall | None:
    for where, text in sources:
        if not text:
            continue
        for pattern, design in rules:
            m = pattern.search(text)
            if m:
                return DesignCall(design, f'{where} says "{m.group(0)}"')
    return None


def _preclinical(study: Study, mesh: set[str], method: str, typed: bool) -> DesignCall | None:
    """Animal or laboratory work: from the MeSH check tags where there are any (animals without
    humans; bench headings, animals or bench words and no age group, as cells and tissue get
    none), else from words (animals in the title; bench words with no people studied)."""
    if "Animals" in mesh and "Humans" not in mesh:
        whole = f"{study.title} {study.abstract_text}"
        named = LAB_WORDS.search(whole) or ANIMAL_WORD.search(study.title)
        if not named and not any(_lab_heading(d) for d in mesh) and tells_no_work_of_its_own(study):
            # "The quiet revolution: biodiversity informatics and the internet", indexed with
            # the animals and plants it is about: an essay, with no bench work of its own.
            return None
        return DesignCall("preclinical", 'MeSH "Animals" without "Humans"')
    text = f"{study.title} {method}"
    words = sorted({w.group(0).lower() for w in LAB_WORDS.finditer(text)})
    if mesh:
        bench = sorted(d for d in mesh if _lab_heading(d)) if "Animals" in mesh else []
        if bench and not typed:
            # Animals and bench headings: the people (and their age groups) are where the
            # cells or the blood came from ("plasma of diabetic patients", then mice and cells).
            return DesignCall("preclinical", f'MeSH "Animals" and "{bench[0]}"')
        # (cell lines only: "Cells, Cultured" are often a patient group's own cells, and a
        # design heading says the people were the study)
        cultured = sorted(d for d in mesh if _cell_line(d))
        designed = any(h in mesh for h, _ in _MESH_DESIGNS)
        if cultured and not typed and not designed:
            # Cells grown at the bench ("Cell Line, Tumor"): the people and their age groups
            # are where the tumours or the cells came from ("55 NSCLC cell lines …, and 139
            # resected specimens from patients").
            return DesignCall("preclinical", f'MeSH "{cultured[0]}"')
        if mesh & _AGE_GROUPS:
            return None
        lab = sorted(d for d in mesh if _lab_heading(d) or d == "Animals")
        if lab:
            return DesignCall("preclinical", f'MeSH "{lab[0]}" and no age group')
        # A bench word in the methods of people measured ("59 patients … by enzyme
        # immunoassay") is how they were measured, as in an unindexed record; a design
        # heading (Case-Control Studies) says the people were the study.
        if words and not typed and not designed and _bench_work(words, text):
            return DesignCall("preclinical", f'text says "{words[0]}" and MeSH no age group')
        return None
    if typed:
        return None  # a trial or a case report by its type: a word in passing changes nothing
    m = ANIMAL_WORD.search(study.title)
    if m and not HUMAN_CASE.search(study.title) and not PEOPLE_STUDIED.search(study.title):
        return DesignCall("preclinical", f'title says "{m.group(0)}"')
    m = ANIMALS_USED.search(method)
    if m:
        return DesignCall("preclinical", f'text says "{m.group(0)}"')
    m = CELLS_USED.search(f"{study.title} {method}")
    # (never a trial, or people counted and followed, that names cell lines: "ketamine
    # inhibits glioma cell lines. We randomized 60 patients", "we followed 120 women …
    # genotypes confirmed in their cell lines"; samples from patients beside cell lines
    # stay laboratory work)
    people = RANDOMISED.search(text) or (people_counted(method) and FOLLOWED_FORWARD.search(method))
    if m and not people:
        return DesignCall("preclinical", f'text says "{m.group(0)}"')
    if _bench_work(words, text):
        return DesignCall("preclinical", "text says " + ", ".join(f'"{w}"' for w in words))
    # Experiments told in the results rather than the methods ("knockdown of EWS-FLI1 …
    # in vitro and in xenografts"): four bench words or more over the whole abstract.
    found = sorted({w.group(0).lower() for w in LAB_WORDS.finditer(study.abstract_text)})
    if len(found) >= 4:
        return DesignCall("preclinical", "abstract says " + ", ".join(f'"{w}"' for w in found))
    return None


def _bench_work(words: list[str], text: str) -> bool:
    """Bench words that make the study laboratory work: three of them or more, or any where
    no people are studied."""
    return bool(words) and (len(words) >= 3 or not PEOPLE_STUDIED.search(text))


# The record calls itself a review: "In this review", "the present review".
_REVIEW_NAMED = _rx(
    r"\b(?:this|the present|our) (?:\w+ )?review\b"
    r"(?! of (?:the )?(?:literature|(?:medical )?records|charts|(?:similar |published )?cases))"
)


def design_call(study: Study) -> DesignCall:
    """The design of a study and where it was read from."""
    types = set(study.publication_types)
    if REPUBLISHED in types:
        types -= NOTICE_TYPES
    notice = sorted(types & NOTICE_TYPES)
    if notice:
        return DesignCall("other", f'publication type "{notice[0]}"')
    mesh = {m.descriptor for m in study.mesh}
    method, labelled = method_sections(study)
    if types & CORRESPONDENCE_TYPES and not types & STUDY_TYPES:
        kind = sorted(types & CORRESPONDENCE_TYPES)[0]
        if kind == "Letter" and not mesh:
            call = _text_call(
                (("title", study.title),),
                ((CASE_REPORT, "case_report"), (HUMAN_CASE, "case_report")),
            )
            if call:
                return call
        return DesignCall("other", f'publication type "{kind}"')
    commentary = _commentary(study, types)
    if commentary:
        return DesignCall("other", f'text says "{commentary}"')
    # A meta-analysis or a systematic review by its type is one, whatever protocol it reviews
    # ("Enhanced recovery protocol for the colorectal surgery patient: a systematic review").
    guideline = sorted(types & _GUIDELINE_TYPE_SET)
    if guideline and types & _SYNTHESIS_TYPE_SET:
        # A guideline typed also as the systematic review its panel did: the paper is the
        # guideline, the review its method.
        return DesignCall("guideline", f'publication type "{guideline[0]}"')
    for names, design in _PT_RULES[:2]:
        found = [n for n in names if n in types]
        if found:
            pooled = design == "systematic_review" and pooled_told(
                f"{study.title} {study.abstract_text}"
            )
            if pooled:
                # Typed a systematic review, told pooled: "risk ratios … were combined with the
                # Mantel-Haenszel method … a pooled RR of 1.62"
                return DesignCall(
                    "meta_analysis", f'publication type "{found[0]}" and "{pooled.group(0)}"'
                )
            return DesignCall(design, f'publication type "{found[0]}"')
    planned = protocol_told(study)
    if planned:
        # "Rationale and design of a randomized controlled trial", typed as the trial it plans.
        return DesignCall("protocol", f'text says "{planned}"')
    if not types & (STUDY_TYPES - {"Review"}):
        told = synthesis_told(study)
        if told:
            return DesignCall(*told)
    if "Review" in types:
        # PubMed had no "Systematic Review" type before 2019, and records awaiting indexing
        # carry only the publisher's "Review": the title, then the abstract, tell.
        synthesis = (
            (META_ANALYSIS_TOLD, "meta_analysis"),
            (SYSTEMATIC_REVIEW_TOLD, "systematic_review"),
        )
        call = _text_call((("title", study.title),), synthesis) or _text_call(
            (("abstract", study.abstract_text),), SYNTHESIS_ABSTRACT_RULES
        )
        if call:
            return call
        if guideline:
            # A consensus conference's statement, typed Review beside it, is the guideline.
            return DesignCall("guideline", f'publication type "{guideline[0]}"')
        # "A case report and review of the literature" is indexed both Case Reports and
        # Review: what it reports is the case; the review is of the cases before it.
        if "Case Reports" not in types:
            return (
                _case_with_review(study)
                or _own_series(study)
                or DesignCall("review", 'publication type "Review"')
            )
    if not types & STUDY_TYPES and not any(h in mesh for h, _ in _MESH_DESIGNS):
        whole = f"{study.title} {study.abstract_text}"
        # A structured abstract tells its design before its RESULTS: "We discuss mechanisms…"
        # in its DISCUSSION is what every study does with its results.
        aims = f"{study.title} {told_before_results(study)}" if labelled else whole
        # (a consensus drafted from a literature review is the consensus: "…: an
        # international Delphi consensus")
        review = None if GUIDELINE_TOLD.search(study.title) else REVIEW_SELF.search(aims)
        # Indexed Animals without Humans, it is the animal work that is discussed ("we
        # examined … in an animal model … are discussed"), not other people's studies.
        animals_only = "Animals" in mesh and "Humans" not in mesh
        if not mesh and review and "review" not in review.group(0).lower():
            # Unindexed, the animals the method tells it used say the same, where the text
            # does not call itself a review ("the present review" of a mouse-heart method).
            animals_only = bool(ANIMALS_USED.search(method))
        case = CASE_REPORT.search(whole) or one_case(whole)
        told_case = CASE_REPORT.search(study.title) or HUMAN_CASE.search(study.title)
        if _REVIEW_NAMED.search(whole) and not told_case:
            # "In this review, recent developments … have been summarized": a review names
            # patients in passing ("found in a patient with…"); a case report says so in its
            # title.
            case = None
        if review and not case and not animals_only:
            return _built(study) or DesignCall("review", f'text says "{review.group(0)}"')
    lab = _preclinical(study, mesh, method, typed=bool(types & STUDY_TYPES))
    if lab:
        return lab
    order = _order_only(study)
    if order:
        return order
    model = ECONOMIC_MODEL.search(f"{study.title} {method}")
    if model and not types & STUDY_TYPES and not RANDOMISED.search(method):
        return DesignCall("other", f'text says "{model.group(0)}", an economic evaluation')
    accounts = QUALITATIVE_TITLE.search(study.title)
    # (never "…: a randomised controlled trial with embedded qualitative evaluation")
    if accounts and not TRIAL_TITLE.search(study.title):
        return DesignCall("other", f'title says "{accounts.group(0)}", a qualitative study')
    for names, design in _PT_RULES[2:]:
        found = [n for n in names if n in types]
        if found:
            return DesignCall(design, f'publication type "{found[0]}"')
    trial = sorted(types & TRIAL_TYPES)
    title_open = NOT_RANDOMISED_TRIAL.search(study.title)
    if trial and title_open and not RANDOMISED.search(f"{study.title} {method}"):
        # "…: 52-week open-label extension" of a randomised trial its method names
        return DesignCall(
            "open_label_trial",
            f'publication type "{trial[0]}" and title says "{title_open.group(0)}"',
        )
    if trial:
        randomised = RANDOMISED.search(f"{study.title} {method}")
        return DesignCall(
            "rct" if randomised else "open_label_trial",
            f'publication type "{trial[0]}"'
            + (f' and text says "{randomised.group(0)}"' if randomised else ""),
        )
    if "Case Reports" in types:
        series = CASE_SERIES.search(f"{study.title} {study.abstract_text}")
        if series:
            return DesignCall("case_series", f'publication type "Case Reports", "{series[0]}"')
        return DesignCall("case_report", 'publication type "Case Reports"')
    observed = _observational(study, types, mesh, method, labelled)
    call = (
        _series_or_cohort(study, method, observed)
        if observed
        else _from_text(study, method, labelled)
    )
    if call.design == "cohort_prospective":
        call = _accuracy(study, call)
    return _treated(study, method, call)


def _treated(study: Study, method: str, call: DesignCall) -> DesignCall:
    """People taken into the study while it gives them a treatment on its own schedule ("In
    this prospective study, 30 patients received a 5-day ketamine infusion"), with no one to
    compare them with: an uncontrolled, open-label trial, not a cohort observed in the care
    it happened to get. Only over a call of a prospective cohort, or of a group told with no
    design; never where the text tells care, a registry, a database, the years of the care,
    a look back, a search for what goes with an outcome, or another group."""
    if call.design != "cohort_prospective" and not call.source.startswith(_GROUP_SOURCES):
        return call
    text = f"{study.title} {method}"
    given = TREATMENT_GIVEN.search(text)
    if not given or not GIVEN_BY_DESIGN.search(text):
        return call
    if RETROSPECTIVE_TOLD.search(text) or OBSERVED_IN_CARE.search(text):
        return call
    if OTHER_GROUP.search(f"{study.title} {own_part(study)}"):
        return call
    return DesignCall(
        "open_label_trial", f'{call.source}, and the study gave "{given.group(0)}" to all'
    )


# The sources of _from_text's calls for a group it counted with no design named
# (GROUP_STUDIED: retrospective, cross-sectional or a case series): the only calls besides a
# prospective cohort that a treatment given can make a trial.
_GROUP_SOURCES = ("abstract studies", "abstract describes")


def _accuracy(study: Study, call: DesignCall) -> DesignCall:
    """A test's accuracy (sensitivity, specificity, the area under its ROC curve) at telling
    a condition that is there now ("detect", "identify", "classify"), not one to come: a
    test and its reference taken at the same time are a cross-sectional study, whatever
    cohort the people came from or however prospectively they were recruited."""
    text = f"{study.title} {study.abstract_text}"
    accuracy = ACCURACY.search(text)
    if not accuracy or not PRESENT_STATE.search(text) or FUTURE_STATE.search(text):
        return call
    if COHORT_NAMED.search(text):
        # "a prospective cohort study", "followed them for 30 days": the design the authors
        # name stands
        return call
    return DesignCall(
        "cross_sectional", f'{call.source}, but measures accuracy: "{accuracy.group(0)}"'
    )


def _observational(
    study: Study, types: set[str], mesh: set[str], method: str, labelled: bool
) -> DesignCall | None:
    """Observational designs from MeSH (Case-Control, Cross-Sectional, Retrospective,
    Prospective, Cohort Studies) or the "Observational Study" type, refined by the text."""
    headings = [(h, d) for h, d in _MESH_DESIGNS if h in mesh]
    text = f"{study.title} {method}"
    # Indexers give Case-Control Studies to any comparison with controls; patients and
    # controls measured now, with no exposure, genotype or risk set against the two, are
    # compared at one time, and the text (or the next heading) tells the design.
    if (
        headings[:1] == [("Case-Control Studies", "case_control")]
        and not PAST_EXPOSURE.search(f"{study.title} {study.abstract_text}")
        and not CASE_CONTROL_TOLD.search(text)
    ):
        headings = headings[1:]
    if not headings and "Observational Study" not in types:
        return None
    # (a design the authors name, "single-arm", after the looking back or once that the
    # heading's own text may tell: "a retrospective before-and-after study")
    for pattern, design in (
        (CASE_CONTROL_TOLD, "case_control"),
        (RETROSPECTIVE_TOLD, "retrospective"),
        (CROSS_SECTIONAL_TOLD, "cross_sectional"),
        (NOT_RANDOMISED_TRIAL, "open_label_trial"),
    ):
        m = pattern.search(text)
        if m and (design != "case_control" or "Case-Control Studies" in mesh or not headings):
            return DesignCall(design, f'text says "{m.group(0)}"')
    if [h for h, _ in headings] == ["Follow-Up Studies"]:
        # Indexers give Follow-Up Studies to any study that reports a follow-up, looked back on
        # or not: where it is the only design heading, the text tells which.
        told = _from_text(study, method, labelled)
        if told.design in _FOLLOWED_UP:
            return DesignCall(told.design, f'MeSH "Follow-Up Studies" and {told.source}')
    if headings:
        heading, design = headings[0]
        if heading in _UNDIRECTED and not (
            FOLLOWED_FORWARD.search(text) or MEASURED_AGAIN.search(text)
        ):
            # Indexers add Prospective Studies to a cohort followed forward from its start:
            # a cohort or longitudinal heading without it, and nothing in the text of people
            # enrolled, followed or measured again from a start, is a cohort looked back on in
            # records already kept.
            return DesignCall("retrospective", f'MeSH "{heading}" without "Prospective Studies"')
        return DesignCall(design, f'MeSH "{heading}"')
    return DesignCall("cohort_prospective", 'publication type "Observational Study"')


_UNDIRECTED = frozenset({"Cohort Studies", "Longitudinal Studies"})


_FOLLOWED_UP = frozenset({"retrospective", "cross_sectional", "case_series", "case_control"})


def _from_text(study: Study, method: str, labelled: bool) -> DesignCall:
    """Records with no design in their indexing (or none yet): the title, then the method.

    Where the abstract has no METHODS section, a synthesis or a review counts only as the
    authors' account of their own work ("we conducted a systematic review", "in this review"):
    an abstract names other people's reviews and meta-analyses, and "review" is a common word
    ("review of systems", "reviewed by two readers")."""
    told = f"{study.title} {method}"
    low = told.lower()
    qualitative = any(h in low for h in QUALITATIVE_HINTS) and QUALITATIVE.search(told)
    if qualitative:
        return DesignCall("other", f'text says "{qualitative.group(0)}", a qualitative study')
    agreement = _method_agreement(study) or _case_with_review(study)
    if agreement:
        return agreement
    call = _text_call((("title", study.title),), TEXT_RULES)
    if call and call.design == "open_label_trial" and (own := RANDOMISED.search(method)):
        # "…: a pilot trial" whose method randomised its people ("an open-label, randomised
        # pilot trial"): open-label or pilot, a randomised trial.
        call = DesignCall("rct", f'{call.source} and abstract says "{own.group(0)}"')
    call = call or _text_call((("abstract", method),), TEXT_RULES if labelled else UNLABELLED_RULES)
    if call and call.design == "review":
        call = _built(study) or call
    if (
        call
        and call.design == "retrospective"
        and not RETROSPECTIVE_TOLD.search(f"{study.title} {method}")
        and (forward := FOLLOWED_FORWARD.search(method))
    ):
        # records used as the data of people enrolled or followed: a cohort followed forward
        call = DesignCall("cohort_prospective", f'{call.source} of people "{forward.group(0)}"')
    if call:
        return _series_or_cohort(study, method, _cohort_direction(study, method, call))
    label = case_section(study)
    if label:
        return DesignCall("case_report", f'abstract section "{label}"')
    m = TITLE_CASES.search(study.title)
    if m:
        return _series_or_cohort(
            study, method, DesignCall("case_series", f'title says "{m.group(0)}"')
        )
    built = _built(study)
    if built:
        return built
    mesh = {m.descriptor for m in study.mesh}
    survey = [h for h in SURVEY_MESH if h in mesh]
    if survey:
        return DesignCall("cross_sectional", f'MeSH "{survey[0]}"')
    # An original study of people that names no design and no follow-up: a one-time look at
    # a group (or groups) of them, which is what a cross-sectional study is.
    text = f"{study.title} {method}"
    bench = sorted({w.group(0).lower() for w in BENCH_METHODS.finditer(text)})
    if len(bench) >= 3 and not PEOPLE_STUDIED.search(text):
        # Tissue, blood or cells taken to the bench, with nothing said of people: where the
        # patients are named ("resistance mutations were found in most patients"), the bench
        # is how the people were measured.
        return DesignCall("preclinical", "text says " + ", ".join(f'"{w}"' for w in bench))
    molecular = _molecular(f"{study.title} {study.abstract_text}")
    if molecular:
        return molecular
    m = GROUP_STUDIED.search(method)
    if m:
        later = OUTCOME_OVER_TIME.search(study.abstract_text)
        if later:
            return DesignCall(
                "retrospective",
                f'abstract studies "{m.group(0)}" and their "{later.group(0)}", named no'
                " prospective design",
            )
        again = MEASURED_AGAIN.search(method)
        if again:
            return DesignCall(
                "cohort_prospective",
                f'abstract studies "{m.group(0)}" measured "{again.group(0)}"',
            )
        most = max(people_counted(study.title), people_counted(method))
        if 0 < most <= SERIES_MOST and not COMPARED.search(f"{study.title} {study.abstract_text}"):
            return DesignCall(
                "case_series", f'abstract describes "{m.group(0)}", {most} people, no comparison'
            )
        return DesignCall("cross_sectional", f'abstract studies "{m.group(0)}" at one time')
    case = one_case(f"{study.title} {study.abstract_text}")
    if case:
        return DesignCall("case_report", f'abstract tells one case: "{case}"')
    if not labelled and tells_no_work_of_its_own(study):
        return DesignCall("review", "abstract tells no work of the authors' own")
    tissue = _tissue(study)
    if tissue:
        return tissue
    measured = _people_measured(study)
    if measured:
        return measured
    forward, again = FOLLOWED_FORWARD.search(method), MEASURED_AGAIN.search(method)
    if forward and again:
        # "Adolescents … were enrolled and had magnesium measured at presentation. Headache
        # was assessed … at 1, 3 and 6 months": people taken in and measured again.
        return DesignCall(
            "cohort_prospective", f'abstract says "{forward.group(0)}" and "{again.group(0)}"'
        )
    return DesignCall("other", "no design in the indexing or the text")


def _people_measured(study: Study) -> DesignCall | None:
    """People measured and their results told with a statistic ("In 34 pregnant patients the
    blood pressure … did not differ (p = 0.04)", "Participants were classified by the presence
    (n=42) or absence (n=42) of prediabetes … r=-0.320, p=0.001"), with no design and no
    follow-up named: an original study of people looked at once."""
    text = f"{study.title} {study.abstract_text}"
    people = PEOPLE_MEASURED.search(text)
    statistic = people and MEASURED_RESULT.search(text)
    if not people or not statistic:
        return None
    return DesignCall(
        "cross_sectional",
        f'text says "{people.group(0)}" and "{statistic.group(0)}", no design named',
    )


def _order_only(study: Study) -> DesignCall | None:
    """A test's validity, reliability or usability, with only the order of the tests randomised
    (typed Randomized Controlled Trial by some indexers): each person measured once with
    both, a cross-sectional study."""
    text = f"{study.title} {study.abstract_text}"
    if "random" not in text.lower():
        return None  # the cheap early exit for nearly every record
    order = ORDER_RANDOMISED.search(text)
    if not order or ALLOCATED.search(text):
        return None
    start = text.rfind(". ", 0, order.start()) + 1
    end = text.find(". ", order.end())
    if ORDER_OF_TREATMENTS.search(text[start : end if end >= 0 else len(text)]):
        return None
    measure = MEASURE_STUDY.search(text)
    if not measure:
        return None
    return DesignCall(
        "cross_sectional", f'text says "{order.group(0)}" of a test\'s "{measure.group(0)}"'
    )


def _built(study: Study) -> DesignCall | None:
    """A device, a program or software the authors built (see BUILT): "other", the development
    of a thing rather than a study of people or a review of others' work."""
    if REVIEW_TITLE.search(study.title):
        return None  # "Development of chronic pain after surgery: a narrative review"
    m = BUILT_TITLE.search(study.title) or BUILT.search(f"{study.title} {study.abstract_text}")
    return DesignCall("other", f'text says "{m.group(0)}", a thing built') if m else None


def _case_with_review(study: Study) -> DesignCall | None:
    """A case told with a review of the literature beside it ("Case Report and Review of the
    Literature"; "A 20-year-old man …"): what the authors report is the case."""
    told = CASE_AND_LITERATURE.search(study.title)
    if not told:
        return None
    series = CASE_SERIES.search(study.title)
    if series:
        return DesignCall("case_series", f'title says "{series[0]}" and "{told[0]}"')
    whole = f"{study.title} {study.abstract_text}"
    case = CASE_REPORT.search(whole) or HUMAN_CASE.search(whole)
    if case:
        return DesignCall("case_report", f'text says "{case[0]}" and "{told[0]}"')
    return None


def _own_series(study: Study) -> DesignCall | None:
    """A record typed "Review" whose abstract tells the authors' own patients or reports looked
    back on ("Histological reports … from 1989 to 2008 were reviewed", "Seven children …
    diagnosed between 1975 and 1986 were treated"), and never reviews the literature: the
    publisher's type is for a look back at their own series, a retrospective study."""
    text = study.abstract_text
    back = RETROSPECTIVE_TOLD.search(text)
    if not back or REVIEW_SELF.search(f"{study.title} {text}") or OWN_SEARCH.search(text):
        return None
    return DesignCall("retrospective", f'publication type "Review" and text says "{back[0]}"')


def _method_agreement(study: Study) -> DesignCall | None:
    """A stain, an assay or a platform tried against another on specimens, related to no
    outcome of the patients: laboratory work, whatever words of looking back it uses."""
    text = f"{study.title} {study.abstract_text}"
    low = text.lower()
    m = any(h in low for h in AGREEMENT_HINTS) and METHOD_AGREEMENT.search(text)
    if not m or OUTCOME_OVER_TIME.search(text) or PROGNOSIS.search(text):
        return None
    if len({w.group(0).lower() for w in BENCH_METHODS.finditer(text)}) < 2:
        return None
    return DesignCall("preclinical", f'text says "{m.group(0)}" on specimens')


def _tissue(study: Study) -> DesignCall | None:
    """Tissue, blood or samples at the bench, with no group of people counted: related to the
    patients' outcome over time, a study looked back on; to what the patients are, measured
    once, a cross-sectional study; to neither (a stain or an assay compared with another), a
    laboratory study."""
    text = f"{study.title} {study.abstract_text}"
    bench = sorted({w.group(0).lower() for w in BENCH_METHODS.finditer(text)})
    if len(bench) < 2:
        return None
    later = OUTCOME_OVER_TIME.search(text) or PROGNOSIS.search(text)
    if later:
        return DesignCall("retrospective", f'samples ("{bench[0]}") and "{later.group(0)}"')
    trait = PATIENT_TRAITS.search(text)
    if trait:
        return DesignCall("cross_sectional", f'samples ("{bench[0]}") and "{trait.group(0)}"')
    return DesignCall("preclinical", f'samples ("{bench[0]}", "{bench[1]}") and nothing of people')


def _cohort_direction(study: Study, method: str, call: DesignCall) -> DesignCall:
    """A cohort named without its direction ("A cohort study of mortality predictors") whose
    method looks back ("medical records … were reviewed", "from 2002 to 2007 … were
    identified"): a retrospective cohort. "Prospective" named is a direction; "cohort" is not,
    and with no time told after the start, it is a group looked at once."""
    if call.design != "cohort_prospective" or "prospective" in call.source.lower():
        return call
    back = RETROSPECTIVE_TOLD.search(f"{study.title} {method}")
    if back:
        return DesignCall("retrospective", f'{call.source} and "{back.group(0)}"')
    # "Cohort" alone names a group of people; with nothing told after the start, they were
    # looked at once.
    bare = call.source.lower().endswith('says "cohort"')
    if not bare:
        return call
    whole = f"{study.title} {study.abstract_text}"
    if not (LATER.search(whole) or OUTCOME_OVER_TIME.search(whole) or PROGNOSIS.search(whole)):
        return DesignCall("cross_sectional", f"{call.source}, nothing told after the start")
    return call


# The most patients a series the authors call retrospective holds ("a retrospective study of
# 6 patients"); more are a retrospective study, as named.
_NAMED_SERIES_MOST = 10


def _series_or_cohort(study: Study, method: str, call: DesignCall) -> DesignCall:
    """A case series read from the text, unless the title or the method counts more than
    SERIES_MOST people: a cohort looked back on (a retrospective study) that names no design."""
    if call.design not in ("case_series", "retrospective"):
        return call
    most = max(people_counted(study.title), people_counted(method))
    if call.design == "case_series" and "consecutive" in call.source.lower():
        # "Consecutive patients … were enrolled … and followed for 12 months. RESULTS: Of 256
        # patients enrolled": how they were taken, not how few; the count may come later.
        most = most or people_counted(study.abstract_text)
        forward = FOLLOWED_FORWARD.search(method)
        if forward and most > SERIES_MOST:
            return DesignCall(
                "cohort_prospective", f'{call.source}, {most} people "{forward.group(0)}"'
            )
    if call.design == "case_series" and most > SERIES_MOST:
        return DesignCall("retrospective", f"{call.source}, {most} people counted, no design named")
    if call.design == "retrospective" and "retrospective" in call.source.lower():
        # Named "retrospective" by the authors or the indexers, only a handful is a series,
        # and only the people the study took count (never "Six patients with incomplete
        # records were excluded", "Nausea occurred in 9 patients").
        most = extract_participants(study) or 0
        most_in_series = _NAMED_SERIES_MOST
    else:
        most_in_series = SERIES_MOST
    if call.design == "retrospective" and 0 < most <= most_in_series:
        # "Between July 2009 and January 2013, 16 patients underwent this procedure": a few
        # patients looked back on, with nothing compared and no outcome followed over time,
        # are a case series.
        own = f"{study.title} {own_part(study)}"
        if not COMPARED.search(own) and not OUTCOME_OVER_TIME.search(own):
            return DesignCall("case_series", f"{call.source}, {most} people, no comparison")
    return call


def _molecular(text: str) -> DesignCall | None:
    """Work on molecules, cells or microbes that the authors tell as their own finding, with no
    people named at all, or people named only in passing ("phenotypes similar to those of
    MTFMT-deficient patients"), never counted, compared or followed: laboratory work."""
    found = OWN_FINDING.search(text)
    if not found or HUMAN_CASE.search(text):
        return None
    words = sorted({w.group(0).lower() for w in MOLECULAR.finditer(text)})
    if len(words) < 3:
        return None
    # People named beside the molecules: only a record that names molecules at length.
    if HUMANS_NAMED.search(text) and (len(words) < 6 or _people_studied(text)):
        return None
    return DesignCall(
        "preclinical", f'text says "{found.group(0)}", ' + ", ".join(f'"{w}"' for w in words[:3])
    )


def _people_studied(text: str) -> bool:
    """People counted, set against controls, or followed to an outcome: people are studied,
    not only named beside the molecules."""
    return bool(
        GROUP_STUDIED.search(text)
        or people_counted(text)
        or OUTCOME_OVER_TIME.search(text)
        or PROGNOSIS.search(text)
    )


def _commentary(study: Study, types: set[str]) -> str | None:
    """The words by which a record with no study type calls itself a commentary, an editorial
    or a meeting report."""
    meeting_only = types & STUDY_TYPES == {"Review"}
    if types & STUDY_TYPES and not meeting_only:
        return None
    text = f"{study.title} {study.abstract_text}"
    low = text.lower()
    if not any(hint in low for hint in _COMMENTARY_HINTS):
        return None  # the cheap early exit for nearly every record
    m = (MEETING_SELF if meeting_only else COMMENTARY_SELF).search(text)
    if m and _built(study):
        # "This viewpoint paper presents the development of the … application": the authors'
        # own tool, described, whatever the journal calls the piece.
        return None
    return m.group(0) if m else None


_COMMENTARY_HINTS = (
    "commentary",
    "editorial",
    "viewpoint",
    "opinion piece",
    "perspective",
    " from the ",
    "meeting re",
    "summary of the",
    "reviewer",
    "referee",
)


def is_notice(study: Study) -> bool:
    """An erratum, retraction notice, comment, letter, editorial or news item that reports
    no study of its own (PubMed's publication types say so)."""
    types = set(study.publication_types)
    if REPUBLISHED in types:
        return False
    if types & NOTICE_TYPES:
        return True
    if _commentary(study, types):
        return True
    return (
        bool(types & CORRESPONDENCE_TYPES)
        and not types & STUDY_TYPES
        and design_call(study).design == "other"
    )
