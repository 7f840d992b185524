"""What the `evidence` command shows on a terminal: log lines (text or JSON), progress as
plain lines or tqdm bars, and the status listing. The library reports progress as `Event`s to
a callback and never prints; this is where those events become output.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Never, TextIO

from tqdm import tqdm

from evidence.refresh import Event
from evidence.sources import ORIGIN_SAMPLE

progress_log = logging.getLogger("evidence.progress")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, verbose: bool, quiet: bool, json_lines: bool = False) -> None:
    """Log lines on stderr: warnings (text), or everything from INFO up as JSON objects."""
    logger = logging.getLogger("evidence")
    for handler in list(logger.handlers):
        if getattr(handler, "_evidence_cli", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._evidence_cli = True  # type: ignore[attr-defined]
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    default = logging.INFO if json_lines else logging.WARNING  # json: progress is logged
    logger.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else default)


class Reporter:
    """Where a command's progress goes: JSON log lines, plain lines on stderr, or (on a
    terminal) a tqdm bar per query while records are fetched; with --quiet, nowhere."""

    def __init__(self, *, quiet: bool, json_lines: bool, terminal: bool) -> None:
        self.json_lines = json_lines
        self.quiet = quiet
        self.bars = Bars(enabled=not quiet and not json_lines and terminal)

    @classmethod
    def for_args(cls, args: argparse.Namespace) -> Reporter:
        return cls(
            quiet=args.quiet, json_lines=args.log_format == "json", terminal=sys.stderr.isatty()
        )

    def __call__(self, event: Event) -> None:
        if event.kind == "fetched" and self.bars.enabled:
            self.bars.tick(event.query_id, event.done, event.total)  # the bar shows it
        else:
            self.say(event.message)

    def say(self, message: str) -> None:
        if self.json_lines:
            progress_log.info(message)
        elif not self.quiet:
            self.bars.write(message)

    def close(self) -> None:
        self.bars.close()


class Bars:
    """A tqdm progress bar per query while records are fetched, on a terminal only: cron,
    pipes and log files get plain lines (and with --quiet, none)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: tqdm[Never] | None = None
        self._label = ""

    def tick(self, label: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        bar = self._bar
        if bar is None or self._label != label:
            self.close()
            bar = tqdm(total=total, desc=label, unit="rec", file=sys.stderr, leave=False)
            self._bar, self._label = bar, label
        bar.total = max(total, done)
        bar.update(done - bar.n)

    def write(self, message: str) -> None:
        if self._bar is not None:
            tqdm.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def print_status(info: dict[str, object], out: TextIO) -> None:
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
            line += f" ({run['mode']}, {run['count']} matched, {run['new']} new)"
            if not run["published"]:
                line += "; stored, not yet in the reports (the next successful build adds it)"
        else:
            line += f": {run['error']}"
        print(line, file=out)
        screening = q["screening"]
        print(f"    screened: {screening['screened']:,} of {screening['studies']:,}", file=out)
        if q["missing_sentinels"]:
            print(
                f"    WARNING: sentinel studies not found: {', '.join(q['missing_sentinels'])}",
                file=out,
            )
        changes = q["changes"]
        if changes:
            print(
                "    last change: "
                + ", ".join(f"{len(changes[k])} {k}" for k in ("new", "changed", "retracted"))
                + f", {len(changes['deleted'])} removed",
                file=out,
            )
        window = q["next_window"]
        print(
            "    next run: "
            + (f"entered or revised since {window['mindate']}" if window else "full search"),
            file=out,
        )
        for w in run["warnings"]:
            print(f"    warning: {w}", file=out)
