"""The participants rules read the phrasings abstracts use for the people a study enrolled:
each case is a short synthetic sentence of a phrasing seen in real records (named in the
comment). Wrong is worse than empty: where a phrasing counts anything else, the answer is None."""

from __future__ import annotations

import pytest

from evidence.participants import extract_participants
from evidence.study import AbstractSection, Study


def study(abstract: str = "", title: str = "Ketamine", **sections: str) -> Study:
    parts = tuple(AbstractSection(label, text) for label, text in sections.items())
    return Study(
        pmid="1",
        title=title,
        abstract=parts or ((AbstractSection("", abstract),) if abstract else ()),
    )


@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        # "Of 42 patients randomized, 36 (85.7%) completed the study."
        ("Of 42 patients randomized, 36 completed the study.", 42),
        # "Among 590 participants, most patients expected…", "Of the 185 participants, 143…"
        ("Among 590 participants, most expected benefit.", 590),
        ("Of the 185 respondents, 143 had worked on a review.", 185),
        # "Of 3,157 Chinese, older adults aged 60 and older, the mean age was 72.8"
        ("Of 3,157 Chinese, older adults aged 60 and older, the mean age was 72.8.", 3157),
        # "The mean age of 57 patients was 59 (range 34-81) years"
        ("Biopsies were stained. The mean age of 57 patients was 59 years.", 57),
        # "1,830 Chinese older women self-reported history of cancer screening"
        ("Through the cohort, 1,830 older women self-reported their screening.", 1830),
        # Still not the people studied: screened, a part of the whole, two groups.
        ("Of 120 participants screened, 80 were eligible.", None),
        ("A second hit was present in 6 of those cases.", None),
        ("There were 1337 and 1201 students who responded to the two questionnaires.", None),
    ],
)
def test_the_whole_group_before_a_part_of_it(abstract: str, count: int | None) -> None:
    assert extract_participants(study(abstract)) == count


@pytest.mark.parametrize(
    ("results", "count"),
    [
        # "Of the 80 patients, 32 (40%) had an implantable cardioverter-defibrillator"
        ("Of the 80 patients, 32 (40%) had a defibrillator.", 80),
        # "Of 460 probands tested, 93% were female"
        ("Of 460 probands tested, 93% were female.", 460),
        # "In the 77 patients enrolled (63 ± 13 years old, 84 % male), daily measurements…"
        ("In the 77 patients enrolled (63 years old), measurements were feasible.", 77),
        # a part told before is no whole: "Among these eight patients, six (5.1%)…"
        ("Among these eight patients, six (5.1%) had pain.", None),
    ],
)
def test_the_whole_group_then_a_share_of_it(results: str, count: int | None) -> None:
    assert extract_participants(study(results)) == count


# "Of the 606 participants, 376 (62%) completed the survey", "Of 514 study patients, 320
# (62.3 %) were taking OAC and were included in the present analysis": the part that took part.
@pytest.mark.parametrize(
    ("results", "count"),
    [
        ("Of the 606 participants, 376 (62%) completed the survey.", 376),
        ("Of 514 study patients, 320 (62.3 %) took drug A and were included in the analysis.", 320),
        ("Of 150 patients approached, 120 agreed to take part.", 120),
        # but those randomised, not those who completed the trial
        ("Of 42 patients randomized, 36 (86%) completed the study.", 42),
    ],
)
def test_the_part_of_a_whole_that_took_part(results: str, count: int) -> None:
    assert extract_participants(study(results)) == count


# Those who responded to a treatment or completed the follow-up are a part of those randomised,
# who are the participants; "responded" counts people only as answering a survey.
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("Of the 60 patients randomized, 40 (67%) responded to ketamine.", 60),
        ("Of 42 patients randomized, 36 (86%) completed the follow-up questionnaire.", 42),
        ("Of the 60 patients, 40 (67%) responded to ketamine.", 60),
        ("Forty patients (67%) responded to ketamine.", None),
        ("Of the 606 participants, 376 (62%) responded to the survey.", 376),
        # where the text says how many were randomised, that number wins
        (
            "Of the 120 eligible patients, 90 (75%) consented to participate and 80 were"
            " randomized.",
            80,
        ),
    ],
)
def test_responders_and_completers_are_a_part_of_those_randomised(
    abstract: str, count: int | None
) -> None:
    assert extract_participants(study(abstract)) == count


def test_responders_in_the_results_are_a_part_of_those_randomised() -> None:
    method = "Adults with depression were randomized to ketamine or midazolam."
    results = "Of the 60 patients randomized, 31 (52%) responded at 24 hours."
    assert extract_participants(study(METHODS=method, RESULTS=results)) == 60


