"""Reports through one Jinja environment: project templates over the packaged defaults.

Autoescaping is on for HTML and StrictUndefined catches template typos. All outputs of a build
are rendered in memory first, then written to temporary files and renamed into place, so a
failing template or a full disk leaves the published reports as they were.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import hashlib
import os
import pickle
import re
import shutil
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import jinja2
import jinja2.bccache
import jinja2.meta
from markupsafe import Markup

from evidence.errors import OutputError, TemplateError
from evidence.pieces import Pieces, Wanted, code_digest, digest_of, texts_of
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
    builds many times, and compiling the templates cost a third of a small build. Jinja
    checks each entry against its template's source (and its own and Python's version), so
    an edited template is compiled anew; the key also holds the package's code
    (evidence.pieces.code_digest), which sets how templates compile (trim_blocks,
    autoescape, ...)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        where = f"{code_digest()}\0{name}\0{filename or ''}"
        return hashlib.blake2b(where.encode(), digest_size=16).hexdigest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code


class _KeptTemplates(jinja2.BytecodeCache):
    """The process's compiled templates (_COMPILED), also kept as files in `folder` (made
    when first written) for the next process: each nightly build is a new process, and
    compiling the eight templates again cost it 0.3 s. A file that cannot be read, or is
    damaged, is compiled again; one that cannot be written is left out; never an error.
    Not jinja2.FileSystemBytecodeCache, which reads and writes the same bucket format: its
    write raises where the folder cannot be written (a full disk would fail the build), and
    its read raises on a damaged file's checksum."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return _COMPILED.get_cache_key(name, filename)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        _COMPILED.load_bytecode(bucket)
        if bucket.code is None and self._read(bucket):
            _COMPILED.dump_bytecode(bucket)

    def _read(self, bucket: jinja2.bccache.Bucket) -> bool:
        try:
            bucket.bytecode_from_string((self._folder / f"{bucket.key}.jinja").read_bytes())
        except OSError:
            return False
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError):
            bucket.reset()  # damaged: compiled again, and the file written anew
            return False
        return bucket.code is not None  # else made by another Jinja, Python or source

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        _COMPILED.dump_bytecode(bucket)
        path = self._folder / f"{bucket.key}.jinja"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(bucket.bytecode_to_string())
            os.replace(tmp, path)  # whole or not at all, for a build running beside
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


_COMPILED = _CompiledTemplates()


def environment(
    project_templates: Path | None, *, compiled: Path | None = None
) -> jinja2.Environment:
    """The one Jinja environment: project overrides first, packaged defaults second.
    `compiled`: a folder where compiled templates are kept between processes (the
    project's state folder), else they are kept for this process only."""
    loaders: list[jinja2.BaseLoader] = []
    if project_templates is not None and project_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(project_templates))
    loaders.append(jinja2.PackageLoader("evidence", "templates"))
    cache = _COMPILED if compiled is None else _KeptTemplates(compiled)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=lambda name: name is None or not name.endswith(".md"),  # HTML and XML
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=cache,
    )
    env.filters["md"] = md_escape
    env.filters["doi_url"] = doi_url
    env.filters["pubmed_url"] = pubmed_url
    env.filters["pmc_url"] = pmc_url
    env.filters["thousands"] = lambda n: f"{int(n):,}"
    return env


def render_all(env: jinja2.Environment, context: Mapping[str, Any]) -> dict[str, str]:
    """Render every output in memory; a broken template raises TemplateError naming it."""
    return {name: "".join(parts) for name, parts in render_parts(env, context).items()}


def render_parts(
    env: jinja2.Environment, context: Mapping[str, Any], *, pieces: Pieces | None = None
) -> dict[str, Iterator[str]]:
    """Every output as pieces rendered while it is written (the full page of 50,000 studies
    is tens of MB, and several times that while rendered whole). A template that does not
    compile raises TemplateError here; one that fails while rendering, when its pieces are
    asked for (the build then fails before anything is published). With `pieces`, each
    entry of the full page is the one kept in the store where its values and template are
    those it was rendered from (see page_entries)."""
    out: dict[str, Iterator[str]] = {}
    for name in OUTPUTS:
        try:
            template = env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(f"{name}: {_template_line(exc, name)}{exc}") from exc
        if name == "index.html":
            _page_entries(env, context, pieces)
        out[name] = _rendered(template, name, context)
    return out


PAGE_ENTRY = "page-entry.html"


