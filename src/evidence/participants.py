"""The number of people a study enrolled, randomised or included, read from its abstract.

Only phrasings that say so are read ("A total of 132 patients", "One hundred thirty-two patients
were enrolled", "we randomly assigned 1167 adults", "3721 women with a uterus were randomised",
"18 804 participants took part"). A number that counts anything else (samples, items, cells,
animals, survivors, trials) is never taken, nor one counted before anyone took part ("120 were
screened"): a wrong number is worse than none, so the answer is None when unsure.
"""

from __future__ import annotations

import re
from itertools import accumulate

from evidence.study import Study

_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen"
)
_UNITS = {w: i for i, w in enumerate(_UNIT_WORDS.split())}
_TEN_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = {w: 10 * i for i, w in enumerate(_TEN_WORDS.split(), 2)}
_SCALES = {"hundred": 100, "thousand": 1000}
_WORD = "|".join([*_UNITS, *_TENS, *_SCALES])
SPELLED = rf"(?:(?:a|one)\s+)?(?:{_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_WORD}))*"
# Thousands may be grouped with a comma or a space ("18,804", "18 804").
_DIGITS = r"\d{1,3}(?:[, \u2009\u00a0]\d{3})+(?!\d)|\d+"
# Never the tail of a name or a ratio ("HIV-2 infected patients", "11/17 patients").
_NUM = rf"(?<![\w/.,-])(?P<n>{_DIGITS}|{SPELLED})"

_PEOPLE = (
    r"(?:patients|participants|subjects|adults|children|adolescents|infants|neonates|newborns"
    r"|volunteers|women|men|mothers|veterans|individuals|people|persons|cases|respondents"
    r"|students|workers|residents|outpatients|inpatients|users|smokers|athletes|employees"
    # people named by what they do or are to the study ("11 elite fin swimmers", "460 probands")
    r"|stakeholders|probands|runners|swimmers|cyclists|girls|boys|males|females|asthmatics"
    r"|diabetics|beneficiaries"
    # professionals and others asked as the study's people ("a survey of 338 physicians", "636
    # resident physicians participated", "101 seniors", "387 Malaysian citizens")
    r"|physicians|clinicians|nurses|surgeons|professionals|practitioners|seniors|citizens"
    r"|youth|players|parturients|amputees|migraineurs|members)\b"
)
# What else a number may count, even beside people words: "12 trials with 500 patients",
# "serum samples (n = 16)", "23,066 items".
_NOT_PEOPLE = (
    r"(?:trials?|stud(?:y|ies)|articles?|records?|reports?|RCTs?|papers?|publications?|reviews?"
    r"|meta-analys[ie]s|cohorts?|cent(?:er|re)s?|sites?|hospitals?|institutions?|countries"
    r"|databases?|groups?|arms?|doses?|sessions?|visits?|episodes?|attacks?|procedures?"
    r"|admissions?|encounters?|courses?|treatments?|samples?|specimens?|items?|questions?"
    r"|cells?|animals?|mice|rats?|eyes|teeth|lesions?|nodules?|tumou?rs?|genes?|SNPs?"
    r"|variants?|sequences?|isolates?|strains?|images?|scans?|years?|months?|weeks?|days?"
    r"|hours?|survivors?|deaths?|events?|cycles?|injections?|blocks?|tissues?|biops(?:y|ies)"
    r"|sections?|slides?|sera|serum|plasma|sputum|organs?"
    # places the people came from ("at two urban academic EDs, adults … were randomly assigned")
    # (plural: "547 cardiac department patients" are people of one department)
    r"|EDs|departments|clinics|units|wards|practices|schools|regions|cities|districts"
    r"|villages|households)\b"
)
# Up to three plain words between a number and the people it counts ("34 consecutive adult
# patients"): no other number, nothing else counted ("514 study patients" are people).
_BEFORE_NOUN = rf"(?:(?:study\s+(?={_PEOPLE})|(?!{_NOT_PEOPLE}|of\b)[a-z][\w-]*,?\s+)){{0,3}}"
# Up to six plain words between the people and what was done to them ("3721 women with a
# uterus were randomised"): no number, no clause break.
# A number may come between, that counts no other people ("1321 patients with 24 hr ambulatory
# monitoring were included", "Thirty-five patients, with 40 nodules, who underwent … were
# identified"; never "5358 exposed subjects and in 5265 nonexposed subjects, who were treated").
_AFTER_NOUN = (
    r"(?:[,\s]+(?:(?!were\b|was\b)[a-z][\w'-]*|(?<!\bof )(?<!\band )(?<!\bor )\d[\d.]*(?:-\d+)?"
    rf"(?!\s+(?:[\w-]+\s+){{0,2}}?{_PEOPLE}))){{0,10}}?"
)
# What is said of the people in brackets right after them ("21 patients (4f, 54 ± 14 years)
# suffering from CHF were included", "117 patients (38 men [32.5%] and 79 women; mean age,
# 58.2 years) underwent").
_ASIDE = r"(?:\s*\([^()]{0,80}\)|\s*\[[^\[\]]{0,80}\])?"
_ENROLLED = (
    r"(?:randomi[sz]ed|randomly (?:assigned|allocated)|assigned|allocated|enrolled|included"
    r"|recruited|studied|analy[sz]ed|evaluated|treated|followed|interviewed|surveyed|examined"
    r"|identified|tested|asked)"
)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# The people right before a bracket ("Participants (N = 66)"), as fixed-width look-behinds.
_PEOPLE_BEHIND = "|".join(
    f"(?<={word}{space}\\()"
    for word in ("patients", "participants", "subjects", "volunteers", "individuals", "adults")
    for space in ("", " ")
)

