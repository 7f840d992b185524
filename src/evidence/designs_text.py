"""The record's own words, read where they describe this study: the abstract's sections (with
the labels a structured abstract carries inline cut out), and the text rules that name a design
in them. `designs` applies them after PubMed's indexing."""

from __future__ import annotations

import re

from evidence.participants import SPELLED, number_value
from evidence.study import Study


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


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
HUMAN_CASE = _rx(
    r"\b(?:a|an)\s+(?:\d+|[a-z]+(?:-[a-z]+)?)[- ](?:year|month|week|day)s?[- ]old\b"
    r"|\b(?:in|of) a (?:young |pregnant |elderly )?(?:patient|man|woman|boy|girl|child|"
    r"neonate|infant|male|female)\b"
    # (never a patient in general: "assessment of a patient's quality of life", "management
    # of a patient at risk for …"; but "anaesthesia in a patient at risk of malignant
    # hyperthermia" is one)
    r"(?!['\u2019]s\b)(?<!\bof a patient(?= at risk\b))|\bhuman case\b"
)
CASE_SERIES = _rx(
    rf"\bcase series\b|\bseries of {_WORDS} (?:patients|cases)\b|\bconsecutive (?:patients|cases)\b"
    rf"|\breport of {_WORDS} cases\b|(?<![\w-])(?:two|three|four|five|six) patients\b"
    rf"|\bdescription of (?:all |the )?{_WORDS} (?:[\w-]+ )?(?:patients|cases|children|adults)\b"
    rf"|\b(?:we|authors) (?:report|describe|present)\s+{_WORDS} (?:[\w-]+ )?(?:patients|cases"
    r"|children|adults|infants|adolescents|women|men|veterans|individuals|people|subjects)\b"
    # "two case reports, one showing…", "Two cases are presented", "The article describes three
    # cases", "We reviewed the charts of 10 patients who…"
    rf"|{_WORDS} case(?: reports|s are (?:presented|described|reported))\b"
    rf"|\b(?:describes|presents|reports) {_WORDS} cases\b"
    rf"|\b(?:we|authors) (?:reviewed|analy[sz]ed|studied) (?:the (?:charts|records) of )?{_WORDS}"
    r" (?:[\w-]+ ){0,2}?(?:patients|cases)\b"
)
CASE_REPORT = _rx(
    # "METHOD: Case-report", "A case is described after puncture of a tumour"
    # (never the "electronic case report forms" a registry or a trial collects its data on)
    r"\bcase[- ]reports?\b(?! forms?\b)|\b(?:this|our) case\b"
    r"|\bcase (?:presentation|description|summary)\b"
    r"|\ba case (?:is|was) (?:described|reported|presented)\b"
    # "We herein report a long-term hemodialysis patient with psoas abscess"
    r"|\bwe (?:here(?:in)? )?(?:report|describe|present)\b[^.]{0,60}\b(?:man|woman|boy|girl"
    r"|patient)\b"
    r"|\ba (?:rare |unique |unusual |novel )?case of\b|\bin a patient with\b"
    # "We present a case…", never "we present a new algorithm" or "a series of case studies".
    r"|\bwe (?:report|describe|present) (?:an? |the )(?:[\w-]+ ){0,3}?case\b(?! stud)"
    r"|\ba patient (?:with|who)\b"
)
RETROSPECTIVE_TOLD = _rx(
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
    r"|collected|analy[sz]ed|performed|included|reviewed)\b"
    # "patients who underwent chest CT scans during the period from 1 January 2001 to 31
    # December 2005": the event, then the past period it took place in
    r"|\b(?:underwent|were (?:treated|admitted|diagnosed|operated|seen))\b[^.]{0,80}?"
    # (dates written "1 January 2001" or "November 1, 2016")
    r"\b(?:from|between) (?:\d{1,2} )?(?:\w+ )?(?:\d{1,2}, )?(?:19|20)\d\d(?:,? (?:to|and"
    r"|through|until) |\s?[-\u2013]\s?)(?:\d{1,2} )?(?:\w+ )?(?:\d{1,2}, )?(?:19|20)\d\d\b"
    # "From May 2004 to June 2008, 204 patients with 286 diseased vertebrae underwent PVP": a
    # past series of the centre, looked back on
    r"|\b(?:from|between) (?:\w+ )?(?:19|20)\d\d,? (?:to|and|through|until) (?:\w+ )?(?:19|20)\d\d,"
    r"\s+\d[\d,]* (?:[\w-]+ ){0,3}?(?:patients|children|adults|cases)\b(?:[^.]|\.\d){0,160}?"
    r"\b(?:underwent|received|had)\b"
    # "The radiographic reports of all patients were reviewed"
    r"|\b(?:reports|records|charts|files|notes) of (?:all |the |these )?(?:[\w-]+ ){0,2}?"
    r"(?:patients|cases|children) (?:were|was) (?:retrospectively )?(?:reviewed|analy[sz]ed)\b"
    # "identified from the Scandinavian Quality Register", "a nationwide register-based study"
    r"|\b(?:identified|selected|drawn|retrieved|obtained) (?:from|in|through) (?:the )?"
    r"[\w ,-]{0,60}?\bregist(?:er|ry|ries)\b|\bregister[- ]based\b"
    # "A total of 1143 patients with lung cancer were reviewed"
    r"|\b\d[\d,]* (?:[\w-]+ ){0,4}?"
    r"(?:patients|cases|children|adults|records|charts)\b[^.]{0,60}?\bwere (?:retrospectively )?"
    r"reviewed\b"
)
# Laboratory work: what is handled at the bench, and animals (never "companion dog" or the
# like in a patient's history: animal words count in the title, lab words anywhere).
_ANIMALS = (
    r"mice|mouse|murine|rats?|rodents?|rabbits?|dogs?|canine|cats?|feline|sheep|ovine|pigs?"
    r"|piglets|porcine|swine|primates?|monkeys?|macaques?|baboons?|zebrafish|drosophila"
    r"|hamsters?|guinea pigs?|ferrets?|horses?|equine|cattle|bovine|cows?|calves|chickens?"
    r"|xenopus|C\. elegans|nematodes?|yeast"
)
ANIMAL_WORD = _rx(rf"\b(?:{_ANIMALS}|animal models?)\b")
# The animals the study itself used ("we used reporter mice", "in 20 rats"), read in the
# method: never an animal in a patient's history ("her companion dog").
ANIMALS_USED = _rx(
    rf"\b(?:we used|using|in|of|establish(?:ed)?)\s+(?:\d+\s+)?(?:[\w-]+\s+){{0,2}}?"
    rf"(?:{_ANIMALS})\b"
    # never an animal in a patient's history, the species of a reagent ("a mouse
    # monoclonal antibody") or a computer's mouse ("the number of mouse clicks")
    r"(?! (?:bites?|scratch\w*|owners?|monoclonal|polyclonal|anti\w*|serum|IgG|clicks?|buttons?"
    r"|cursor|pointer)\b)"
    # nor the species of the antibodies a study used ("using polyclonal rabbit and rat
    # monoclonal antibodies (Abcam)")
    r"(?![^.;]{0,40}\bantibod)"
    # An animal model only where the authors tell their own use of it ("we tried to establish
    # the animal model"), never others' ("Ketamine reduces sensitization in animal models").
    r"|\b(?:we (?:used|establish(?:ed)?)|(?:was|were) established|using an?|establish)"
    r"\s+(?:(?:an?|the|our)\s+)?(?:[\w-]+\s+){0,2}?animal models?\b"
    r"|\banimal models? (?:was|were) (?:established|used)\b"
    # animals bred for the study ("mice lacking Eps8", "miR-15a-/- mice", "knockout rats")
    r"|\b(?:mice|rats) (?:lacking|deficient in)\b"
    r"|(?:\b(?:knock-?out|transgenic|null|deficient)|-/-) (?:mice|rats)\b"
)
# The cell lines the study itself used ("assessed in 55 NSCLC cell lines", "utilizing the
# lymphoblast cell lines", "modulate expression in both cell lines"), read in the method.
CELLS_USED = _rx(
    r"\b(?:in|using|utili[sz]ing|of|from|with)\s+(?:\d+\s+|the\s+|both\s+|[\w-]+\s+){0,3}?"
    r"cell lines?\b"
)
LAB_WORDS = _rx(
    r"\bcell lines?\b|\bin vitro\b|\bxenografts?\b|\bknock(?:down|out|ed down)\b|\bsi-?RNAs?\b"
    r"|\bsh-?RNAs?\b|\bwestern blot|\btransfect|\bimmunoprecipitat|\bphosphorylat"
    r"|\bluciferase\b|\bplasmids?\b|\bCRISPR\b|\b(?:cancer|tumou?r|stem|cultured|primary) cells\b"
    r"|\bcells? (?:were|was) (?:treated|transfected|cultured|incubated|exposed)\b|\bin vivo\b"
    r"|\bmurine\b|\bmice\b|\brats\b|\bmolecular docking\b|\bsubstrates?\b|\benzymes?\b"
    r"|\bkinases?\b|\bHeLa\b|\bMCF-?7\b|\bHEK-?293|\bHep-?G2\b|\bA549\b|\bSH-SY5Y\b"
    # microbes, plants and molecules simulated: no animal, and no person either
    r"|\brecombinant proteins?\b|\bmolecular dynamics\b|\bmicrobes\b|\bplant roots?\b"
    r"|\b(?:E\.|Escherichia) coli cultures?\b"
    # experiments on cells ("The gain- and loss-of-function studies determined…"), never a
    # patient's loss-of-function variant
    r"|\b(?:gain|loss)-?(?: and loss)?[- ]of[- ]function (?:studies|experiments|assays)\b"
    # electrophysiology at the bench: "whole-cell recordings were made from spinal cord
    # slices", receptors expressed in Xenopus oocytes
    r"|\bpatch[- ]clamp\w*|\bwhole[- ]cell (?:recordings?|currents?|patch|configuration)\b"
    r"|\b(?:brain|spinal cord|hippocampal|cortical|cerebellar|brainstem) slices\b|\boocytes\b"
)
PEOPLE_STUDIED = _rx(
    r"\b(?:patients|participants|subjects|volunteers|respondents|women|men|children"
    r"|adults|individuals|cases)\b"
)

