"""A build: every report and export of one View, rendered in memory and published as one set.

A build whose inputs are those of the last one published (the store's content, the queries and
curation, the templates, the settings and the evidence package itself) is skipped: a quiet
night leaves every file of reports/, its bytes and its time, as it was.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import evidence
from evidence.chart import YearCounts, studies_by_year_svg
from evidence.curation import Curation
from evidence.errors import OutputError
from evidence.exports import EXPORT_FILES, export_parts, made_by_worker, worker_size
from evidence.lock import project_lock
from evidence.pieces import Pieces
from evidence.publish import STYLESHEET_FILE, stylesheet
from evidence.queries import Query
from evidence.render import Content, environment, render_parts, write_all
from evidence.report import CHART_FILE, Draw, chart_data, report_context
from evidence.settings import CONFIG_FILE, Settings
from evidence.store import Store
from evidence.view import (
    View,
    curation_warning,
    load_view,
    open_store,
    stored_curation_warning,
)
from evidence.worker import Worker, started_worker

_PACKAGE = Path(evidence.__file__).resolve().parent


def build_parts(
    view: View,
    templates_dir: Path | None = None,
    *,
    elsewhere: Mapping[str, Iterable[bytes]] | None = None,
    pieces: Pieces | None = None,
    draw: Draw | None = None,
    compiled: Path | None = None,
) -> dict[str, Content]:
    """Every file of reports/ by name: the pages, Markdown and feed through the templates
    (project overrides in `templates_dir` first), the chart, and one file per export, each
    export as pieces made while it is written (a record at a time). `elsewhere`: the files
    a worker process makes (exports.made_by_worker), listed last, so that this process
    writes its own files while the worker makes those. `pieces`: each study's rendered
    pieces kept in the view's store, reused where nothing they are made from changed.
    `draw`: what draws the chart (a worker's Worker.chart), else this process.
    `compiled`: a folder keeping compiled templates for the next build (render.environment)."""
    context = report_context(view, draw=draw) if draw is not None else report_context(view)
    env = environment(templates_dir, compiled=compiled)
    files: dict[str, Content] = dict(render_parts(env, context, pieces=pieces))
    files[CHART_FILE] = context["chart"]["file_svg"]
    if view.publish.fragment == "classes":  # the fragment's looks, for hosts that allow a sheet
        files[STYLESHEET_FILE] = stylesheet()
    elsewhere = elsewhere or {}
    for fmt, name in EXPORT_FILES.items():
        if name not in elsewhere:
            files[name] = export_parts(view, fmt, pieces=pieces)
    files.update(elsewhere)
    return files


def build_files(view: View, templates_dir: Path | None = None) -> dict[str, str | bytes]:
    """Every file of reports/ by name, whole: text, or bytes for the workbook."""
    return {
        name: content if isinstance(content, (str, bytes)) else _whole(content)
        for name, content in build_parts(view, templates_dir).items()
    }


def _whole(parts: Iterable[str | bytes]) -> str | bytes:
    pieces = list(parts)
    if all(isinstance(p, bytes) for p in pieces) and pieces:
        return b"".join(p for p in pieces if isinstance(p, bytes))
    return "".join(str(p) for p in pieces)


def publish(
    settings: Settings,
    view: View,
    *,
    worker: Worker | None = None,
    pieces: Pieces | None = None,
) -> list[Path]:
    """Write the build of `view` into reports/, all files switched together or none.
    `worker`: a worker process reading the view's store (see publish_store), which then
    makes some of the exports on the other core while this process makes the rest.
    `pieces`: the rendered pieces kept in the view's store (evidence.pieces)."""
    where = settings.reports_dir.resolve()
    if not where.is_relative_to(settings.project.resolve()):
        # A reports/ symlinked elsewhere would have the build overwrite files it never made.
        raise OutputError(
            f"{settings.reports_dir} leads outside the project (to {where}); make it a "
            "folder of the project, and publish from there"
        )
    elsewhere, draw = None, None
    if worker is not None:
        chart = view.once("chart_data", lambda: chart_data(view))
        elsewhere = made_by_worker(view, worker, chart=chart)
        draw = _drawn_by(worker, chart)
    files = build_parts(
        view,
        settings.templates_dir,
        elsewhere=elsewhere,
        pieces=pieces,
        draw=draw,
        compiled=settings.state_dir / "compiled-templates",
    )
    return write_all(settings.reports_dir, files)


def _drawn_by(worker: Worker, sent: tuple[YearCounts, str]) -> Draw:
    """The chart as the worker draws it from the data and title it was sent; drawn here
    if the worker is late or failed, or for other data (which a build does not ask for)."""

    def draw(data: YearCounts, title: str) -> str:
        drawn = worker.chart() if (data, title) == sent else None
        return drawn if drawn is not None else studies_by_year_svg(data, title=title)

    return draw


def project_digest(settings: Settings) -> str:
    """A digest of the project's files a build reads: queries/ (the curation file with
    them), templates/ and evidence.toml. A refresh takes it when it reads those files, so
    an edit made while it runs is a change the next build still sees."""
    digest = hashlib.sha256()
    for label, folder in (("queries", settings.queries_dir), ("templates", settings.templates_dir)):
        _digest_folder(digest, label, folder)
    config = settings.project / CONFIG_FILE
    if config.is_file():
        digest.update(b"\nevidence.toml\n" + config.read_bytes())
    return digest.hexdigest()


def inputs_digest(
    settings: Settings, origin: str, store: Store, *, project: str | None = None
) -> str:
    """A digest of everything a build of `origin` reads: the store's content, the project's
    files (`project`, from project_digest, when the caller read them earlier), the citation
    style and publishing choices (flags included), and the package's version, code,
    templates and sample."""
    digest = hashlib.sha256()
    digest.update(f"{evidence.__version__}\n{origin}\n{settings.style}\n".encode())
    # The publishing choices as settled (evidence.toml and the command's flags alike).
    digest.update(json.dumps(dataclasses.asdict(settings.publish), sort_keys=True).encode())
    digest.update(store.content_digest().encode())
    _digest_folder(digest, "package", _PACKAGE)
    digest.update((project or project_digest(settings)).encode())
    return digest.hexdigest()


def _digest_folder(digest: Any, label: str, folder: Path) -> None:
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    for path in files:
        if "__pycache__" in path.parts:
            continue
        digest.update(f"\n{label}/{path.relative_to(folder).as_posix()}\n".encode())
        digest.update(path.read_bytes())


def _on_disk(reports_dir: Path, names: list[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for name in names:
        try:
            stat = (reports_dir / name).stat()
        except OSError:
            continue
        out[name] = [stat.st_size, stat.st_mtime_ns]
    return out


def publish_store(
    settings: Settings,
    origin: str,
    store: Store,
    *,
    queries: list[Query] | None = None,
    curation: Curation | None = None,
    rebuild: bool = False,
    on_warning: Callable[[str], None] | None = None,
    project: str | None = None,
) -> list[Path]:
    """Publish the build of `store` into reports/, unless nothing it reads changed since the
    last build published from it and its files are still there as written (then nothing is
    written and the list is empty). `rebuild` builds whatever the digest says. Either way
    the store's runs count as published from then on; a build that fails marks nothing."""
    digest = inputs_digest(settings, origin, store, project=project)
    last = store.last_published()
    if (
        not rebuild
        and last is not None
        and last[0] == digest
        and last[1]  # and the files it wrote are still there, as it wrote them
        and _on_disk(settings.reports_dir, list(last[1])) == last[1]
    ):
        store.mark_published()
        if on_warning is not None:  # the warning a build gives, even when it has nothing to do
            warning = stored_curation_warning(settings, origin, store, queries, curation)
            if warning:
                on_warning(warning)
        return []
    with ExitStack() as stack:
        worker = None
        if worker_size(store.counts()["studies"]):
            # Started before the View is loaded: it reads the studies meanwhile, on the
            # other core, and makes some exports while this process makes the rest.
            worker = stack.enter_context(started_worker(settings.store_path(origin)))
        stack.enter_context(_collected_less())
        view = load_view(
            settings,
            origin,
            store,
            queries=queries,
            curation=curation,
            keep_grades=True,
            abridged=True,  # the store stays open until the build is published
        )
        gc.freeze()  # the View lives as long as the build: no collection need look at it again
        written = publish(settings, view, worker=worker, pieces=Pieces(store))
    store.set_published(digest, _on_disk(settings.reports_dir, [p.name for p in written]))
    store.mark_published()  # only now: a failed build announces its news next time
    if on_warning is not None and (warning := curation_warning(view)):
        on_warning(warning)
    return written


@contextmanager
def _collected_less() -> Iterator[None]:
    """Python's cyclic garbage collector looking less often while a build runs: a build
    makes millions of objects that live until it ends (the View's studies, the table, the
    page's values), and each full collection went through all of them again (a fifth of a
    10,000-study build's time, measured with gc.callbacks). What exists when it starts and
    what the View holds are set aside (gc.freeze), and young objects are collected less
    often; everything is as it was after."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], 50_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def build(
    settings: Settings,
    *,
    origin: str,
    rebuild: bool = False,
    on_warning: Callable[[str], None] | None = None,
) -> list[Path]:
    """Render every report from the store of `origin` into reports/, under the project lock
    (a build never publishes a store that a refresh is halfway through). Returns the files
    written: none when the reports were already those of the store (`rebuild` forces it)."""
    with project_lock(settings), open_store(settings, origin) as store:
        return publish_store(settings, origin, store, rebuild=rebuild, on_warning=on_warning)