# What a part of a larger group did that makes it the people studied: "Of the 606 participants,
# 376 (62%) completed the survey". ("Responded" only to a survey: "40 (67%) responded to
# ketamine" are a part of those treated.)
_SURVEY = r"(?:the|a|an|our|this)\s+(?:[\w-]+\s+){0,3}?(?:survey|questionnaire)s?"
_TOOK_PART = (
    r"(?:were\s+(?:then\s+)?(?:included|enrolled|randomi[sz]ed|recruited)|(?:agreed|consented)\s+to"
    # "Of 118 eligible participants, 97 enrolled", "25 consented and received treatment",
    # "Forty patients entered the study" (never "24 responded (40%)" to a treatment, nor "81
    # met the study criteria for the per-protocol analysis": a part of those studied)
    r"|(?<=\d )(?:enrolled|consented)|entered\s+the\s+(?:study|trial)"
    rf"|completed\s+{_SURVEY}|responded\s+to\s+{_SURVEY}"
    r"|participated|took\s+part)\b"
)
_RANDOMISED = r"(?:randomi[sz]ed|randomly\s+(?:assigned|allocated)|enrolled|assigned|allocated)"
_THEN_PART_TOOK_PART = (
    rf"[^.;]{{0,60}}?,\s+(?:\d+|{SPELLED})(?:\s*\(\s*\d+(?:\.\d+)?\s*%\s*\))?[^.;]{{0,80}}?"
    rf"\b{_TOOK_PART}"
)
# What was done to all of the people counted ("Of 460 probands tested, …").
_STUDIED = (
    r"(?:in\s+(?:the|this|our)\s+study|tested|studied|surveyed|evaluated|assessed|examined"
    r"|analy[sz]ed|included|enrolled|randomi[sz]ed)"
)
# What a bracket about people holds: no other bracket but one short one inside.
_IN_BRACKET = r"(?:[^()\[\]]|\([^()\[\]]{0,40}\))"
# A task given to or done by people: "administered to", "performed by" (_BY_OR_TO).
_GIVEN_TO = r"(?:administered|performed|completed|evaluated|rated|answered)\s+(?:by|to)"
_RULES = (
    # (never a share of them: "Overall, 121 respondents (57%) reported using ketamine")
    _rx(
        rf"\b(?:a total of|in total,?|overall,?|altogether,?)\s+{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}"
        r"(?!\s*\(\s*\d+(?:\.\d+)?\s*%\s*\))"
    ),
    # One search for the three ways of saying the people took part after their number ("3721
    # women with a uterus were randomised", "80 patients, randomised to…", "1,830 women
    # self-reported…"): the number and its people are read once, not three times.
    _rx(
        rf"\b{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}(?:{_ASIDE}{_AFTER_NOUN}[,\s]+"
        r"(?:were|was|ha(?:d|ve|s) been)\s+"
        rf"(?:\w+\s+)?{_ENROLLED}\b"
        r"|,?\s+(?:randomi[sz]ed|allocated|assigned)\s+(?:to|in)"
        # ("679 men enrolled in a substudy of the Agricultural Health Study")
        r"|\s+(?:enrolled|recruited)\s+(?:in|into|from|at)\b"
        rf"|{_ASIDE}(?:\s+(?!and\b)[^\s.;()]+){{0,10}}?\s+(?:participated|took part"
        r"|met (?:the )?(?:inclusion|eligibility|study) criteria|entered the (?:study|trial)"
        rf"|self-reported|responded to {_SURVEY}\b"
        r"|completed (?:the|a|an|both|all) (?:[\w-]+ ){0,3}?(?:survey|questionnaire|tests?"
        r"|assessments?|protocol)\b))"
    ),
    # "Of 42 patients randomized, 36 completed", "Among 590 participants, most…", "Of 3,157
    # older adults, the mean age was…", "In the 77 patients enrolled (63 ± 13 years old)…": the
    # whole group, then a part of it (never where the part is the one that took part, below).
    _rx(
        rf"\b(?:of|among|in\s+the)\s+(?:the\s+|these\s+|all\s+)?{_NUM}\s+{_BEFORE_NOUN}"
        rf"(?:(?:(?:participants|respondents)\b|{_PEOPLE}\s+(?:who\s+were\s+)?(?:included"
        rf"|analy[sz]ed)\b|{_PEOPLE}[^.;]{{0,60}}?,\s+the\s+(?:mean|median|average)\s+age\b)"
        rf"(?!{_THEN_PART_TOOK_PART})"
        # (those randomised or enrolled are the participants, whatever part of them follows:
        # "Of 42 patients randomized, 36 (86%) completed the follow-up questionnaire")
        rf"|{_PEOPLE}\s+(?:who\s+were\s+)?{_RANDOMISED}\b)"
    ),
    # "Of the 80 patients, 32 (40%) had an ICD", "Of 460 probands tested, 93% were female": the
    # whole, then a share of it.
    # ("Among these eight patients, six (5.1%)…" is a part told before.)
    _rx(
        rf"\b(?:of|among)\s+(?:the\s+|all\s+)?{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}"
        rf"(?:\s+{_STUDIED})?,\s+(?:(?:\d+|{SPELLED})\s*\(\s*\d+(?:\.\d+)?\s*%|\d+(?:\.\d+)?\s*%)"
        rf"(?![^.;]{{0,80}}?\b{_TOOK_PART})"
    ),
    # "Of the 606 participants, 376 (62%) completed the survey", "Of 514 study patients, 320
    # (62.3 %) … were included in the present analysis": the part that took part.
    _THE_PART := _rx(
        rf"\b(?:(?<!total )of|among)\s+(?:the\s+|these\s+|all\s+)?(?P<whole>{_DIGITS}|{SPELLED})"
        rf"\s+{_BEFORE_NOUN}{_PEOPLE}(?![^.;,]{{0,60}}?\b{_RANDOMISED}\b)[^.;]{{0,60}}?,\s+{_NUM}"
        # ("90 (75%) consented to participate and 80 were randomized": the 80)
        rf"(?![^.;]{{0,160}}?\b(?:\d+|{SPELLED})\s+(?:were|had been)\s+(?:then\s+)?{_RANDOMISED})"
        rf"(?:\s*\(\s*\d+(?:\.\d+)?\s*%\s*\))?[^.;]{{0,80}}?\b{_TOOK_PART}"
    ),
    _rx(
        rf"\b(?:mean|median|average)\s+age\s+of\s+(?:the\s+|all\s+)?{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}"
    ),
    # "Of 689 members invited, 212 responded (response rate 31%)": a survey's respondents
    # (never "Of 60 patients treated, 24 responded", a response to a treatment)
    _RESPONDED := _rx(
        rf"\b(?:of|among)\s+(?:the\s+)?(?:\d[\d,]*|{SPELLED})\s+(?:[\w-]+\s+){{0,3}}?(?:invited"
        rf"|contacted|approached|surveyed|sent\s+(?:a|the)\s+\w+)\b[^.;]{{0,40}}?,\s+{_NUM}\s+"
        r"(?:\([^()]{0,40}\)\s+)?responded\b"
    ),
    _rx(rf"\b(?:we|and)\s+(?:\w+\s+)?{_ENROLLED}\s+{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}"),
    _rx(rf"\b(?:randomi[sz]ed|enrolled|included|recruited)\s+{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}"),
    # "The study involved 36 participants", "Overall, there were 23,004 participants", "A
    # retrospective study of 47 stable patients", "A review was conducted of 46 patients"
    _rx(
        rf"\b(?:(?:study|studies|review|analysis) (?:was )?(?:conducted |performed |carried out )?"
        rf"(?:of|on)|involved|there were(?= \S+ participants| \S+ \w+ in (?:the|this|our) study\b)"
        # "The study analyzed 128 patients, 67 in the mHealth group…", "The final study groups
        # consisted of 64 patients"
        rf"|(?:study|survey|trial) (?:investigated|enrolled|included|recruited|examined"
        rf"|analy[sz]ed)|\bstudy (?:groups?|sample|population|cohort) (?:consisted|was composed"
        rf"|were composed) of"
        # "A cross-sectional study was conducted …, involving 387 citizens", "a randomized
        # cross-over pilot study with 100 … people"
        # (a clause of its own, never "7 RCTs involving 329 participants": the people of other
        # studies)
        rf"|,\s+involving"
        # (only the authors' own study: "Prospective observational study with 14 pregnant
        # women", "we conducted a study with", "this study involving"; never "The trial with 200
        # patients by Smith")
        rf"|(?:(?:^|(?<=[.!?:]\s))(?:an? |this |our )?|\b(?:we (?:conducted|performed|carried out"
        rf"|did) an? |this |our |in an? ))(?:[\w-]+ ){{0,4}}?(?:(?:study|survey) (?:with|involving)"
        rf"|trial involving))"
        rf"\s+{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}"
    ),
    # "valid responses from 815 pediatricians", "Responses from 122 members were analyzed": those
    # who answered a survey, whatever they are called.
    _rx(
        rf"\b(?:valid |usable |complete )?responses (?:from|of)\s+{_NUM}\s+(?:[\w-]+\s+){{0,2}}?"
        rf"(?:[a-z]+ians|members|doctors|dentists|pharmacists|{_PEOPLE})"
    ),
    # The procedures counted, then the people they were done in: "128 vertebroplasties were
    # performed in 73 patients", "Vertebroplasty was performed in 12 vertebrae of 7 patients"
    # (never "transplantation, performed in 12 cases": a part of those studied).
    _rx(
        rf"(?:\b\d[\d,]*\s+(?:[\w-]+\s+){{0,2}}?(?:were|was)\s+(?:performed|carried out|done)"
        rf"\s+(?:in|on)|\b(?:was|were)\s+(?:performed|carried out|done)\s+(?:in|on)\s+\d+"
        rf"\s+[\w-]+\s+of)\s+{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}"
    ),
    _rx(rf"\b(?:records|charts|review|data) (?:of|from)\s+{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}"),
    # "Survey responses were collected from 690 participants", "data were obtained from 412
    # women": those who answered or gave their data.
    _rx(
        r"\b(?:responses|data|questionnaires|surveys)\s+(?:were|was)\s+(?:collected|obtained"
        rf"|gathered|received)\s+from\s+{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}"
    ),
    # "Twenty-two patients with T2DM (10 men, 12 women; mean age, 68.0 years) performed…", "Ten
    # elite female basketball players (age 25.6 ± 4.5 years; …) underwent…": a sentence that
    # opens on a count of people and describes them by age or sex, as a study describes those
    # it took (a subgroup is seldom given its ages).
    _rx(
        # (what they have may come between: "Twenty-two patients with T2DM (10 men…)"; a bracket
        # may hold another: "[10 women, age 72.3 (SD: 4.44) years]")
        rf"(?:^|(?<=[.!?:]\s)){_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}(?:\s+with(?:\s+[\w-]+){{1,4}}?)?"
        rf"\s*[(\[](?={_IN_BRACKET}{{0,120}}?\b"
        r"(?:aged?|years?|yrs?|males?|females?|men|women|boys|girls|sex)\b)"
        # and only those who then took part: never "Eight patients (5 women) in the sham group
        # needed rescue opioids", "Three patients (two men, aged 54 and 61 years) developed
        # toxicity"
        rf"(?={_IN_BRACKET}{{0,120}}[)\]]\s*(?:(?!\bin the\b)[^.;]){{0,60}}?\b(?:participated"
        r"|underwent|undertook|performed|completed|trained|took part|were (?:enrolled|included"
        r"|recruited|randomi[sz]ed|compared))\b)"
    ),
    # "Participants (N = 66) were randomized": the people, their n, and what was done to all.
    # (the bracket is looked for first and the people behind it: a search that starts on the
    # people words at every place in the text costs a third of a millisecond a record)
    _rx(
        rf"\((?:{_PEOPLE_BEHIND})\s*n\s*=\s*{_NUM}\s*\)\s+(?:were|had been)\s+(?:randomi[sz]ed"
        r"|randomly assigned|enrolled|included|recruited)\b"
    ),
    # "The questionnaire was administered to 317 outpatients", "A leg press exercise was
    # performed by 11 participants", "images were evaluated by a group of 33 professionals": the
    # people the study's task was given to or done by. (Never "performed by two surgeons": those
    # who did a procedure to the patients are not its participants.)
    _BY_OR_TO := _rx(
        rf"\b(?:was|were|been)\s+(?:then\s+)?{_GIVEN_TO}\s+"
        r"(?:an?\s+(?:[\w-]+\s+)?(?:group|sample|panel)\s+of\s+)?"
        rf"{_NUM}\s+{_BEFORE_NOUN}(?!surgeons|physicians|clinicians|nurses|practitioners){_PEOPLE}"
    ),
    # "Ninety participants aged 18 to 45 years…", "Ten adults (5 male), mean ± SD age 32 ± 7
    # years, and…": a sentence that opens on a count of people and gives their age describes the
    # study's population (a subgroup is seldom given its age; never "73 patients (76%) were
    # female, and the mean age…": a share of them; nor "Three patients (two men, aged 54 and 61
    # years) developed toxicity": ages in brackets may be of a few cases described).
    _AGED := _rx(
        rf"(?:^|(?<=[.!?:]\s)){_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}(?!\s*[(\[][^()\[\]]*%)"
        rf"{_ASIDE}[^.;%()\[\]]{{0,40}}?(?:\baged\s+\d"
        r"|\b(?:mean|median|average)\s+(?:[^.;\d]{0,12}\s)?age\b)"
    ),
    # "Of 120 patients screened, 80 were randomized": the count that follows the screening.
    _rx(rf"\b{_NUM}\s+(?:were|had been)\s+(?:randomi[sz]ed|enrolled)\b"),
    # "patients (n = 40)": the people named right before it, nothing after that says otherwise.
    _N_EQUALS := _rx(
        rf"\b{_PEOPLE}[^.;()\d]{{0,80}}\(\s*n\s*=\s*{_NUM}\s*[);]"
        r"(?!\s*(?:still|survived|died|were alive))"
    ),
)
_BY_OR_TO_WORDS = _rx(rf"\b{_GIVEN_TO}\b")
_AGE_WORDS = _rx(r"\bage[ds]?\b")
_ANY_N_EQUALS = _rx(r"\bn\s*=\s*\d")
# "subjects with CPFE (n = 22), EA (n = 22), IPF (n = 14), and healthy volunteers (HV, n = 12)":
# three groups or more listed after the people they are, which together are those studied.
_GROUP_N = r"\(\s*(?:[A-Za-z-]+,\s*)?n\s*=\s*\d+\s*\)"
_N_LIST = _rx(
    rf"\b{_PEOPLE}[^.;()\d]{{0,80}}{_GROUP_N}(?:,\s*(?:and\s+)?[^.;()\d]{{0,40}}{_GROUP_N}){{2,}}"
)
_N_VALUE = _rx(r"\bn\s*=\s*(\d+)")
# "The authors were able to evaluate 11 patients", "12 patients were evaluable": the people the
# results are about, after a larger number treated or enrolled. (Never "The 38 patients with 24
# months' follow-up formed our study group": those followed up long enough are a part of those
# treated, who are the study's participants.)
_EVALUABLE = (
    _rx(rf"\b(?:able to|could) (?:evaluate|analy[sz]e|assess)\s+{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}"),
    _rx(
        rf"\b{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}[^.;]{{0,60}}?\b(?:were evaluable"
        r"|were included in the (?:final )?analysis)"
    ),
    _rx(rf"\b{_NUM}\s+evaluable\s+{_PEOPLE}"),
)
# "Thirty-one patients were randomly assigned combination therapy and 30 were assigned
# monotherapy": the arms, one after the other, are all who were randomised.
_SECOND_ARM = _rx(
    rf"^[^.;]{{0,120}}?\band\s+{_NUM}\s+(?:[\w-]+\s+){{0,2}}?(?:were|was)\s+(?:randomly\s+)?"
    r"(?:assigned|allocated|randomi[sz]ed)\b"
)
# "PARTICIPANTS: Women aged 15-49 years (N=39 646).": the section that describes the people.
_PEOPLE_SECTION = _rx(r"^(?:participants?|patients?|subjects?|population|study population)$")
_SECTION_N = _rx(rf"\(\s*n\s*=\s*{_NUM}\s*\)")
# "There were 1337 and 1201 students who responded": counts of two groups, not of one.
_PAIRED_BEFORE = _rx(r"\d[\d,]*\s+(?:and|or|vs\.?|versus)\s+$")
# "Twenty-four patients without fatigue, 11 with fatigue and 32 healthy volunteers": groups
# listed one after another; any one of them is a part.
_GROUP_BEFORE = _rx(
    rf"(?<![\w/.,-])(?:\d+|{SPELLED})\s+(?:[\w-]+\s+){{0,3}}?(?:{_PEOPLE}|with\b|without\b)"
    # a list of noun phrases: no verb between ("120 were screened, and 80 were randomized")
    r"(?:(?!\b(?:were|was|had|been|screened|eligible|assessed|approached)\b)[^.;\d]){0,60}"
    r"(?:,|\band)(?:\s+(?:in|of|among|from))?\s*$"
)
# "Five children with ID (10.2 years) and a comparative sample of five TD children": a second
# group, joined to a first whose count is told before it.
_SECOND_GROUP_BEFORE = _rx(r"\band\s+(?:an?\s+)?(?:[\w-]+\s+){0,3}?(?:sample|group)\s+of\s+$")
# Those who took part beside the people counted first: "25 patients with HF and 15 medical
# doctors", "2 patients, 1 cardiologist, 2 physiologists, and 1 nurse".
_OTHER_PEOPLE = r"(?:doctors|nurses?|[a-z]+(?:ists?|ians?))\b"
# ("The study included 90 patients: 53 AML cases and 37 ALL cases": a breakdown after a colon.)
_GROUP_AFTER = _rx(
    rf"[,:]\s+(?:and\s+)?{_NUM}\s+(?:[\w-]+\s+){{0,2}}?"
    rf"(?:with\b|without\b|{_PEOPLE}|controls\b|{_OTHER_PEOPLE})"
)
# "5358 exposed subjects and in 5265 nonexposed subjects" (controls named so are added).
_GROUP_AND = _rx(
    rf"\s(?:and|vs\.?|versus)\s+(?:in\s+|of\s+)?{_NUM}\s+(?:[\w-]+\s+){{0,2}}?"
    rf"(?:with\b|without\b|{_PEOPLE}|{_OTHER_PEOPLE})"
)
# Each group the sentence counts, to tell a breakdown ("which included 70 males and 45 females")
# from another group.
_GROUP_ANY = _rx(rf"{_NUM}\s+(?:[\w-]+\s+){{0,2}}?(?:with\b|without\b|{_PEOPLE})")
# "138 breast tumours … in four discordant cases": the study counts something else.
_UNITS_BEFORE = _rx(
    r"\d[\d,]*\s+(?:[\w-]+\s+){0,3}?(?:samples?|specimens?|tumou?rs?|lesions?|eyes|teeth|cells"
    r"|isolates?|strains?|images?|scans?|nodules?|animals?|mice|rats?|trials?|studies|articles)\b"
)
_TITLE_PEOPLE = _rx(rf"\b{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}")
# Counted before anyone took part: "120 patients were screened / assessed for eligibility /
# eligible", "of 120 patients", "we screened 120 patients".
_SCREENED_AFTER = _rx(
    r"^\s*(?:\([^()]*\)\s*)?(?:(?:who\s+)?(?:were|was|had been)\s+)?"
    r"(?:initially\s+|potentially\s+)?(?:screened|assessed for eligibility|eligible|approached"
    r"|invited|contacted)\b"
)
_SCREENED_BEFORE = _rx(
    r"(?:(?:^|[.;:(])\s*(?:of|among)(?:\s+the|\s+these)?|\bscreened)\s+(?:a total of\s+)?"
    r"(?:of\s+)?$"
)
_POPULATION = _rx(
    # "of" only after what holds a group's data ("the records of 74 patients"): "training of
    # 124 students as peer trainers" counts helpers, not the people studied.
    rf"(?:\b(?:(?:records|charts|data|files|notes|cohort|series|sample|group|total|review|report"
    rf"|outcomes?"
    rf"|analysis|consist(?:ing|ed)|compris(?:ing|ed)|composed) of|in|from|among|on|compared"
    rf"|studied|evaluated"
    rf"|examined|analy[sz]ed|describes?|reports?|describe|present|cases of|we identified)\s+"
    rf"(?:a (?:\w+ )?(?:series|total|cohort|sample|group) of\s+)?|(?:19|20)\d\d,\s+"
    # "From 1950 to 1989 one hundred and forty-four cases of …": the period, then its series
    rf"|\b(?:from|between) (?:19|20)\d\d (?:to|and|through) (?:19|20)\d\d\s+)"
    rf"{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}"
)
_POPULATION_VERB = _rx(
    rf"\b{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}{_ASIDE}(?:\s+with\s+[^.;,()\d]{{0,60}}?)?(?:,?\s+who\s+|\s+)"
    r"(?:were\s+)?(?:diagnosed|admitted|operated"
    rf"|underwent|received|treated)\b"
)
# "7 RCTs involving 329 participants": the people of other studies.
_COUNTED_BEFORE = _rx(rf"\d[\d,]*\s+{_NOT_PEOPLE}[^.;]{{0,40}}$")
_STUDIES_BEFORE = _rx(
    rf"(?:\d[\d,]*|\b(?:{SPELLED}))\s+(?:[\w-]+\s+)?(?:trials|studies|RCTs|articles|papers"
    r"|publications)\b[^.;]{0,40}$"
)
_YEAR_BEFORE = _rx(
    # ("a total of 2069 participants" counts people, not a year)
    r"(?:\b(?:in|since|from|to|and|until|between|during|(?<!total )of|january|february|march"
    r"|april|may|june|july|august|september|october|november|december)\s+|[-/])$"
)
# "31 colorectal cancer patients and 47 age-matched controls", "88 incident cases of … in
# Zangwu County, China, and 176 age- sex- and neighbourhood-matched controls": both groups
# took part.
_CONTROL_WORDS = (
    r"(?:controls|control subjects"
    r"|healthy (?:subjects|volunteers|individuals|people|adults|children|women|men))\b"
)
_AND_CONTROLS = _rx(
    # ("200 cases (73% male) were compared with 406 hospital controls")
    rf"^(?P<between>[^.;]{{0,160}}?)\b(?:and|compared with|versus|vs\.?)\s+{_NUM}\s+"
    rf"(?:[\w-]+\s+){{0,5}}?{_CONTROL_WORDS}"
)
_PART_OF = _rx(r"\b(?:including|comprising|of whom|of which)\b")
# "282 cases …, and an equal number of … matched controls": as many controls as cases.
_EQUAL_CONTROLS = _rx(r"^[^.;]{0,160}?\band an equal number of\s+[^.;]{0,80}?\bcontrols\b")
# The next sentence adds a group: "Thirteen healthy individuals matched for age and sex served
# as control subjects", "four patients with emphysema alone were also evaluated".
_NEXT_GROUP = _rx(
    rf"^[^.;]*[.;]\s+{_NUM}\s+(?:[\w-]+\s+){{0,3}}?(?:{_CONTROL_WORDS}[^.;]{{0,60}}?\b"
    rf"(?:served as|as controls?\b|were (?:also )?(?:enrolled|included|recruited|studied))"
    rf"|{_PEOPLE}[^.;]{{0,60}}?\bwere also (?:enrolled|included|recruited|studied))"
)
# "…; four patients with emphysema alone were also evaluated": another group, read or not
# alongside those counted first (also evaluated may be a part of them, or more): unsure.
_ALSO_EVALUATED = _rx(
    rf"{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}[^.;]{{0,60}}?\bwere also (?:evaluated|examined|analy[sz]ed"
    r"|assessed)"
)
# "80 of 3079 subjects", "Thirty-two of 73 abnormal HRCT subjects": a share of a whole; a
# count read after it is a part ("Eighteen … smokers were included in the progression").
_SHARE = _rx(rf"\b(?:\d+|{SPELLED})\s+of\s+(?:the\s+)?{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}")
# "54304 cases of NPC had been diagnosed in our hospital, of which 53 were under 14 years old",
# "in 158 patients with carcinoma … there were seven children": a caseload, then the part of it
# the study is about. Which of them is the study's is for a reader: unsure.
_PART_NEXT = _rx(
    rf"^[^;]{{0,240}}?\b(?:of (?:which|whom|these|them|the total),?\s+{_NUM}\s+(?:\([^()]*\)\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:were|was)\s+(?:younger|older|under|over|aged)"
    rf"|there were\s+(?:{_DIGITS}|{SPELLED})\s+(?:children|adults|boys|girls))\b"
)
# "Fifteen patients in each of the 4 arms were randomized", "Twenty patients per group",
# "Eighty patients were randomly assigned to each of the four groups": the count of one arm.
_PER_ARM_WORDS = (
    r"\beach\s+(?:of\s+(?:the\s+|these\s+)?)?(?:[\w-]+\s+){0,2}?(?:arms?|groups?)\b"
    r"|\bper\s+(?:[\w-]+\s+)?(?:arm|group)\b"
)
_PER_ARM = _rx(_PER_ARM_WORDS)
_PER_ARM_NEXT = _rx(rf"\s*(?:(?:to|in|into|for)\s+)?(?:{_PER_ARM_WORDS})")
# "Survival data were available from 35 patients": those with data, a part of the whole.
_AVAILABLE_BEFORE = _rx(r"\bavailable\s+(?:from|for|in|on)\s+(?:only\s+)?$")
_METHOD_ONLY = _rx(
    r"^(?:(?:materials?|patients?|subjects?|participants?|study)\s*(?:and|&)\s*)?(?:methods?"
    r"|design|study design|setting|patients?|participants?|subjects?|interventions?|population)\b"
)
_METHOD_OR_RESULT = _rx(
    r"^(?:(?:materials?|patients?|subjects?|participants?)\s*(?:and|&)\s*)?(?:methods?"
    r"|design|setting|patients?|participants?|results?|subjects?|findings)\b"
)