# How a review describes itself ("In this review, we…", "…are discussed"); a case report
# "with a review of the literature" stays a case report.
REVIEW_SELF = _rx(
    r"\b(?:this|the present|our) (?:\w+ )?review\b|\bwe (?:review|summari[sz]e|discuss|highlight"
    r"|focus on|present (?:a|an) (?:\w+ )?review)\b|\b(?:is|are) (?:reviewed|discussed"
    r"|summari[sz]ed|highlighted)\b|\brecent (?:advances|progress|developments|findings)\b"
    r"|\bcurrent (?:knowledge|understanding)\b|\bliterature review\b|\bthis (?:article|paper"
    r"|chapter) (?:reviews|summari[sz]es|discusses)\b|\bgene of the month\b"
    # "We provide an in-depth review of…", "In this article we will review…", "The aim of this
    # paper is to review the existing literature", "We described reported radiological findings"
    r"|\bwe (?:will )?(?:provide|give|offer) (?:an? |the )?(?:[\w-]+ ){0,2}?(?:review|overview)\b"
    r"|\b(?:article|paper|chapter),? we (?:will )?(?:review|discuss|summari[sz]e|outline)\b"
    r"|\b(?:aim|purpose|goal|objective) of this (?:article|paper|chapter|manuscript) is to"
    r" (?:review|discuss|summari[sz]e|introduce|outline|highlight|provide an overview)\b"
    # "The article aims to review the evolution of…", "this paper tries to give an overview"
    r"|\b(?:article|paper|chapter|manuscript) (?:aims|tries|seeks|attempts) to (?:review|discuss"
    r"|summari[sz]e|(?:give|provide) an overview)\b"
    r"|\bwe (?:review(?:ed)?|describe[ds]?|summari[sz]e[ds]?) (?:the )?(?:reported|published"
    r"|available|existing) (?:[\w-]+ ){0,2}?(?:findings|literature|evidence|data|studies)\b"
)
# An editorial, a commentary or a meeting report says so ("This commentary discusses…", "A
# report from the … conference"): no study of its own, whatever the publisher typed it.
COMMENTARY_SELF = _rx(
    r"\b(?:this|our|in this) (?:commentary|editorial|viewpoint|opinion piece|perspective)\b"
    r"|\b(?:a )?(?:report|highlights) from the (?:[\w'-]+ ){0,6}?(?:conference|meeting|symposium"
    r"|congress|workshop)\b|\bmeeting (?:report|review)\b"
    # "This Meeting Review provides a summary of the talks presented": a meeting told as one
    r"|\bsummary of the (?:talks|presentations|lectures|sessions)\b"
    # "Reviewer acknowledgement": the journal thanks its peer reviewers
    r"|\b(?:reviewer|referee)s?\s+acknowledge?ments?\b"
    r"|\bthank(?:s|ing)? (?:the following|all (?:of )?our|our) (?:[\w-]+ ){0,2}?"
    r"(?:reviewers|referees)\b"
)
# Publishers type meeting reports "Review": those phrases make a record a commentary even so.
MEETING_SELF = _rx(
    r"\bmeeting (?:report|review)\b|\bsummary of the (?:talks|presentations|lectures|sessions)\b"
    r"|\b(?:a )?(?:report|highlights) from the (?:[\w'-]+ ){0,6}?(?:conference|meeting|symposium"
    r"|congress|workshop)\b"
)
# The account of work of the authors' own: what they did, measured or found, in the words of a
# study ("we enrolled", "this study", "P < 0.05", "n = 20"), of a method or tool ("we propose",
# "our algorithm") or of a finding ("our results show"). An abstract with none of these and no
# labelled METHODS describes other people's work: a narrative review that never says so.
OWN_WORK = _rx(
    r"\b(?:we|I)\s+(?:(?:\w+ly|have|then|also|further|first|here),?\s+){0,2}(?:performed"
    r"|conducted|carried out|undertook|enrolled|recruited|measured|analy[sz]ed|found|observed"
    r"|investigated|examined|evaluated|assessed|compared|studied|developed|designed|built"
    r"|implemented|tested|identified|included|collected|obtained|determined|propose[ds]?"
    r"|present(?:ed)?|introduced?|show(?:ed)?|demonstrated?|report(?:ed)?|describe[ds]?|used"
    r"|applied|constructed|established|created|aimed|sought|hypothesi[sz]ed|explored|surveyed"
    r"|interviewed|recorded|calculated|estimated|validated|quantified|characteri[sz]ed"
    r"|detected|treated|operated|followed|reviewed|develop|use|apply|investigate|examine"
    r"|evaluate|assess|compare|test|identify|measure|reveal(?:ed)?|tried|attempted"
    # "we detail a streamlined workflow", never "we detail the mechanisms proposed"
    r"|detail (?:a|an|our)\b)\b"
    r"|\b(?:this|the present|our|the current) (?:[\w-]+ ){0,2}?(?:study|trial|survey|experiments?"
    r"|analysis|investigation|project|work|system|method|approach|algorithm|prototype|framework"
    r"|tool|device|software|technique|data|results|findings|patients?|cases?)\b"
    # the passive account of a method ("Here a … approach is proposed", "A study of … is
    # conducted", "The pol gene … was sequenced")
    r"|\b(?:is|are|was|were) (?:(?:then|also|first|here) )?(?:proposed|presented|introduced"
    r"|conducted|performed|evaluated|sequenced|stained|tested|assessed|determined|compared"
    r"|validated|implemented|developed|genotyped|quantified|employed|designed)\b"
    # "The proposed design consists of three main parts"
    r"|\bthe proposed (?:[\w-]+ ){0,2}?(?:design|system|method|approach|algorithm|model"
    r"|framework|device|technique)\b"
    r"|\b(?:article|paper|work|chapter) (?:presents|proposes|introduces|reports) (?:an? |the )?"
    r"(?:[\w-]+ ){0,3}?(?:approach|method|system|tool|algorithm|model|framework|technique"
    r"|device|prototype|design)\b"
    # what was counted at the bench ("Thirty-four cases of…", "in 138 breast tumours")
    r"|(?<![\w-])(?:\d+|[a-z]+ty(?:-[a-z]+)?|ten|eleven|twelve|[a-z]+teen) (?:[\w-]+ ){0,2}?"
    r"(?:cases|specimens|samples|tumou?rs|biopsies|sections|isolates)\b"
    r"|\b[Pp]\s*[<=>\u2264\u2265]\s*0?\.\d|\b[Nn]\s*=\s*\d|\bconfidence interval|\b95\s*%\s*CI\b"
    r"|\b(?:odds|hazard|risk) ratio|\b(?:were|was) (?:enrolled|included|recruited|randomi[sz]ed"
    r"|interviewed|surveyed|measured|collected|obtained|examined|analy[sz]ed)\b"
    r"|\b(?:results|findings) (?:show|showed|indicate|indicated|suggest|revealed|demonstrate)"
)
BENCH_METHODS = _rx(
    r"\bPCR\b|\bFISH\b|\bimmunohistochemi\w+|\bsequenc(?:ing|ed)\b|\bmicroarrays?\b"
    r"|\bmethylation\b|\bgene expression\b|\bexpression (?:levels?|profil\w+)\b|\btissues?\b"
    r"|\bspecimens?\b|\bwestern blot\w*|\bcell lines?\b|\bin vitro\b|\bcDNA\b|\bmRNA\b"
    r"|\bgenotyp\w+|\bpolymorphisms?\b|\bmutations?\b|\bantigens?\b|\bassays?\b"
    r"|\bimmuno(?:stain|fluorescen|blot)\w*|\bantibod(?:y|ies)\b|\bparaffin\b|\bincubat\w+"
    r"|\bstaining\b"
)
# Basic science of molecules, cells and microbes, told as the authors' own finding ("Here, we
# report the crystal structure of…", "we show that LDHA activity supports serine
# biosynthesis", "The results show that in the intact protein…").
MOLECULAR = _rx(
    r"\b(?:proteins?|genes?|genomes?|genomic|[mt]?RNAs?|DNA|codons?|anticodons?|ribosom\w*"
    r"|enzym\w*|receptors?|ligands?|residues|mutations?|mutants?|signal(?:l)?ing|pathways?"
    r"|biosynthesis|transcription\w*|transporters?|vir(?:us|uses|al)|crystal structure"
    r"|subunits?|hemes?|molecules?|molecular|nucleotides?|amino acids?|metabolites?|kinases?"
    r"|phosphorylat\w+|cells?|cellular|bacteria\w*|plasmids?|peptides?|antibod(?:y|ies))\b"
)
OWN_FINDING = _rx(
    r"\bhere,? we\b|\bwe (?:show|demonstrate|report|identif(?:y|ied)|find|found|reveal"
    r"|establish|uncover)\b|\b(?:our|the) (?:results|data) (?:show|demonstrate|indicate"
    r"|suggest|reveal)"
)
HUMANS_NAMED = _rx(
    r"\b(?:patients?|famil(?:y|ies)|probands?|cohorts?|participants|volunteers|donors|women"
    r"|men|children|individuals|people|subjects|cases)\b"
)
TITLE_CASES = _rx(rf"{_WORDS} (?:cases|patients)\b")
GROUP_STUDIED = _rx(
    r"(?<![\w.,-])(?:\d{1,3}(?:,\d{3})+|\d+|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty"
    r"|ninety|hundred|eleven|twelve|\w+teen)(?:-\w+)?) (?:[\w-]+,? ){0,4}?(?:patients|subjects"
    r"|participants"
    r"|individuals"
    r"|adults|children|women|men|volunteers|respondents"
    # "120 relapse-free survivors of childhood cancer were included", "13 male endurance-trained
    # runners", "11 healthy elite fin swimmers": people named by what they are or do
    r"|survivors|athletes|runners|swimmers|players|students|workers|employees|nurses"
    r"|physicians)\b(?! (?:were )?(?:randomi|assigned))"
    # controls as people, never the verb ("Eps8 controls dendritic spine density", "PTEN
    # … controls cell cycle progression")
    r"|\b(?:healthy|matched|normal|control) (?:[\w-]+ )?(?:controls|subjects|volunteers)\b"
    r"|\b(?:and|versus|vs\.?|with|as|to|from|in)"
    r" (?!(?:positive|negative|internal|external|loading)\b)(?:[\w-]+ ){0,2}?controls\b"
    r"|\bcontrols (?:with|who|were|was|had|did|showed)\b|\bcontrols?\s*\(n\s*="
)

