from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from evidence.classify import (
    DESIGN_LABELS,
    LEVELS,
    classify,
    classify_conditions,
    classify_design,
    condition_matches,
    extract_participants,
    is_notice,
    level_for,
)
from evidence.designs import DesignCall, design_call
from evidence.eutils import SearchResult
from evidence.queries import Condition, Query
from evidence.study import AbstractSection, MeshHeading, Study

CRPS = Condition(
    "crps",
    "CRPS",
    mesh=("Complex Regional Pain Syndromes",),
    text=("complex regional pain syndrome*", "CRPS"),
)
PHN = Condition(
    "phn", "Postherpetic neuralgia", mesh=("Neuralgia, Postherpetic",), text=("postherpetic", "PHN")
)
FIBROMYALGIA = Condition(
    "fibromyalgia", "Fibromyalgia", mesh=("Fibromyalgia",), text=("fibromyalg*",)
)
PAIN = Query(
    id="neuropathic_pain",
    title="Ketamine for neuropathic pain",
    path=Path("neuropathic-pain.toml"),
    drug='"Ketamine"[Mesh]',
    conditions=(CRPS, PHN, FIBROMYALGIA),
)


def study(
    title: str = "",
    abstract: str = "",
    types: tuple[str, ...] = (),
    mesh: tuple[str, ...] = (),
    keywords: tuple[str, ...] = (),
) -> Study:
    return Study(
        pmid="1",
        title=title,
        abstract=(AbstractSection("", abstract),) if abstract else (),
        publication_types=types,
        mesh=tuple(MeshHeading(m) for m in mesh),
        keywords=keywords,
    )


@pytest.mark.parametrize(
    ("record", "design"),
    [
        (
            study("X", types=("Journal Article", "Meta-Analysis", "Systematic Review")),
            "meta_analysis",
        ),
        (study("X", types=("Systematic Review",)), "systematic_review"),
        (study("X", types=("Randomized Controlled Trial",)), "rct"),
        (study("Open-label ketamine", types=("Clinical Trial",)), "open_label_trial"),
        (study("X", "Patients were randomized to ketamine.", types=("Clinical Trial",)), "rct"),
        (study("X", types=("Case Reports",)), "case_report"),
        (study("X", types=("Review",)), "review"),
        (study("X", mesh=("Animals", "Rats")), "preclinical"),
        (study("X", mesh=("Humans", "Retrospective Studies")), "retrospective"),
        # No publication types or MeSH (in-process records): title and abstract decide.
        (study("Ketamine for CRPS: a systematic review and meta-analysis"), "meta_analysis"),
        (study("A randomized, placebo-controlled trial of ketamine"), "rct"),
        (
            study("Ketamine infusions for refractory headache: a retrospective analysis"),
            "retrospective",
        ),
        (study("Ketamine in a rat model of neuropathic pain"), "preclinical"),
        (study("Ketamine for phantom limb pain: a case report"), "case_report"),
        (study("Ketamine and the brain"), "other"),
    ],
)
def test_design(record: Study, design: str) -> None:
    assert classify_design(record) == design


@pytest.mark.parametrize(
    ("title", "types"),
    [
        (
            "Erratum: Ketamine for treatment-resistant depression: a randomized controlled trial",
            ("Published Erratum",),
        ),
        (
            "Correction to: Intranasal esketamine in a 45-year-old woman with refractory migraine",
            ("Published Erratum",),
        ),
        (
            'Retraction notice to "Low-dose ketamine infusion for complex regional pain syndrome: '
            'a double-blind, placebo-controlled trial"',
            ("Retraction Notice",),
        ),
        (
            "Retraction: Oral ketamine for postherpetic neuralgia: a randomised crossover trial",
            ("Journal Article", "Retraction of Publication"),
        ),
        (
            "Expression of Concern: A randomized controlled trial of ketamine for cluster headache",
            ("Expression of Concern",),
        ),
        (
            "Ketamine for migraine aura: a randomized trial too small to answer the question",
            ("Letter", "Comment"),
        ),
        (
            "Ketamine in the emergency department: time for a randomized controlled trial",
            ("Editorial",),
        ),
        ("Ketamine nasal spray for depression: a retrospective look at the trials", ("News",)),
        ("Ketamine clinics multiply before the randomized evidence", ("Newspaper Article",)),
    ],
)
def test_notices_and_correspondence_are_not_studies(title: str, types: tuple[str, ...]) -> None:
    record = study(title, "Patients were randomly assigned to ketamine or placebo.", types=types)
    assert classify_design(record) == "other"