# "Fifteen patients in each of the 4 arms", "20 patients per group": the count of one arm, never
# of all those randomised.
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("Fifteen patients in each of the 4 arms were randomized.", None),
        ("Twenty patients per arm were randomized.", None),
        ("Thirty patients in each group were enrolled.", None),
        ("Eighty patients were randomly assigned to each of the four groups.", None),
        # the whole, then its arms, is still the whole
        ("A total of 120 patients were randomized, 60 in each group.", 120),
    ],
)
def test_the_count_of_one_arm_is_not_the_whole(abstract: str, count: int | None) -> None:
    assert extract_participants(study(abstract)) == count


def test_a_count_per_group_before_the_total_is_never_taken() -> None:
    text = "Twenty patients per group, 60 in all, were randomized."
    assert extract_participants(study(text)) in (60, None)


# "PARTICIPANTS: Women of reproductive age 15-49 years (N=39 646)."
def test_the_one_n_of_a_participants_section() -> None:
    record = study(PARTICIPANTS="Women of reproductive age 15-49 years (N=39 646).")
    assert extract_participants(record) == 39646
    groups = study(PARTICIPANTS="Cases (n = 40) and controls (n = 38) aged 18-65 years.")
    assert extract_participants(groups) is None


# "PATIENTS: Sixty-one patients with IBD (51 patients with ulcerative colitis and 10 with
# Crohn's disease)": a section of the people that opens on their count; never where it counts
# others beside them, nor animals.
def test_the_count_a_participants_section_opens_on() -> None:
    opens = "Sixty-one patients with IBD (51 with ulcerative colitis and 10 with Crohn's disease)."
    assert extract_participants(study(PATIENTS=opens)) == 61
    assert extract_participants(study(PARTICIPANTS="Eighty adults with chronic migraine.")) == 80
    beside = "Sixty-one patients with IBD and 25 healthy controls."
    assert extract_participants(study(PATIENTS=beside)) is None
    assert extract_participants(study(SUBJECTS="Twenty-two Landrace pigs.")) is None
    # a pool the study took from: screened, or narrowed in the same section
    screened = "Two hundred patients scheduled for spine surgery were screened for eligibility."
    assert extract_participants(study(PATIENTS=screened)) is None
    attended = "1,240 adults with migraine attended our centre. Of these, 36 received ketamine."
    assert extract_participants(study(PATIENTS=attended)) is None


# Phrasings of the field's abstracts, written blind to the rules: the part that took part
# ("97 enrolled", "25 consented", "met inclusion criteria", "entered the study", "212
# responded"), people the list did not name (parturients), and never the places they came
# from ("at two urban academic EDs, adults…") nor a share ("Overall, 121 respondents (57%)").
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("Of 118 eligible participants, 97 enrolled and 64 completed 52 weeks.", 97),
        ("Of 34 eligible patients, 25 consented and received treatment.", 25),
        ("Of 2,016 responses, 1,347 respondents met inclusion criteria.", 1347),
        ("Forty patients entered the study and 33 completed 12 weeks.", 40),
        ("Of 689 members invited, 212 responded (response rate 31%).", 212),
        ("We randomly assigned 210 parturients to magnesium or ketamine.", 210),
        (
            "In this trial at two urban academic EDs, adults with migraine were randomly"
            " assigned to ketamine or metoclopramide. We randomized 120 patients.",
            120,
        ),
        ("We sent a survey. Overall, 121 respondents (57%) reported using ketamine.", None),
        ("Of 60 patients randomized, 40 (67%) responded to ketamine.", 60),
        # (a review's) a response to a treatment, or those in a per-protocol analysis, are a
        # part of those studied, never the study's people; a breakdown in brackets is no share;
        # a phase or a site count is no other study's
        ("Of 60 patients treated with ketamine infusions, 24 responded (40%).", None),
        ("Of the 96 enrolled patients, 81 met the study criteria for per-protocol analysis.", None),
        (
            "Of 420 patients screened, 160 met inclusion criteria; 120 were randomized to"
            " ketamine or morphine.",
            120,
        ),
        ("We reviewed infusions. Overall, 312 patients (54% women) had an infusion.", 312),
        ("In this phase 2 trial, 40 adults with cluster headache were enrolled.", 40),
        ("At 12 study sites, 480 patients were randomized to esketamine or placebo.", 480),
        ("Fourteen trials with 510 patients were included.", None),
        # (a third reader's) a range among the words, then those analysed; a total, then its
        # breakdown into cases and controls
        (
            "In a factorial trial, 160 adult patients undergoing elective 1-3 level lumbar"
            " fusion were randomly allocated to four groups. Data of 154 patients were analysed.",
            160,
        ),
        ("The study included 14,585 patients: 2,917 cases and 11,668 controls.", 14585),
    ],
)
def test_phrasings_a_blind_reader_wrote(abstract: str, count: int | None) -> None:
    assert extract_participants(study(abstract)) == count


