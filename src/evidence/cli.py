"""The `evidence` command: a thin layer over evidence.pipeline.

Each command builds Settings, calls one library function and prints. Library errors become one
`Error: …` line and the exit code their class carries (see evidence.errors); a traceback only
with --debug.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from evidence import __version__
from evidence.citations import STYLES
from evidence.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, EvidenceError, OutputError
from evidence.pipeline import (
    EXPORT_FILES,
    build,
    export,
    make_source,
    refresh,
    resolve_origin,
    review,
    status,
)
from evidence.settings import ENV_EMAIL, ENV_EUTILS_URL, ENV_STYLE, Settings, settings_from
from evidence.sources import ORIGIN_SAMPLE

EPILOG = """examples:
  evidence refresh --sample              offline: the curated sample shipped with evidence
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
    styled = _Parser(add_help=False)
    styled.add_argument(
        "--style",
        choices=STYLES,
        help=f"citation style (default: ${ENV_STYLE}, `style` in evidence.toml, or ama)",
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
        parents=[common, styled],
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
        help="accept a search that returns under half the records of the last run",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit with code 5 when a query's search misses one of its sentinel studies",
    )

    p = commands.add_parser(
        "build",
        parents=[common, styled],
        help="rebuild reports from the store",
        epilog="example: evidence build --sample",
    )
    p.add_argument("--sample", action="store_true", help="build from the offline sample's store")

    p = commands.add_parser(
        "export",
        parents=[common, styled],
        help="write the studies for a spreadsheet, reference manager or CMS",
        description="Write every study once: csv (the evidence table), ris (Zotero, EndNote, "
        "Mendeley), bibtex, csl-json, nbib (MEDLINE, as PubMed exports it) or json (for a "
        "headless CMS). `build` writes the same files into reports/.",
        epilog="example: evidence export --format ris -o studies.ris",
    )
    p.add_argument("--format", required=True, choices=list(EXPORT_FILES), help="export format")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (default: stdout)")
    p.add_argument("--sample", action="store_true", help="export the offline sample's store")

    p = commands.add_parser(
        "status",
        parents=[common],
        help="last runs, counts, data date",
        epilog="example: evidence status --json",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--sample", action="store_true", help="the offline sample's store")

    p = commands.add_parser(
        "review",
        parents=[common],
        help="list studies nobody has reviewed yet",
        description="List studies with no entry in queries/curation.toml, newest first, so a "
        "reviewer can code them (include/exclude with a reason, a note).",
        epilog="example: evidence review --json",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--sample", action="store_true", help="the offline sample's store")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging(verbose=args.verbose, quiet=args.quiet)
    try:
        return _run(args)
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


def _configure_logging(*, verbose: bool, quiet: bool) -> None:
    logger = logging.getLogger("evidence")
    for handler in list(logger.handlers):
        if getattr(handler, "_evidence_cli", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._evidence_cli = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING)


def _run(args: argparse.Namespace) -> int:
    settings = settings_from(
        project=args.project,
        email=getattr(args, "email", None),
        eutils_url=getattr(args, "eutils_url", None),
        max_time=getattr(args, "max_time", None),
        style=getattr(args, "style", None),
        environ=os.environ,
    )
    if not settings.project.is_dir():
        print(f"Error: project directory {settings.project} does not exist", file=sys.stderr)
        return EXIT_USAGE

    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    if args.command == "refresh":
        source = make_source(settings, sample=args.sample, progress=say)
        result = refresh(settings, source, progress=say, allow_shrink=args.allow_shrink)
        where = "the curated offline sample" if source.origin == ORIGIN_SAMPLE else "PubMed"
        for o in result.outcomes:
            if not o.ok:
                print(f"Error: {o.query_id}: {o.error}", file=sys.stderr)
        for qid, pmids in result.missing_sentinels.items():
            # Loud even with --quiet: a search that misses a landmark study is not sound.
            print(
                f"Warning: {qid}: sentinel studies not found: {', '.join(pmids)}", file=sys.stderr
            )
        if result.ok:
            if args.strict and result.missing_sentinels:
                return result.exit_code_for(strict=True)
            if not args.quiet:
                studies = sum(o.count for o in result.outcomes)
                new = sum(o.fetched for o in result.outcomes)
                print(
                    f"Refreshed {len(result.outcomes)} queries from {where}: {studies} "
                    f"matches, {new} records fetched; reports in {settings.reports_dir}"
                )
            return EXIT_OK
        print(
            "Error: the refresh did not complete: the reports were not rebuilt, and each "
            "failed topic keeps the studies of its last successful search",
            file=sys.stderr,
        )
        return result.exit_code or EXIT_FAILURE

    origin = resolve_origin(settings, args.sample or None)
    if args.command == "build":
        written = build(settings, origin=origin)
        say(f"Built {len(written)} reports from the {origin} store in {settings.reports_dir}")
        return EXIT_OK
    if args.command == "export":
        if args.output is None:
            export(settings, sys.stdout, origin=origin, fmt=args.format)
            return EXIT_OK
        return _export_to_file(settings, args.output, origin, args.format)
    if args.command == "status":
        info = status(settings, origin=origin)
        if args.json:
            print(json.dumps(info, indent=2, ensure_ascii=False))
        else:
            _print_status(info, sys.stdout)
        return EXIT_OK
    if args.command == "review":
        rows = review(settings, origin=origin)
        if args.json:
            print(json.dumps(rows, indent=2, ensure_ascii=False))
            return EXIT_OK
        print(f"{len(rows)} studies not reviewed yet (add them to queries/curation.toml)")
        for r in rows:
            flag = " [new]" if r["new"] else ""
            print(f"  PMID {r['pmid']} ({r['year'] or 'n.d.'}, {r['design']}){flag}: {r['title']}")
        return EXIT_OK
    raise AssertionError(args.command)  # argparse only lets known commands through


def _export_to_file(settings: Settings, path: Path, origin: str, fmt: str) -> int:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            export(settings, fh, origin=origin, fmt=fmt)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write the export: {exc.strerror or exc}") from exc
    return EXIT_OK


def _print_status(info: dict[str, object], out: TextIO) -> None:
    source = "curated offline sample" if info["origin"] == ORIGIN_SAMPLE else "PubMed"
    print(f"Project: {info['project']} ({source})", file=out)
    print(
        f"Studies: {info['studies']} included, {info['unreviewed']} not reviewed yet"
        f"   last refreshed: {info['last_refreshed'] or 'never'}",
        file=out,
    )
    queries = info["queries"]
    assert isinstance(queries, dict)
    for qid, q in queries.items():
        run = q["last_run"]
        if run is None:
            print(f"  {qid}: never run", file=out)
            continue
        line = (
            f"  {qid}: last run {run['status']} at {run['finished_at'] or run['started_at']}"
            f", {q['studies']} studies"
        )
        if run["status"] == "ok":
            line += f" ({run['count']} matched, {run['new']} new)"
        else:
            line += f": {run['error']}"
        print(line, file=out)
        if q["missing_sentinels"]:
            print(
                f"    WARNING: sentinel studies not found: {', '.join(q['missing_sentinels'])}",
                file=out,
            )
        for w in run["warnings"]:
            print(f"    warning: {w}", file=out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