def test_letters_reporting_a_case_are_case_reports() -> None:
    title = "Intranasal ketamine for prolonged aura in a 34-year-old woman with hemiplegic migraine"
    indexed = ("Humans", "Female", "Adult", "Ketamine", "Migraine with Aura")
    assert classify_design(study(title, types=("Case Reports", "Letter"), mesh=indexed)) == (
        "case_report"
    )
    # Before indexing a letter is typed only "Letter": the title tells.
    assert classify_design(study(title, types=("Letter",))) == "case_report"
    # Once indexed without "Case Reports", or when it comments on another article, it is not one.
    assert classify_design(study(title, types=("Letter",), mesh=indexed)) == "other"
    assert classify_design(study(title, types=("Letter", "Comment"))) == "other"


def test_a_retracted_article_keeps_its_design() -> None:
    # The retracted article itself ("Retracted Publication") is not a notice; it is flagged as
    # retracted elsewhere.
    record = study(
        "Ketamine for complex regional pain syndrome: a randomized controlled trial",
        types=("Journal Article", "Randomized Controlled Trial", "Retracted Publication"),
    )
    assert classify_design(record) == "rct"


@pytest.mark.parametrize(
    ("title", "abstract", "design"),
    [
        (
            "Ketamine for complex regional pain syndrome: a systematic review",
            "Ketamine has been studied in CRPS. We searched MEDLINE and Embase to 2014.",
            "systematic_review",
        ),
        (
            "Ketamine for chronic non-cancer pain: a meta-analysis of randomized controlled trials",
            "",
            "meta_analysis",
        ),
        (
            "Systematic review and meta-analysis of ketamine as an analgesic adjuvant",
            "",
            "meta_analysis",
        ),
        (
            "Ketamine for migraine and cluster headache",
            "We performed a systematic review and meta-analysis of randomized trials.",
            "meta_analysis",
        ),
        (
            "Ketamine in neuropathic pain",
            "Methods: Following PRISMA, MEDLINE, Embase and CENTRAL were searched.",
            "systematic_review",
        ),
        # A narrative review citing other people's meta-analyses stays a review.
        (
            "Ketamine in pain medicine: an update",
            "Several meta-analyses and systematic reviews have suggested a modest benefit.",
            "review",
        ),
    ],
)
def test_syntheses_typed_only_review(title: str, abstract: str, design: str) -> None:
    # Before 2019 PubMed had no "Systematic Review" publication type.
    assert classify_design(study(title, abstract, types=("Journal Article", "Review"))) == design


def test_levels_are_ordered_and_cover_every_design() -> None:
    assert [lv.rank for lv in LEVELS] == sorted(lv.rank for lv in LEVELS)
    assert level_for("rct").rank < level_for("retrospective").rank < level_for("review").rank
    assert level_for("unknown").key == "other"


def test_condition_matching_by_mesh_text_and_acronym() -> None:
    crps = CRPS
    assert condition_matches(study("X", mesh=("Complex Regional Pain Syndromes",)), crps)
    assert condition_matches(study("Ketamine in complex regional pain syndromes"), crps)
    assert condition_matches(study("Ketamine for CRPS type 1"), crps)
    assert not condition_matches(study("Ketamine for crps-like noise"), crps)  # acronym case
    assert not condition_matches(study("Ketamine for migraine"), crps)


BACKGROUND = (
    "Background: Ketamine has been used in CRPS, postherpetic neuralgia (PHN) and fibromyalgia. "
    "Methods: Twenty patients with CRPS type 1 received a 4-day ketamine infusion."
)


def test_conditions_of_an_indexed_record_ignore_the_abstract() -> None:
    record = study(
        "Outpatient ketamine infusions for complex regional pain syndrome",
        BACKGROUND,
        types=("Journal Article",),
        mesh=("Humans", "Ketamine", "Complex Regional Pain Syndromes", "Infusions, Intravenous"),
    )
    assert classify_conditions(record, PAIN) == ("crps",)
    assert not condition_matches(record, PHN)
    # Author keywords and MeSH descriptor names still count.
    assert condition_matches(study("Ketamine", mesh=("Humans",), keywords=("PHN",)), PHN)
    assert condition_matches(study("Ketamine", mesh=("Fibromyalgia, Juvenile",)), FIBROMYALGIA)