# Title "… hook wire: report of 181 patients", abstract "One hundred eighty-one patients
# (90 females) underwent 187 resections": two statements of the same count.
def test_a_title_count_the_abstract_repeats() -> None:
    abstract = "One hundred eighty-one patients (90 females) underwent 187 resections."
    record = study(abstract, title="Hook wire localisation: report of 181 patients")
    assert extract_participants(record) == 181
    lone = study("Resections were safe.", title="Hook wire localisation: report of 181 patients")
    assert extract_participants(lone) is None


@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        # "We studied 115 participants …, which included 70 males and 45 females": a breakdown
        ("We studied 115 participants, which included 70 males and 45 females.", 115),
        # "The study included 90 patients: 53 AML cases and 37 ALL cases"
        ("The study included 90 patients: 53 AML cases and 37 ALL cases.", 90),
        # "25 patients with HF (mean age: 60 years) and 15 medical doctors": another group
        ("The platform was evaluated in 25 patients with HF and 15 medical doctors.", None),
        # "A total of 2 pulmonary hypertension patients, 1 cardiologist, 2 physiologists, and 1
        # nurse took part": several groups, and no part of one another
        ("A total of 2 patients, 1 cardiologist, 2 physiologists, and 1 nurse took part.", None),
    ],
)
def test_a_breakdown_of_the_people_or_other_people_beside_them(
    abstract: str, count: int | None
) -> None:
    assert extract_participants(study(abstract)) == count


# "evaluated in 138 breast tumours … reflex testing in four discordant cases": the study counts
# tumours; the cases are a part of them. "training of 124 students as peer trainers": helpers.
@pytest.mark.parametrize(
    "abstract",
    [
        "Arrays were evaluated in 138 breast tumours; testing in four discordant cases agreed.",
        "Training of 124 students selected as peer trainers followed the baseline questionnaire.",
    ],
)
def test_counts_of_other_things_and_helpers_are_not_participants(abstract: str) -> None:
    assert extract_participants(study(abstract)) is None


@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        # "HIV-2 infected patients", "(11/17, 64.7%)": a name's or a ratio's number.
        ("Genes from HIV-2 infected patients were sequenced.", None),
        # "Twenty-four PD patients without fatigue, 11 with fatigue and 32 healthy volunteers
        # underwent…": groups listed one after another.
        (
            "Twenty-four patients without fatigue, 11 with fatigue and 32 volunteers had EEG.",
            None,
        ),
        # "We included eight people with JME (five off medication), 10 with migraine, and 37
        # controls": the first of several groups.
        ("We included eight people with epilepsy, 10 with migraine, and 37 controls.", None),
        # "in 5358 exposed subjects and in 5265 nonexposed subjects": two groups.
        ("We studied mortality in 5358 exposed subjects and in 5265 nonexposed subjects.", None),
        # "Of the 2,925 subjects who attended …, based on two cases in the exposed group".
        (
            "Of the 2,925 subjects who attended, 904 were treated; risk was based on two cases.",
            None,
        ),
        # Still one group and its parts, or screened then randomised.
        ("A total of 132 patients were enrolled, 66 with ketamine and 66 with placebo.", 132),
        ("In all, 120 patients were enrolled, 70 women and 50 men.", 120),
        ("A total of 120 patients were screened, and 80 patients were randomized.", 80),
    ],
)
def test_a_group_among_several_is_not_the_whole(abstract: str, count: int | None) -> None:
    assert extract_participants(study(abstract)) == count


# "all patients who underwent interventional treatment of coronary vessels (n = 509) …
# RESULTS: … exercise tests in 477 patients were evaluated": the METHODS count comes first.
def test_the_methods_count_before_a_results_subgroup() -> None:
    record = study(
        METHODS="All patients who underwent coronary intervention of their vessels (n = 509).",
        RESULTS="Exercise tests in 477 patients were evaluated.",
    )
    assert extract_participants(record) == 509