def number_value(text: str) -> int | None:
    """The value of "132", "18,804", "18 804", "One hundred thirty-two", "Hundred"; None for
    words that make no one number ("three and six", "twenty thirty")."""
    digits = re.sub(r"[, \u2009\u00a0]", "", text)
    if digits.isdigit():
        return int(digits)
    total = current = 0
    last = ""  # the kind of the word before: "unit", "ten", "scale"
    for word in re.split(r"[\s-]+", text.lower()):
        if word == "a" or (word == "and" and last == "scale"):
            continue  # "a hundred", "one hundred and twenty"
        if word in _UNITS:
            if last in ("unit",) or (last == "ten" and _UNITS[word] >= 10):
                return None  # "three six", "twenty eleven"
            current += _UNITS[word]
            last = "unit"
        elif word in _TENS:
            if last in ("unit", "ten"):
                return None  # "three twenty", "twenty thirty"
            current += _TENS[word]
            last = "ten"
        elif word == "hundred":
            current = max(current, 1) * 100
            last = "scale"
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
            last = "scale"
        else:
            return None  # "and" between two numbers: "three and six months"
    return total + current or None


def _population_texts(study: Study) -> list[str]:
    """Where the study's own population is described: the METHODS (PATIENTS, DESIGN…)
    sections of a structured abstract, then those with its RESULTS, then the whole abstract
    (a RESULTS sentence often counts a subgroup: "tests in 477 patients were evaluated")."""
    chosen = [s.text for s in study.abstract if _METHOD_OR_RESULT.match(s.label.strip())]
    if not chosen:
        return [study.abstract_text]
    method = [s.text for s in study.abstract if _METHOD_ONLY.match(s.label.strip())]
    return [" ".join(method), " ".join(chosen), study.abstract_text]


