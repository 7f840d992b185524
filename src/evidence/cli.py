"""The `evidence` command: a thin layer over the library.

Each command builds Settings, calls one library function and prints. Library errors become one
`Error: …` line and the exit code their class carries (see evidence.errors); a traceback only
with --debug.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from evidence import __version__
from evidence.build import build
from evidence.citations import STYLES
from evidence.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, ConfigError, EvidenceError
from evidence.exports import EXPORT_FILES, export
from evidence.refresh import make_source, refresh
from evidence.settings import (
    ENV_EMAIL,
    ENV_EUTILS_URL,
    ENV_STYLE,
    FRAGMENTS,
    ONLY,
    ORDERS,
    PUBLISH_KEYS,
    Settings,
    settings_from,
)
from evidence.sources import ORIGIN_SAMPLE
from evidence.status import review_rows, status
from evidence.terminal import Reporter, configure_logging, print_status
from evidence.view import curation_warning, load_view, resolve_origin

EPILOG = """examples:
  evidence refresh --sample              offline: the curated sample shipped with evidence
  evidence build --per-topic 5 --full-list-url https://example.org/evidence/
  NCBI_EMAIL=you@example.org evidence refresh
  evidence export --format csv -o studies.csv
  evidence export --format ris --style vancouver -o studies.ris
  evidence status --json

exit codes: 0 success; 1 failure (store, disk); 2 bad configuration or usage; 3 NCBI
unreachable or failing (nothing changed); 4 another refresh is running; 5 (with --strict) a
search missed one of its sentinel studies."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"Error: {message} (see `{self.prog} --help`)\n")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError("must be between 0 and 86400 seconds")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return int(text)


