"""A build: every report and export of one View, rendered in memory and published as one set."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from evidence.errors import OutputError
from evidence.exports import EXPORT_FILES, export_file
from evidence.lock import project_lock
from evidence.publish import STYLESHEET_FILE, stylesheet
from evidence.render import environment, render_all, write_all
from evidence.report import CHART_FILE, report_context
from evidence.settings import Settings
from evidence.view import View, curation_warning, load_view, open_store


def build_files(view: View, templates_dir: Path | None = None) -> dict[str, str | bytes]:
    """Every file of reports/ by name: the pages, Markdown and feed through the templates
    (project overrides in `templates_dir` first), the chart, and one file per export."""
    context = report_context(view)
    files: dict[str, str | bytes] = dict(render_all(environment(templates_dir), context))
    files[CHART_FILE] = context["chart"]["file_svg"]
    if view.publish.fragment == "classes":  # the fragment's looks, for hosts that allow a sheet
        files[STYLESHEET_FILE] = stylesheet()
    for fmt, name in EXPORT_FILES.items():
        files[name] = export_file(view, fmt)
    return files


def publish(settings: Settings, view: View) -> list[Path]:
    """Write the build of `view` into reports/, all files switched together or none."""
    where = settings.reports_dir.resolve()
    if not where.is_relative_to(settings.project.resolve()):
        # A reports/ symlinked elsewhere would have the build overwrite files it never made.
        raise OutputError(
            f"{settings.reports_dir} leads outside the project (to {where}); make it a "
            "folder of the project, and publish from there"
        )
    return write_all(settings.reports_dir, build_files(view, settings.templates_dir))


def build(
    settings: Settings, *, origin: str, on_warning: Callable[[str], None] | None = None
) -> list[Path]:
    """Render every report from the store of `origin` into reports/, under the project lock
    (a build never publishes a store that a refresh is halfway through)."""
    with project_lock(settings), open_store(settings, origin) as store:
        view = load_view(settings, origin, store)
        written = publish(settings, view)
        store.mark_published()
    if on_warning is not None and (warning := curation_warning(view)):
        on_warning(warning)
    return written
