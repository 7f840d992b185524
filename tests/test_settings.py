"""Settings: flags > environment > the project's evidence.toml > defaults, validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.errors import ConfigError, QueryError
from evidence.settings import Publish, read_toml, settings_from


def test_style_defaults_to_ama(tmp_path: Path) -> None:
    assert settings_from(project=tmp_path, environ={}).style == "ama"


def test_style_precedence_flag_over_environment_over_project_file(tmp_path: Path) -> None:
    (tmp_path / "evidence.toml").write_text('style = "apa"\n', encoding="utf-8")
    assert settings_from(project=tmp_path, environ={}).style == "apa"
    env = {"EVIDENCE_STYLE": "vancouver"}
    assert settings_from(project=tmp_path, environ=env).style == "vancouver"
    assert settings_from(project=tmp_path, style="ama", environ=env).style == "ama"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('style = "mla"\n', r"evidence.toml: style = 'mla' is not a citation style"),
        ('styel = "apa"\n', r"evidence.toml: unknown key 'styel'; known keys: style"),
        ("style = \n", r"evidence.toml: not valid TOML"),
    ],
)
def test_a_bad_project_file_is_refused_with_its_name(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "evidence.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        settings_from(project=tmp_path, environ={})


def test_an_unknown_style_from_the_environment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown citation style 'chicago'"):
        settings_from(project=tmp_path, environ={"EVIDENCE_STYLE": "chicago"})


def test_a_missing_project_directory_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"project directory .*nowhere does not exist"):
        settings_from(project=tmp_path / "nowhere", environ={})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"style = \n", "not valid TOML"),
        (b'style = "\xe9"\n', "cannot read: not UTF-8 text"),
    ],
)
def test_every_project_toml_file_is_read_the_same_way(
    tmp_path: Path, content: bytes, message: str
) -> None:
    """evidence.toml, query files and the curation file: one reader, one kind of error."""
    path = tmp_path / "some.toml"
    path.write_bytes(content)
    with pytest.raises(QueryError, match=rf"some\.toml: {message}"):
        read_toml(path, QueryError)
    assert read_toml(tmp_path / "absent.toml") is None


def test_publish_defaults_and_the_project_file(tmp_path: Path) -> None:
    assert settings_from(project=tmp_path, environ={}).publish == Publish()
    assert Publish().levels == ("synthesis", "rct") and Publish().per_topic == 10
    (tmp_path / "evidence.toml").write_text(
        '[publish]\ntopics = ["headache"]\nlevels = ["rct", "synthesis"]\nper_level = 3\n'
        'only = "featured"\norder = "year"\nfull_list_url = "/evidence/"\n'
        'fragment = "classes"\n',
        encoding="utf-8",
    )
    publish = settings_from(project=tmp_path, environ={}).publish
    assert publish == Publish(
        topics=("headache",),
        levels=("rct", "synthesis"),
        per_level=3,
        only="featured",
        order="year",
        full_list_url="/evidence/",
        fragment="classes",
    )
    flags = {"per_level": 0, "levels": "cases", "only": None, "full_list_url": "https://e.org/x"}
    over = settings_from(project=tmp_path, publish=flags, environ={}).publish
    assert over.per_level == 0 and over.levels == ("cases",) and over.only == "featured"
    assert over.full_list_url == "https://e.org/x"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("per_topic = -1", r"\[publish\] per_topic = -1: expected a whole number"),
        ('per_topic = "5"', r"\[publish\] per_topic = '5': expected a whole number"),
        ("per_condition = true", r"\[publish\] per_condition = True: expected"),
        ('levels = ["rct", "anecdote"]', r"\[publish\] levels = .*from: synthesis, rct"),
        ("levels = []", r"\[publish\] levels = \[\]: expected evidence levels"),
        ('levels = "rct"', r"\[publish\] levels = 'rct': expected a list"),
        ('topics = "headache"', r"\[publish\] topics = 'headache': expected a list"),
        ('only = "best"', r"\[publish\] only = 'best': expected included \| reviewed"),
        ('order = "impact"', r"\[publish\] order = 'impact': expected level \| year"),
        ('fragment = "css"', r"\[publish\] fragment = 'css': expected inline \| classes"),
        ('full_list_url = "javascript:alert(1)"', r"\[publish\] full_list_url = 'javascript"),
        ('full_list_url = "x\\"onclick"', r"\[publish\] full_list_url = "),
        ("per_study = 1", r"\[publish\] per_study: unknown key; known keys: topics, levels"),
    ],
)
def test_a_bad_publish_value_names_its_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "evidence.toml").write_text(f"[publish]\n{text}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        settings_from(project=tmp_path, environ={})


def test_publish_must_be_a_table(tmp_path: Path) -> None:
    (tmp_path / "evidence.toml").write_text('publish = "short"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"publish must be a table"):
        settings_from(project=tmp_path, environ={})


def test_the_efetch_batch_size_comes_from_evidence_toml(tmp_path: Path) -> None:
    (tmp_path / "evidence.toml").write_text("batch_size = 2000\n", encoding="utf-8")
    assert settings_from(project=tmp_path, environ={}).batch_size == 2000
    (tmp_path / "evidence.toml").write_text("batch_size = 20000\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="batch_size = 20000 is not a number of records"):
        settings_from(project=tmp_path, environ={})