def test_conditions_of_a_record_in_process_read_the_abstract() -> None:
    # No MeSH headings yet: the abstract is all there is to go on.
    record = study("Outpatient ketamine infusions for refractory pain", BACKGROUND)
    assert classify_conditions(record, PAIN) == ("crps", "phn", "fibromyalgia")


def test_participants_from_common_phrasings() -> None:
    assert extract_participants(study("", "A total of 1,012 adults were enrolled.")) == 1012
    assert extract_participants(study("", "Thirty... 34 patients were randomized.")) == 34
    # Group sizes and no total: unsure, so empty rather than guessed (or added up).
    assert extract_participants(study("", "Ketamine (n = 20) or placebo (n = 20).")) is None
    # Two different group sizes and no total: unsure, so empty rather than guessed.
    assert extract_participants(study("", "Ketamine (n = 20) or placebo (n = 18).")) is None
    assert extract_participants(study("Ketamine for pain")) is None


def test_participants_from_a_single_n() -> None:
    record = Study(
        pmid="1",
        title="Intranasal ketamine for migraine aura",
        abstract=(
            AbstractSection("METHODS", "Adults with migraine with aura (n = 30) were studied."),
            AbstractSection("RESULTS", "Aura severity fell after ketamine."),
        ),
    )
    assert extract_participants(record) == 30


@pytest.mark.parametrize(
    ("abstract", "participants"),
    [
        ("A total of 12 trials with 500 patients were pooled.", None),
        ("A total of 7 RCTs involving 329 participants met the inclusion criteria.", None),
        # Where the people are counted too, theirs is the number taken.
        ("Overall, 23 studies of 1,204 patients were included in the review.", 1204),
        ("A total of 46 infusions in 18 patients were analysed.", 18),
    ],
)
def test_participants_not_counted_from_trials_or_infusions(
    abstract: str, participants: int | None
) -> None:
    assert extract_participants(study("", abstract)) == participants


@pytest.mark.parametrize(
    ("abstract", "participants"),
    [
        (
            "A total of 120 patients were screened for eligibility, and 80 patients were "
            "randomized to ketamine or midazolam.",
            80,
        ),
        (
            "A total of 212 patients were assessed for eligibility; 150 were randomized.",
            150,
        ),
        ("Of 120 patients screened, 80 were randomized.", 80),
        ("A total of 96 patients were eligible and 60 were enrolled.", 60),
        ("We screened a total of 310 adults with chronic migraine.", None),
    ],
)
def test_participants_are_not_the_screened(abstract: str, participants: int | None) -> None:
    assert extract_participants(study("", abstract)) == participants


@pytest.mark.parametrize(
    ("title", "types"),
    [
        ("Ketamine for chronic pain: a meta-analysis", ("Meta-Analysis",)),
        ("Ketamine for CRPS: a systematic review", ("Systematic Review",)),
        ("Ketamine for neuropathic pain", ("Review",)),
    ],
)
def test_syntheses_and_reviews_have_no_participants(title: str, types: tuple[str, ...]) -> None:
    record = study(title, "A total of 1,012 adults were enrolled in 14 trials.", types=types)
    assert extract_participants(record) == 1012
    assert classify(record, PAIN).participants is None


def test_a_study_keeps_its_participants() -> None:
    record = study(
        "Ketamine for CRPS", "34 patients were randomized.", types=("Randomized Controlled Trial",)
    )
    assert classify(record, PAIN).participants == 34


# --- accuracy on labelled sets ------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def labelled(name: str) -> list[tuple[Study, str]]:
    records = tomllib.loads((FIXTURES / name).read_text(encoding="utf-8"))["record"]
    return [
        (
            Study(
                pmid="1",
                title=r["title"],
                abstract=(AbstractSection("", r["abstract"]),) if r.get("abstract") else (),
                publication_types=tuple(r.get("types", ())),
                mesh=tuple(MeshHeading(m) for m in r.get("mesh", ())),
            ),
            r["design"],
        )
        for r in records
    ]


def accuracy(pairs: list[tuple[Study, str]]) -> dict[str, tuple[int, int]]:
    per: dict[str, tuple[int, int]] = {}
    for study, label in pairs:
        hit, total = per.get(label, (0, 0))
        per[label] = (hit + (classify_design(study) == label), total + 1)
    return per


