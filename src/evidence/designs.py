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

from evidence.study import Study


@dataclass(frozen=True)
class DesignCall:
    """A design code (see classify.DESIGN_LABELS) and what it was read from."""

    design: str
    source: str


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# --- publication types and MeSH headings ---------------------------------------------------

_PT_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Meta-Analysis", "Network Meta-Analysis"), "meta_analysis"),
    (("Systematic Review",), "systematic_review"),
    (("Randomized Controlled Trial", "Equivalence Trial"), "rct"),
    (
        (
            "Practice Guideline",
            "Guideline",
            "Consensus Development Conference",
            "Consensus Development Conference, NIH",
        ),
        "guideline",
    ),
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
# Correspondence and journalism are not studies either, unless an indexer also gave them a
# study-design type: case reports, and some trials, are published as letters.
CORRESPONDENCE_TYPES = frozenset({"Comment", "Letter", "Editorial", "News", "Newspaper Article"})
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
    """Cell lines are indexed by name ("HeLa Cells", "MCF-7 Cells", "HEK293 Cells")."""
    return descriptor in _LAB_MESH or bool(
        re.fullmatch(r"(?:[\w-]*\d[\w-]*|[A-Z][a-z]*[A-Z][\w-]*)(?: \w+)? Cells", descriptor)
    )


# --- the record's own words ----------------------------------------------------------------

# Sections that describe this study's method; other sections (BACKGROUND, INTRODUCTION,
# OBJECTIVE, RESULTS, CONCLUSIONS) are read only where the abstract has none of these.
_METHOD_LABELS = _rx(
    r"^(?:(?:materials?|patients?|subjects?|participants?|study)\s*(?:and|&)\s*)?"
    r"(?:methods?|methodology|design|study design|setting|design,? setting,? and participants"
    r"|patients?|participants?|subjects?|population|interventions?|data sources?)\b"
)
_BACKGROUND_LABELS = _rx(r"^(?:background|introduction|context|rationale|purpose|importance)\b")
_INLINE_LABEL = _rx(
    r"(?:^|(?<=[.!?]) ?)((?:Background|Introduction|Context|Objectives?|Aims?|Purpose"
    r"|(?:Materials and |Patients and |Subjects and )?Methods?|Design|Setting|Participants"
    r"|Patients|Interventions?|Results?|Findings|Conclusions?)):\s*"
)