# "From 1988 to 1997, 16 consecutive patients were treated … The authors were able to evaluate
# 11 patients": the people the results are about. But "we treated 41 consecutive patients … The
# 38 patients with 24 months' follow-up formed our study group": those followed up are a part of
# the people treated, who took part.
@pytest.mark.parametrize(
    ("method", "count"),
    [
        (
            "From 1990 to 1999, 16 consecutive patients were treated. We were able to evaluate "
            "11 patients (9 boys).",
            11,
        ),
        (
            "We treated 41 consecutive patients with surgery. The 38 patients with 2 years of "
            "follow-up formed our study group.",
            41,
        ),
        ("A total of 50 patients were enrolled; 44 evaluable patients had scans.", 44),
        # never a larger number, nor a count of something else
        ("A total of 50 patients were enrolled and 12 were evaluable for toxicity.", 50),
    ],
)
def test_the_evaluable_people_after_those_treated(method: str, count: int) -> None:
    assert extract_participants(study(METHODS=method, RESULTS="It worked.")) == count


# "Thirty-one patients were randomly assigned combination therapy and 30 were assigned
# monotherapy": the arms together.
def test_the_arms_randomised_one_after_the_other_add_up() -> None:
    results = "Thirty-one patients were randomly assigned drug A and 30 were assigned drug B."
    assert extract_participants(study(METHODS="A phase II trial.", RESULTS=results)) == 61
    one = "Thirty-one patients were randomly assigned drug A; 3 withdrew."
    assert extract_participants(study(METHODS="A phase II trial.", RESULTS=one)) == 31


# "subjects with CPFE (n = 22), EA (n = 22), IPF (n = 14), and healthy volunteers (HV, n = 12)":
# the groups listed together are those studied; "23 lung tissues from patients" counts tissue.
def test_three_groups_listed_with_their_n_add_up() -> None:
    method = (
        "Sputum was obtained from subjects with CPFE (n = 22), EA (n = 22), IPF (n = 14), and "
        "healthy volunteers (HV, n = 12). Staining was done in 23 lung tissues from patients."
    )
    assert extract_participants(study(METHODS=method, RESULTS="NO was higher.")) == 70
    tissue = "Staining was done in 23 lung tissues from patients."
    assert extract_participants(study(METHODS=tissue, RESULTS="NO was higher.")) is None
    two = "Cases (n = 40) and controls (n = 38), then a subgroup (n = 12), were studied."
    assert extract_participants(study(METHODS=two, RESULTS="NO was higher.")) is None


@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        # "a series of 246 Tunisian subjects including 101 patients with CRC and 145 healthy
        # controls": the controls are a part of the number already read.
        (
            "We studied a series of 246 subjects including 101 patients and 145 healthy controls.",
            246,
        ),
        # "a total of 61 cases (15 severe and 46 mild-moderate) and 22 controls": a breakdown of
        # the cases, then the controls.
        ("Samples came from a total of 61 cases (15 severe and 46 mild) and 22 controls.", 83),
        # "A total of 375 cases (99% response rate) and 327 controls (88% response rate)"
        ("A total of 375 cases (99% response rate) and 327 controls were interviewed.", 702),
        # "88 incident cases of … NPC in Zangwu County, China, and 176 age- sex- and
        # neighbourhood-matched controls"
        (
            "A study was conducted on 88 incident cases of confirmed carcinoma in one county of"
            " a province, and 176 age- sex- and neighbourhood-matched controls.",
            264,
        ),
        # "We interviewed 282 … cases …, and an equal number of … matched controls"
        ("We interviewed 282 cases of carcinoma, and an equal number of matched controls.", 564),
        # "Eighteen patients with CPFE were enrolled in this study. Thirteen healthy
        # individuals matched for age and sex served as control subjects."
        (
            "Eighteen patients were enrolled in this study. Thirteen healthy individuals"
            " matched for age served as control subjects.",
            31,
        ),
    ],
)
def test_controls_are_added_once(abstract: str, count: int) -> None:
    assert extract_participants(study(abstract)) == count


@pytest.mark.parametrize(
    "abstract",
    [
        # "17 patients with biopsy-proven UIP were evaluated. …; four patients with
        # biopsy-proven emphysema without fibrosis were also evaluated": more, or a part?
        "17 patients with fibrosis were evaluated. They were split in two; four patients"
        " with emphysema alone were also evaluated.",
        # "identified in 80 of 3079 subjects. … Eighteen abnormal HRCT current smokers were
        # included in the progression of CT scores": a part of a whole stated before.
        "Changes were found in 80 of 3079 subjects. Eighteen current smokers were included"
        " in the progression group.",
        # "Survival data were available from 35 patients": those with data, not all studied.
        "The outcome of rare leukaemia cases was examined. Survival data were available from"
        " 35 patients.",
    ],
)
def test_a_part_or_another_group_leaves_it_empty(abstract: str) -> None:
    assert extract_participants(study(abstract)) is None