_LONGEST_PHRASING = 400  # characters: more than any of _RULES can match


def _first(rules: tuple[re.Pattern[str], ...], texts: list[str]) -> int | None:
    """The count the text gives first, of all the phrasings that say the people took part:
    the whole group is told before its parts ("The clinical data of eight children … were
    studied … The other seven patients had been treated with …")."""
    for text in texts:
        found: list[tuple[int, re.Match[str], int]] = []
        # Once a count is found, a later phrasing need only be read up to a little past it
        # (no phrasing spans more than a few hundred characters): the search stays cheap.
        end = len(text)
        for rule in rules:
            if rule is _N_EQUALS and len(_ANY_N_EQUALS.findall(text)) != 1:
                continue  # "(n = 22) … (n = 14)": groups, and adding them up is a guess
            # (two rules that try every place in the text are searched only where their
            # words are: each would cost a tenth of a millisecond a record)
            if rule is _BY_OR_TO and not _BY_OR_TO_WORDS.search(text):
                continue
            if rule is _AGED and not _AGE_WORDS.search(text):
                continue
            for m in rule.finditer(text, 0, end):
                if found and m.start("n") >= found[-1][0]:
                    break
                if (
                    _SCREENED_BEFORE.search(text, 0, m.start())
                    or _SCREENED_AFTER.search(text[m.end() :])
                    or _STUDIES_BEFORE.search(text, max(0, m.start() - 60), m.start())
                    # (the whole counted right before the part is no other group)
                    or (
                        rule is not _THE_PART
                        and rule is not _RESPONDED
                        and (
                            _PAIRED_BEFORE.search(text, 0, m.start("n"))
                            or _GROUP_BEFORE.search(text, max(0, m.start("n") - 120), m.start("n"))
                        )
                    )
                    or _SECOND_GROUP_BEFORE.search(text, max(0, m.start("n") - 60), m.start("n"))
                ):
                    continue
                if _per_arm(text, m):
                    continue
                value = number_value(m.group("n"))
                if rule is _THE_PART and (value or 0) >= (number_value(m.group("whole")) or 0):
                    continue  # a part is less than its whole
                if value and (_more_groups(text, m.end(), value) or _after_whole(text, m, value)):
                    continue
                if value and value < 10_000_000 and not _is_year(text, m.start("n"), value):
                    found.append((m.start("n"), m, value))
                    end = min(end, m.start("n") + _LONGEST_PHRASING)
                    break
        if found:
            _, m, value = found[-1]
            if _ALSO_EVALUATED.search(text, m.end()):
                return None
            return value + _controls(text, m.end(), value) + _second_arm(text, m)
    return None


