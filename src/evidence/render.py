"""Reports through one Jinja environment: project templates over the packaged defaults.

Autoescaping is on for HTML and StrictUndefined catches template typos. All outputs of a build
are rendered in memory first, then written to temporary files and renamed into place, so a
failing template or a full disk leaves the published reports as they were.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from evidence.errors import TemplateError

OUTPUTS = ("research-studies.html", "index.html", "research-studies.md")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_PMID = re.compile(r"^\d{1,9}$")
_PMCID = re.compile(r"^PMC\d{1,9}$")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def pubmed_url(pmid: str) -> str:
    """The canonical PubMed link, only ever for a valid PMID."""
    if not _PMID.match(pmid):
        raise ValueError(f"not a PMID: {pmid!r}")
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def doi_url(doi: str) -> str:
    """https://doi.org/<doi> for a well-formed DOI, else '' (no link is better than a bad one)."""
    if not _DOI.match(doi):
        return ""
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def pmc_url(pmcid: str) -> str:
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/" if _PMCID.match(pmcid) else ""


def md_escape(value: object) -> str:
    """Text made inert in Markdown: no links, emphasis or raw HTML can be smuggled in."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def environment(project_templates: Path | None) -> jinja2.Environment:
    """The one Jinja environment: project overrides first, packaged defaults second."""
    loaders: list[jinja2.BaseLoader] = []
    if project_templates is not None and project_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(project_templates))
    loaders.append(jinja2.PackageLoader("evidence", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=lambda name: name is None or not name.endswith(".md"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = md_escape
    env.filters["doi_url"] = doi_url
    env.filters["pubmed_url"] = pubmed_url
    env.filters["pmc_url"] = pmc_url
    env.filters["thousands"] = lambda n: f"{int(n):,}"
    return env


def render_all(env: jinja2.Environment, context: Mapping[str, Any]) -> dict[str, str]:
    """Render every output in memory; a broken template raises TemplateError naming it."""
    out: dict[str, str] = {}
    for name in OUTPUTS:
        try:
            out[name] = env.get_template(name).render(**context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(f"{name}: {_template_line(exc, name)}{exc}") from exc
    return out


def _template_line(exc: BaseException, name: str) -> str:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f"line {line}: " if line else ""


def write_all(directory: Path, files: Mapping[str, str]) -> list[Path]:
    """Write every file atomically: all temporaries first, then one rename each."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TemplateError(f"{directory}: cannot create the reports folder: {exc}") from exc
    staged: list[tuple[str, Path]] = []
    try:
        for name, text in files.items():
            fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
            staged.append((name, Path(tmp_name)))
            os.fchmod(fd, 0o644)  # mkstemp makes 0600; reports are meant to be published
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
        written: list[Path] = []
        for name, tmp in staged:
            os.replace(tmp, directory / name)
            written.append(directory / name)
        return written
    except OSError as exc:
        raise TemplateError(
            f"{directory}: cannot write the reports ({exc.strerror or exc}); "
            "the previous reports are unchanged"
        ) from exc
    finally:
        for _, tmp in staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def safe(markup: str) -> Markup:
    """Mark already-sanitized markup as safe (citations built by evidence.citations)."""
    return Markup(markup)
