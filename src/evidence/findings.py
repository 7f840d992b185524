"""A finding for every study: where the reviewer wrote no note, the authors' own conclusion,
verbatim, as their abstract states it.

The conclusion is the CONCLUSION(S) or INTERPRETATION section of a structured abstract, else the
concluding sentence(s) of an unstructured one: the sentence that opens the conclusion ("In
conclusion", "These findings suggest", "Our results"...) within the last three, else the last
sentence, leaving out what follows a conclusion without concluding anything (a trial
registration, a level of evidence, a copyright line). Past about 300 characters it is cut at a
sentence end and marked " …". It is never paraphrased and never scored for or against the drug;
a record with no abstract has none.
"""

from __future__ import annotations

import re

from evidence.study import AbstractSection, Study

LIMIT = 300  # characters, about: the cut is made at the next sentence end before it
MORE = " …"

# The labels publishers give a structured abstract's conclusion ("CONCLUSIONS", "Conclusions and
# Relevance", "AUTHORS' CONCLUSIONS", "INTERPRETATION", "Discussion and conclusion").
_CONCLUSION_LABEL = re.compile(
    r"conclu|interpretation|lessons?\b|take[- ]home|implications?\b", re.IGNORECASE
)
# A conclusion's heading inside an abstract PubMed keeps as one paragraph ("... (p < 0.05).
# CONCLUSIONS Intravenous lidocaine ...", "Conclusion: ...").
_INLINE_HEADING = re.compile(
    r"(?:(?<=\s)|^)(?:CONCLUSIONS?|INTERPRETATION|Conclusions?:|Interpretation:)\s*:?\s+"
)
# Sections and sentences that may follow a conclusion but conclude nothing.
_TRAILER = re.compile(
    r"^\s*(?:trial registration|clinical trial registration|registration|(?:clinical)?trials?\s*"
    r"\.?\s*gov|prospero|level of evidence|levels? of evidence|evidence level|funding|"
    r"copyright|©|\(c\)\s*\d{4}|this article is protected|key ?words?|keywords|"
    r"clinicaltrials|isrctn|chictr|umin|nct\d|crd\d|registered|the study was registered|"
    r"this (?:trial|study) (?:was|is) registered|identifier|study registration)",
    re.IGNORECASE,
)
# The words that open an unstructured abstract's conclusion.
_OPENER = re.compile(
    r"^(?:in conclusion|in summary|to conclude|to summari[sz]e|conclusions?\b|overall|"
    r"taken together|collectively|altogether|we conclude|we suggest|we propose|we recommend|"
    r"our (?:results|findings|data|study|analysis|observations)|"
    r"(?:these|the|such) (?:results|findings|data|observations)|"
    r"this (?:study|trial|review|analysis|report|case|meta-analysis|work)|"
    r"thus|therefore|hence|consequently|in this (?:study|trial|review|cohort)|"
    r"ketamine (?:is|was|may|might|can|could|appears|seems|should)|"
    r"further (?:research|studies|trials) (?:is|are))",
    re.IGNORECASE,
)
# A full stop that does not end a sentence: abbreviations and initials.
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|vs|v|et al|approx|ca|cf|etc|Dr|Drs|Prof|Fig|Figs|No|Nos|Ref|Eq|"
    r"Inc|Ltd|Co|St|Jr|Sr|Mr|Mrs|Ms|min|max|resp|incl|viz|al)|\b[A-Z])\.$"
)
_BOUNDARY = re.compile(
    r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])"
)  # closing quotes and brackets may follow the stop; opening ones may start the next


def sentences(text: str) -> list[str]:
    """The sentences of `text`, split at a full stop, question or exclamation mark followed
    by a capital or a digit, never after an abbreviation or an initial ("et al.", "e.g.",
    "J.")."""
    text = " ".join(text.split())
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        piece = text[start : m.start()].rstrip()
        if _ABBREVIATION.search(piece):
            continue
        out.append(text[start : m.start()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


def _structured(sections: tuple[AbstractSection, ...]) -> str:
    for section in sections:
        if _CONCLUSION_LABEL.search(section.label) and section.text.strip():
            return section.text
    return ""


def _concluding(text: str, *, whole: bool = False) -> list[str]:
    """The concluding sentences of `text` (all of them where `whole`: the text is the part
    under a conclusion's heading), less what follows a conclusion without concluding."""
    said = sentences(text)
    while said and _TRAILER.match(said[-1]):
        said.pop()
    if not said or whole:
        return said
    last = max(len(said) - 3, 0)
    for i in range(last, len(said)):
        if _OPENER.match(said[i]):
            return said[i:]
    return said[-1:]


def _cut(said: list[str]) -> str:
    """The sentences up to about LIMIT characters, cut at a sentence end with " …"; the first
    sentence is kept whole, however long."""
    kept: list[str] = []
    length = 0
    for sentence in said:
        if kept and length + 1 + len(sentence) > LIMIT:
            return " ".join(kept) + MORE
        kept.append(sentence)
        length += len(sentence) + (1 if length else 0)
    return " ".join(kept)


def authors_conclusion(study: Study) -> str:
    """The authors' own conclusion, verbatim (see the module's note), or "" when the record
    has no abstract."""
    sections = tuple(s for s in study.abstract if s.text.strip())
    if not sections:
        return ""
    labelled = _structured(sections)
    if labelled:
        return _cut(sentences(labelled))
    body = " ".join(s.text for s in sections if not _TRAILER.match(s.label or "-"))
    headings = list(_INLINE_HEADING.finditer(body))
    if headings:
        return _cut(_concluding(body[headings[-1].end() :], whole=True))
    return _cut(_concluding(body))
