"""Writing queries/curation.toml: comments, order and hand entries kept, atomic writes, undo,
and a hand edit made meanwhile loaded rather than overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.curation import load_curation
from evidence.curation_file import CurationFile, Decision
from evidence.errors import QueryError

HAND = """# Our decisions (kept by hand since 2024).
reasons = ["Off topic", "Anaesthesia only"]

# The landmark trial.
[[study]]
pmid = "111"  # coded at the journal club
design = "rct"
note = "Hand note."
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "curation.toml"
    p.write_text(HAND, encoding="utf-8")
    return p


def test_decisions_are_appended_and_the_hand_text_is_kept_byte_for_byte(path: Path) -> None:
    f = CurationFile(path)
    f.record(Decision("222", "exclude", reason="Off topic"))
    f.record(Decision("333", "include", note="Good", participants=12, featured=True))
    assert path.read_text(encoding="utf-8") == HAND + (
        '\n[[study]]\npmid = "222"\ndecision = "exclude"\nreason = "Off topic"\n'
        '\n[[study]]\npmid = "333"\ndecision = "include"\nnote = "Good"\nparticipants = 12\n'
        "featured = true\n"
    )
    entries = load_curation(path)  # what the next build reads
    assert entries["222"].reason == "Off topic" and entries["333"].featured
    assert entries["111"].design == "rct"
    assert not list(path.parent.glob(".curation-*"))  # no temporary left behind


def test_undo_takes_back_the_last_decision_and_only_it(path: Path) -> None:
    f = CurationFile(path)
    f.record(Decision("222", "exclude", reason="Off topic"))
    f.record(Decision("111", "include", note="Changed"))  # over the hand entry
    assert 'note = "Changed"' in path.read_text(encoding="utf-8")
    assert f.undo() == "111"
    assert path.read_text(encoding="utf-8") == HAND + (
        '\n[[study]]\npmid = "222"\ndecision = "exclude"\nreason = "Off topic"\n'
    )
    assert f.undo() == "222"
    assert path.read_text(encoding="utf-8") == HAND
    assert f.undo() is None


def test_a_hand_edit_made_meanwhile_is_loaded_not_overwritten(path: Path) -> None:
    f = CurationFile(path)
    f.record(Decision("222", "include"))
    edited = path.read_text(encoding="utf-8") + '\n# added by hand\n[[study]]\npmid = "444"\n'
    path.write_text(edited, encoding="utf-8")
    f.record(Decision("555", "exclude", reason="Anaesthesia only"))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(edited) and 'pmid = "555"' in text
    assert f.hand_edits == 1
    assert set(f.entries()) == {"111", "222", "444", "555"}


def test_a_broken_hand_edit_refuses_the_decision_and_keeps_the_file(path: Path) -> None:
    f = CurationFile(path)
    path.write_text(HAND + "[[study]\n", encoding="utf-8")
    with pytest.raises(QueryError, match="not valid TOML"):
        f.record(Decision("222", "include"))
    assert path.read_text(encoding="utf-8") == HAND + "[[study]\n"


def test_a_decision_the_file_would_refuse_is_not_written(path: Path) -> None:
    f = CurationFile(path, conditions={"migraine"})
    with pytest.raises(QueryError, match="unknown design"):
        f.record(Decision("222", "include", design="anecdote"))
    with pytest.raises(QueryError, match="not declared"):
        f.record(Decision("222", "include", conditions=("migrane",)))
    assert path.read_text(encoding="utf-8") == HAND


def test_reasons_are_the_projects_list_then_those_used(path: Path, tmp_path: Path) -> None:
    f = CurationFile(path)
    f.record(Decision("222", "exclude", reason="Conference abstract"))
    assert f.reasons() == ("Off topic", "Anaesthesia only", "Conference abstract")
    fresh = CurationFile(tmp_path / "new" / "curation.toml")
    assert "Wrong population" in fresh.reasons()  # the usual list when the project has none
    fresh.record(Decision("9", "include"))
    assert load_curation(tmp_path / "new" / "curation.toml")["9"].decision == "include"