def _count(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r} (0 = no limit)")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--project",
        type=Path,
        metavar="DIR",
        help="project directory with queries/ and reports/ (default: .)",
    )
    common.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    common.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    common.add_argument(
        "-v", "--verbose", action="store_true", help="log each request (URLs without secrets)"
    )
    common.add_argument(
        "--log-format",
        choices=["text", "json"],
        default="text",
        help="json: one JSON object per line on stderr, progress included (for log shippers)",
    )
    styled = _Parser(add_help=False)
    styled.add_argument(
        "--style",
        choices=STYLES,
        help=f"citation style (default: ${ENV_STYLE}, `style` in evidence.toml, or ama)",
    )

    published = _Parser(add_help=False)
    group = published.add_argument_group(
        "short fragment for an article (each flag overrides [publish] in evidence.toml)"
    )
    group.add_argument(
        "--topics", metavar="IDS", help="comma-separated query ids to show (default: all)"
    )
    group.add_argument(
        "--levels",
        metavar="LEVELS",
        help="comma-separated evidence levels to show (default: synthesis,rct)",
    )
    for key, default in (("per_topic", 10), ("per_level", 0), ("per_condition", 0)):
        group.add_argument(
            "--" + key.replace("_", "-"),
            type=_count,
            metavar="N",
            help=f"at most N studies per {key[4:]}; 0 = no limit (default: {default})",
        )
    group.add_argument(
        "--only",
        choices=ONLY,
        help="reviewed: only studies a reviewer included; featured: only those marked "
        "featured = true in queries/curation.toml (default: included)",
    )
    group.add_argument(
        "--order",
        choices=ORDERS,
        help="level: evidence level, then newest first; year: newest first (default: level)",
    )
    group.add_argument(
        "--full-list-url",
        metavar="URL",
        help="where the full page is published, for the fragment's 'See all N studies' link",
    )
    group.add_argument(
        "--fragment",
        choices=FRAGMENTS,
        help="inline styles, or classes with research-studies.css beside it (default: inline)",
    )

    parser = _Parser(
        prog="evidence",
        description="PubMed research citations to evidence reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"evidence {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    p = commands.add_parser(
        "refresh",
        parents=[common, styled, published],
        help="search, store and rebuild reports",
        description="Run every query in queries/ against PubMed (or the "
        "offline sample), store what is new and rebuild reports/.",
        epilog="example: NCBI_EMAIL=you@example.org evidence refresh",
    )
    p.add_argument(
        "--sample",
        action="store_true",
        help="use the curated offline sample shipped with evidence (no network)",
    )
    p.add_argument(
        "--eutils-url",
        metavar="URL",
        help=f"E-utilities base URL (default: ${ENV_EUTILS_URL} or NCBI's)",
    )
    p.add_argument(
        "--email", metavar="ADDR", help=f"contact email NCBI asks for (default: ${ENV_EMAIL})"
    )
    p.add_argument(
        "--max-time",
        type=_seconds,
        metavar="SECONDS",
        help="give up talking to NCBI after this long, retries included (default: 900)",
    )
    p.add_argument(
        "--allow-shrink",
        action="store_true",
        help="accept a full search (or an edited query) that returns under half the topic",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="search each whole topic again instead of what changed since the last run "
        "(the only way a study PubMed no longer returns leaves a topic)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit with code 5 when a query's search misses one of its sentinel studies",
    )
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="write the reports even when nothing they show changed since the last build",
    )
    p.set_defaults(run=_refresh)

    p = commands.add_parser(
        "build",
        parents=[common, styled, published],
        help="rebuild reports from the store",
        epilog="example: evidence build --sample",
    )
    p.add_argument("--sample", action="store_true", help="build from the offline sample's store")
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="write the reports even when nothing they show changed since the last build",
    )
    p.set_defaults(run=_build)

    p = commands.add_parser(
        "export",
        parents=[common, styled],
        help="write the studies for a spreadsheet, reference manager or CMS",
        description="Write every study once: csv or xlsx (the evidence table, for a "
        "spreadsheet), ris (Zotero, EndNote, Mendeley), bibtex, csl-json, nbib (MEDLINE, as "
        "PubMed exports it) or json (for a headless CMS). `build` writes the same files into "
        "reports/.",
        epilog="example: evidence export --format ris -o studies.ris",
    )
    p.add_argument("--format", required=True, choices=list(EXPORT_FILES), help="export format")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (default: stdout)")
    p.add_argument("--sample", action="store_true", help="export the offline sample's store")
    p.add_argument(
        "--no-bom",
        dest="bom",
        action="store_false",
        help="csv: no byte-order mark (it is there so Excel reads UTF-8; some scripts want none)",
    )
    p.set_defaults(run=_export)

    p = commands.add_parser(
        "status",
        parents=[common],
        help="last runs, counts, data date",
        epilog="example: evidence status --json",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--sample", action="store_true", help="the offline sample's store")
    p.set_defaults(run=_status)

    p = commands.add_parser(
        "review",
        parents=[common],
        help="screen the studies nobody has reviewed yet (list them, or --serve the app)",
        description="List studies with no entry in queries/curation.toml, most useful first "
        "(evidence level, then new, then newest), so a reviewer can code them (include or "
        "exclude with a reason, a note). With --serve, screen them in the browser: a local "
        "app that writes each decision to queries/curation.toml at once.",
        epilog="examples:\n  evidence review --json\n  evidence review --serve --port 8765",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--sample", action="store_true", help="the offline sample's store")
    p.add_argument(
        "--serve",
        action="store_true",
        help="start the review app on 127.0.0.1 and print its address (Ctrl-C stops it)",
    )
    p.add_argument(
        "--port",
        type=_port,
        default=0,
        help="port for --serve (default: any free port)",
    )
    p.set_defaults(run=_review)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(verbose=args.verbose, quiet=args.quiet, json_lines=args.log_format == "json")
    try:
        settings = settings_from(
            project=args.project,
            email=getattr(args, "email", None),
            eutils_url=getattr(args, "eutils_url", None),
            max_time=getattr(args, "max_time", None),
            style=getattr(args, "style", None),
            publish={k: getattr(args, k, None) for k in PUBLISH_KEYS},
            environ=os.environ,
        )
        command: Callable[[Settings, argparse.Namespace], int] = args.run
        return command(settings, args)
    except EvidenceError as exc:
        if args.debug:
            raise
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Error: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `evidence export ... | head`: the reader left; that is not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _refresh(settings: Settings, args: argparse.Namespace) -> int:
    reporter = Reporter.for_args(args)
    source = make_source(settings, sample=args.sample, on_event=reporter)
    try:
        result = refresh(
            settings,
            source,
            on_event=reporter,
            allow_shrink=args.allow_shrink,
            full=args.full,
            rebuild=args.rebuild,
        )
    finally:
        reporter.close()
    where = "the curated offline sample" if source.origin == ORIGIN_SAMPLE else "PubMed"
    for o in result.outcomes:
        if not o.ok:
            print(f"Error: {o.query_id}: {o.error}", file=sys.stderr)
    for qid, pmids in result.missing_sentinels.items():
        # Loud even with --quiet: a search that misses a landmark study is not sound.
        print(f"Warning: {qid}: sentinel studies not found: {', '.join(pmids)}", file=sys.stderr)
    if not result.ok:
        print(
            "Error: the refresh did not complete: the reports were not rebuilt, and each "
            "failed topic keeps the studies of its last successful search",
            file=sys.stderr,
        )
        return result.exit_code or EXIT_FAILURE
    if not args.quiet and not (args.strict and result.missing_sentinels):
        studies = sum(o.count for o in result.outcomes)
        new = sum(o.fetched for o in result.outcomes)
        print(
            f"Refreshed {len(result.outcomes)} queries from {where}: {studies} "
            f"matches, {new} records fetched; reports in {settings.reports_dir}"
            + ("" if result.reports else " (unchanged: nothing they show is new)")
        )
    return result.exit_code_for(strict=args.strict)


def _build(settings: Settings, args: argparse.Namespace) -> int:
    origin = resolve_origin(settings, args.sample or None)
    written = build(
        settings,
        origin=origin,
        rebuild=args.rebuild,
        on_warning=lambda w: print(f"Warning: {w}", file=sys.stderr),
    )
    Reporter.for_args(args).say(
        f"Built {len(written)} reports from the {origin} store in {settings.reports_dir}"
        if written
        else f"The reports in {settings.reports_dir} are up to date with the {origin} store "
        "(nothing changed since the last build; --rebuild writes them anyway)"
    )
    return EXIT_OK


def _export(settings: Settings, args: argparse.Namespace) -> int:
    view = load_view(settings, resolve_origin(settings, args.sample or None))
    if args.output is None:
        if args.format == "xlsx" and sys.stdout.isatty():
            raise ConfigError("xlsx is a binary format: write it to a file (-o studies.xlsx)")
        sys.stdout.flush()
        export(view, args.format, out=sys.stdout.buffer, bom=args.bom)
        sys.stdout.buffer.flush()
    else:
        export(view, args.format, path=args.output, bom=args.bom)
    return EXIT_OK


def _status(settings: Settings, args: argparse.Namespace) -> int:
    info = status(settings, origin=resolve_origin(settings, args.sample or None))
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
    else:
        print_status(info, sys.stdout)
    if info["curation_unknown"]:
        print(
            "Warning: queries/curation.toml has decisions for PMIDs in no topic (a typo?): "
            + ", ".join(info["curation_unknown"][:10]),
            file=sys.stderr,
        )
    return EXIT_OK


def _review(settings: Settings, args: argparse.Namespace) -> int:
    origin = resolve_origin(settings, args.sample or None)
    if args.serve:
        return _serve(settings, origin, args.port)
    view = load_view(settings, origin)
    rows = review_rows(view)
    if warning := curation_warning(view):
        print(f"Warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{len(rows)} studies not reviewed yet (add them to queries/curation.toml)")
    for r in rows:
        flag = " [new]" if r["new"] else ""
        print(f"  PMID {r['pmid']} ({r['year'] or 'n.d.'}, {r['design']}){flag}: {r['title']}")
    return EXIT_OK


def _serve(settings: Settings, origin: str, port: int) -> int:
    from evidence.review_app import serve  # Flask loads only for the app

    def ready(url: str) -> None:
        print(f"Screening {settings.project} at {url}\n(open it in a browser; Ctrl-C stops)")
        sys.stdout.flush()

    try:
        serve(settings, origin, port=port, on_ready=ready)
    except KeyboardInterrupt:
        print("Stopped; every decision is in queries/curation.toml", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