# Title "… retrospective review of 50 patients", PURPOSE "… of 50 children …", METHODS
# "Twenty-three patients were treated with irradiation only.": the title's count is the whole.
def test_a_title_count_the_abstract_repeats_beats_a_treated_part() -> None:
    record = study(
        title="Carcinoma in children: retrospective review of 50 patients",
        PURPOSE="To report the outcome of 50 children with carcinoma.",
        METHODS="Twenty-three patients were treated with irradiation only.",
    )
    assert extract_participants(record) == 50
    untitled = study(METHODS="Twenty-three patients were treated with irradiation only.")
    assert extract_participants(untitled) == 23


# "The clinical data of eight children … were retrospectively studied. … The other seven
# patients had been treated with the ARAR0331 protocol"; "the records of 95 patients … were
# reviewed. … A total of 36 patients received chemotherapy": the group told first is the whole,
# whichever phrasing tells it.
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        (
            "The clinical data of eight children were retrospectively studied. One was treated"
            " with chemotherapy. The other seven patients had been treated with the protocol.",
            8,
        ),
        (
            "From 1985 to 2004, the records of 95 patients were reviewed. A total of 36 patients"
            " received chemotherapy before radiotherapy.",
            95,
        ),
    ],
)
def test_the_group_told_first_is_the_whole(abstract: str, count: int) -> None:
    assert extract_participants(study(abstract)) == count


# "54304 cases of NPC had been diagnosed in our hospital, of which 53 were under 14 years
# old", "Of the total, 53 (0.1%) cases were younger than 14", "in 158 patients with carcinoma
# of the nasopharynx there were seven children": a caseload, then the part the study is
# about; which is the study's is for a reader, so neither is taken.
@pytest.mark.parametrize(
    "abstract",
    [
        "From 1964 to 1983, 54304 cases of NPC had been diagnosed in our hospital, of which 53"
        " were under 14 years old.",
        "Between 1964 and 1983, 54,304 cases of NPC were diagnosed at the hospital. Of the total,"
        " 53 (0.1%) cases were younger than 14 years of age.",
        "They compare their own experience, in 158 patients with carcinoma of the nasopharynx"
        " there were seven children.",
    ],
)
def test_a_caseload_then_the_part_studied_leaves_it_empty(abstract: str) -> None:
    assert extract_participants(study(abstract)) is None


def test_a_group_then_its_breakdown_is_the_group() -> None:
    abstract = "From 2001 to 2005, 74 patients were diagnosed, of whom 40 were women."
    assert extract_participants(study(abstract)) == 74


# "RESULTS: A total of 2069 participants (52.6% female, mean age 80.4 years) were enrolled",
# "21 patients (4f, 54 ± 14 years) suffering from CHF were included", "The study involved 36
# participants", "Overall, there were 23,004 participants", "This was a retrospective study of
# 47 stable patients", "A retrospective comparative review was conducted of 46 patients",
# "A total of 156 procedures were performed in 148 patients", "Vertebroplasty was performed in
# 12 vertebrae of 7 patients", "data from 11 healthy elite fin swimmers".
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("A total of 2069 participants (52.6% female, mean age 80.4 years) were enrolled.", 2069),
        ("21 patients (4f, 54 ± 14 years) suffering from CHF were included in the study.", 21),
        ("The study involved 36 participants using two breathing devices.", 36),
        ("Overall, there were 23,004 participants (mean age = 47.2 years).", 23004),
        ("This was a retrospective study of 47 stable patients with emphysema.", 47),
        ("A retrospective comparative review was conducted of 46 patients who had surgery.", 46),
        ("A total of 156 procedures were performed in 148 patients with fractures.", 148),
        ("Vertebroplasty was performed in 12 vertebrae of 7 patients.", 7),
        ("This study provides data from 11 healthy elite fin swimmers.", 11),
    ],
)
def test_more_phrasings_of_the_people_studied(abstract: str, count: int) -> None:
    assert extract_participants(study(abstract)) == count


# "Allogeneic stem cell transplantation, performed in 12 cases, resulted in…": a part treated
# of the 65 studied; "There were 10 women and eight men": a breakdown, the whole not told.
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        (
            "The outcome of 65 AML cases was examined. Allogeneic transplantation, performed in"
            " 12 cases, resulted in better survival.",
            65,
        ),
        ("RESULTS: There were 10 women and eight men with a mean age of 35.7 years.", None),
    ],
)
def test_a_part_treated_or_a_breakdown_is_not_the_whole(abstract: str, count: int | None) -> None:
    assert extract_participants(study(abstract)) == count