_WORDS = r"(?<![\w-])(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d+)"
_HUMAN_CASE = _rx(
    r"\b(?:a|an)\s+(?:\d+|[a-z]+(?:-[a-z]+)?)[- ](?:year|month|week|day)s?[- ]old\b"
    r"|\b(?:in|of) a (?:young |pregnant |elderly )?(?:patient|man|woman|boy|girl|child|"
    r"neonate|infant|male|female)\b|\bhuman case\b"
)
_CASE_SERIES = _rx(
    rf"\bcase series\b|\bseries of {_WORDS} (?:patients|cases)\b|\bconsecutive (?:patients|cases)\b"
    rf"|\breport of {_WORDS} cases\b|(?<![\w-])(?:two|three|four|five|six) patients\b"
    rf"|\b(?:we|authors) (?:report|describe|present)\s+{_WORDS} (?:patients|cases)\b"
)
_CASE_REPORT = _rx(
    r"\bcase reports?\b|\b(?:this|our) case\b|\bcase (?:presentation|description|summary)\b"
    r"|\bwe (?:report|describe|present)\b[^.]{0,60}\b(?:man|woman|boy|girl|patient)\b"
    r"|\ba (?:rare |unique |unusual |novel )?case of\b|\bin a patient with\b"
    # "We present a case…", never "we present a new algorithm" or "a series of case studies".
    r"|\bwe (?:report|describe|present) (?:an? |the )(?:[\w-]+ ){0,3}?case\b(?! stud)"
    r"|\ba patient (?:with|who)\b"
)
_RETROSPECTIVE = _rx(
    r"\bretrospective(?:ly)?\b|\bchart review\b|\bmedical records? (?:review|were reviewed)\b"
    r"|\b(?:medical |hospital |clinical )?records (?:of|from) \d+ patients\b"
    r"|\bwe (?:retrospectively )?reviewed\b|\breview of (?:the )?(?:medical |clinical |hospital )?"
    r"(?:records|charts|\d+ (?:patients|adults|children|cases))\b|\bregistry[- ]based\b"
    r"|\bdata (?:from|of) (?:the )?[\w -]{0,40}\bregistry\b"
    # "The 2012-2014 ACS-NSQIP database was queried", "we queried a national claims database"
    # (a synthesis searches databases, in the plural).
    r"|\bdatabase (?:was|had been) (?:queried|interrogated|mined|reviewed|analy[sz]ed)\b"
    r"|\bwe (?:queried|interrogated|mined)\b|\bclaims data(?:base)?\b"
    # "From January 2008 to June 2012, 74 patients were diagnosed…": a series looked back on.
    r"|\b(?:from|between) (?:\w+ )?(?:19|20)\d\d,? (?:to|and|through) (?:\w+ )?(?:19|20)\d\d\b"
    r"[^.]{0,80}?\b(?:were|was|had been) (?:treated|diagnosed|admitted|operated|identified"
    r"|collected|analy[sz]ed)\b"
)
# Laboratory work: what is handled at the bench, and animals (never "companion dog" or the
# like in a patient's history: animal words count in the title, lab words anywhere).
_ANIMALS = (
    r"mice|mouse|murine|rats?|rodents?|rabbits?|dogs?|canine|cats?|feline|sheep|ovine|pigs?"
    r"|piglets|porcine|swine|primates?|monkeys?|macaques?|baboons?|zebrafish|drosophila"
    r"|hamsters?|guinea pigs?|ferrets?|horses?|equine|cattle|bovine|cows?|calves|chickens?"
    r"|xenopus|C\. elegans|nematodes?|yeast"
)
_ANIMAL_WORD = _rx(rf"\b(?:{_ANIMALS})\b")
_LAB_WORDS = _rx(
    r"\bcell lines?\b|\bin vitro\b|\bxenografts?\b|\bknock(?:down|out|ed down)\b|\bsi-?RNAs?\b"
    r"|\bsh-?RNAs?\b|\bwestern blot|\btransfect|\bimmunoprecipitat|\bphosphorylat"
    r"|\bluciferase\b|\bplasmids?\b|\bCRISPR\b|\b(?:cancer|tumou?r|stem|cultured|primary) cells\b"
    r"|\bcells? (?:were|was) (?:treated|transfected|cultured|incubated|exposed)\b|\bin vivo\b"
    r"|\bmurine\b|\bmice\b|\brats\b|\bmolecular docking\b|\bsubstrates?\b|\benzymes?\b"
    r"|\bkinases?\b|\bHeLa\b|\bMCF-?7\b|\bHEK-?293|\bHep-?G2\b|\bA549\b|\bSH-SY5Y\b"
)
_PEOPLE_STUDIED = _rx(
    r"\b(?:patients|participants|subjects|volunteers|respondents|women|men|children"
    r"|adults|individuals|cases)\b"
)

# How a review describes itself ("In this review, we…", "…are discussed"); a case report
# "with a review of the literature" stays a case report.
_REVIEW_SELF = _rx(
    r"\b(?:this|the present|our) (?:\w+ )?review\b|\bwe (?:review|summari[sz]e|discuss|highlight"
    r"|focus on|present (?:a|an) (?:\w+ )?review)\b|\b(?:is|are) (?:reviewed|discussed"
    r"|summari[sz]ed|highlighted)\b|\brecent (?:advances|progress|developments|findings)\b"
    r"|\bcurrent (?:knowledge|understanding)\b|\bliterature review\b|\bthis (?:article|paper"
    r"|chapter) (?:reviews|summari[sz]es|discusses|describes)\b|\bgene of the month\b"
)
_BENCH_METHODS = _rx(
    r"\bPCR\b|\bFISH\b|\bimmunohistochemi\w+|\bsequenc(?:ing|ed)\b|\bmicroarrays?\b"
    r"|\bmethylation\b|\bgene expression\b|\bexpression (?:levels?|profil\w+)\b|\btissues?\b"
    r"|\bspecimens?\b|\bwestern blot\w*|\bcell lines?\b|\bin vitro\b|\bcDNA\b|\bmRNA\b"
    r"|\bgenotyp\w+|\bpolymorphisms?\b|\bmutations?\b|\bantigens?\b|\bassays?\b"
    r"|\bimmuno(?:stain|fluorescen|blot)\w*|\bantibod(?:y|ies)\b|\bparaffin\b|\bincubat\w+"
    r"|\bstaining\b"
)
_TITLE_CASES = _rx(rf"{_WORDS} (?:cases|patients)\b")
_GROUP_STUDIED = _rx(
    r"(?<![\w.,-])(?:\d{1,3}(?:,\d{3})+|\d+|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty"
    r"|ninety|hundred|eleven|twelve|\w+teen)(?:-\w+)?) (?:[\w-]+,? ){0,4}?(?:patients|subjects"
    r"|participants"
    r"|individuals"
    r"|adults|children|women|men|volunteers|respondents)\b(?! (?:were )?(?:randomi|assigned))"
    r"|\b(?:healthy )?controls\b"
)