def _per_arm(text: str, m: re.Match[str]) -> bool:
    """Whether the count is of each arm or group ("20 patients per group"), not of all of them
    ("120 patients were randomized, 60 in each group" counts all)."""
    return bool(_PER_ARM.search(m.group(0)) or _PER_ARM_NEXT.match(text, m.end()))


def _after_whole(text: str, m: re.Match[str], value: int) -> bool:
    """Whether a share of a larger whole ("80 of 3079 subjects") comes before the count, which
    is then a part of it; or the count is of those with data available."""
    if _AVAILABLE_BEFORE.search(text, 0, m.start("n")):
        return True
    for share in _SHARE.finditer(text, 0, m.start()):
        whole = number_value(share.group("n"))
        if whole and whole > value:
            return True
    return False


_PERIOD_END = _rx(r"\b(?:between|from)\s+(?:19|20)\d\d\s+(?:and|to|through)\s+$")
_LEADING_ASIDE = re.compile(r"^\s*(?:\([^()]*\)|\[[^\[\]]*\])")


def _more_groups(text: str, end: int, value: int) -> bool:
    """Whether the sentence goes on to list other groups that are not a breakdown of this one
    ("eight people with JME, 10 with migraine, and 37 controls"; but "132 patients were
    enrolled, 66 with ketamine and 66 with placebo" is one group and its parts)."""
    sentence = re.split(r"(?<=[.;])\s", text[end:], maxsplit=1)[0]
    # A breakdown in brackets right after the count is of it ("73 patients (56 women and 17
    # men)"), never another group.
    sentence = _LEADING_ASIDE.sub("", sentence, count=1)
    listed = {g.start("n"): g.group("n") for g in _GROUP_AFTER.finditer(sentence)}
    # ", and 40 with placebo" is found by both patterns: each number counts once.
    # "between 2005 and 2011 with PCF": the end of a period, never a second group.
    joined = {
        g.start("n"): g.group("n")
        for g in _GROUP_AND.finditer(sentence)
        if g.start("n") not in listed and not _PERIOD_END.search(sentence, 0, g.start("n"))
    }
    total = sum(number_value(n) or 0 for n in (*listed.values(), *joined.values()))
    # The groups counted one after another add up to the whole: its breakdown.
    if total != value and value in accumulate(
        number_value(g.group("n")) or 0 for g in _GROUP_ANY.finditer(sentence)
    ):
        return False
    # A breakdown adds up to no more than the whole ("120 patients, 70 women"); one group
    # joined by "and" of another size ("5358 exposed and 5265 nonexposed subjects") is a
    # second group, not a part.
    return total > value or (not listed and len(joined) == 1 and total != value)