# "RESULTS: Thirty-five patients were identified who received…", "Thirty-three patients [median
# age 14 (range: 12-20) years] were treated", "Forty patients with coronary artery disease
# underwent tomography", "Twenty-eight patients with a fracture, who underwent…", "Eleven
# patients with non small cell lung cancer as the primary tumor were treated", "Eleven healthy
# males underwent 11 days of heat acclimation", "Two-hundred and ten African-American girls
# completed the GEMS Activity Questionnaire".
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("RESULTS: Thirty-five patients were identified who received antibiotics.", 35),
        ("Thirty-three patients [median age 14 (range: 12-20) years] were treated.", 33),
        ("Forty patients with coronary artery disease underwent tomography.", 40),
        (
            "Twenty-eight patients with a single-level fracture, who underwent surgery, did well.",
            28,
        ),
        ("Eleven patients with non small cell lung cancer as the primary tumor were treated.", 11),
        ("Eleven healthy males underwent 11 days of heat acclimation.", 11),
        (
            "Two-hundred and ten African-American girls completed the GEMS Activity Questionnaire.",
            210,
        ),
    ],
)
def test_still_more_phrasings_of_the_people_studied(abstract: str, count: int) -> None:
    assert extract_participants(study(abstract)) == count


# "Eighty incident cases, diagnosed in Tunisia …, were each matched … to 2 controls": the cases
# are a part of those studied, and the controls are counted only as "2" each.
def test_cases_diagnosed_then_matched_are_not_the_whole() -> None:
    abstract = (
        "Eighty incident cases, diagnosed in Tunisia between 1986 and 1987, were each matched"
        " for sex and age to 2 controls."
    )
    assert extract_participants(study(abstract)) is None


# "128 percutaneous vertebroplasties were performed in 73 patients (56 women and 17 men)": the
# breakdown in brackets is of the 73; "with valid responses from 815 pediatricians",
# "Responses from 122 members were analyzed": those who answered the survey.
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("128 vertebroplasties were performed in 73 patients (56 women and 17 men) here.", 73),
        (
            "Questionnaires went to 835 hospitals, with valid responses from 815 pediatricians.",
            815,
        ),
        ("Responses from 122 members were analyzed.", 122),
    ],
)
def test_a_breakdown_in_brackets_and_the_respondents(abstract: str, count: int) -> None:
    assert extract_participants(study(abstract)) == count


# "Nineteen nonsmoking subjects (mean age=62.8 years) with no history of cardiac disease were
# tested", "Sixty military health care beneficiaries (36 males) … were recruited", "Twenty-five
# controlled asthmatics … were enrolled", "105 adult patients with periodontitis from 3 centres
# participated", "Patients with HFpEF (N=30; mean ± SD age, 70±9 years)".
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("Nineteen nonsmoking subjects (mean age=62.8 years) with no disease were tested.", 19),
        ("Sixty military health care beneficiaries (36 males) with PFPS were recruited.", 60),
        ("Twenty-five controlled asthmatics treated with ICS were enrolled.", 25),
        ("105 adult patients with periodontitis from 3 centres participated in the trial.", 105),
        ("RESULTS: Patients with HFpEF (N=30; mean age, 70 years) responded to exercise.", 30),
    ],
)
def test_yet_more_phrasings_of_the_people_studied(abstract: str, count: int) -> None:
    assert extract_participants(study(abstract)) == count


# "Seven children have been treated with IFN-beta", "This study investigated 38 stakeholders",
# "This is a report of two elderly women with spine compressions"; a title "a report of
# eighteen cases" over an abstract that counts abscesses, not people.
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("Seven children have been treated with IFN-beta as an adjuvant.", 7),
        ("This study investigated 38 stakeholders through in-depth interviews.", 38),
        ("This is a report of two elderly women who developed headache.", 2),
    ],
)
def test_people_told_as_treated_investigated_or_reported(abstract: str, count: int) -> None:
    assert extract_participants(study(abstract)) == count


def test_a_title_that_counts_the_cases_reported() -> None:
    record = study(
        "We studied 18 psoas abscesses seen over seven years.", title="A report of eighteen cases"
    )
    assert extract_participants(record) == 18


# "From 1950 to 1989 one hundred and forty-four cases of either undifferentiated nasopharyngeal
# carcinoma or salivary gland carcinoma were registered": the period, then its series.
def test_a_period_then_its_series_without_a_comma() -> None:
    abstract = "From 1950 to 1989 one hundred and forty-four cases of carcinoma were registered."
    assert extract_participants(study(abstract)) == 144


