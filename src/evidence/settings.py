"""Explicit, immutable configuration, built once at the edge (flags > environment > defaults)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from evidence.eutils import DEFAULT_BASE_URL, DEFAULT_TOOL

ENV_EMAIL = "NCBI_EMAIL"
ENV_API_KEY = "NCBI_API_KEY"
ENV_EUTILS_URL = "EVIDENCE_EUTILS_URL"
STATE_DIR = ".evidence"


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know; no global or import-time configuration."""

    project: Path
    email: str = ""
    api_key: str = ""
    eutils_url: str = DEFAULT_BASE_URL
    tool: str = DEFAULT_TOOL
    batch_size: int = 200
    max_time: float = 900.0  # seconds a refresh may spend talking to E-utilities
    # Days an incremental window reaches back before the day the last successful run began:
    # PubMed's EDAT/MDAT are days (a record entered later that day was not seen yet), and
    # records can surface a little after the date they carry. A record revised inside the
    # overlap is fetched again; that is the price of never missing one.
    overlap_days: int = 1

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
            f"email={'<set>' if self.email else '<unset>'}, "
            f"api_key={'<set>' if self.api_key else '<unset>'})"
        )


def settings_from(
    *,
    project: Path | None = None,
    email: str | None = None,
    eutils_url: str | None = None,
    max_time: float | None = None,
    environ: Mapping[str, str],
) -> Settings:
    """Settings from command-line values (None = not given) over the environment."""
    return Settings(
        project=(project or Path.cwd()).resolve(),
        email=(email if email is not None else environ.get(ENV_EMAIL, "")).strip(),
        api_key=environ.get(ENV_API_KEY, "").strip(),
        eutils_url=(eutils_url or environ.get(ENV_EUTILS_URL, "") or DEFAULT_BASE_URL).strip(),
        max_time=max_time if max_time is not None else Settings.max_time,
    )