_NOT_A_MODIFIER = (
    r"(?![ -]+(?!(?:and|of|on|for|in|with|from|to|the|is|was|a|an|we|this|article|paper"
    r"|essay)\b)[a-z])"
)
# Headings for surveys: a one-time look, where no other design is named.
_SURVEY_MESH = ("Surveys and Questionnaires", "Health Surveys", "Health Care Surveys")

_TEXT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_rx(r"\bstudy protocol\b|\btrial protocol\b|\bprotocol for an?\b"), "protocol"),
    (_rx(r"meta-?analys[ie]s|pooled analysis of (?:randomi[sz]ed|trials)"), "meta_analysis"),
    # "…: a systematic review", "systematic review and meta-analysis of", never "librarians in
    # systematic reviews" or "systematic review standards": the plural, and the name used as a
    # modifier of another noun, are the topic, not the design.
    (
        _rx(
            r"(?:systematic (?:literature )?|scoping )review\b(?![ -]+[a-z])"
            r"|(?:systematic (?:literature )?|scoping )review(?= (?:and|of|with|was|were|is|in|on"
            r"|to|for|using|by|including|that|we|which|from|following|according|comparing"
            r"|examining|investigating|assessing|evaluating|registered)\b)"
        ),
        "systematic_review",
    ),
    (
        _rx(
            r"(?<!non-)(?<!non)randomi[sz]ed[\w ,-]{0,40}(?:trial|study)\b"
            r"|\brandomly (?:assigned|allocated|divided)\b|\b(?:were|was) randomi[sz]ed\b"
            r"|\brandomi[sz]ed to (?:receive|one of|either)\b|\bplacebo[- ]controlled\b"
            r"|\bwe randomi[sz]ed\b"
            # Blinding makes a trial only where it qualifies one: slides "read in a
            # double-blinded way" are a blinded reading of a one-time measurement.
            r"|\bdouble[- ]blind(?:ed)?,? (?:(?:[\w-]+,? ){0,3}?(?:trial|study|design)\b"
            r"|placebo|randomi[sz]ed|cross-?over|controlled|comparison)"
        ),
        "rct",
    ),
    (
        _rx(
            r"\bopen[- ]label\b|\bsingle[- ]arm\b|\bnon-?randomi[sz]ed (?:trial|study)\b"
            r"|\bphase (?:I{1,3}|IV|[1-4])[ab]?(?:/(?:I{1,3}|[1-4]))? (?:clinical )?(?:trial|study)"
            r"|\bdose[- ](?:finding|escalation) (?:trial|study)\b"
            # An intervention given and measured before and after, with no randomisation.
            r"|\b(?:pre-?post|before[- ](?:and[- ])?after|pre-?test[- ]post-?test)"
            r" (?:[\w-]+ ){0,2}?(?:study|trial|design)\b|\bquasi-?experimental\b"
        ),
        "open_label_trial",
    ),
    (_rx(r"\bcase[- ]control\b|\bmatched controls\b"), "case_control"),
    (_RETROSPECTIVE, "retrospective"),
    (
        _rx(
            r"\bcross[- ]sectional\b|\bprevalence (?:study|survey)\b|\bquestionnaire[- ]based\b"
            r"|\bwe surveyed\b|\bsurvey (?:of|among)\b(?! the (?:[\w-]+ )?literature)"
            r"|\bonline survey\b|\bsurvey data\b"
            # "the Kenya Demographic and Health Survey", "a national household survey"
            r"|\b(?:health|nutrition|household|population|national)(?: [\w-]+){0,3} surveys?\b"
        ),
        "cross_sectional",
    ),
    (
        _rx(r"\bprospective(?:ly)?\b|\bcohort\b|\blongitudinal\b|\bobservational study\b"),
        "cohort_prospective",
    ),
    (_CASE_SERIES, "case_series"),
    (_CASE_REPORT, "case_report"),
    (_HUMAN_CASE, "case_report"),
    (
        _rx(
            r"\bpractice guidelines?\b|\bguidelines? (?:for|on)\b|\bconsensus statement\b"
            r"|\brecommendations (?:of|from|for) the\b|\bthese (?:guidelines|recommendations)\b"
        ),
        "guideline",
    ),
    (
        _rx(
            # "review" as the design, not naming another noun ("review tasks", "Review Board")
            rf"\breview\b{_NOT_A_MODIFIER}|\ban update\b|\boverview\b|\bstate of the art\b"
            r"|\bnarrative\b"
            r"|\bhere(?:in)?,? we (?:discuss|summari[sz]e|highlight|describe recent)\b"
            r"|\bthis (?:article|paper|chapter) (?:discusses|summari[sz]es|describes)\b"
        ),
        "review",
    ),
)
# In the abstract of a record typed "Review", only the authors' account of their own method
# counts: "we performed a systematic review and meta-analysis", "this meta-analysis", PRISMA.
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