_NOT_A_MODIFIER = (
    r"(?![ -]+(?!(?:and|of|on|for|in|with|from|to|the|is|was|a|an|we|this|article|paper"
    r"|essay)\b)[a-z])"
)
# Outcomes over time after a treatment or a diagnosis ("The median follow-up time for
# surviving patients was 8.4 years", "survival rates were analyzed"): a group looked at over
# time, which an abstract that names no prospective design looks back on.
OUTCOME_OVER_TIME = _rx(
    r"\b(?:median|mean) follow-?up\b|\bfollow-?up (?:period|time|of \d)|\bwere followed\b"
    r"|\bfollowed (?:up )?for \d+ (?:days?|weeks?|months?|years?)\b"
    r"|\bsurvival (?:rates?|analys[ie]s|data|was|were)\b|\boverall survival\b"
    r"|\b(?:relapse|recurrence|disease|progression|event)-free survival\b|\bKaplan-Meier\b"
    # "before and after surgery", never "patients after therapy" compared with others once
    r"|\bbefore and after (?:surgery|the operation|treatment)\b"
)
# The same people measured again at set times from a start ("at 24 and 48 h", "baseline,
# 3-month, and 6-month questionnaires", "monitored pre- and postoperatively", "before and after
# eradication"): measurements planned ahead, followed forward.
MEASURED_AGAIN = _rx(
    r"\b(?:at|on) (?:baseline|enrol+ment|inclusion|admission|presentation),? (?:and )?(?:at )?\d+"
    r"|\bbaseline, \d+[- ](?:weeks?|months?|days?)"
    r"|\bat \d+(?:, \d+)*,? and \d+[- ]?(?:h|hours?|days?|weeks?|months?)\b"
    r"|\bpre- and post-?\w+"
)
# A treatment the study gave its people, on a schedule it set, told in a main clause: "30
# patients received a 5-day intravenous ketamine infusion", "were given oral ketamine 20 mg
# for 6 weeks" (never what they had, told of them: "children who received intramuscular
# ketamine", "adults who had received opioids").
TREATMENT_GIVEN = _rx(
    r"(?<!\bwho )(?<!\bhad )(?<!\bthat )\b(?:received|were (?:treated|given|administered)"
    r"|was (?:given|administered) to)\b"
    r"[^.;]{0,60}?(?:\binfusions?\b|\binjections?\b|\b\d+(?:\.\d+)? ?(?:mg|µg|mcg|g|ml|mL)\b"
    r"|\b(?:mg|µg|mcg)/kg\b|\bfor (?:\d+|one|two|three|four|five|six|eight|twelve)"
    r"[- ](?:days?|weeks?|months?)\b|\b(?:daily|twice|weekly) (?:doses?|sessions?)\b)"
)
# The study set up to give it: "in this prospective study", "we enrolled", "a pilot study".
GIVEN_BY_DESIGN = _rx(
    r"\bprospective(?:ly)?\b|\b(?:enrolled|recruited)\b|\bpilot\b|\bfeasibility\b"
    r"|\bproof[- ]of[- ]concept\b"
)
# A treatment the people had in their care, or a study of what goes with it: observed, not
# given by the study ("prospective observational study", "as standard care", "at the
# anaesthesiologist's discretion", "by their psychiatrists", a registry, risk factors).
OBSERVED_IN_CARE = _rx(
    r"\bobservational\b|\bcohort\b|\bregistry\b|\bregistries\b|\bdatabase\b|\bdiscretion\b"
    r"|\b(?:routine|usual|standard|clinical) (?:care|practice)\b|\bdecided by (?:the|their)\b"
    r"|\bindependently of the study\b|\bby (?:their|the) (?:own |treating |attending )?"
    r"(?:doctors?|physicians?|psychiatrists?|clinicians?|GPs?|anaesthe\w+|anesthe\w+|surgeons?)\b"
    r"|\bpredict\w*|\brisk factors?\b|\bassociat\w+|\bregression\b"
    # care told with its years: "who received ketamine between March 2019 and June 2020"
    r"|\b(?:from|between|since) (?:\w+ )?(?:19|20)\d\d\b"
)
# Other people set beside those treated (never their own values before treatment: "pain
# was compared before and after the infusions").
OTHER_GROUP = _rx(
    r"\bcontrols?\b|\bversus\b|\bvs\.?(?!\w)|\bplacebo\b|\b(?:two|three|four|both) groups\b"
    # "25 received repeated infusions and 23 did not", "patients who did and did not receive"
    r"|\b(?:and|while|whereas) \d+ did not\b|\b(?:who|that) did not\b|\bdid and did not\b"
    r"|\bgroups? (?:[AB12]|I{1,2})\b|\bcompared (?:with|to) (?:a |an |the )?(?:[\w-]+ ){0,3}?"
    r"(?:groups?|patients|participants|subjects|cohorts?|arms?|controls)\b"
)
# People followed forward from a start: enrolled, recruited, followed (up) for a time.
FOLLOWED_FORWARD = _rx(
    r"\bprospective|\b(?:enrolled|recruited)\b|\bfollowed (?:up )?(?:for|until|over|them)\b"
    r"|\bwere followed\b|\bfollowed prospectively\b|\bwe followed\b"
)
# The authors name their study a cohort study, or follow its people.
COHORT_NAMED = _rx(r"\bcohort stud|\bfollowed (?:up )?(?:for|until|over|them)\b|\bwere followed\b")
# A test's accuracy against a reference, and what it tells: a state now (detecting a seizure,
# classifying a valve's leak) or an outcome to come (predicting mortality, a prognosis).
# (never a cohort's "sensitivity analysis", nor "insulin sensitivity")
ACCURACY = _rx(
    r"\bdiagnostic (?:accuracy|performance)\b|\bsensitivity,? (?:and|&) specificity\b"
    r"|\b(?:sensitivity|specificity) (?:of|was|were|=) \d|\bfalse[- ]positive rate"
    r"|\barea under the (?:receiver|ROC)|\bROC[- ]AUC\b|\bROC curves?\b"
    r"|\breceiver[- ]operating characteristic"
)
PRESENT_STATE = _rx(r"\b(?:detect|identif|classif|diagnos|recogni[sz])\w*")
FUTURE_STATE = _rx(r"\b(?:predict|prognos|forecast|risk of)\w*")
# What a case-control study sets its cases against its controls for: an exposure or a
# history, a genotype, a risk factor ("smoking", "dietary intake", "the C677T polymorphism",
# "odds ratio").
PAST_EXPOSURE = _rx(
    r"\b(?:genotyp|polymorphism|allel|SNPs?\b|variants?\b|exposure|exposed|intake|diet"
    r"|smok|occupation|risk factor|risk of|odds ratio|history of|trauma|abuse|adversit"
    r"|use of|medication)"
)
# A qualitative study (interviews, focus groups, their themes): people's accounts, not a
# measure of them; graded "other" as no level of the evidence order fits it.
QUALITATIVE = _rx(
    r"\bqualitative (?:[\w-]+ ){0,2}?(?:study|research|design|approach|methods?|evaluation)\b"
    r"|\bthematic(?:ally)? analy[sz]|\bgrounded theory\b|\binterpretative phenomenolog"
    r"|\b(?:semi-?structured|in-depth) (?:[\w-]+ )?interviews?\b|\bfocus groups? interviews?\b"
)
# What a one-time study of a group measures against something: a comparison, a correlation, a
# test's accuracy. A few patients described with none of these are a case series.
COMPARED = _rx(
    r"\bcompar\w+|\bversus\b|\bvs\.?(?!\w)|\bcorrelat\w+|\bassociat\w+|\bsensitivity\b"
    r"|\bspecificity\b|\baccuracy\b|\bdiagnostic (?:capability|value|performance)\b"
    r"|\bcontrols?\b|\bhealthy\b|\bgroups?\b|\bregression\b|\brisk factors?\b"
)
# Patients' tissue related to their outcome ("linked to … poor prognosis", "prognostic
# significance") or to what they are ("correlated with the age of patients", "tumour grade",
# "immunocompromised patients", "smokers"): a study of the patients, not of the tissue alone.
PROGNOSIS = _rx(
    r"\b(?:poor|worse|better|favou?rable|unfavou?rable|adverse) (?:prognosis|outcomes?)\b"
    r"|\bprognos\w+ (?:value|significance|factors?|markers?|impact)\b|\bpredicts? (?:survival"
    r"|outcome|relapse|recurrence)\b"
)
# A stain, an assay or a platform tried against another on specimens ("the consistency of four
# PD-L1 immunohistochemical detection platforms", "we evaluated the utility of SDHB
# immunohistochemistry"): the method is studied, not the patients, looked back on or not.
METHOD_AGREEMENT = _rx(
    r"\b(?:consistency|concordance|agreement|utility|reproducibility) (?:of|between|among)\b"
    r"[^.;]{0,60}?\b(?:immunohistochemi\w+|IHC|stain(?:s|ing)?|assays?|antibod(?:y|ies)"
    r"|platforms?|clones?)\b"
)
PATIENT_TRAITS = _rx(
    r"\bclinic(?:o|al)[ -]?patholog\w+|\bclinical (?:features|characteristics|data|parameters"
    r"|variables)\b|\bage (?:of|at)\b|\b(?:median|mean) age\b|\bgender\b|\bsmok(?:ing|ers?)\b"
    r"|\b(?:tumou?r|histologic(?:al)?|patholog(?:ic|ical)) (?:grades?|stages?)\b|\bgrades? of\b"
    r"|\bimmuno(?:competent|compromised|suppressed)\b|\bsubtypes?\b|\bethnic\w*"
    # how many of the patients carry it ("mutations were found in most patients")
    r"|\b(?:in|among) (?:most|all|many|some|\d+ of(?: the)?(?: \d+)?|[\d.]+ ?% of(?: the)?)"
    r" (?:[\w-]+ )?(?:patients|participants|subjects|individuals)\b"
)
# A case and the literature beside it, in the title: "Case Report and Review of the
# Literature", "… in a fungal pneumonia patient … and review of literature".
CASE_AND_LITERATURE = _rx(
    r"\b(?:and|with) (?:a )?(?:brief |short )?review of (?:the )?(?:literature|published cases)\b"
    r"|\bcase reports?\b[^.]{0,20}?\breview\b"
)
# One patient told, in the past, without the words of a case report: "the patient received
# unnecessary medical therapy", "The patient chiefly complained about headache", "A near-fatal air
# embolism is reported that occurred during biopsy", "An unexpected death is described that
# was caused by gas embolism"; never advice ("placing the patient on high-flow oxygen"), nor
# where patients are counted or spoken of in the plural.
_ONE_PATIENT = _rx(
    r"\b(?:the|our|this) patient (?:\w+ly )?(?:was|had|received|underwent|presented|developed"
    r"|complained|died|recovered|suffered|required)\b"
)
_EVENT_TOLD = _rx(
    r"\b(?:is|was) (?:reported|described|presented) that (?:occurred|was caused|developed"
    r"|followed|complicated)\b"
)
_PLURAL_PEOPLE = _rx(r"\b(?:patients|cases|subjects|participants|children|women|men)\b")


