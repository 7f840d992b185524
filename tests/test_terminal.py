"""What the command shows on a terminal (evidence.terminal): progress and log lines."""

from __future__ import annotations

import json
import logging

import pytest

from evidence.refresh import Event
from evidence.terminal import Reporter, configure_logging


def test_progress_bar_counts_records_and_keeps_messages_readable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    terminal = Reporter(quiet=False, json_lines=False, terminal=True)
    terminal(Event("fetched", "headache: 200/450 records stored", "headache", 200, 450))
    terminal(Event("warning", "headache: warning: slow"))
    terminal(Event("fetched", "headache: 450/450 records stored", "headache", 450, 450))
    terminal.close()
    err = capsys.readouterr().err
    assert "headache: warning: slow" in err and "records stored" not in err  # the bar shows it
    assert "200/450" in err  # tqdm redraws at most every 0.1 s: the first count shows
    # Not a terminal (cron, a pipe): the same events as plain lines, no bar.
    piped = Reporter(quiet=False, json_lines=False, terminal=False)
    piped(Event("fetched", "headache: 200/450 records stored", "headache", 200, 450))
    piped.close()
    assert capsys.readouterr().err == "headache: 200/450 records stored\n"
    quiet = Reporter(quiet=True, json_lines=False, terminal=True)
    quiet(Event("fetched", "headache: 1/2 records stored", "headache", 1, 2))
    quiet.close()
    assert capsys.readouterr().err == ""


def test_json_log_lines_are_one_object_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(verbose=False, quiet=False, json_lines=True)
    try:
        logging.getLogger("evidence.progress").info("headache: searching")
    finally:
        configure_logging(verbose=False, quiet=False)
    line = json.loads(capsys.readouterr().err.strip())
    assert line["message"] == "headache: searching" and line["level"] == "info"
    assert line["logger"] == "evidence.progress" and line["time"].endswith("+00:00")