_UNLABELLED_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    _TEXT_RULES[0],
    *_SYNTHESIS_ABSTRACT_RULES,
    *_TEXT_RULES[3:-1],
    (_REVIEW_SELF, "review"),
)


def method_text(study: Study) -> str:
    """The words that describe this study's own method: the METHODS, DESIGN, SETTING (and the
    like) sections of a structured abstract, else everything but its BACKGROUND."""
    return _method(study)[0]


def _sections(study: Study) -> list[tuple[str, str]]:
    """The abstract's (label, text) sections; a structured abstract that PubMed serves as one
    unlabelled text ("Objective: To … Methods: This was …") is cut at its own labels."""
    sections = [(s.label.strip(), s.text) for s in study.abstract]
    if len(sections) != 1 or sections[0][0]:
        return sections
    text = sections[0][1]
    cuts = list(_INLINE_LABEL.finditer(text))
    if len(cuts) < 2:
        return sections
    ends = [m.start() for m in cuts[1:]] + [len(text)]
    head = [("", text[: cuts[0].start()])] if cuts[0].start() else []
    return head + [(m.group(1), text[m.end() : end]) for m, end in zip(cuts, ends, strict=True)]


def _method(study: Study) -> tuple[str, bool]:
    """The method text, and whether it is the abstract's own METHODS (DESIGN…) sections."""
    sections = _sections(study)
    method = [text for label, text in sections if _METHOD_LABELS.match(label)]
    if method:
        return " ".join(method), True
    rest = " ".join(text for label, text in sections if not _BACKGROUND_LABELS.match(label))
    return rest, False


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
        return DesignCall("preclinical", 'MeSH "Animals" without "Humans"')
    text = f"{study.title} {method}"
    words = sorted({w.group(0).lower() for w in _LAB_WORDS.finditer(text)})
    if mesh:
        if mesh & _AGE_GROUPS:
            return None
        lab = sorted(d for d in mesh if _lab_heading(d) or d == "Animals")
        if lab:
            return DesignCall("preclinical", f'MeSH "{lab[0]}" and no age group')
        if words and not typed:
            return DesignCall("preclinical", f'text says "{words[0]}" and MeSH no age group')
        return None
    if typed:
        return None  # a trial or a case report by its type: a word in passing changes nothing
    m = _ANIMAL_WORD.search(study.title)
    if m and not _HUMAN_CASE.search(study.title) and not _PEOPLE_STUDIED.search(study.title):
        return DesignCall("preclinical", f'title says "{m.group(0)}"')
    if words and (len(words) >= 3 or not _PEOPLE_STUDIED.search(text)):
        return DesignCall("preclinical", "text says " + ", ".join(f'"{w}"' for w in words))
    return None


