from __future__ import annotations

import io

import pandas as pd

from evidence.citations import EXPORT_COLUMNS, ama, ama_html, expand_pages, write_csv
from evidence.study import Author, Study


def person(last: str, initials: str) -> Author:
    return Author(last_name=last, initials=initials)


AFRIDI = Study(
    pmid="23365053",
    title="A randomized controlled trial of intranasal ketamine in migraine with prolonged aura",
    authors=(
        person("Afridi", "SK"),
        person("Giffin", "NJ"),
        person("Kaube", "H"),
        person("Goadsby", "PJ"),
    ),
    journal_abbrev="Neurology",
    year=2013,
    volume="80",
    issue="7",
    pages="642-7",
    doi="10.1212/WNL.0b013e3182824e66",
)


def test_ama_citation_of_a_journal_article() -> None:
    assert ama(AFRIDI) == (
        "Afridi SK, Giffin NJ, Kaube H, Goadsby PJ. A randomized controlled trial of intranasal "
        "ketamine in migraine with prolonged aura. Neurology. 2013;80(7):642-647. "
        "doi:10.1212/WNL.0b013e3182824e66"
    )


def test_ama_lists_six_authors_and_truncates_seven_to_three() -> None:
    six = tuple(person(f"A{i}", "X") for i in range(6))
    seven = tuple(person(f"A{i}", "X") for i in range(7))
    assert ama(Study(pmid="1", title="T", authors=six, year=2000)).startswith(
        "A0 X, A1 X, A2 X, A3 X, A4 X, A5 X. T."
    )
    assert ama(Study(pmid="1", title="T", authors=seven, year=2000)).startswith(
        "A0 X, A1 X, A2 X, et al. T."
    )


def test_incomplete_author_list_and_collective_names() -> None:
    s = Study(
        pmid="1",
        title="T",
        authors=(person("Nicolodi", ""),),
        authors_complete=False,
        journal_abbrev="Int J Clin Pharmacol Res",
        year=1995,
        volume="15",
        issue="5-6",
        pages="181-9",
    )
    assert ama(s) == "Nicolodi, et al. T. Int J Clin Pharmacol Res. 1995;15(5-6):181-189."
    group = Study(pmid="2", title="T?", authors=(Author(collective_name="The Group"),), year=2001)
    assert ama(group) == "The Group. T? 2001."


def test_online_only_article_uses_its_elocator() -> None:
    s = Study(
        pmid="1",
        title="T",
        authors=(person("Garcia", "R"),),
        journal_abbrev="Cureus",
        year=2023,
        volume="15",
        issue="3",
        elocation="e35638",
        doi="10.7759/cureus.35638",
    )
    assert ama(s) == "Garcia R. T. Cureus. 2023;15(3):e35638. doi:10.7759/cureus.35638"


def test_page_expansion() -> None:
    assert expand_pages("642-7") == "642-647"
    assert expand_pages("1261-1264") == "1261-1264"
    assert expand_pages("248-257.e1") == "248-257.e1"
    assert expand_pages("99-101") == "99-101"


def test_html_citation_escapes_text_and_keeps_safe_markup() -> None:
    s = Study(
        pmid="1",
        title="<script>x</script> & CO2",
        title_html="CO<sub>2</sub> &amp; co",
        authors=(person("<b>Evil</b>", "A"),),
        journal_abbrev="J <i>",
        year=2020,
    )
    html = str(ama_html(s))
    assert "<script>" not in html and "<b>Evil" not in html
    assert "&lt;b&gt;Evil&lt;/b&gt; A." in html
    assert "CO<sub>2</sub> &amp; co." in html
    assert "<i>J &lt;i&gt;.</i>" in html


def test_csv_export_has_the_documented_columns_first() -> None:
    table = pd.DataFrame(
        [
            {c: "" for c in EXPORT_COLUMNS}
            | {
                "topics": ["a", "b"],
                "conditions": ["a:x"],
                "publication_types": ["RCT"],
                "citation": "C",
                "citation_html": "<i>C</i>",
            }
        ]
    )
    out = io.StringIO()
    write_csv(table, out)
    frame = pd.read_csv(io.StringIO(out.getvalue()), dtype=str, keep_default_na=False)
    assert list(frame.columns)[: len(EXPORT_COLUMNS)] == EXPORT_COLUMNS
    assert "citation_html" not in frame.columns
    assert frame.loc[0, "topics"] == "a; b"


def test_csv_cells_cannot_become_spreadsheet_formulas() -> None:
    table = pd.DataFrame(
        [
            {c: "" for c in EXPORT_COLUMNS}
            | {
                "title": '=HYPERLINK("http://evil","x")',
                "authors": "@SUM(1)",
                "journal": "-2+3",
                "topics": ["a"],
                "conditions": [],
                "publication_types": [],
            }
        ]
    )
    out = io.StringIO()
    write_csv(table, out)
    frame = pd.read_csv(io.StringIO(out.getvalue()), dtype=str, keep_default_na=False)
    assert frame.loc[0, "title"] == '\'=HYPERLINK("http://evil","x")'
    assert frame.loc[0, "authors"] == "'@SUM(1)" and frame.loc[0, "journal"] == "'-2+3"


def test_ama_book_chapter() -> None:
    s = Study(
        pmid="1",
        title="Ketamine",
        kind="book",
        chapter=True,
        journal="StatPearls",
        publisher="StatPearls Publishing",
        year=2024,
        authors=(person("Rosenbaum", "S"),),
    )
    assert ama(s) == "Rosenbaum S. Ketamine. In: StatPearls. StatPearls Publishing; 2024."
    assert "In: <i>StatPearls.</i>" in str(ama_html(s))