def _page_entries(
    env: jinja2.Environment, context: Mapping[str, Any], pieces: Pieces | None
) -> None:
    """Each entry of the full page rendered once through page-entry.html, as its `html`
    (which the page shows in its place), and kept with `pieces`: the same values through
    the same template source give the same text. A page-entry.html that reads anything but
    its entry `e` (a project's override) or includes other templates is left to the page to
    include, as before, and nothing of it is kept."""
    try:
        source = env.loader.get_source(env, PAGE_ENTRY)[0] if env.loader else None
        if source is None:
            return
        tree = env.parse(source)
        template = env.get_template(PAGE_ENTRY)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateError:
        return  # no such template: the page says so itself when it includes it
    if jinja2.meta.find_undeclared_variables(tree) - {"e"} or any(
        True for _ in jinja2.meta.find_referenced_templates(tree)
    ):
        return
    salt = hashlib.blake2b(source.encode(), digest_size=16).hexdigest()
    fields = _entry_fields(tree)
    for topic in context["topics"]:
        entries = [e for level in topic["levels"] for e in level["entries"]]
        entries += [e for group in topic["excluded"] for e in group["entries"]]
        wanted: Iterator[Wanted] = (
            (str(e["pmid"]), f"{salt}\0{digest_of(_read_of(e, fields))}", _entry_maker(template, e))
            for e in entries
        )
        made = texts_of(pieces, f"page:{topic['id']}", wanted)
        for e, text in zip(entries, made, strict=True):
            e["html"] = Markup(text)


def _entry_fields(tree: jinja2.nodes.Template) -> tuple[str, ...] | None:
    """The fields of its entry `e` a page-entry.html reads, where it reads `e` only by fixed
    names (`e.year`, `e["year"]`): what an entry's kept text is keyed by, so that a value it
    never shows (a short label that gained a letter when a namesake's study arrived) makes
    nothing again. None where it reads `e` otherwise (whole, by a computed key, through a
    method of dict such as `e.items()`): then every value is in the key."""
    uses = [n for n in tree.find_all(jinja2.nodes.Name) if n.name == "e"]
    if any(n.ctx != "load" for n in uses):
        return None  # `e` set or looped over within the template: not only the entry
    fields: set[str] = set()
    named = 0
    for node in tree.find_all((jinja2.nodes.Getattr, jinja2.nodes.Getitem)):
        assert isinstance(node, (jinja2.nodes.Getattr, jinja2.nodes.Getitem))
        if not (isinstance(node.node, jinja2.nodes.Name) and node.node.name == "e"):
            continue
        if isinstance(node, jinja2.nodes.Getattr):
            field = node.attr
        elif isinstance(node.arg, jinja2.nodes.Const) and isinstance(node.arg.value, str):
            field = node.arg.value
        else:
            return None
        if hasattr(dict, field):
            return None  # e.get(...), e.items(): any field may be read
        fields.add(field)
        named += 1
    return tuple(sorted(fields)) if named == len(uses) else None


_ABSENT = "\0absent"


def _read_of(entry: Mapping[str, Any], fields: tuple[str, ...] | None) -> str:
    """What of `entry` its kept text is made from: the `fields` the template reads (absent
    ones marked), or all of it."""
    if fields is None:
        return repr(entry)
    return repr([entry.get(f, _ABSENT) for f in fields])


def _entry_maker(template: jinja2.Template, entry: Mapping[str, Any]) -> Any:
    def make() -> str:
        try:
            return template.render(e=entry)
        except jinja2.TemplateError as exc:
            raise TemplateError(f"{PAGE_ENTRY}: {_template_line(exc, PAGE_ENTRY)}{exc}") from exc
        except ValueError as exc:  # a filter refused a value (a link from a bad identifier)
            raise TemplateError(f"{PAGE_ENTRY}: {_template_line(exc, PAGE_ENTRY)}{exc}") from exc

    return make


_PIECE = 1 << 16  # characters: Jinja's many small pieces, gathered


def _rendered(template: jinja2.Template, name: str, context: Mapping[str, Any]) -> Iterator[str]:
    pieces: list[str] = []
    size = 0
    try:
        for piece in template.generate(**context):
            pieces.append(piece)
            size += len(piece)
            if size >= _PIECE:
                yield "".join(pieces)
                pieces, size = [], 0
    except jinja2.TemplateSyntaxError as exc:  # an included template that does not compile
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{name}: {_template_line(exc, name)}{exc}") from exc
    except ValueError as exc:  # a filter refused a value (a link from a bad identifier)
        raise TemplateError(f"{name}: {_template_line(exc, name)}{exc}") from exc
    yield "".join(pieces)


def _template_line(exc: BaseException, name: str) -> str:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f"line {line}: " if line else ""


# A file of a build: its text or bytes, or its pieces in order (an export made record by
# record while it is written, never whole in memory).
Content = str | bytes | Iterable[str | bytes]