def one_case(text: str) -> str | None:
    """The words by which an abstract tells one patient's case, if it does."""
    m = _EVENT_TOLD.search(text) or _ONE_PATIENT.search(text)
    if not m or _PLURAL_PEOPLE.search(text):
        return None
    return m.group(0)


# A protocol names itself in its title ("rationale and design of a … randomized controlled
# trial", "Clinical trial design and methods", "protocol for the Tele-ADHF trial"), or tells its
# method in the future ("the trial will randomize 200 patients", "surveys … will assess"): the
# study is planned, whatever its publication type.
PROTOCOL_TITLE = _rx(
    r"\b(?:rationale,? (?:and )?design|design,? (?:and )?rationale|(?:trial|study) design and"
    r" methods|(?:study|trial) protocol"
    # (a study named after it: never "an analgesia protocol for the management of pain")
    r"|protocol (?:for|of) (?:an?|the) (?:[\w-]+ ){0,6}?(?:trial|study|review)\b)"
)
PLANNED = _rx(
    r"\bwill (?:be )?(?:randomi[sz]\w*|recruit\w*|enrol\w*|allocat\w*|assign\w*|evaluat\w*"
    r"|assess\w*|compar\w*|measur\w*|collect\w*|analy[sz]\w*|includ\w*|follow\w*|conduct\w*"
    r"|develop\w*|interview\w*|test\w*|continue\w*)\b"
)
# What comes after a study's results ("CONCLUSIONS: Larger trials will assess …"): the future
# told there is others' work to come, not this study's method.
_AFTERWORD_LABELS = _rx(r"^(?:conclusions?|discussion|implications?)\b")
# The first sentence told in the past: a study done.
_PAST_TOLD = _rx(r"[^.]*\b(?:were|was)\b")
# Results told: a protocol has none to give.
RESULTS_TOLD = _rx(r"\b[Pp]\s*[<=>\u2264\u2265]\s*0?\.\d|\b95\s*%\s*CI\b|\bconfidence interval")