def design_call(study: Study) -> DesignCall:
    """The design of a study and where it was read from."""
    types = set(study.publication_types)
    if REPUBLISHED in types:
        types -= NOTICE_TYPES
    notice = sorted(types & NOTICE_TYPES)
    if notice:
        return DesignCall("other", f'publication type "{notice[0]}"')
    mesh = {m.descriptor for m in study.mesh}
    method, labelled = _method(study)
    if types & CORRESPONDENCE_TYPES and not types & STUDY_TYPES:
        kind = sorted(types & CORRESPONDENCE_TYPES)[0]
        if kind == "Letter" and not mesh:
            call = _text_call(
                (("title", study.title),),
                ((_CASE_REPORT, "case_report"), (_HUMAN_CASE, "case_report")),
            )
            if call:
                return call
        return DesignCall("other", f'publication type "{kind}"')
    for names, design in _PT_RULES[:2]:
        found = [n for n in names if n in types]
        if found:
            return DesignCall(design, f'publication type "{found[0]}"')
    if "Review" in types:
        # PubMed had no "Systematic Review" type before 2019, and records awaiting indexing
        # carry only the publisher's "Review": the title, then the abstract, tell.
        synthesis = _TEXT_RULES[1:3]
        return (
            _text_call((("title", study.title),), synthesis)
            or _text_call((("abstract", study.abstract_text),), _SYNTHESIS_ABSTRACT_RULES)
            or DesignCall("review", 'publication type "Review"')
        )
    if not types & STUDY_TYPES and not any(h in mesh for h, _ in _MESH_DESIGNS):
        whole = f"{study.title} {study.abstract_text}"
        review = _REVIEW_SELF.search(whole)
        if review and not _CASE_REPORT.search(whole):
            return DesignCall("review", f'text says "{review.group(0)}"')
    lab = _preclinical(study, mesh, method, typed=bool(types & STUDY_TYPES))
    if lab:
        return lab
    for names, design in _PT_RULES[2:]:
        found = [n for n in names if n in types]
        if found:
            return DesignCall(design, f'publication type "{found[0]}"')
    trial = sorted(types & TRIAL_TYPES)
    if trial:
        randomised = _TEXT_RULES[3][0].search(f"{study.title} {method}")
        return DesignCall(
            "rct" if randomised else "open_label_trial",
            f'publication type "{trial[0]}"'
            + (f' and text says "{randomised.group(0)}"' if randomised else ""),
        )
    if "Case Reports" in types:
        series = _CASE_SERIES.search(f"{study.title} {study.abstract_text}")
        if series:
            return DesignCall("case_series", f'publication type "Case Reports", "{series[0]}"')
        return DesignCall("case_report", 'publication type "Case Reports"')
    return _observational(study, types, mesh, method) or _from_text(study, method, labelled)


def _observational(study: Study, types: set[str], mesh: set[str], method: str) -> DesignCall | None:
    """Observational designs from MeSH (Case-Control, Cross-Sectional, Retrospective,
    Prospective, Cohort Studies) or the "Observational Study" type, refined by the text."""
    headings = [(h, d) for h, d in _MESH_DESIGNS if h in mesh]
    if not headings and "Observational Study" not in types:
        return None
    text = f"{study.title} {method}"
    for pattern, design in (_TEXT_RULES[5], _TEXT_RULES[6], _TEXT_RULES[7]):
        m = pattern.search(text)
        if m and (design != "case_control" or "Case-Control Studies" in mesh or not headings):
            return DesignCall(design, f'text says "{m.group(0)}"')
    if headings:
        heading, design = headings[0]
        return DesignCall(design, f'MeSH "{heading}"')
    return DesignCall("cohort_prospective", 'publication type "Observational Study"')


def _from_text(study: Study, method: str, labelled: bool) -> DesignCall:
    """Records with no design in their indexing (or none yet): the title, then the method.

    Where the abstract has no METHODS section, a synthesis or a review counts only as the
    authors' account of their own work ("we conducted a systematic review", "in this review"):
    an abstract names other people's reviews and meta-analyses, and "review" is a common word
    ("review of systems", "reviewed by two readers")."""
    call = _text_call((("title", study.title),), _TEXT_RULES) or _text_call(
        (("abstract", method),), _TEXT_RULES if labelled else _UNLABELLED_RULES
    )
    if call:
        return call
    m = _TITLE_CASES.search(study.title)
    if m:
        return DesignCall("case_series", f'title says "{m.group(0)}"')
    mesh = {m.descriptor for m in study.mesh}
    survey = [h for h in _SURVEY_MESH if h in mesh]
    if survey:
        return DesignCall("cross_sectional", f'MeSH "{survey[0]}"')
    # An original study of people that names no design and no follow-up: a one-time look at
    # a group (or groups) of them, which is what a cross-sectional study is.
    text = f"{study.title} {method}"
    bench = sorted({w.group(0).lower() for w in _BENCH_METHODS.finditer(text)})
    if len(bench) >= 3 and not _PEOPLE_STUDIED.search(text):
        # Tissue, blood or cells taken to the bench, with nothing said of people: where the
        # patients are named ("resistance mutations were found in most patients"), the bench
        # is how the people were measured.
        return DesignCall("preclinical", "text says " + ", ".join(f'"{w}"' for w in bench))
    m = _GROUP_STUDIED.search(method)
    if m:
        return DesignCall("cross_sectional", f'abstract studies "{m.group(0)}" at one time')
    return DesignCall("other", "no design in the indexing or the text")


def is_notice(study: Study) -> bool:
    """An erratum, retraction notice, comment, letter, editorial or news item that reports
    no study of its own (PubMed's publication types say so)."""
    types = set(study.publication_types)
    if REPUBLISHED in types:
        return False
    if types & NOTICE_TYPES:
        return True
    return (
        bool(types & CORRESPONDENCE_TYPES)
        and not types & STUDY_TYPES
        and design_call(study).design == "other"
    )