def write_all(directory: Path, files: Mapping[str, Content]) -> list[Path]:
    """Publish every file together or none: readers see the whole old set or the whole new
    one, even if the process is killed midway.

    The new set is written into a folder beside `directory` (every other file of the folder
    hard-linked in, so nothing of the project's is lost), synced, then swapped with it in one
    atomic rename (Linux's renameat2 RENAME_EXCHANGE); the old folder is then removed. A
    build killed before the swap leaves the old reports as they were, and after it the new
    ones; the next build clears what the killed one left. Where the system cannot swap two
    folders, the files are switched one by one instead, the old ones put back on failure.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{directory}: cannot create the reports folder: {_why(exc)}") from exc
    _remove_leftovers(directory, files)
    if directory.is_symlink() or not _can_swap():
        return _write_one_by_one(directory, files)
    staging = directory.with_name(f".{directory.name}.staging")
    try:
        for name in files:
            if (directory / name).is_dir():  # never swapped away with the old reports
                raise IsADirectoryError(errno.EISDIR, "a folder is in the way", directory / name)
        staging.mkdir()
        staging.chmod(stat.S_IMODE(directory.stat().st_mode))  # as published, umask aside
        for entry in directory.iterdir():
            if entry.name not in files:
                _link_into(entry, staging / entry.name)
        for file_name, text in files.items():
            _write_synced(staging / file_name, text)
        _fsync_dir(staging)
        try:
            _swap(staging, directory)
        except OSError as exc:
            if exc.errno not in _NO_SWAP:
                raise
            # This filesystem or kernel cannot swap folders (NFS, some FUSE mounts, a mount
            # point): switch the files one by one instead.
            shutil.rmtree(staging, ignore_errors=True)
            return _write_one_by_one(directory, files)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        where = exc.filename or directory
        raise OutputError(
            f"{where}: cannot write the reports ({_why(exc)}); the previous reports are unchanged"
        ) from exc
    except BaseException:  # a file whose pieces failed while written: nothing is switched
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _fsync_dir(directory.parent)
    shutil.rmtree(staging, ignore_errors=True)  # the old reports, now under the staging name
    return [directory / name for name in files]


def _write_synced(path: Path, content: Content) -> None:
    with path.open("xb") as fh:  # text as UTF-8, "\n" line ends as written
        os.fchmod(fh.fileno(), 0o644)  # reports are meant to be published
        write_content(fh, content)
        fh.flush()
        os.fsync(fh.fileno())


def write_content(fh: BinaryIO, content: Content) -> None:
    """A file's content written to `fh`: text as UTF-8, pieces in turn as they are made."""
    if isinstance(content, (str, bytes)):
        content = (content,)
    pending: list[bytes] = []
    size = 0
    for part in content:  # gathered into writes of about a megabyte
        data = part.encode("utf-8") if isinstance(part, str) else part
        pending.append(data)
        size += len(data)
        if size >= _WRITE_SIZE:
            fh.write(b"".join(pending))
            pending, size = [], 0
    fh.write(b"".join(pending))


_WRITE_SIZE = 1 << 20


def _link_into(entry: Path, target: Path) -> None:
    """A file or folder of the old reports/ carried into the new one: hard links (no copy),
    or a copy where the system refuses a link (another user's file under protected_hardlinks)."""
    if entry.is_dir() and not entry.is_symlink():
        shutil.copytree(entry, target, symlinks=True, copy_function=_link_or_copy)
    elif entry.is_symlink():
        os.symlink(os.readlink(entry), target)
    else:
        _link_or_copy(entry, target)


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EACCES, errno.EXDEV, errno.EMLINK):
            raise
        shutil.copy2(source, target)


# What renameat2 answers where the kernel or the filesystem cannot exchange two folders.
_NO_SWAP = frozenset(
    {errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.EBUSY, errno.EOPNOTSUPP, errno.ENOTSUP}
)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_renameat2: Any = None


def _can_swap() -> bool:
    """Whether this system can swap two folders atomically (Linux, glibc 2.28 or later)."""
    global _renameat2
    if _renameat2 is None:
        libc = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
        function = getattr(ctypes.CDLL(libc, use_errno=True), "renameat2", None) if libc else None
        _renameat2 = function or False
    return bool(_renameat2)


def _swap(a: Path, b: Path) -> None:
    """Exchange two folders in one atomic step."""
    done = _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(b))


def _write_one_by_one(directory: Path, files: Mapping[str, Content]) -> list[Path]:
    """Each file written beside its target and synced, then all renamed into place; the old
    files are kept as hard links until every rename succeeded, so a failure puts them back."""
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
                write_content(fh, text)
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
    """What a build killed midway (kill -9) left behind: its staging folder (the new reports
    before the swap, or the old ones after it), temporaries and backups."""
    shutil.rmtree(directory.with_name(f".{directory.name}.staging"), ignore_errors=True)
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