# Only the order of the tests randomised ("The assessment order was randomised", "performed the
# two tests in a randomized manner", "In a random cross-over design, … performed both tests"): a
# test's validity, reliability or usability measured once in each person, not a trial.
ORDER_RANDOMISED = _rx(
    r"\bin (?:a )?random(?:i[sz]ed|ly)? (?:order|manner|sequence)\b|\brandomi[sz]ed order\b"
    r"|\b(?:assessment|test(?:ing)?|measurement|session)s? order (?:was|were) randomi[sz]ed\b"
    r"|\border of (?:the )?(?:[\w-]+ )?(?:tests?|assessments?|measurements?|sessions?)"
    r" (?:was|were) randomi[sz]ed\b|\brandom(?:i[sz]ed)? cross-?over design\b"
)
# A treatment in the sentence that tells the random order ("received ketamine, fentanyl and
# saline in random order"): a crossover of treatments, a trial, not tests measured once.
ORDER_OF_TREATMENTS = _rx(
    r"\b(?:drugs?|placebo|saline|sham|vehicle|received|receive|administered)\b"
)
MEASURE_STUDY = _rx(
    r"\b(?:valid(?:ity|ation)|reliab(?:ility|le)|agreement|usability|feasibility"
    r"|reproducib\w+|concordance|accuracy)\b"
)
ALLOCATED = _rx(
    r"\brandomly (?:assigned|allocated|divided)\b|\brandomi[sz]ed (?:to|into)\b|\bplacebo\b"
)


# A device, a program or a piece of software the authors built, told as their work ("We
# designed, developed, and produced a low-cost system", "A rule-based heartbeat detection was
# developed", "the development of a crop bioinformatics platform", "an informatics
# workbench", a model "fine-tuned on the EchoNet-Dynamic dataset"): the development of a
# thing, which is no clinical study even where a few people try it, nor a review where it is
# described.
_THING = (
    r"(?:system|device|tool|app|application|software|platform|prototype|algorithm|pipeline"
    r"|workbench|portal|sensor|interface|detection|laboratory)s?\b"
)
_MADE = r"(?:designed|developed|built|created|implemented|produced|launched)"
BUILT = _rx(
    rf"\bwe (?:have )?(?:{_MADE},? (?:and )?){{0,2}}{_MADE} (?:an? |the )?(?:[\w-]+ ){{0,4}}?"
    rf"{_THING}"
    # (never others' tools, "tools that were developed for…", nor "the development of systems")
    rf"|\b{_THING}(?:(?!\b(?:that|which)\b)[^.;]){{0,60}}?\b(?:is|was|were)"
    rf" (?:\w+ )?{_MADE}\b"
    # the perfect only of the authors' own ("our device has been developed"), never a review's
    # "Several devices have been developed to improve loss-of-resistance"
    rf"|\b(?:we|our)\b[^.;]{{0,40}}?\b{_THING}(?:(?!\b(?:that|which)\b)[^.;]){{0,60}}?"
    rf"\b(?:has|have) been (?:\w+ )?{_MADE}\b"
    rf"|\bdevelopment of (?:an?|our) (?:[\w-]+ ){{0,4}}?{_THING}|\bworkbench\b"
    # a model trained on existing recordings ("fine-tuned on the EchoNet-Dynamic dataset")
    r"|\b(?:trained|fine-tuned|pre-trained) (?:on|using) (?:the |an? )?(?:[\w-]+ ){0,4}?"
    r"data ?sets?\b"
)
# A title that names the development ("…: Development and Pilot Usability Study", "WHEEL-I:
# development of a wheelchair propulsion laboratory").
BUILT_TITLE = _rx(
    r"(?:^|:\s*)(?:design and )?development\b"
    # (never the development of a disease: "Development of chronic pain after surgery"; of
    # something, only of a thing made: "Development of a dosing aid")
    rf"(?! of\b(?! (?:the |an? |our )?(?:[\w-]+ ){{0,3}}?(?:{_THING}|aid\b)))"
)
# A title that names the paper a review keeps its review reading whatever it says was developed.
REVIEW_TITLE = _rx(r"\b(?:review|meta-analys[ie]s)\b")


# Time told after the start: a follow-up, an outcome that comes later, a second measurement.
# "Cohort" alone, with none of these, is a group of people ("This cohort included cardiology
# experts", "test cohorts of 2170 patients"), looked at once.
LATER = _rx(
    r"\bfollow(?:ed|ing)?[- ]?ups?\b|\bfollowed\b|\bincidence\b|\bincident\b|\bbaseline\b"
    r"|\b(?:after|over|during|for|within) (?:a |the )?(?:\d+|one|two|three|four|five|six|ten)"
    r"[- ](?:weeks?|months?|years?)\b|\bmortality\b|\bsurvival\b|\bdeaths?\b|\brecurrence\b"
    r"|\blater\b|\bsubsequent(?:ly)?\b"
    r"|\brisk of\b|\bover time\b|\bchanges? (?:in|of)\b|\brepeated\b|\bbirth cohort\b"
    # a perioperative cohort: "assessed at 3 and 12 months postoperatively", "delirium occurred"
    r"|\bat \d+ (?:days?|weeks?|months?|years?)\b|\d+-(?:day|week|month|year)\b"
    r"|\bpostoperative(?:ly)?\b|\bdeveloped\b|\boccurred\b"
)


# People measured, and a result told of them with a statistic: see designs._people_measured.
PEOPLE_MEASURED = _rx(
    r"\b(?:patients|participants|subjects|volunteers|respondents|runners|athletes|seniors"
    r"|specialists|cardiologists|physicians|clinicians)\b"
)
MEASURED_RESULT = _rx(
    r"\b[Pp]\s*[<=>\u2264\u2265]\s*0?\.\d|\b(?:correlat\w+|agreement|kappa|intraclass|ICCs?"
    r"|sensitivity|specificity|Bland-Altman)\b"
)


# A title that names the report a qualitative study ("…: insights from the ASPIRED-Q qualitative
# study", "a qualitative interview study", "a focus group study"): people's accounts, even where
# they were gathered inside a trial that PubMed types the record by.
QUALITATIVE_TITLE = _rx(
    r"\bqualitative (?:[\w-]+ ){0,2}?(?:study|evaluation|analysis|research)\b|\binterview study\b"
    r"|\bfocus groups? study\b"
)

# A title that names the report a randomised trial: the trial is the study, whatever
# qualitative work is embedded in it.
TRIAL_TITLE = _rx(r"\brandomi[sz]ed (?:[\w-]+ ){0,3}?trial\b")

# Words every QUALITATIVE or METHOD_AGREEMENT match holds (lower-cased): a substring test
# spares the search for nearly every record.
QUALITATIVE_HINTS = ("qualitative", "themat", "grounded", "phenomenolog", "interview")
AGREEMENT_HINTS = ("consistency", "concordance", "agreement", "utility", "reproducibility")
# Headings for surveys: a one-time look, where no other design is named.
SURVEY_MESH = ("Surveys and Questionnaires", "Health Surveys", "Health Care Surveys")

