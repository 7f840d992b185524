"""Settings: flags > environment > the project's evidence.toml > defaults, validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.errors import ConfigError, QueryError
from evidence.settings import read_toml, settings_from


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


def test_the_efetch_batch_size_comes_from_evidence_toml(tmp_path: Path) -> None:
    (tmp_path / "evidence.toml").write_text("batch_size = 2000\n", encoding="utf-8")
    assert settings_from(project=tmp_path, environ={}).batch_size == 2000
    (tmp_path / "evidence.toml").write_text("batch_size = 20000\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="batch_size = 20000 is not a number of records"):
        settings_from(project=tmp_path, environ={})
