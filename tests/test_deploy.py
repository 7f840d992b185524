"""deploy/: the crontab line, the systemd service + timer and the GitHub Actions workflow are
ready to copy: each is checked by the tool that would read it, where there is one."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from croniter import croniter

from evidence.cli import _parser

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def evidence_args(command: str) -> list[str]:
    """The arguments after `evidence` in a shell command line."""
    rest = command[command.index("evidence refresh") + len("evidence ") :]
    words = rest.split(">>")[0].split("|")[0].split()
    return [w for w in words if not w.startswith("$") and w != "2>&1"]


def test_crontab_line_is_valid_cron_and_a_valid_command() -> None:
    lines = [
        line
        for line in (DEPLOY / "crontab").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert croniter.is_valid(" ".join(fields[:5]))
    args = _parser().parse_args(evidence_args(fields[5]))
    assert args.command == "refresh" and args.quiet and args.log_format == "json"
    # cron's PATH holds no virtualenv, and cron mails what a job prints: errors must be
    # printed (not only appended to a log file) to be mailed.
    program = fields[5].split("&&")[-1].split()[0]
    assert program.startswith("/") and program.endswith("/evidence")
    assert "2>&1 | tee -a" in fields[5] and ">> " not in fields[5]
    shell = subprocess.run(["bash", "-n", "-c", fields[5]], capture_output=True, text=True)
    assert shell.returncode == 0, shell.stderr


def test_systemd_service_and_timer() -> None:
    service, timer = (
        DEPLOY / "systemd" / "evidence-refresh.service",
        DEPLOY / "systemd" / "evidence-refresh.timer",
    )
    units = {}
    for path in (service, timer):
        parser = configparser.ConfigParser(strict=True, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(path.read_text(encoding="utf-8"))
        units[path.suffix] = parser
    assert units[".service"]["Service"]["Type"] == "oneshot"
    exec_start = units[".service"]["Service"]["ExecStart"]
    assert _parser().parse_args(evidence_args(exec_start)).command == "refresh"
    assert units[".timer"]["Timer"]["Unit"] == service.name
    assert units[".timer"]["Install"]["WantedBy"] == "timers.target"
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:  # systemd's own check, where systemd is installed
        calendar = subprocess.run(
            [analyze, "calendar", units[".timer"]["Timer"]["OnCalendar"]],
            capture_output=True,
            text=True,
        )
        assert calendar.returncode == 0, calendar.stderr
        verify = subprocess.run(
            [analyze, "verify", str(service), str(timer)], capture_output=True, text=True
        )
        assert verify.returncode == 0 and "ignoring" not in verify.stderr, verify.stderr


def test_github_workflow_matches_the_schema_and_commits_only_changed_reports() -> None:
    path = DEPLOY / "github" / "refresh.yml"
    check = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert all(croniter.is_valid(s["cron"]) for s in triggers["schedule"])
    steps = workflow["jobs"]["refresh"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    refresh = next(r for r in runs if r.startswith("evidence refresh"))
    assert _parser().parse_args(evidence_args(refresh)).command == "refresh"
    commit = runs[-1]
    assert "git status --porcelain -- reports/" in commit and "git add reports/" in commit
    for script in runs:
        shell = subprocess.run(["bash", "-n", "-c", script], capture_output=True, text=True)
        assert shell.returncode == 0, shell.stderr
    # The store survives between runs, so nights are incremental.
    assert any("actions/cache/restore" in s.get("uses", "") for s in steps)