PROTOCOL_TOLD = _rx(r"\bstudy protocol\b|\btrial protocol\b|\bprotocol for an?\b")
META_ANALYSIS_TOLD = _rx(
    # (never one the study took its figures from: "taken from a published meta-analysis")
    r"(?<!published )(?<!previous )(?<!recent )(?<!existing )(?<!Cochrane )meta-?analys[ie]s"
    r"|pooled analysis of (?:randomi[sz]ed|trials)"
)
# "…: a systematic review", "systematic review and meta-analysis of", never "librarians in
# systematic reviews" or "systematic review standards": the plural, and the name used as a
# modifier of another noun, are the topic, not the design.
SYSTEMATIC_REVIEW_TOLD = _rx(
    r"(?:systematic (?:literature )?|scoping )review\b(?![ -]+[a-z])"
    r"|(?:systematic (?:literature )?|scoping )review(?= (?:and|of|with|was|were|is|in|on"
    r"|to|for|using|by|including|that|we|which|from|following|according|comparing"
    r"|examining|investigating|assessing|evaluating|registered)\b)"
)
RANDOMISED = _rx(
    r"(?<!non-)(?<!non)randomi[sz]ed[\w ,-]{0,40}(?:trial|study)\b"
    r"|\brandomly (?:assigned|allocated|divided)\b|\b(?:were|was) randomi[sz]ed\b"
    r"|\brandomi[sz]ed to (?:receive|one of|either)\b|\bplacebo[- ]controlled\b"
    r"|\bwe randomi[sz]ed\b"
    # a crossover of treatments: "received S-ketamine or placebo in random order"
    r"|\b(?:received|given|administered)\b[^.;]{0,80}?\bin (?:a )?random(?:i[sz]ed)? order\b"
    # Blinding makes a trial only where it qualifies one: slides "read in a
    # double-blinded way" are a blinded reading of a one-time measurement.
    r"|\bdouble[- ]blind(?:ed)?,? (?:(?:[\w-]+,? ){0,3}?(?:trial|study|design)\b"
    r"|placebo|randomi[sz]ed|cross-?over|controlled|comparison)"
)
NOT_RANDOMISED_TRIAL = _rx(
    r"\bopen[- ]label\b|\bsingle[- ]arm\b|\bnon-?randomi[sz]ed (?:[\w-]+ ){0,2}?(?:trial|study)\b"
    # "assigned by clinic to … cream or to standard care … Assignment was not random"
    r"|\b(?:assignment|allocation) was not random(?:i[sz]ed)?\b"
    r"|\bphase (?:I{1,3}|IV|[1-4])[ab]?(?:/(?:I{1,3}|[1-4]))? (?:clinical )?(?:trial|study)"
    r"|\bdose[- ](?:finding|escalation) (?:trial|study)\b"
    # An intervention given and measured before and after, with no randomisation.
    r"|\b(?:pre-?post|before[- ](?:and[- ])?after|pre-?test[- ]post-?test)"
    r" (?:[\w-]+ ){0,2}?(?:study|trial|design)\b|\bquasi-?experimental\b"
    # "evaluated in the course of a clinical pilot trial", "a feasibility trial"
    r"|\b(?:pilot|feasibility) (?:clinical )?trial\b"
    # "the patch was administered to intact skin in five subjects": an intervention
    # given to a counted group; "Eleven healthy males underwent 11 days of heat
    # acclimation": healthy people receive nothing outside an experiment.
    rf"|\b(?:administered|given|applied) to (?:[\w-]+ ){{0,3}}?{_WORDS} (?:[\w-]+ ){{0,2}}?"
    r"(?:subjects|volunteers|patients|participants|men|women|males|females)\b"
    r"|\bhealthy (?:[\w-]+ ){0,2}?(?:volunteers|subjects|males|females|men|women|adults)"
    r" (?:underwent|received|were (?:given|administered|exposed to)) (?:[\w-]+ ){0,3}?"
    r"(?:days?|weeks?|months?|doses?|training|exposures?|supplement\w*"
    # (a session of testing is no treatment: "a single session of quantitative sensory
    # testing")
    r"|sessions?\b(?! of (?:[\w-]+ ){0,3}?(?:testing|tests?|assessments?|measurements?"
    r"|imaging|recordings?|scanning)\b)"
    r"|infusions?|injections?|programm?e|intervention)\b"
    # "compared … between navigated patients and patients diagnosed in the prior year":
    # an intervention set against the time before it, not randomised.
    r"|\bhistorical controls?\b|\bcompared\b[^.]{0,120}?\b(?:in|during|from) the (?:prior"
    r"|previous|preceding) (?:year|period)\b"
)
CASE_CONTROL_TOLD = _rx(
    r"\bcase[- ]control\b|\bmatched controls\b"
    # cases and controls told apart by the outcome, then compared on what came before:
    # "cases were those who developed PHN; controls had zoster without PHN and were matched
    # 3:1", "patients with chronic migraine (cases) … individuals with episodic migraine
    # (controls)"
    r"|\bcases were (?:those|patients|people|individuals|adults|children|women|men)\b"
    r"[^.]{0,200}?\bcontrols\b|\(cases\b[^()]{0,80}\)[^.]{0,200}?\(controls\b"
    r"|\bcases (?:were|included|comprised)\b[^.]{0,250}?\bcontrols (?:were|included|comprised)\b"
    # controls set against cases ("matched 2:1 to cases", "selected for each case"), never
    # healthy controls matched for age to patients measured once
    r"|\bcontrols\b[^.]{0,160}?\bmatched\b[^.]{0,40}?\b(?:to|with) (?:the )?cases\b"
    r"|\bcontrols\b[^.]{0,120}?\b(?:for|per) (?:each )?case\b|\b(?:identified|selected) as cases\b"
)
CROSS_SECTIONAL_TOLD = _rx(
    # (never the "cross-sectional area" or "cross-sectional imaging" of a measurement)
    r"\bcross[- ]sectional\b(?! (?:area|images?|imaging|views?|diameter|slices?))"
    r"|\bprevalence (?:study|survey)\b|\bquestionnaire[- ]based\b"
    r"|\bwe surveyed\b|\bsurvey (?:of|among)\b(?! the (?:[\w-]+ )?literature)"
    r"|\bonline survey\b|\bsurvey data\b"
    # "the Kenya Demographic and Health Survey", "a national household survey"
    r"|\b(?:health|nutrition|household|population|national)(?: [\w-]+){0,3} surveys?\b"
    # "Mailed survey presenting…", "A questionnaire was distributed to pediatricians",
    # "Responses from 122 members were analyzed"
    r"|\b(?:mailed|postal|web-based|internet-based) (?:survey|questionnaire)s?\b"
    r"|\binvited to (?:complete|fill in|answer) (?:a|an|the) (?:[\w-]+ ){0,3}?"
    r"(?:survey|questionnaire)(?! (?:at|after|before) (?:\d|baseline|each|every))"
    r"|\b(?:survey|questionnaire)s? (?:was|were) (?:sent|mailed|distributed|e-?mailed)"
    r" to\b|\bresponses (?:from|of) \d[\d,]* (?!(?:cells|tumou?rs|samples)\b)"
)
COHORT_TOLD = _rx(
    # (never people or a faculty to come: "prospective memory", "prospective donors")
    r"\bprospective(?:ly)?\b(?! (?:memory|students?|parents?|donors?|users?|candidates?"
    r"|buyers?|teachers?|employees?|mothers?|fathers?|adopters?|applications?|clients?"
    r"|recipients?)\b)|\bcohort\b|\blongitudinal\b|\bobservational study\b"
)
GUIDELINE_TOLD = _rx(
    # (a guideline of its own, not one a study followed: "according to the guideline
    # for …", "a fundamental guideline for model design")
    r"\bpractice guidelines?\b|\bconsensus statements?\b"
    # (the paper's own, in its title or as "this": never "dosed in line with the AHS
    # position statement")
    r"|(?:^|:\s*)(?:an? |the )?(?:[\w-]+ ){0,2}?(?:delphi consensus|position statement"
    r"|consensus recommendations)\b|\b(?:this|our) (?:position statement|delphi consensus"
    r"|consensus recommendations)\b"
    r"|\b(?:this|these|the present|our|new|updated|revised|national|international"
    r"|clinical|consensus|evidence-based|joint|comprehensive|\d{4})"
    r" guidelines? (?:for|on)\b"
    r"|^guidelines? (?:for|on)\b"
    r"|\brecommendations (?:of|from|for) the\b|\bthese (?:guidelines|recommendations)\b"
)
REVIEW_TOLD = _rx(
    # "review" as the design, not naming another noun ("review tasks", "Review Board")
    rf"\breview\b{_NOT_A_MODIFIER}|\ban update\b|\boverview\b|\bstate of the art\b"
    r"|\bnarrative\b"
    r"|\bhere(?:in)?,? we (?:discuss|summari[sz]e|highlight|describe recent)\b"
    r"|\bthis (?:article|paper|chapter) (?:discusses|summari[sz]es)\b"
)

# Records of care used as the study's data: "We analysed de-identified records of adults…",
# "We analysed the obstetric anaesthesia database", "Data … were extracted from the electronic
# health record", "Medical charts were reviewed for all adults who…". Weaker than the words of
# RETROSPECTIVE_TOLD: a cohort enrolled and followed takes its data from records too ("opioid
# prescriptions were extracted from the electronic medical record at 3 and 6 months"), so
# it is tried after the words of a cohort, and yields to people enrolled or followed.
RECORDS_USED = _rx(
    r"\bwe (?:analy[sz]ed|examined|audited|interrogated) (?:the |a |an |our )?(?:[\w-]+ ){0,3}?"
    r"(?:records|charts|database|registry)\b"
    r"|\b(?:were|was) (?:extracted|abstracted|retrieved) from (?:the |their |our )?(?:(?:[\w-]+ )?"
    r"database|registry|case notes|(?:electronic )?(?:(?:health|medical|patient|hospital"
    r"|clinical) )?(?:records?|charts))\b"
    r"|\b(?:charts|case notes|case records|notes) (?:were|was) (?:retrospectively )?(?:reviewed"
    r"|examined|audited|screened)\b"
    # "We performed a search of our institutional databases for patients treated…"
    r"|\bsearch(?:ed)? (?:of )?(?:our|the) (?:institutional|hospital|departmental|clinic"
    r"|electronic) (?:databases?|records)\b"
)

