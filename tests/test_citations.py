from __future__ import annotations

import dataclasses

import pytest

from evidence.citations import (
    STYLES,
    ama,
    ama_html,
    apa_title_case,
    cite,
    cite_html,
    expand_pages,
)
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


# --- citation styles: each rule against a hand-checked string --------------------------------


def names(n: int) -> tuple[Author, ...]:
    return tuple(person(f"Author{i}", "AB") for i in range(1, n + 1))


def article(**changes: object) -> Study:
    base: dict[str, object] = {
        "pmid": "23365053",
        "title": "Intranasal ketamine in migraine with prolonged aura.",
        "authors": (person("Afridi", "SK"),),
        "journal": "Neurology",
        "journal_abbrev": "Neurology",
        "year": 2013,
        "pub_date": "2013 Feb 12",
        "volume": "80",
        "issue": "7",
        "pages": "642-7",
        "doi": "10.1212/WNL.0b013e3182824e66",
    }
    return Study(**(base | changes))  # type: ignore[arg-type]


def test_one_author_in_each_style() -> None:
    s = article()
    assert cite(s, "ama") == (
        "Afridi SK. Intranasal ketamine in migraine with prolonged aura. Neurology. "
        "2013;80(7):642-647. doi:10.1212/WNL.0b013e3182824e66"
    )
    assert cite(s, "vancouver") == (
        "Afridi SK. Intranasal ketamine in migraine with prolonged aura. Neurology. "
        "2013 Feb 12;80(7):642-7. doi:10.1212/WNL.0b013e3182824e66."
    )
    assert cite(s, "apa") == (
        "Afridi, S. K. (2013). Intranasal ketamine in migraine with prolonged aura. "
        "Neurology, 80(7), 642\u2013647. https://doi.org/10.1212/WNL.0b013e3182824e66"
    )


def test_two_authors() -> None:
    s = article(authors=(person("Afridi", "SK"), person("Giffin", "NJ")))
    assert cite(s, "ama").startswith("Afridi SK, Giffin NJ. Intranasal")
    assert cite(s, "vancouver").startswith("Afridi SK, Giffin NJ. Intranasal")
    assert cite(s, "apa").startswith("Afridi, S. K., & Giffin, N. J. (2013). Intranasal")


def test_three_to_six_authors_are_all_listed() -> None:
    for n in (3, 6):
        s = article(authors=names(n))
        listed = ", ".join(f"Author{i} AB" for i in range(1, n + 1))
        assert cite(s, "ama").startswith(listed + ". Intranasal")
        assert cite(s, "vancouver").startswith(listed + ". Intranasal")
    assert cite(article(authors=names(3)), "apa").startswith(
        "Author1, A. B., Author2, A. B., & Author3, A. B. (2013)."
    )


def test_more_than_six_authors_truncate_by_each_styles_rule() -> None:
    s = article(authors=names(7))
    # AMA: more than 6, the first 3 and "et al".
    assert cite(s, "ama").startswith("Author1 AB, Author2 AB, Author3 AB, et al. Intranasal")
    # Vancouver (ICMJE/NLM): the first 6 and "et al."
    assert cite(s, "vancouver").startswith(
        "Author1 AB, Author2 AB, Author3 AB, Author4 AB, Author5 AB, Author6 AB, et al. Intranasal"
    )
    # APA 7: up to 20 authors all listed, "&" before the last.
    assert cite(s, "apa").startswith(
        "Author1, A. B., Author2, A. B., Author3, A. B., Author4, A. B., Author5, A. B., "
        "Author6, A. B., & Author7, A. B. (2013)."
    )
    # APA 7: 21 or more: the first 19, an ellipsis, the last.
    many = cite(article(authors=names(22)), "apa")
    assert many.startswith("Author1, A. B., Author2, A. B.,")
    assert "Author19, A. B., . . . Author22, A. B. (2013)." in many
    assert "Author20" not in many and "Author21" not in many


def test_collective_authors() -> None:
    group = Author(collective_name="Ketamine Headache Study Group")
    s = article(authors=(person("Afridi", "SK"), group))
    assert cite(s, "ama").startswith("Afridi SK, Ketamine Headache Study Group. Intranasal")
    assert cite(s, "vancouver").startswith("Afridi SK, Ketamine Headache Study Group. Intranasal")
    assert cite(s, "apa").startswith("Afridi, S. K., & Ketamine Headache Study Group. (2013).")
    alone = article(authors=(group,))
    assert cite(alone, "apa").startswith("Ketamine Headache Study Group. (2013). Intranasal")


def test_online_article_known_only_by_its_doi() -> None:
    s = article(
        journal="Cureus",
        journal_abbrev="Cureus",
        pub_date="2023 Mar 1",
        year=2023,
        volume="",
        issue="",
        pages="",
        doi="10.7759/cureus.35638",
        pub_model="Electronic",
    )
    assert cite(s, "ama") == (
        "Afridi SK. Intranasal ketamine in migraine with prolonged aura. Cureus. "
        "Published online March 1, 2023. doi:10.7759/cureus.35638"
    )
    # A record that only lacks a volume (PubMed did not say it is online-only, as in the
    # offline sample) is not claimed to be published online.
    unknown = dataclasses.replace(s, pub_model="")
    assert "Published online" not in cite(unknown, "ama")
    assert cite(s, "vancouver") == (
        "Afridi SK. Intranasal ketamine in migraine with prolonged aura. Cureus. "
        "2023 Mar 1. doi:10.7759/cureus.35638."
    )
    assert cite(s, "apa") == (
        "Afridi, S. K. (2023). Intranasal ketamine in migraine with prolonged aura. Cureus. "
        "https://doi.org/10.7759/cureus.35638"
    )