def _second_arm(text: str, m: re.Match[str]) -> int:
    """The arm named right after one that was randomised or assigned, in the same sentence."""
    if not re.search(r"assign|allocat|randomi", m.group(0), re.I):
        return 0
    arm = _SECOND_ARM.search(text[m.end() :])
    return (number_value(arm.group("n")) or 0) if arm else 0


def _listed_groups(texts: list[str]) -> int | None:
    """The sum of three groups or more listed with their n, where nothing else has an n."""
    for text in texts:
        listed = len(_ANY_N_EQUALS.findall(text))
        m = _N_LIST.search(text) if listed >= 3 else None
        if m and listed == len(_N_VALUE.findall(m.group(0))):
            return sum(int(n) for n in _N_VALUE.findall(m.group(0)))
    return None


def _evaluable(texts: list[str], found: int) -> int:
    """The people evaluated, where fewer than `found` (those treated or enrolled) are."""
    low = texts[0].lower()
    if not any(hint in low for hint in ("evaluable", "evaluate", "analy", "assess")):
        return found  # the cheap early exit: no evaluable group is named
    for rule in _EVALUABLE:
        m = rule.search(texts[0])
        value = number_value(m.group("n")) if m else None
        if value and value < found:
            return value
    return found


def _controls(text: str, end: int, value: int) -> int:
    """The controls (or a group also studied) named right after the cases, in the same
    sentence or the next, else 0. Never where the controls are a part of the number already
    read ("246 subjects including 101 patients with CRC and 145 healthy controls")."""
    rest = text[end:]
    m = _AND_CONTROLS.search(rest)
    if m:
        controls = number_value(m.group("n")) or 0
        between = m.group("between")
        # ("2,917 cases and 11,668 controls" after "14,585 patients:", a breakdown of the total)
        parts = (number_value(d) or 0 for d in re.findall(_DIGITS, between))
        if (
            _PART_OF.search(between)
            or between.lstrip().startswith(":")
            or any(part + controls == value for part in parts)
        ):
            return 0
        return controls
    if _EQUAL_CONTROLS.search(rest):
        return value
    m = _NEXT_GROUP.search(rest)
    return (number_value(m.group("n")) or 0) if m else 0