# An economic evaluation by a model: "We developed a decision tree followed by a Markov model",
# "a decision-analytic model", "cost-utility analysis" (an evaluation of costs, not a study
# of people).
ECONOMIC_MODEL = _rx(
    r"\bMarkov (?:model|cohort simulation)\b|\bdecision[- ](?:tree|analytic(?:al)? model)\b"
    r"|\bcost[- ](?:effectiveness|utility) (?:analysis|model)\b|\bQALYs?\b"
)

# The designs told in words, tried in this order (the first found wins).
TEXT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (PROTOCOL_TOLD, "protocol"),
    (META_ANALYSIS_TOLD, "meta_analysis"),
    (SYSTEMATIC_REVIEW_TOLD, "systematic_review"),
    (RANDOMISED, "rct"),
    (NOT_RANDOMISED_TRIAL, "open_label_trial"),
    (CASE_CONTROL_TOLD, "case_control"),
    (RETROSPECTIVE_TOLD, "retrospective"),
    (CROSS_SECTIONAL_TOLD, "cross_sectional"),
    (COHORT_TOLD, "cohort_prospective"),
    (RECORDS_USED, "retrospective"),
    (CASE_SERIES, "case_series"),
    (CASE_REPORT, "case_report"),
    (HUMAN_CASE, "case_report"),
    (GUIDELINE_TOLD, "guideline"),
    (REVIEW_TOLD, "review"),
)
_SYNTHESES = frozenset({"protocol", "meta_analysis", "systematic_review", "review"})
# In the abstract of a record typed "Review", only the authors' account of their own method
# counts: "we performed a systematic review and meta-analysis", "this meta-analysis", PRISMA.
SYNTHESIS_ABSTRACT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
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


# A synthesis told by its own search, as reviews were before PubMed typed them "Systematic
# Review" (2019) and as records awaiting indexing still are: the sections of a Cochrane abstract
# (SEARCH STRATEGY, SELECTION CRITERIA, DATA COLLECTION AND ANALYSIS) or of a journal's review
# abstract (DATA SOURCES, STUDY SELECTION, DATA EXTRACTION), two of them at least; or, in
# words, databases searched and the studies, trials or papers that search found.
_SYNTHESIS_LABELS = _rx(
    r"^(?:search (?:strategy|methods?)|selection criteria|data collection and analysis"
    r"|data (?:sources?|extraction|synthesis)|study selection|(?:study )?eligibility criteria)$"
)
_NAMED_DATABASES = (
    r"MEDLINE|PubMed|EMBASE|CINAHL|PsycINFO|PsycLIT|Web of Science|Scopus|Cochrane Library"
    r"|CENTRAL"
)
_DATABASES = rf"{_NAMED_DATABASES}|(?:electronic |bibliographic )?databases|trials? registers?"
# A database named, or databases counted: never the topic ("searching databases" as a stage).
_COUNTED_DATABASES = (
    r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten) (?:electronic |bibliographic )?"
    rf"databases\b|(?:the )?(?:{_NAMED_DATABASES})\b"
)
OWN_SEARCH = _rx(
    r"\b(?:electronic |bibliographic |literature )?databases? (?:were|was|have been) searched\b"
    rf"|\bwe (?:systematically )?searched\b[^.]{{0,80}}?\b(?:{_DATABASES})\b"
    rf"|\b(?:{_DATABASES})\b[^.]{{0,120}}?\b(?:were|was) (?:systematically )?searched\b"
    r"|\busing the reported search\b|\bbest evidence topic\b"
    # "A comprehensive literature search was conducted in PubMed, Scopus, and Web of Science",
    # "A structured search was conducted in accordance with PRISMA guidelines across multiple
    # databases"
    r"|\bsearch (?:was|were) (?:conducted|performed|carried out|undertaken|done|run)\b"
    rf"[^.]{{0,100}}?\b(?:{_DATABASES})\b"
    # "We performed a systematic literature search of PubMed, Embase…", "A systematic search
    # of PubMed, Scopus and ClinicalTrials.gov identified…", "by searching five databases",
    # "trials … were retrieved from four databases"
    r"|\b(?:we|authors) (?:performed|conducted|carried out|undertook|ran) an? (?:[\w-]+ )?"
    r"(?:systematic|literature|comprehensive|structured|bibliographic)(?: [\w-]+)? search\b"
    rf"[^.]{{0,80}}?\b(?:{_DATABASES})\b"
    r"|\b(?:systematic|comprehensive|structured|electronic) (?:literature )?search(?:es)? (?:of|in)"
    rf"\b[^.]{{0,40}}?\b(?:{_DATABASES})\b"
    rf"|\b(?:searching|(?:retrieved|identified|obtained) from) (?:{_COUNTED_DATABASES})"
)
STUDIES_FOUND = _rx(
    r"(?<![\w-])(?:\d+|[a-z]+(?:ty|teen)(?:-[a-z]+)?|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve) (?:[\w-]+ ){0,3}?(?:studies|trials|papers|articles|publications)\b"
    r"|\b(?:studies|trials|papers|articles|publications)\b[^.]{0,60}?\b(?:were|was) (?:included"
    r"|identified|selected|retrieved|eligible)\b"
)
# The studies' results combined into one figure; "the data … were not combined in a
# meta-analysis" is a systematic review that says why it did not pool.
POOLED = _rx(
    r"(?<!not )(?<!not be )\b(?:combined|pooled)\b[^.]{0,30}?\bmeta-?analys[ie]s\b"
    r"|\bmeta-?analys[ie]s (?:of|showed?|was (?:conducted|performed|undertaken))\b"
    r"|\bpooled (?:odds|risk|relative|hazard|mean|estimates?|analys[ie]s|prevalence|effects?"
    r"|sensitivity|specificity|data|results)\b|\b(?:were|was) pooled\b"
    r"|\b(?:random|fixed)[- ]effects?\b|\b(?:our|this|the present) meta-?analys[ie]s\b"
    # "Pooled individual participant data from four randomised trials"
    # "a pooled RR of 1.62", "combined with the Mantel-Haenszel method"
    r"|\bpooled (?:RRs?|ORs?|HRs?|SMDs?|MDs?|WMDs?)\b|\b(?:combined|pooled) (?:with|using|by) the"
    r" (?:Mantel-Haenszel|DerSimonian|inverse[- ]variance|Peto)\b"
    r"|\bpooled individual (?:participant|patient)[- ]data\b|\bindividual (?:participant|patient)"
    r"[- ]data (?:meta-?analys[ie]s|from \w+ (?:randomi[sz]ed )?trials)\b"
)


# A pooling the authors say they did not do: "heterogeneity precluded meta-analysis",
# "differed too much for a pooled analysis to be meaningful", "were not pooled".
_POOLING = r"(?:pool\w*|meta-?analy\w+|combin\w+|quantitative synthesis)"
NOT_POOLED = _rx(
    rf"\b(?:precluded?|prevented|did not allow)\b[^.;]{{0,40}}?\b{_POOLING}"
    rf"|\btoo (?:much|heterogeneous|different|diverse)\b[^.;]{{0,40}}?\b{_POOLING}"
    rf"|\b{_POOLING}[^.;]{{0,40}}?\b(?:was|were|is|are)\s+(?:not|judged not) (?:possible|feasible"
    r"|appropriate|meaningful|performed|undertaken)\b|\bwas precluded\b"
    r"|\b(?:were|was|could) not (?:be )?(?:pooled|combined|meta-?analy[sz]ed)\b"
    r"|\bno (?:meta-?analys[ie]s|pooling|quantitative synthesis)\b"
    r"|\bfor a pooled analysis to be meaningful\b"
)


def pooled_told(text: str) -> re.Match[str] | None:
    """The first words of `text` that tell the studies' results pooled, in a sentence that
    does not say the pooling was not done."""
    for m in POOLED.finditer(text):
        start = max(text.rfind(". ", 0, m.start()), text.rfind("; ", 0, m.start())) + 1
        ends = [e for e in (text.find(". ", m.end()), text.find("; ", m.end())) if e >= 0]
        if not NOT_POOLED.search(text[start : min(ends) if ends else len(text)]):
            return m
    return None


