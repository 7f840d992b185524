"""Explicit, immutable configuration, built once at the edge.

Precedence: command-line flags > environment > the project's evidence.toml > defaults.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence.citations import STYLES
from evidence.errors import ConfigError
from evidence.eutils import DEFAULT_BASE_URL, DEFAULT_TOOL, EFETCH_BATCH, EFETCH_BATCH_LIMIT

ENV_EMAIL = "NCBI_EMAIL"
ENV_API_KEY = "NCBI_API_KEY"
ENV_EUTILS_URL = "EVIDENCE_EUTILS_URL"
ENV_STYLE = "EVIDENCE_STYLE"
STATE_DIR = ".evidence"
CONFIG_FILE = "evidence.toml"
# What evidence.toml may hold; anything else is refused so a typo cannot pass unnoticed.
CONFIG_KEYS = {
    "style": "citation style of the reports and exports: " + ", ".join(STYLES),
    "publish": "a table: what the short fragment for an article shows",
    "batch_size": f"records per EFetch request, 1-{EFETCH_BATCH_LIMIT:,} (default {EFETCH_BATCH})",
}
ONLY = ("included", "reviewed", "featured")
ORDERS = ("level", "year")
FRAGMENTS = ("inline", "classes")
# A link the fragment may carry to the full page: a web address or a path on the same site;
# never a scheme a browser would run (javascript:, data:) nor text that could leave the
# attribute.
_FULL_LIST_URL = re.compile(r"^(https?://[^\s\"'<>`]+|/?[A-Za-z0-9._~/%-]*[A-Za-z0-9._~/%-])$")


@dataclass(frozen=True)
class Publish:
    """What the short fragment for an article shows; the full page always shows everything.

    The selection never looks at results: studies are chosen by design and date alone, so
    positive and negative studies are chosen alike.
    """

    topics: tuple[str, ...] = ()  # query ids; () = every topic
    levels: tuple[str, ...] = ("synthesis", "rct")  # evidence-level keys (classify.LEVELS)
    per_topic: int = 10  # at most this many studies per topic; 0 = no limit
    per_level: int = 0  # at most this many per evidence level in a topic; 0 = no limit
    per_condition: int = 0  # at most this many per condition in a topic; 0 = no limit
    only: str = "included"  # included | reviewed (a reviewer included it) | featured
    order: str = "level"  # level: evidence level, then newest first; year: newest first
    full_list_url: str = ""  # where the full page is published: "See all N studies"
    fragment: str = "inline"  # inline styles, or classes with research-studies.css beside it


# Each [publish] key with what it holds, for the error that names a bad one.
PUBLISH_KEYS = {
    "topics": "a list of query ids",
    "levels": "a list of evidence levels",
    "per_topic": "a whole number, 0 for no limit",
    "per_level": "a whole number, 0 for no limit",
    "per_condition": "a whole number, 0 for no limit",
    "only": " | ".join(ONLY),
    "order": " | ".join(ORDERS),
    "full_list_url": "the address of the full page (https://... or a path)",
    "fragment": " | ".join(FRAGMENTS),
}


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know; no global or import-time configuration."""

    project: Path
    email: str = ""
    api_key: str = ""
    eutils_url: str = DEFAULT_BASE_URL
    tool: str = DEFAULT_TOOL
    batch_size: int = EFETCH_BATCH  # records per EFetch request
    max_time: float = 900.0  # seconds a refresh may spend talking to E-utilities
    style: str = "ama"  # citation style: one of evidence.citations.STYLES
    # Days an incremental window reaches back before the day the last successful run began:
    # PubMed's EDAT/MDAT are days (a record entered later that day was not seen yet), and
    # records can surface a little after the date they carry. A record revised inside the
    # overlap is fetched again; that is the price of never missing one.
    overlap_days: int = 1
    publish: Publish = field(default_factory=Publish)

    @property
    def queries_dir(self) -> Path:
        return self.project / "queries"

    @property
    def templates_dir(self) -> Path:
        return self.project / "templates"

    @property
    def reports_dir(self) -> Path:
        return self.project / "reports"

    @property
    def state_dir(self) -> Path:
        return self.project / STATE_DIR

    @property
    def curation_file(self) -> Path:
        return self.queries_dir / "curation.toml"

    def store_path(self, origin: str) -> Path:
        """One store per origin, so the offline sample never mixes with live PubMed data."""
        return self.state_dir / f"{origin}.sqlite"

    def __repr__(self) -> str:  # never show the key or the email in logs or tracebacks
        return (
            f"Settings(project={str(self.project)!r}, eutils_url={self.eutils_url!r}, "
            f"style={self.style!r}, email={'<set>' if self.email else '<unset>'}, "
            f"api_key={'<set>' if self.api_key else '<unset>'})"
        )


