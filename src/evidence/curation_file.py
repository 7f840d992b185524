"""Writing the reviewer's decisions into queries/curation.toml, which stays the source of truth.

Each decision is written at once, atomically (a temporary file renamed over the old one), with
tomlkit so that the reviewer's comments, order and hand-written entries are kept as typed.
Before every write the file on disk is read again: if someone edited it by hand meanwhile, the
edit is loaded (and validated) and the decision is laid over it, never over a stale copy. A
refresh only reads the file, so a refresh running meanwhile sees the old or the new file whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.items import AoT, Table

from evidence.curation import Curation, reasons_of, validate
from evidence.errors import OutputError, QueryError

HEADER = (
    "# The reviewer's decisions, laid over the automatic grading at every build.\n"
    "# Written by `evidence review --serve` and by hand: both are kept.\n"
)


@dataclass(frozen=True)
class Decision:
    """What a reviewer decided about one study: include, or exclude with a reason, with an
    optional note, corrections of the automatic grading, and `featured` for the short embed."""

    pmid: str
    decision: str
    reason: str = ""
    note: str = ""
    design: str = ""
    participants: int | None = None
    conditions: tuple[str, ...] = ()
    route: str = ""
    featured: bool = False

    def fields(self) -> dict[str, Any]:
        """The keys this decision sets, in the order a reviewer reads them."""
        out: dict[str, Any] = {"pmid": self.pmid, "decision": self.decision}
        for name in ("reason", "note", "design", "participants", "conditions", "route"):
            value = getattr(self, name)
            if value not in ("", (), None):
                out[name] = list(value) if isinstance(value, tuple) else value
        if self.featured:
            out["featured"] = True
        return out


class CurationFile:
    """queries/curation.toml, kept in step with the disk; safe to share between threads."""

    def __init__(self, path: Path, conditions: Collection[str] | None = None) -> None:
        self.path = path
        self.conditions = conditions
        self.hand_edits = 0  # times the file changed on disk under us (and was reloaded)
        self._lock = threading.Lock()
        self._digest: str | None = None
        self._text = ""  # the file as last read or written
        self._doc = tomlkit.document()
        self._entries: Curation = {}
        self._reasons: tuple[str, ...] = ()
        self._history: list[tuple[str, dict[str, Any] | None]] = []
        self._sync()

    def entries(self) -> Curation:
        """The decisions as the file holds them now (re-read if it changed on disk)."""
        with self._lock:
            self._sync()
            return dict(self._entries)

    def reasons(self) -> tuple[str, ...]:
        """The pick list of exclusion reasons: the project's, then those already used."""
        with self._lock:
            self._sync()
            used = [e.reason for e in self._entries.values() if e.reason]
            return tuple(dict.fromkeys([*self._reasons, *sorted(used)]))

    def record(self, decision: Decision) -> None:
        """Write one decision now, over the file as it is on disk."""
        with self._lock:
            self._sync()
            studies = self._studies()
            # A dict lookup first: scanning tomlkit's tables costs milliseconds per thousand.
            index = _find(studies, decision.pmid) if decision.pmid in self._entries else None
            previous = None if index is None else dict(studies[index].unwrap())
            values = dict(previous or {}) | decision.fields()
            if decision.decision == "include":
                values.pop("reason", None)
            if not decision.featured:
                values.pop("featured", None)
            entry = validate({"study": [values]}, str(self.path), self.conditions)
            if index is None:
                at_end = (
                    self._text.endswith("\n")
                    and bool(self._doc.body)
                    and self._doc.body[-1][1] is studies
                )
                studies.append(_table(values))
                # The usual case, a new study after the last table: its text is appended to
                # the file's, rather than the whole document rendered again (which takes
                # tomlkit a tenth of a second per thousand entries).
                self._write(self._text + _text_of(values) if at_end else None)
            else:
                _update(studies[index], values)
                self._write()
            self._entries |= entry
            self._history.append((decision.pmid, previous))

    def undo(self) -> str | None:
        """Take back the last decision recorded here; its PMID, or None if there is none."""
        with self._lock:
            if not self._history:
                return None
            self._sync()
            pmid, previous = self._history.pop()
            studies = self._studies()
            index = _find(studies, pmid)
            if previous is None:
                if index is not None:
                    del studies[index]
            elif index is None:
                studies.append(_table(previous))
            else:
                _update(studies[index], previous)
            self._write()
            self._entries.pop(pmid, None)
            if previous is not None:
                self._entries |= validate({"study": [previous]}, str(self.path))
            return pmid

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    def _studies(self) -> AoT:
        studies = self._doc.get("study")
        if studies is None:
            studies = tomlkit.aot()
            self._doc.append("study", studies)
        if not isinstance(studies, AoT):
            raise QueryError(f"{self.path}: 'study' must be an array of tables ([[study]])")
        return studies

    def _sync(self) -> None:
        """Load the file if it changed since we last read or wrote it (a hand edit)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raw = b""
        except OSError as exc:
            raise QueryError(f"{self.path}: cannot read: {exc}") from exc
        digest = hashlib.sha256(raw).hexdigest()
        if digest == self._digest:
            return
        try:
            text = raw.decode("utf-8")
            if not text.strip():
                text = HEADER
            doc = tomlkit.parse(text)
        except UnicodeDecodeError:
            raise QueryError(f"{self.path}: not UTF-8 text; save it as UTF-8") from None
        except tomlkit.exceptions.ParseError as exc:
            raise QueryError(f"{self.path}: not valid TOML: {exc}") from None
        data = doc.unwrap()
        entries = validate(data, str(self.path), self.conditions)
        if self._digest is not None:
            self.hand_edits += 1
        self._doc, self._entries, self._digest, self._text = doc, entries, digest, text
        self._reasons = reasons_of(data, str(self.path))

    def _write(self, text: str | None = None) -> None:
        text = tomlkit.dumps(self._doc) if text is None else text
        data = text.encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".curation-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileNotFoundError):
                os.chmod(tmp, self.path.stat().st_mode & 0o777)
            os.replace(tmp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise OutputError(f"{self.path}: cannot write the decision: {exc}") from exc
        self._digest, self._text = hashlib.sha256(data).hexdigest(), text


def _find(studies: AoT, pmid: str) -> int | None:
    for i, table in enumerate(studies):
        if str(table.get("pmid", "")).strip() == pmid:
            return i
    return None


def _table(values: dict[str, Any]) -> Table:
    table = tomlkit.table()
    table.trivia.indent = "\n"  # a blank line before each new [[study]], as by hand
    for key, value in values.items():
        table.add(key, value)
    return table


def _text_of(values: dict[str, Any]) -> str:
    """A new [[study]] table as tomlkit renders it (after a blank line)."""
    lines = "".join(f"{k} = {tomlkit.item(v).as_string()}\n" for k, v in values.items())
    return "\n[[study]]\n" + lines


def _update(table: Table, values: dict[str, Any]) -> None:
    """Set `values` on a hand-written table in place: its comments and key order stay."""
    for key in [k for k in table if k not in values]:
        del table[key]
    for key, value in values.items():
        if key not in table or table[key].unwrap() != value:
            table[key] = value