def _is_year(text: str, start: int, value: int) -> bool:
    return 1900 <= value <= 2100 and bool(_YEAR_BEFORE.search(text, 0, start))


def _section_n(study: Study) -> int | None:
    """The one "(n = …)" of a PARTICIPANTS (PATIENTS, SUBJECTS…) section, or the count of
    people it opens on ("Sixty-one patients with IBD (51 with ulcerative colitis…)"), where
    its first sentence, asides left out, counts no other people ("… and 25 controls")."""
    for section in study.abstract:
        if _PEOPLE_SECTION.match(section.label.strip()):
            found = _SECTION_N.findall(section.text)
            if len(found) == 1 and len(_ANY_N_EQUALS.findall(section.text)) == 1:
                return number_value(found[0])
            opening = _SECTION_OPENS.match(section.text)
            if (
                opening
                and not _ANY_N_EQUALS.search(section.text)
                and not _SECTION_NARROWED.search(section.text)
            ):
                first = re.split(r"(?<=[.;])\s", section.text, maxsplit=1)[0]
                plain = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", "", first[opening.end() :])
                if not _OTHERS_COUNTED.search(plain):
                    return number_value(opening.group("n"))
    return None


_SECTION_OPENS = _rx(rf"^\s*{_NUM}\s+{_BEFORE_NOUN}{_PEOPLE}")
# A section whose opening count is a pool the study took from: "… were screened for
# eligibility", "… attended our centre … Of these, 36 received…".
_SECTION_NARROWED = _rx(
    r"\b(?:screened|attended|approached|assessed for eligibility|eligible|invited)\b"
    r"|\b(?:of|among) (?:these|them|whom)\b"
)
_OTHERS_COUNTED = _rx(rf"{_NUM}\s+(?:[\w-]+\s+){{0,3}}?(?:with\b|without\b|{_PEOPLE}|controls\b)")