def synthesis_told(study: Study) -> tuple[str, str] | None:
    """(design, words) where the abstract tells a search of the literature of its own: a
    meta-analysis where it pooled the studies' results, else a systematic review."""
    labels = sorted(
        {
            s.label.strip().upper()
            for s in study.abstract
            if _SYNTHESIS_LABELS.match(s.label.strip())
        }
    )
    text = study.abstract_text
    if len(labels) >= 2:
        how = f'abstract sections "{labels[0]}", "{labels[1]}"'
    else:
        low = text.lower()
        if "search" not in low and "best evidence" not in low and "databases" not in low:
            return None  # the cheap early exit for nearly every record
        search = OWN_SEARCH.search(text)
        if not search or not STUDIES_FOUND.search(text):
            return None
        how = f'abstract says "{search.group(0)}"'
    pooled = pooled_told(f"{study.title} {text}")
    if pooled:
        return "meta_analysis", f'{how} and "{pooled.group(0)}"'
    return "systematic_review", how


# Without METHODS sections, the text rules with a synthesis and a review told only as the
# authors' own ("we performed a systematic review", "in this review").
UNLABELLED_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (PROTOCOL_TOLD, "protocol"),
    *SYNTHESIS_ABSTRACT_RULES,
    *(rule for rule in TEXT_RULES if rule[1] not in _SYNTHESES),
    (REVIEW_SELF, "review"),
)


def protocol_told(study: Study) -> str | None:
    """The words by which a record tells a planned study: its title, or two future-tense
    sentences of method outside the BACKGROUND, with no results told."""
    m = PROTOCOL_TITLE.search(study.title)
    if m:
        return m.group(0)
    if "will " not in study.abstract_text:
        return None  # the cheap early exit for nearly every record
    kept = [
        s
        for s in study.abstract
        if not _BACKGROUND_LABELS.match(s.label.strip())
        and not _AFTERWORD_LABELS.match(s.label.strip())
    ]
    text = " ".join(s.text for s in kept)
    if RESULTS_TOLD.search(text):
        return None
    if len(kept) == 1 and not kept[0].label.strip():
        # Unlabelled: the future after a past-tense sentence is what comes next ("… were
        # randomized. Larger trials will assess …"), not the method.
        past = _PAST_TOLD.search(text)
        text = text[: past.start()] if past else text
    planned = PLANNED.findall(text)
    if len(planned) < 2:
        return None
    return f"{planned[0]}, {planned[1]}"


def method_text(study: Study) -> str:
    """The words that describe this study's own method: the METHODS, DESIGN, SETTING (and the
    like) sections of a structured abstract, else everything but its BACKGROUND."""
    return method_sections(study)[0]


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


# A section of the abstract that is the case itself ("CASE REPORT:", "CASE PRESENTATION:").
CASE_LABEL = _rx(r"^(?:case (?:reports?|presentations?|descriptions?|summary|history)|cases?)$")


def case_section(study: Study) -> str | None:
    """The label of an abstract section that presents a case, if any."""
    if "case" not in study.abstract_text.lower():
        return None  # the cheap early exit for nearly every record
    for label, _ in _sections(study):
        if CASE_LABEL.match(label):
            return label
    return None


_AFTER_METHOD_LABELS = _rx(
    r"^(?:results?|findings|discussion|conclusions?|implications?|interpretation|comments?)\b"
)


def told_before_results(study: Study) -> str:
    """The abstract up to its RESULTS: what the study set out to do and how, without what it
    found and what its authors then discuss."""
    return " ".join(t for label, t in _sections(study) if not _AFTER_METHOD_LABELS.match(label))


def method_sections(study: Study) -> tuple[str, bool]:
    """The method text, and whether it is the abstract's own METHODS (DESIGN…) sections.
    Without them, the abstract less its BACKGROUND and less any sentence that asks for a
    study to come ("… supports a randomized trial of early NMDA antagonism", "longitudinal
    follow-up is needed")."""
    sections = _sections(study)
    method = [text for label, text in sections if _METHOD_LABELS.match(label)]
    if method:
        return PARENT_TRIAL.sub("the earlier trial", " ".join(method)), True
    rest = " ".join(text for label, text in sections if not _BACKGROUND_LABELS.match(label))
    if WORK_TO_COME.search(rest) and _DESIGN_WORD.search(rest):
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", rest)
        rest = " ".join(
            s for s in sentences if not (WORK_TO_COME.search(s) and _DESIGN_WORD.search(s))
        )
    return PARENT_TRIAL.sub("the earlier trial", rest), False


# Another trial the study follows on from, named by its method: "patients who completed the
# double-blind phase of our previous randomised trial were offered an open-label extension".
PARENT_TRIAL = _rx(
    r"\b(?:previous|preceding|parent|original|earlier|prior|core|feeder|lead-in)"
    r"(?:\s+[\w-]+,?){0,3}?\s+(?:randomi[sz]ed|double[- ]blind(?:ed)?|placebo[- ]controlled)"
    r",?(?:\s+[\w-]+,?){0,3}?\s+(?:trials?|stud(?:y|ies)|phase)\b"
)


# The words of a design that a sentence asking for work to come may use ("longitudinal
# studies are needed", "supports a randomized trial").
_DESIGN_WORD = _rx(r"random|longitudinal|prospective|\bcohort|\btrials?\b|follow-?up")


# What the authors ask of others, after their own work: "supports a randomized trial of early
# NMDA antagonism", "randomised trials are needed", "future trials should…", "deserves to be
# tested in a placebo-controlled trial" (never "the need for rescue analgesia", "supports the
# use of ketamine", "predicts future chronification").
_STUDY_NOUN = (
    r"(?:trials?|stud(?:y|ies)|research|investigations?|evaluations?|testing|follow-?up|data"
    r"|evidence)\b"
)
WORK_TO_COME = _rx(
    r"\b(?:supports?|warrants?|justif(?:y|ies)|merits?|calls? for|deserves?|needs?)\s+(?:a |an )?"
    r"(?:(?:further|future|larger|more|well-designed|adequately powered|prospective|randomi[sz]ed"
    r"|controlled|definitive|multi-?cent(?:er|re)|placebo-controlled|long-term)[\s,]+){1,3}"
    rf"(?:[\w-]+\s+){{0,2}}?{_STUDY_NOUN}"
    # "longitudinal follow-up of this population is needed", "prospective data is necessary"
    rf"|\b{_STUDY_NOUN}(?:\s+(?:of|in|with|on)\s+(?:[\w-]+\s+){{0,3}}?)?\s*(?:(?:is|are)\s+)?"
    r"(?:still\s+)?(?:needed|warranted|required|necessary)\b"
    rf"|\b(?:future|further|larger|longer)\s+(?:[\w-]+\s+){{0,3}}?{_STUDY_NOUN}"
    r"|\b(?:should|to) be (?:tested|confirmed|evaluated|studied)\b"
)


def own_part(study: Study) -> str:
    """The abstract without its BACKGROUND (INTRODUCTION, OBJECTIVE…) sections: what the
    authors did and found, not what others found before ("associated with smoking")."""
    return " ".join(t for label, t in _sections(study) if not _BACKGROUND_LABELS.match(label))


# "Complications of vertebroplasty: an analysis of 1100 procedures performed in 616
# patients", "long-term results of 32 patients": more than a few cases looked back on.
_PEOPLE_COUNT = _rx(
    rf"(?<![\w/.,-])(\d{{1,3}}(?:,\d{{3}})+|\d+|{SPELLED}) (?:[\w-]+ ){{0,3}}?(?:patients|cases"
    r"|children|adults|women|men|subjects)\b"
)
SERIES_MOST = 20  # the most patients a case series holds; more are a cohort looked back on


def people_counted(text: str) -> int:
    """The largest number of people (patients, cases…) that `text` counts, in digits or
    words ("Twenty patients"), or 0; never one, which is no group ("one of the cases")."""
    counts = [number_value(m.group(1)) or 0 for m in _PEOPLE_COUNT.finditer(text)]
    return max((c for c in counts if c > 1), default=0)


_RESULT_LABELS = re.compile(r"^(?:results?|findings|methods?|materials|design)\b", re.I)


def tells_no_work_of_its_own(study: Study) -> bool:
    """An unstructured abstract of two sentences or more that never tells what its authors did,
    measured or found: a narrative review that does not call itself one ("HCV differs from HBV
    in that… gene therapy for HBV remains a priority")."""
    if any(_RESULT_LABELS.match(s.label.strip()) for s in study.abstract):
        return False
    text = study.abstract_text
    # (a capital's point is no sentence's end: "U.S. hospitals", "J. Smith")
    if len(re.findall(r"(?<!\b[A-Z])[.!?](?:\s|$)", text)) < 2:
        return False
    return not OWN_WORK.search(f"{study.title} {text}")
