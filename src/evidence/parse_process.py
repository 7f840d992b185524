"""EFetch answers parsed in a second process, so that fetching, parsing and storing overlap.

At NCBI's 10 requests/s a large refresh is bound by the processor, not the rate limit: parsing
and serialising 10,000 records costs several times the 2.4 s the requests need. Parsing is
pure (bytes in, values out), so it moves to a parse process on the machine's other core: the
fetch thread hands it each answer's bytes as it arrives, and the refresh's own thread receives
back, in order, what the store keeps of each record (its PMID, revision date and stored JSON)
and only stores it.

The parse process is a fresh interpreter importing this same evidence (as `evidence.worker`
is for builds; multiprocessing's children would run the caller's main script again). It
ignores Ctrl-C, which the terminal sends to the whole process group: the refresh decides when
it stops, and stops it (`close`) when its loop ends, however that is. A malformed answer gives
the same `ParseError` as parsing in place; a process that dies gives an `EvidenceError`. Below
`PROCESS_FROM` records the answers are parsed in place: a process costs more than it saves.
From `TWO_FROM` records two parse processes take the answers in turn (`ParseProcesses`), since
one parses an answer more slowly than NCBI's 10 requests/s bring the next.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from queue import Queue
from typing import IO, Any

from evidence.errors import EvidenceError, ParseError
from evidence.interpreter import started_python
from evidence.pubmed import parse_article_set

# From this many records to fetch, a refresh parses in a parse process. Measured with
# bench/refresh.py (see the README's Performance section): starting the process costs about
# 0.15 s of processor, paid back from about a thousand records. Tests lower it.
PROCESS_FROM = 1000
# From this many, two parse processes take the answers in turn: at NCBI's 10 requests/s one
# process parses an answer of 500 records in about 0.25 s while the next arrives in 0.1 s, so
# a large fetch waited for one core's parsing (bench/refresh.py, README's Performance).
TWO_FROM = 4000
_MAIN = "from evidence.parse_process import main; main()"
_LENGTH = struct.Struct("<Q")


@dataclass(frozen=True)
class ParsedBatch:
    """One EFetch answer as the store keeps it: `records` are (pmid, date_revised, record
    JSON as `Study.to_json` makes it), in document order."""

    records: tuple[tuple[str, str, str], ...]
    deleted: tuple[str, ...]  # PMIDs of DeleteCitation entries
    refused: tuple[str, ...]  # what records whose PMID is not a PMID gave as PMID


def parse_batch(body: bytes) -> ParsedBatch:
    """Parse one PubmedArticleSet document into what the store keeps of it."""
    parsed = parse_article_set(body)
    return ParsedBatch(
        records=tuple((s.pmid, s.date_revised, s.to_json()) for s in parsed.studies),
        deleted=parsed.deleted,
        refused=parsed.refused,
    )


class InPlace:
    """Parsing on the caller's thread, with the parse process's interface."""

    def submit(self, body: bytes) -> bytes | None:
        return body  # parsed when its result is asked for

    def result(self, ticket: bytes | None) -> ParsedBatch:
        assert ticket is not None
        return parse_batch(ticket)

    def close(self) -> None:
        pass


class ParseProcess:
    """A parse process. `submit` (from the fetch thread) sends it an answer; `result` (from
    the refresh's thread) gives back the next answer's `ParsedBatch`, in the order sent."""

    def __init__(self) -> None:
        # Its last words, if it dies; closed in `close`.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self.proc = started_python(_MAIN, stdout=subprocess.PIPE, stderr=self._errors)
        except OSError as exc:
            self._errors.close()
            raise EvidenceError(f"cannot start the process parsing the records: {exc}") from exc
        self._sent = 0  # written by the fetch thread only
        self._received = 0  # written by the refresh's thread only
        self._lock = threading.Lock()

    def submit(self, body: bytes) -> bytes | None:
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            stdin.write(_LENGTH.pack(len(body)))
            stdin.write(body)
            stdin.flush()
        except (OSError, ValueError) as exc:  # the process died (or was closed): say how
            raise self._died() from exc
        self._sent += 1
        return None  # its result comes back in order

    def result(self, ticket: bytes | None) -> ParsedBatch:
        stdout = self.proc.stdout
        assert stdout is not None
        head = stdout.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            raise self._died()
        (size,) = _LENGTH.unpack(head)
        payload = stdout.read(size)
        if len(payload) < size:
            raise self._died()
        self._received += 1
        kind, value = pickle.loads(payload)
        if kind == "parse-error":
            raise ParseError(value)
        if kind == "error":
            raise EvidenceError(f"the process parsing the records failed: {value}")
        records, deleted, refused = value
        return ParsedBatch(records=records, deleted=deleted, refused=refused)

    def _died(self) -> EvidenceError:
        status = self.proc.wait()
        with self._lock:  # both threads may find it dead
            self._errors.seek(0)
            said = self._errors.read()
        words = said.decode("utf-8", "replace").strip().splitlines()
        last = words[-1] if words else f"exit status {status}"
        return EvidenceError(f"the process parsing the records stopped ({last})")

    def close(self) -> None:
        """End the process: let it exit when every answer sent was received, kill it when
        some were not (the refresh stopped early; their results are not wanted)."""
        proc = self.proc
        try:
            if proc.stdin is not None:
                with contextlib.suppress(OSError):  # it died with bytes unread: gone anyway
                    proc.stdin.close()
            if self._received < self._sent or proc.poll() is not None:
                proc.kill()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()
            self._errors.close()


class ParseProcesses:
    """Parse processes taking the answers in turn, with one parse process's interface:
    `submit` sends each answer to the next process round the ring, `result` reads each
    one's result from the same process, so results come back in the order sent."""

    def __init__(self, count: int) -> None:
        self._processes: list[ParseProcess] = []
        try:
            for _ in range(count):
                self._processes.append(ParseProcess())
        except EvidenceError:
            self.close()
            raise
        self._sent = 0  # written by the fetch thread only
        self._received = 0  # written by the refresh's thread only

    def submit(self, body: bytes) -> bytes | None:
        process = self._processes[self._sent % len(self._processes)]
        self._sent += 1
        return process.submit(body)

    def result(self, ticket: bytes | None) -> ParsedBatch:
        process = self._processes[self._received % len(self._processes)]
        self._received += 1
        return process.result(ticket)

    def close(self) -> None:
        """Close each process (ParseProcess.close), every one even if one fails."""
        with contextlib.ExitStack() as closing:
            for process in self._processes:
                closing.callback(process.close)


Parser = InPlace | ParseProcess | ParseProcesses


def parser_for(
    records: int, process_from: int | None = None, two_from: int | None = None
) -> Parser:
    """For a fetch of `records` records: parsing in place below `process_from` (default
    `PROCESS_FROM`), one parse process from it, two from `two_from` (default `TWO_FROM`).
    Close it when done."""
    limit = PROCESS_FROM if process_from is None else process_from
    if records < limit:
        return InPlace()
    if records >= (TWO_FROM if two_from is None else two_from):
        return ParseProcesses(2)
    return ParseProcess()


def main() -> None:
    """The parse process: length-prefixed answers on stdin, pickled results on stdout, in
    the same order. A reader thread takes the answers in as they come, so the fetch thread
    that sends them never waits for a parse to finish."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the refresh stops this process itself
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nothing printed can corrupt the results
    source = sys.stdin.buffer
    bodies: Queue[bytes | None] = Queue()

    def read() -> None:
        try:
            while head := _read_exactly(source, _LENGTH.size):
                (size,) = _LENGTH.unpack(head)
                body = _read_exactly(source, size)
                if len(body) < size:
                    break
                bodies.put(body)
        finally:
            bodies.put(None)

    threading.Thread(target=read, daemon=True).start()
    while (body := bodies.get()) is not None:
        result: tuple[str, Any]
        try:
            batch = parse_batch(body)
            result = ("ok", (batch.records, batch.deleted, batch.refused))
        except ParseError as exc:
            result = ("parse-error", str(exc))
        except Exception as exc:  # a fault of ours: the refresh fails with its words
            result = ("error", f"{type(exc).__name__}: {exc}")
        payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_LENGTH.pack(len(payload)))
        out.write(payload)
        out.flush()


def _read_exactly(source: IO[bytes], size: int) -> bytes:
    data = source.read(size)
    return data if data is not None else b""