@pytest.mark.parametrize(
    ("name", "size", "overall", "per_class"),
    [("labelled-designs.toml", 60, 0.9, 0.6), ("labelled-designs-holdout.toml", 26, 0.8, 0.5)],
)
def test_classifier_accuracy_per_class(
    name: str, size: int, overall: float, per_class: float
) -> None:
    pairs = labelled(name)
    assert len(pairs) >= size
    per = accuracy(pairs)
    assert set(per) == set(DESIGN_LABELS)  # every class is represented
    hits = sum(h for h, _ in per.values())
    lines = [f"{name}: {hits}/{len(pairs)} = {hits / len(pairs):.1%}"]
    lines += [f"  {label:<20} {h}/{t} = {h / t:.0%}" for label, (h, t) in sorted(per.items())]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"classifier-accuracy-{name.removesuffix('.toml')}.txt").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )
    print("\n".join(lines))
    assert hits / len(pairs) >= overall
    assert all(h / t >= per_class for h, t in per.values()), lines


@pytest.mark.parametrize(
    ("title", "agent"),
    [
        ("Intranasal esketamine for migraine", "esketamine"),
        ("S(+)-ketamine in refractory CRPS", "esketamine"),
        ("Spravato and chronic pain", "esketamine"),
        ("Ketamine infusion for fibromyalgia", "ketamine"),
        ("Racemic ketamine versus esketamine for neuropathic pain", "ketamine and esketamine"),
        ("Magnesium for migraine", ""),
    ],
)
def test_agent(title: str, agent: str) -> None:
    from evidence.classify import classify_agent

    assert classify_agent(study(title)) == agent


def test_classifier_accuracy_on_the_real_sample_records() -> None:
    """The 33 curated sample studies are real PubMed records, mostly with only a title and
    no publication types: the hard case. Measured against the reviewer's coding."""
    from evidence.pubmed import parse_article_set
    from evidence.sources import SampleSource

    sample = SampleSource()
    coding = {str(s["pmid"]): str(s["design"]) for s in sample.studies}
    body = next(iter(sample.fetch(list(coding), SearchResult(count=0, ids=()))))
    pairs = [(s, coding[s.pmid]) for s in parse_article_set(body).studies]
    per = accuracy(pairs)
    hits = sum(h for h, _ in per.values())
    lines = [
        f"sample (real records, reviewer's coding): {hits}/{len(pairs)} = {hits / len(pairs):.1%}"
    ]
    lines += [f"  {label:<20} {h}/{t}" for label, (h, t) in sorted(per.items())]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "classifier-accuracy-sample.txt").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))
    assert len(pairs) == 33
    assert hits / len(pairs) >= 0.75


# --- the kinds of error seen on real records (tests/fixtures/real-pubmed/) -----------------


def sections(*pairs: tuple[str, str]) -> tuple[AbstractSection, ...]:
    return tuple(AbstractSection(label, text) for label, text in pairs)


@pytest.mark.parametrize(
    ("record", "design"),
    [
        # Laboratory work on human cells: MeSH has Humans and no animal heading.
        (
            study(
                "Ezrin phosphorylation in oesophageal cancer", mesh=("Humans", "Cell Line, Tumor")
            ),
            "preclinical",
        ),
        (
            study("Resveratrol and stress", mesh=("Humans", "HeLa Cells", "Apoptosis")),
            "preclinical",
        ),
        # Indexed with both Humans and Animals, no age group: a xenograft study.
        (
            study("AMPK drives Akt activation", mesh=("Humans", "Animals", "Mice, Nude")),
            "preclinical",
        ),
        # Animals beyond the old word list; records not yet indexed.
        (study("Feline lentiviral vectors in cats"), "preclinical"),
        (
            study(
                "Neem leaf extract",
                abstract="Cancer cells were treated in vitro and xenografts grown.",
            ),
            "preclinical",
        ),
        # A companion dog in a human case is no animal study.
        (
            study(
                "Pasteurella meningitis in a 70-year-old woman",
                abstract="Her companion dog licked her wound.",
            ),
            "case_report",
        ),
        # Cross-sectional and case-control studies, from MeSH or words.
        (
            study(
                "Thyroid function in applicators",
                mesh=("Humans", "Adult", "Cross-Sectional Studies"),
            ),
            "cross_sectional",
        ),
        (study("GSTM1 deletions and breast cancer: a case-control study"), "case_control"),
        # Rule order: a review indexed with Prospective Studies stays a review.
        (
            study("Ketamine in CRPS", types=("Review",), mesh=("Humans", "Prospective Studies")),
            "review",
        ),
        # False triggers.
        (
            study("Oocyte maturation", abstract="Oocytes reached metaphase II in 80% of cases."),
            "other",
        ),
        (study("Aims", abstract="This pilot study describes a new scoring sheet."), "other"),
        (
            study(
                "Ketamine use",
                abstract="METHODS: The Institutional Review Board approved a survey of 300 adults.",
            ),
            "cross_sectional",
        ),
        (
            study(
                "Toxic exposure",
                abstract="Data came from the Agency for Toxic Substances and Disease Registry.",
            ),
            "other",
        ),
        (
            study(
                "Librarians",
                abstract="In phase 1 a scoping search was run; in phase 2 experts met.",
            ),
            "other",
        ),
        (
            study(
                "Migraine care", abstract="Current guideline advice is that triptans come first."
            ),
            "other",
        ),
        # Phrasings.
        (
            study("Lidocaine", abstract="Sixty patients were randomly divided into two groups."),
            "rct",
        ),
        (
            study("Ketamine", abstract="Adults were randomized to receive ketamine or midazolam."),
            "rct",
        ),
        (
            study("Migraine", abstract="We describe a rare case of hemiplegic migraine."),
            "case_report",
        ),
        (study("Aura", abstract="We present a unique case of prolonged aura."), "case_report"),
        (study("CRPS after fracture: report of two cases"), "case_series"),
        # A corrected and republished article is the article, not a notice.
        (
            study(
                "Erratum: Ketamine for depression: a randomized trial",
                types=("Corrected and Republished Article", "Randomized Controlled Trial"),
            ),
            "rct",
        ),
    ],
)
def test_real_record_error_kinds(record: Study, design: str) -> None:
    assert classify_design(record) == design, design_call(record)