# "A total of 338 physicians from three procedural specialties responded", "636 resident
# physicians (response rate 80%) participated in the survey", "A cross-sectional study was
# conducted …, involving 387 Malaysian citizens", "Among 1185 patients analysed, the median score
# was 12", "Prospective observational study with 14 pregnant women", "97 participants (74.7 ± 6
# years) with early cognitive impairment completed an incremental exercise test".
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("A total of 338 physicians from three procedural specialties responded.", 338),
        ("636 resident physicians (response rate 80%) participated in the survey.", 636),
        ("A study was conducted in 2023, involving 387 Malaysian citizens aged 18 and above.", 387),
        ("Among 1185 patients analysed, the median Borg score was 12.", 1185),
        ("It was evaluated in an initial study involving twelve heart-healthy adults.", 12),
        ("Prospective observational study with 14 pregnant women during 15 weekdays.", 14),
        ("97 participants (74.7 ± 6 years) with impairment completed an exercise test.", 97),
    ],
)
def test_professionals_and_people_told_by_their_study(abstract: str, count: int) -> None:
    assert extract_participants(study(abstract)) == count


# "Five children with ID (10.2 years) and a comparative sample of five TD children (12.4 years)
# participated": the second group is not all who took part.
def test_a_second_group_joined_by_a_sample_of_is_not_the_whole() -> None:
    abstract = (
        "Five children with ID (10.20 ± .98 years) and a comparative sample of five TD children"
        " (12.40 ± .01 years) participated."
    )
    assert extract_participants(study(abstract)) is None


# "134 Participants were asked to complete an anonymous questionnaire", "Survey responses were
# collected from 690 participants (43.8% women)", "Participants (N = 66) were randomized to
# SMART-OP or an attention control", beside other n's in the abstract.
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("134 Participants were asked to complete an anonymous usability questionnaire.", 134),
        ("Participants (N = 66) were randomized to training (n = 33) or control (n = 33).", 66),
    ],
)
def test_people_asked_answering_or_randomised_with_their_n(abstract: str, count: int) -> None:
    assert extract_participants(study(abstract)) == count


# "METHODS: An online survey … RESULTS: Survey responses were collected from 690 participants":
# those who answered, told in the results of an abstract whose methods count no one.
def test_the_people_whose_responses_were_collected() -> None:
    record = study(
        METHODS="An online survey of people with heart disease ran in 2020.",
        RESULTS="Survey responses were collected from 690 participants (43.8% women).",
    )
    assert extract_participants(record) == 690


# "Thirty-four youth (age M = 15.03, SD = 1.91) diagnosed with BD or MDD participated", "Ten
# elite female basketball players (age 25.6 ± 4.5 years; …) underwent": a sentence opening on a
# count of people described by age or sex. A count opening a sentence with no such description
# ("Twelve patients had a relapse") is not read.
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("Exercise helps. Twenty-two diabetic patients (10 men, 12 women; mean age, 68 years)"
         " performed a sit-to-stand test and a cycle test.", 22),
        ("Ten elite female basketball players (age 25.6 ± 4.5 years; height 1.8 m) trained.", 10),
        ("Pilot work. Twelve patients had a relapse (one died) after the second cycle.", None),
        # "Ten elite … players (age 25.6 ± 4.5 years; …) undertook a 90-minute training session"
        ("Ten elite players (age 25.6 ± 4.5 years) undertook a training session.", 10),
        # "Twenty-two patients with T2DM (10 men, 12 women; mean age, 68.0 years) performed…"
        ("Twenty-two patients with T2DM (10 men, 12 women; mean age, 68 years) performed a test.",
         22),
        # "Twelve older participants [10 women, age 72.3 (SD: 4.44) years] performed…"
        ("Twelve older participants [10 women, age 72.3 (SD: 4.44) years] performed exercise.",
         12),
    ],
)  # fmt: skip
def test_a_sentence_opening_on_people_described_by_age_or_sex(
    abstract: str, count: int | None
) -> None:
    assert extract_participants(study(abstract)) == count


# "200 cases (73% male) were compared with 406 hospital controls": both groups took part.
def test_cases_compared_with_controls_are_added() -> None:
    abstract = "In a case-control study: 200 cases (73% male) were compared with 406 controls."
    assert extract_participants(study(abstract)) == 606