def settings_from(
    *,
    project: Path | None = None,
    email: str | None = None,
    eutils_url: str | None = None,
    max_time: float | None = None,
    style: str | None = None,
    publish: Mapping[str, Any] | None = None,
    environ: Mapping[str, str],
) -> Settings:
    """Settings from command-line values (None = not given) over the environment, over the
    project's evidence.toml. `publish` holds the [publish] keys given as flags."""
    root = (project or Path.cwd()).resolve()
    if not root.is_dir():
        raise ConfigError(f"project directory {root} does not exist")
    config = load_project_config(root / CONFIG_FILE)
    chosen_style = (style or environ.get(ENV_STYLE, "") or config.get("style") or "ama").strip()
    if chosen_style not in STYLES:
        raise ConfigError(
            f"unknown citation style {chosen_style!r}: choose one of {', '.join(STYLES)}"
        )
    return Settings(
        project=root,
        email=(email if email is not None else environ.get(ENV_EMAIL, "")).strip(),
        api_key=environ.get(ENV_API_KEY, "").strip(),
        eutils_url=(eutils_url or environ.get(ENV_EUTILS_URL, "") or DEFAULT_BASE_URL).strip(),
        max_time=max_time if max_time is not None else Settings.max_time,
        style=chosen_style,
        publish=publish_from(config.get("publish", {}), publish or {}, root / CONFIG_FILE),
        batch_size=config.get("batch_size", EFETCH_BATCH),
    )


def publish_from(config: Mapping[str, Any], flags: Mapping[str, Any], config_path: Path) -> Publish:
    """The [publish] table of evidence.toml with the flags laid over it, each value checked;
    a bad one raises ConfigError naming the key (or the flag) and what it may hold."""
    from evidence.classify import LEVELS  # here: classify imports queries, which imports us

    values: dict[str, Any] = {}
    for key, value, where, flag in [
        *((k, v, f"{config_path}: [publish] {k}", False) for k, v in config.items()),
        *((k, v, "--" + k.replace("_", "-"), True) for k, v in flags.items() if v is not None),
    ]:
        if key not in PUBLISH_KEYS:
            known = ", ".join(PUBLISH_KEYS)
            raise ConfigError(f"{where}: unknown key; known keys: {known}")
        bad = ConfigError(f"{where} = {value!r}: expected {PUBLISH_KEYS[key]}")
        if key in ("topics", "levels"):
            if flag and isinstance(value, str):  # --levels synthesis,rct
                value = [v.strip() for v in value.split(",") if v.strip()]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise bad
            if key == "levels":
                keys = [lv.key for lv in LEVELS]
                unknown = [v for v in value if v not in keys]
                if unknown or not value:
                    raise ConfigError(
                        f"{where} = {value!r}: expected evidence levels, from: {', '.join(keys)}"
                    )
            value = tuple(dict.fromkeys(value))
        elif key.startswith("per_"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise bad
        elif key == "full_list_url":
            if not isinstance(value, str) or (value and not _FULL_LIST_URL.match(value)):
                raise bad
        else:
            choices = {"only": ONLY, "order": ORDERS, "fragment": FRAGMENTS}[key]
            if value not in choices:
                raise bad
        values[key] = value
    return Publish(**values)


def read_toml(path: Path, error: type[ConfigError] = ConfigError) -> dict[str, Any] | None:
    """One of the project's TOML files (evidence.toml, a query file, the curation file) as a
    table; None when the file does not exist. A file that cannot be read, is not UTF-8 or is
    not TOML raises `error` in one line naming the file."""
    if path.exists() and not path.is_file():
        # A FIFO or a device would block the read (and the run) forever; a folder is a slip.
        raise error(f"{path}: not a regular file; a project's TOML files must be plain files")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: cannot read: not UTF-8 text ({exc.reason})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None


def load_project_config(path: Path) -> dict[str, Any]:
    """The project's evidence.toml, validated (an absent file is an empty configuration)."""
    data = read_toml(path) or {}
    for key in data:
        if key not in CONFIG_KEYS:
            known = "; ".join(f"{k} ({v})" for k, v in CONFIG_KEYS.items())
            raise ConfigError(f"{path}: unknown key {key!r}; known keys: {known}")
    if not isinstance(data.get("publish", {}), dict):
        raise ConfigError(f"{path}: publish must be a table ([publish])")
    style = data.get("style")
    if style is not None and style not in STYLES:
        raise ConfigError(
            f"{path}: style = {style!r} is not a citation style; choose one of {', '.join(STYLES)}"
        )
    batch = data.get("batch_size")
    if batch is not None and (
        not isinstance(batch, int)
        or isinstance(batch, bool)
        or not 1 <= batch <= EFETCH_BATCH_LIMIT
    ):
        raise ConfigError(
            f"{path}: batch_size = {batch!r} is not a number of records from 1 to "
            f"{EFETCH_BATCH_LIMIT:,} (NCBI returns at most that many to one EFetch)"
        )
    return data
