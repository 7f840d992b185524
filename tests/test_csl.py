"""The CSL-JSON export through a real CSL processor: citeproc-js (what Zotero and Mendeley
run) with the official AMA and APA styles, vendored in tests/fixtures/csl/ (see the README
there). Each bibliography entry must equal the project's own citation of the same study,
except for the known differences listed in KNOWN_DIFFERENCES, each with its reason."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from evidence.citations import AMA_MAX_AUTHORS, APA_MAX_AUTHORS, cite
from evidence.pubmed import parse_article_set
from evidence.references import to_csl_json
from evidence.study import Author, Study

CSL = Path(__file__).resolve().parent / "fixtures" / "csl"
STYLES = {"ama": "american-medical-association.csl", "apa": "apa.csl"}

# Records that exercise what CSL-JSON used to lose: initials without a forename, a hyphenated
# forename's initials, a MedlineDate range across years, a season, inline title markup, an
# article number stored as the pagination, an issue range, a journal name in sentence case.
EDGE_CASES = [
    Study(
        pmid="39000001",
        title="Intranasal ketamine in status migrainosus: CO2 and pain",
        title_html="Intranasal ketamine in <i>status migrainosus</i>: CO<sub>2</sub> and pain",
        authors=(Author("Sarvari", "", "HR"), Author("Dupont", "J-P", "J-P")),
        journal="Anesthesia and analgesia",
        journal_abbrev="Anesth Analg",
        year=2019,
        pub_date="2019 Dec-2020 Jan",
        volume="15",
        issue="5-6",
        pages="181-9",
        doi="10.1000/example.1",
    ),
    Study(
        pmid="39000002",
        title="Ketamine for refractory facial pain",
        authors=(Author("Garcia", "Rosa", "R"), Author("Chen", "Qi", "Q")),
        journal="Cureus",
        journal_abbrev="Cureus",
        year=2023,
        pub_date="2023 Winter",
        volume="15",
        issue="3",
        pages="e35638",
        doi="10.7759/cureus.35638",
    ),
]


def _sample_studies() -> list[Study]:
    data = (resources.files("evidence") / "data" / "sample" / "pubmed-sample.xml").read_bytes()
    return list(parse_article_set(data).studies)


def _fixture_studies() -> list[Study]:
    data = (Path(__file__).resolve().parent / "fixtures" / "efetch-varied.xml").read_bytes()
    return [*parse_article_set(data).studies, *EDGE_CASES]


def render(citeproc: tuple[str, Path], studies: list[Study], style: str) -> dict[str, str]:
    """Each study's bibliography entry from citeproc-js, as text, by PMID."""
    node, module = citeproc
    request = {
        "style": str(CSL / STYLES[style]),
        "locale": str(CSL / "locales-en-US.xml"),
        "items": to_csl_json(studies),
    }
    proc = subprocess.run(
        [node, str(CSL / "render.js")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=300,
        env={"CITEPROC_JS": str(module), "PATH": str(Path(node).parent)},
        check=True,
    )
    entries: dict[str, str] = json.loads(proc.stdout)
    # AMA numbers its bibliography; the project's strings are the entries themselves.
    return {k.removeprefix("pmid"): re.sub(r"^\d+\. ", "", v) for k, v in entries.items()}


Normalizer = Callable[[Study, str, str, str], tuple[str, str]]


def _incomplete_authors(s: Study, style: str, ours: str, csl: str) -> tuple[str, str]:
    # PubMed marks an author list incomplete (AuthorList CompleteYN="N"); the project adds
    # "et al". CSL has no variable for an incomplete list, so no style can print it.
    limit = AMA_MAX_AUTHORS if style == "ama" else APA_MAX_AUTHORS
    named = [a for a in s.authors if a.short]
    if not s.authors_complete and len(named) <= limit:
        ours = ours.replace(", et al.", ".", 1)
    return ours, csl


def _pubmed_url(s: Study, style: str, ours: str, csl: str) -> tuple[str, str]:
    # With no DOI the styles print the URL variable, which holds the PubMed record's address;
    # the project's pages and exports link the PubMed record beside the citation instead.
    if not s.doi:
        csl = csl.replace(f" {s.pubmed_url}", "")
    return ours, csl


def _published_online(s: Study, style: str, ours: str, csl: str) -> tuple[str, str]:
    # The AMA style prints "Published online <date>" for any article without volume, issue
    # and pages; the project says so only where PubMed's PubModel says the article was
    # published electronically (the offline sample lacks volumes it cannot vouch for).
    online = "Electronic" in s.pub_model
    if style == "ama" and not online and not (s.volume or s.issue or s.pages or s.elocation):
        csl = re.sub(r"Published online (?:[A-Z][a-z]+ )?(?:\d{1,2}, )?(\d{4})\.", r"\1.", csl)
    return ours, csl


def _page_letters(s: Study, style: str, ours: str, csl: str) -> tuple[str, str]:
    # citeproc-js turns the hyphen of a page range into APA's en dash only between plain
    # numbers; APA wants it in "248\u2013257.e1" too, as the project prints it.
    if style == "apa" and s.pages and not re.fullmatch(r"\d+-\d+", s.pages.strip()):
        csl = csl.replace(s.pages.strip(), s.pages.strip().replace("-", "\u2013"))
    return ours, csl


def _apostrophes(s: Study, style: str, ours: str, csl: str) -> tuple[str, str]:
    # citeproc-js sets straight apostrophes as typographic ones ("O\u2019Brien"); the project
    # keeps PubMed's characters, which search and copy-paste find.
    return ours, csl.replace("\u2019", "'")


def _hyphenated_initials(s: Study, style: str, ours: str, csl: str) -> tuple[str, str]:
    # The AMA style drops the hyphen of a hyphenated forename's initials ("Dupont JP"); AMA
    # and PubMed keep it ("Dupont J-P"), as the project prints it.
    if style == "ama":
        for a in s.authors:
            if "-" in a.initials:
                csl = csl.replace(f"{a.last_name} {a.initials.replace('-', '')}", a.short)
    return ours, csl


def _years_across(s: Study, style: str, ours: str, csl: str) -> tuple[str, str]:
    # An issue dated across two years ("2019 Dec-2020 Jan") is exported as the CSL range,
    # which the styles print "2019\u20132020"; the project cites the year the issue opened,
    # the year PubMed indexes it under.
    m = re.fullmatch(r"(\d{4}) \w+-(\d{4}) \w+", s.pub_date)
    if m:
        csl = csl.replace(f"{m[1]}\u2013{m[2]}", m[1], 1)
    return ours, csl


KNOWN_DIFFERENCES: list[Normalizer] = [
    _incomplete_authors,
    _pubmed_url,
    _published_online,
    _page_letters,
    _apostrophes,
    _hyphenated_initials,
    _years_across,
]


def differences(citeproc: tuple[str, Path], studies: list[Study], style: str) -> list[str]:
    """Every entry that differs after the known differences, as 'ours' / 'csl' pairs."""
    rendered = render(citeproc, studies, style)
    assert sorted(rendered) == sorted(s.pmid for s in studies)
    out = []
    for s in studies:
        ours, csl = cite(s, style), rendered[s.pmid]
        for normalize in KNOWN_DIFFERENCES:
            ours, csl = normalize(s, style, ours, csl)
        if ours != csl:
            out.append(f"PMID {s.pmid}\n  ours: {ours}\n  csl:  {csl}")
    return out


@pytest.mark.parametrize("style", sorted(STYLES))
def test_csl_processor_agrees_with_the_sample_citations(
    citeproc_js: tuple[str, Path], style: str
) -> None:
    assert differences(citeproc_js, _sample_studies(), style) == []


@pytest.mark.parametrize("style", sorted(STYLES))
def test_csl_processor_agrees_with_the_fixture_citations(
    citeproc_js: tuple[str, Path], style: str
) -> None:
    assert differences(citeproc_js, _fixture_studies(), style) == []


def test_what_csl_json_used_to_lose_reaches_the_processor(
    citeproc_js: tuple[str, Path],
) -> None:
    ama = render(citeproc_js, EDGE_CASES, "ama")
    apa = render(citeproc_js, EDGE_CASES, "apa")
    # Initials as initials, not one given name ("Sarvari H").
    assert ama["39000001"].startswith("Sarvari HR, Dupont JP.")
    assert apa["39000001"].startswith("Sarvari, H. R., & Dupont, J.-P. (2019\u20132020).")
    # The journal name in title case, the issue range with an en dash.
    assert "Anesthesia and Analgesia, 15(5\u20136), 181\u2013189." in apa["39000001"]
    # The article number as a number: APA prints "Article e35638".
    assert "Cureus, 15(3), Article e35638." in apa["39000002"]
    assert "2023;15(3):e35638." in ama["39000002"]


def test_the_known_differences_each_still_occur(citeproc_js: tuple[str, Path]) -> None:
    """A listed difference that no longer happens should leave the list."""
    studies = [*_sample_studies(), *_fixture_studies()]
    used = set()
    for style in STYLES:
        rendered = render(citeproc_js, studies, style)
        for s in studies:
            for normalize in KNOWN_DIFFERENCES:
                ours, csl = cite(s, style), rendered[s.pmid]
                if normalize(s, style, ours, csl) != (ours, csl):
                    used.add(normalize.__name__)
    assert used == {n.__name__ for n in KNOWN_DIFFERENCES}