def test_e_locator_instead_of_pages() -> None:
    s = article(
        journal="Cureus",
        journal_abbrev="Cureus",
        volume="15",
        issue="3",
        pages="",
        elocation="e35638",
        pub_date="2023 Mar",
        year=2023,
    )
    assert "Cureus. 2023;15(3):e35638. doi:" in cite(s, "ama")
    assert "Cureus. 2023 Mar;15(3):e35638. doi:" in cite(s, "vancouver")
    assert "Cureus, 15(3), Article e35638. https://doi.org/" in cite(s, "apa")


def test_missing_pages_and_doi() -> None:
    s = article(pages="", doi="")
    assert cite(s, "ama").endswith("Neurology. 2013;80(7).")
    assert cite(s, "vancouver").endswith("Neurology. 2013 Feb 12;80(7).")
    assert cite(s, "apa").endswith("Neurology, 80(7).")


def test_medline_date_ranges() -> None:
    s = article(pub_date="2019 Nov-Dec", year=2019, pages="1614-22")
    assert "Neurology. 2019;80(7):1614-1622." in cite(s, "ama")
    assert "Neurology. 2019 Nov-Dec;80(7):1614-22." in cite(s, "vancouver")
    assert "(2019)." in cite(s, "apa") and "1614\u20131622." in cite(s, "apa")


def test_titles_with_inline_markup() -> None:
    s = article(
        title="Effect of S-ketamine on CO2 response.",
        title_html="Effect of <i>S</i>-ketamine on CO<sub>2</sub> response.",
    )
    for style in STYLES:
        assert "Effect of S-ketamine on CO2 response." in cite(s, style)
        assert "Effect of <i>S</i>-ketamine on CO<sub>2</sub> response." in str(cite_html(s, style))
    assert "<i>Neurology</i>, <i>80</i>(7), 642\u2013647." in str(cite_html(s, "apa"))
    assert "<i>Neurology.</i> 2013;80(7)" in str(cite_html(s, "ama"))
    assert "<i>" not in str(cite_html(article(), "vancouver"))  # NLM italicizes nothing


def test_non_english_titles_keep_pubmeds_brackets() -> None:
    s = article(
        title="[Ketamine in the treatment of chronic headache].",
        languages=("ger",),
        journal="Der Schmerz",
        journal_abbrev="Schmerz",
    )
    assert cite(s, "ama").startswith(
        "Afridi SK. [Ketamine in the treatment of chronic headache]. Schmerz. 2013;"
    )
    assert cite(s, "vancouver") == (
        "Afridi SK. [Ketamine in the treatment of chronic headache]. Schmerz. "
        "2013 Feb 12;80(7):642-7. doi:10.1212/WNL.0b013e3182824e66. German."
    )
    assert cite(s, "apa").startswith(
        "Afridi, S. K. (2013). [Ketamine in the treatment of chronic headache]. Der Schmerz, 80"
    )


def test_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown citation style 'mla'"):
        cite(article(), "mla")


def test_apa_ranges_take_an_en_dash() -> None:
    s = article(issue="5-6", pages="248-257.e1")
    assert "Neurology, 80(5\u20136), 248\u2013257.e1." in cite(s, "apa")
    # AMA and Vancouver keep PubMed's hyphens, as those styles print them.
    assert "2013;80(5-6):248-257.e1." in cite(s, "ama")


def test_apa_article_number_stored_as_the_pagination() -> None:
    s = article(journal="Cureus", volume="15", issue="3", pages="e35638")
    assert "Cureus, 15(3), Article e35638. https://doi.org/" in cite(s, "apa")
    assert "2013;15(3):e35638." in cite(s, "ama")
    s = article(journal="Frontiers in neurology", volume="13", issue="", pages="842082")
    assert "Frontiers in Neurology, 13, Article 842082." in cite(s, "apa")


@pytest.mark.parametrize(
    ("journal", "apa"),
    [
        ("Anesthesia and analgesia", "Anesthesia and Analgesia"),
        ("The journal of headache and pain", "The Journal of Headache and Pain"),
        (
            "Headache: the journal of head and face pain",
            "Headache: The Journal of Head and Face Pain",
        ),
        ("CNS drugs", "CNS Drugs"),
        ("eNeuro", "eNeuro"),
        ("Journal of pain research", "Journal of Pain Research"),
        ("Pain medicine (Malden, Mass.)", "Pain Medicine (Malden, Mass.)"),
        (
            "Cost-effectiveness and resource allocation",
            "Cost-Effectiveness and Resource Allocation",
        ),
    ],
)
def test_apa_sets_journal_names_in_title_case(journal: str, apa: str) -> None:
    assert apa_title_case(journal) == apa
    assert f"{apa}, 80(7)" in cite(article(journal=journal), "apa")
    # AMA cites the abbreviation, unchanged.
    assert apa not in cite(article(journal=journal, journal_abbrev="Abbrev"), "ama")