def test_a_design_says_where_it_was_read_from() -> None:
    assert design_call(study("x", types=("Randomized Controlled Trial",))).source == (
        'publication type "Randomized Controlled Trial"'
    )
    assert design_call(study("x", mesh=("Humans", "Adult", "Retrospective Studies"))).source == (
        'MeSH "Retrospective Studies"'
    )
    call = design_call(study("Ketamine infusions: a retrospective chart review"))
    assert call == DesignCall("retrospective", 'title says "retrospective"')


def test_only_the_methods_sections_name_the_design() -> None:
    record = Study(
        pmid="1",
        title="Ketamine for migraine",
        abstract=sections(
            ("BACKGROUND", "Randomized controlled trials have shown benefit."),
            ("METHODS", "We reviewed the charts of 40 patients treated in 2019."),
        ),
    )
    assert classify_design(record) == "retrospective"


def test_notices_and_republished_articles() -> None:
    assert is_notice(study("Erratum: x", types=("Published Erratum",)))
    assert not is_notice(
        study("Erratum: x", types=("Published Erratum", "Corrected and Republished Article"))
    )


@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("One hundred thirty-two patients were enrolled.", 132),
        ("A total of 18 804 participants took part.", 18804),
        ("METHODS: 240 adults were assigned to ketamine or placebo.", 240),
        ("In all, 56 volunteers participated in the study.", 56),
        ("We randomly assigned 1167 patients to two groups.", 1167),
        ("3721 women with a uterus were randomised to tibolone or placebo.", 3721),
        ("Thirty-six patients were admitted and treated.", 36),
        ("We compared 31 colorectal cancer patients and 47 age-matched controls.", 78),
        # Wrong is worse than empty: never survivors, samples, items or groups.
        ("Of the 20 patients, 12 died; patients (n = 8) still alive were followed.", None),
        ("We tested serum samples (n=16) for antibodies.", None),
        ("The item bank (N=23,066 items) was calibrated.", None),
        ("Patients with CPFE (n = 22), emphysema (n = 22) and IPF (n = 14) were studied.", None),
        ("Between 2001 and September 2009 were enrolled all who consented.", None),
    ],
)
def test_participants_phrasings(abstract: str, count: int | None) -> None:
    assert extract_participants(study("Trial", abstract=abstract)) == count


def test_a_typed_trial_mentioning_animals_in_passing_stays_a_trial() -> None:
    record = study(
        "Intranasal ketamine for migraine: a randomized trial",
        abstract="Unlike in mice, ketamine reduced aura in adults.",
        types=("Randomized Controlled Trial",),
        mesh=("Humans",),
    )
    assert classify_design(record) == "rct"
    untyped = study("Ketamine and aura", abstract=record.abstract_text, mesh=("Humans",))
    # No type and no age group, but one bench word beside the adults studied: how they were
    # measured, as in a record with no MeSH at all (not laboratory work).
    assert classify_design(untyped) != "preclinical"
