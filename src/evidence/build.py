"""A build: every report and export of one View, rendered in memory and published as one set."""

from __future__ import annotations

from pathlib import Path

from evidence.exports import EXPORT_FILES, export_text
from evidence.lock import project_lock
from evidence.publish import STYLESHEET_FILE, stylesheet
from evidence.render import environment, render_all, write_all
from evidence.report import CHART_FILE, report_context
from evidence.settings import Settings
from evidence.view import View, load_view


def build_files(view: View, templates_dir: Path | None = None) -> dict[str, str]:
    """Every file of reports/ by name: the pages, Markdown and feed through the templates
    (project overrides in `templates_dir` first), the chart, and one file per export."""
    context = report_context(view)
    files = render_all(environment(templates_dir), context)
    files[CHART_FILE] = context["chart"]["file_svg"]
    if view.publish.fragment == "classes":  # the fragment's looks, for hosts that allow a sheet
        files[STYLESHEET_FILE] = stylesheet()
    for fmt, name in EXPORT_FILES.items():
        files[name] = export_text(view, fmt)
    return files


def publish(settings: Settings, view: View) -> list[Path]:
    """Write the build of `view` into reports/, all files switched together or none."""
    return write_all(settings.reports_dir, build_files(view, settings.templates_dir))


def build(settings: Settings, *, origin: str) -> list[Path]:
    """Render every report from the store of `origin` into reports/, under the project lock
    (a build never publishes a store that a refresh is halfway through)."""
    with project_lock(settings):
        return publish(settings, load_view(settings, origin))