def _title_agrees(study: Study) -> int | None:
    """A title that counts the people ("report of 181 patients"), where the abstract counts the
    same people again ("One hundred eighty-one patients underwent…")."""
    m = _TITLE_PEOPLE.search(study.title)
    value = number_value(m.group("n")) if m else None
    if not value or _is_year(study.title, m.start("n") if m else 0, value):
        return None
    counts = (number_value(c.group("n")) for c in _TITLE_PEOPLE.finditer(study.abstract_text))
    return value if value in counts else None


# "Psoas abscess in Côte d'Ivoire: a report of eighteen cases", "Report of two cases with
# long-term follow-up": a small series that counts its cases in its title. (A larger count in a
# title, "report of 181 patients", is taken only where the abstract repeats it.)
_TITLE_REPORT = _rx(rf"\b(?:a )?report of {_NUM}\s+cases\b")
_TITLE_REPORT_MOST = 20


def _title_report(study: Study) -> int | None:
    m = _TITLE_REPORT.search(study.title)
    value = number_value(m.group("n")) if m else None
    return value if value and value <= _TITLE_REPORT_MOST else None


# What happened in some of them: "Nausea occurred in 9 patients", "was seen in 4 patients".
_OUTCOME_IN = _rx(
    r"\b(?:occurred|developed|resolved|persisted|recurred|(?:was|were) (?:seen|observed|noted"
    r"|found|reported|present|detected))\s+(?:\w+\s+){0,2}$"
)


def extract_participants(study: Study) -> int | None:
    """Number of people enrolled, randomised or included, or None when unsure: first the
    phrasings that say so, then the group the methods describe ("a series of 45 patients",
    "tissue samples from 126 patients", "74 patients were diagnosed")."""
    if not study.abstract:
        return None
    texts = _population_texts(study)
    titled = _title_agrees(study)
    found = _first(_RULES, texts)
    if found is not None:
        # A title's count that the abstract repeats ("retrospective review of 50 patients",
        # "… of 50 children") is the whole; a METHODS count beside it ("Twenty-three patients
        # were treated with irradiation only") is then a part.
        return titled if titled is not None else _evaluable(texts, found)
    found = _listed_groups(texts) or _section_n(study) or titled or _title_report(study)
    if found is not None:
        return found
    # The group described: only its first mention, and only where the study's own method is
    # told (a later "2 patients underwent reoperation" counts a subgroup).
    sections = [s.text for s in study.abstract if _METHOD_ONLY.match(s.label.strip())]
    method = " ".join(sections) if len(texts) > 1 else study.abstract_text
    matches = [m for m in (_POPULATION.search(method), _POPULATION_VERB.search(method)) if m]
    m = min(matches, key=lambda m: m.start(), default=None)
    if (
        m
        and not _SCREENED_AFTER.search(method[m.end() :])
        and not _SCREENED_BEFORE.search(method, 0, m.start("n"))
        and not _COUNTED_BEFORE.search(method, 0, m.start())
        and not _UNITS_BEFORE.search(method, 0, m.start())
        # Only the first group counted: "Of the 2,925 subjects who attended…, based on two
        # cases in the exposed group", "11 with fatigue and 32 healthy volunteers".
        and not _TITLE_PEOPLE.search(method, 0, m.start())
        and not _GROUP_BEFORE.search(method, max(0, m.start("n") - 120), m.start("n"))
        and not _more_groups(method, m.end(), number_value(m.group("n")) or 0)
        and not _after_whole(method, m, number_value(m.group("n")) or 0)
        and not _ALSO_EVALUATED.search(method, m.end())
        and not _PART_NEXT.search(method[m.end() :])
        and not _per_arm(method, m)
        and not _OUTCOME_IN.search(method, max(0, m.start() - 60), m.start())
    ):
        value = number_value(m.group("n"))
        if value and not _is_year(method, m.start("n"), value):
            return _evaluable(texts, value + _controls(method, m.end(), value))
    return None