# "…were randomized to adductor canal block or sham. Eight patients (5 women) in the sham group
# needed rescue opioids", "Three patients (two men, aged 54 and 61 years) developed toxicity",
# "The trial with 200 patients by Smith showed benefit": a part of those studied, or another
# study's people. No number beats a wrong one.
@pytest.mark.parametrize(
    "abstract",
    [
        "Patients were randomized to a block or sham. Eight patients (5 women) in the sham group"
        " needed rescue opioids.",
        "Three patients (two men, aged 54 and 61 years) developed toxicity.",
        "The trial with 200 patients by Smith showed benefit.",
    ],
)
def test_a_part_or_another_study_described_is_not_the_whole(abstract: str) -> None:
    assert extract_participants(study(abstract)) is None


def test_the_authors_own_study_with_its_people_is_counted() -> None:
    assert extract_participants(study("We conducted a study with 50 patients.")) == 50


# "1321 patients with 24 hr ambulatory blood pressure monitoring were included", "Thirty-five
# patients, with 40 nodules, who underwent localization were identified", "679 men enrolled in a
# substudy": a number between the people and what was done to them, or a participle after them.
@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        ("1321 patients with 24 hr monitoring were included in this study.", 1321),
        ("Thirty-five patients, with 40 nodules, who underwent surgery were identified.", 35),
        # never a second group counted between
        ("We studied 5358 exposed subjects and in 5265 nonexposed subjects, who were treated.",
         None),
    ],
)  # fmt: skip
def test_a_number_between_the_people_and_their_enrolment(abstract: str, count: int | None) -> None:
    assert extract_participants(study(abstract)) == count


def test_the_people_enrolled_in_a_study_told_before_its_methods() -> None:
    record = study(
        OBJECTIVES="We related pesticides to thyroid function in 679 men enrolled in a substudy.",
        METHODS="Pesticide use was obtained at enrolment.",
    )
    assert extract_participants(record) == 679


# "The study analyzed 128 patients, 67 in the mHealth group and 61 in the control group", "There
# were 100 patients in the study, with 50 in each arm", "The final study groups consisted of 64
# patients, 30 randomized in the active treatment group": the study's people, told of the study.
@pytest.mark.parametrize(
    ("results", "count"),
    [
        ("The study analyzed 128 patients, 67 in one group and 61 in the other.", 128),
        ("There were 100 patients in the study, with 50 in each arm.", 100),
        ("The final study groups consisted of 64 patients, 30 randomized to drug A.", 64),
        # never people counted elsewhere: "there were 12 patients in the clinic"
        ("There were 12 patients in the clinic who had a relapse.", None),
    ],
)
def test_the_people_told_of_the_study(results: str, count: int | None) -> None:
    assert extract_participants(study(METHODS="A trial.", RESULTS=results)) == count


@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        # "…which was then administered to 317 outpatient oncology patients"
        ("The questionnaire was then administered to 317 outpatient oncology patients.", 317),
        # "A leg press exercise to induce fatigue was performed by 11 participants."
        ("A fatigue protocol was performed by 11 participants.", 11),
        # "The generated images were evaluated by a diverse group of 33 healthcare professionals."
        ("The images were evaluated by a diverse group of 33 healthcare professionals.", 33),
        # Those who did the procedure are not the people studied.
        ("Infusions were performed by 2 anaesthetists and blocks by 3 surgeons.", None),
        ("All nerve blocks were performed by two surgeons before the opioid was given.", None),
    ],
)
def test_the_people_a_task_was_given_to_or_done_by(abstract: str, count: int | None) -> None:
    assert extract_participants(study(abstract)) == count


@pytest.mark.parametrize(
    ("abstract", "count"),
    [
        # "Ten adults (5 male), mean ± SD age 32 ± 7 years, and FEV1 55.4% of predicted"
        ("Tests were remote. Ten adults (5 male), mean ± SD age 32 ± 7 years, were tested.", 10),
        ("Migraine was studied. Ninety participants aged 18 to 45 years kept a diary.", 90),
        # A share of them, then the mean age of all: not a count of the study's people.
        ("Opioids were given. Seventy-three patients (76%) were female, mean age 63 years.", None),
    ],
)
def test_a_count_of_people_described_by_their_age(abstract: str, count: int | None) -> None:
    assert extract_participants(study(abstract)) == count


def test_the_end_of_a_period_is_not_a_second_group() -> None:
    # "We conducted a retrospective study on 5 patients between 2005 and 2011 with PCF"
    text = "We conducted a retrospective study on 5 patients between 2005 and 2011 with pain."
    assert extract_participants(study(text)) == 5
    # A second group of another size still makes the count unsure.
    text = "We conducted a study on 50 patients with migraine and 30 with neuropathic pain."
    assert extract_participants(study(text)) is None
