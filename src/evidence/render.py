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
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache

from evidence.errors import OutputError, TemplateError
from evidence.study import doi_url, pmc_url, pubmed_url

OUTPUTS = ("research-studies.html", "index.html", "research-studies.md", "feed.xml")
# Characters that can start Markdown markup anywhere in a line; '(' and '!' need a ']' or '['
# before them, which are escaped, and '#', '+', '-' matter only at the start of a line.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")
_MD_LIST_NUMBER = re.compile(r"^(\d{1,9})(?=[.)](?:\s|$))")
_MD_BLOCK_MARK = re.compile(r"^(?=(?:#{1,6}|[-+])(?:\s|$))")


def md_escape(value: object) -> str:
    """Text made inert in Markdown: no links, emphasis or raw HTML can be smuggled in."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))
    # '# x', '- x' and '2019. x' at the start of a line would become a heading or a list.
    text = _MD_LIST_NUMBER.sub(lambda m: m.group(1) + "\\", text)
    return _MD_BLOCK_MARK.sub(lambda _: "\\", text)


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process: a refresh loop or a test suite
    builds many times, and compiling the templates cost a third of a small build. Jinja checks
    each entry against its template's source, so an edited template is compiled anew."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code


_COMPILED = _CompiledTemplates()


def environment(project_templates: Path | None) -> jinja2.Environment:
    """The one Jinja environment: project overrides first, packaged defaults second."""
    loaders: list[jinja2.BaseLoader] = []
    if project_templates is not None and project_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(project_templates))
    loaders.append(jinja2.PackageLoader("evidence", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=lambda name: name is None or not name.endswith(".md"),  # HTML and XML
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_COMPILED,
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
        except ValueError as exc:  # a filter refused a value (a link from a bad identifier)
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


def write_all(directory: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Publish every file together or none.

    Each file is written to a temporary beside its target and synced; only when all are on
    disk are they renamed into place. The old files are kept as hard links until every rename
    succeeded, so a failure midway puts them back. A reader sees each file either whole old
    or whole new; only a crash between two renames can mix old and new files.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{directory}: cannot create the reports folder: {_why(exc)}") from exc
    _remove_leftovers(directory, files)
    staged: list[tuple[Path, Path]] = []
    backups: list[tuple[Path, Path]] = []
    switched: list[Path] = []
    try:
        for file_name, text in files.items():
            target = directory / file_name
            fd, tmp_name = tempfile.mkstemp(prefix=f".{file_name}.", suffix=".tmp", dir=directory)
            staged.append((Path(tmp_name), target))
            os.fchmod(fd, 0o644)  # mkstemp makes 0600; reports are meant to be published
            with os.fdopen(fd, "wb") as fh:  # text as UTF-8, "\n" line ends as written
                fh.write(text.encode("utf-8") if isinstance(text, str) else text)
                fh.flush()
                os.fsync(fh.fileno())
        for _, target in staged:
            if target.is_file():
                backup = target.with_name(f".{target.name}.previous")
                backup.unlink(missing_ok=True)
                os.link(target, backup)
                backups.append((backup, target))
        for tmp, target in staged:
            os.replace(tmp, target)
            switched.append(target)
        _fsync_dir(directory)
        return switched
    except OSError as exc:
        had = {t for _, t in backups}
        for backup, target in backups:
            if target in switched:
                with contextlib.suppress(OSError):
                    os.replace(backup, target)
        for target in switched:
            if target not in had:
                with contextlib.suppress(OSError):
                    target.unlink()
        where = exc.filename or directory
        raise OutputError(
            f"{where}: cannot write the reports ({_why(exc)}); the previous reports are unchanged"
        ) from exc
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        for backup, _ in backups:
            with contextlib.suppress(FileNotFoundError):
                backup.unlink()


def _remove_leftovers(directory: Path, names: Iterable[str]) -> None:
    """Temporaries and backups a build killed midway (kill -9) left behind."""
    for name in names:
        for leftover in (*directory.glob(f".{name}.*.tmp"), directory / f".{name}.previous"):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def render_page(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """One page of the review app (packaged templates, escaped like the reports)."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{name}: {_template_line(exc, name)}{exc}") from exc
