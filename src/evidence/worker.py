"""The part of a large build made in a second process, on the machine's other core: the
workbook and some of the reference-manager exports, while the build's own process renders the
pages and writes the rest.

The worker is a fresh interpreter importing this same evidence (not multiprocessing, whose
children run the caller's main script again), started before the build loads its View, so
that its start and imports take none of the build's time. It gets the path of the store at
once, then its job: the View's order, the reviewer's words for each study, the workbook's
table, and the files to make. It reads the studies from the store itself, a block at a time
as it writes (sending them would cost the build's process more than reading costs the
worker). Its input comes pickled on stdin from the build that started it, never from
elsewhere. It writes each finished file into a private folder beside the store, and the
build reads them back as it publishes them.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidence.errors import OutputError
from evidence.interpreter import started_python
from evidence.references import Review

if TYPE_CHECKING:
    from evidence.pieces import WholeRecords
    from evidence.store import Store

WORKER = "from evidence.worker import main; main()"
CHART = "chart.svg"  # the chart, in the worker's folder
# Seconds a build waits for the worker's chart before drawing it itself: the worker draws it
# first, in about half a second, while the build makes the page's values.
CHART_WAIT = 2.0
_CHUNK = 1 << 20  # a finished file is read back a megabyte at a time


@dataclass
class Job:
    """What the worker makes: `files` maps each export format it makes to its file name."""

    pmids: list[str]  # the View's studies, in the evidence table's order
    note: str
    reviews: dict[str, Review]
    files: dict[str, str]
    # spreadsheet.workbook's arguments (table, columns, flow sheets, note, data date) when
    # "xlsx" is in `files`
    workbook: tuple[Any, Sequence[str], Sequence[Any], str, date] | None = None
    # The digest of each study's stored record: with them, each record of the files is the
    # one kept in the store where nothing it is made from changed (evidence.pieces).
    digests: dict[str, str] = field(default_factory=dict)
    # The chart's data and title (chart.YearCounts, str): drawn first, for Worker.chart.
    chart: tuple[Any, str] | None = None


class Worker:
    """A worker process reading the store; `make` gives it its job."""

    def __init__(self, proc: subprocess.Popen[bytes], folder: Path) -> None:
        self.proc = proc
        self.folder = folder
        self.feeder: threading.Thread | None = None
        self._errors: list[bytes] = []

    def make(self, job: Job) -> dict[str, Iterable[bytes]]:
        """The files of `job` by name, each as lazy pieces: asking for the first waits for
        the worker. A worker that failed or died fails the build that asks (OutputError,
        with its last words)."""
        payload = [pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)]
        proc = self.proc

        def talk() -> None:
            stdin = proc.stdin
            assert stdin is not None
            try:  # the input let go of once written
                stdin.write(payload.pop())
            except BrokenPipeError:
                pass  # the worker died: its exit status says so
            finally:
                # Closed even when the worker died mid-write (closing flushes, and the flush
                # fails there; the pipe is closed all the same).
                with contextlib.suppress(OSError):
                    stdin.close()
            proc.stdin = None  # closed: communicate only reads what it says on stderr
            self._errors.append(proc.communicate()[1])

        self.feeder = threading.Thread(target=talk)
        self.feeder.start()  # written, and the worker's words read, while the build goes on
        names = list(job.files.values())
        return {name: self._read_back(name, names) for name in names}

    def chart(self, wait: float = CHART_WAIT) -> str | None:
        """The chart's SVG the worker draws first of its job (Job.chart), once it is there;
        None if it is not within `wait` seconds or the worker ended without it (the build
        then draws it itself: the same bytes; a worker's failure is told with its files)."""
        path = self.folder / CHART
        deadline = time.monotonic() + wait
        while not path.exists():  # written under another name and renamed: whole or absent
            if self.proc.poll() is not None or time.monotonic() > deadline:
                if not path.exists():
                    return None
                break
            time.sleep(0.005)
        return path.read_text(encoding="utf-8")

    def _read_back(self, name: str, names: list[str]) -> Iterator[bytes]:
        assert self.feeder is not None
        self.feeder.join()
        if self.proc.returncode != 0:
            said = (self._errors[0] if self._errors else b"").decode("utf-8", "replace")
            words = said.strip().splitlines()
            last = words[-1] if words else f"exit status {self.proc.returncode}"
            raise OutputError(f"{name}: the process making {', '.join(names)} failed ({last})")
        with (self.folder / name).open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk


@contextmanager
def started_worker(store: Path) -> Iterator[Worker]:
    """A worker process started now, reading the studies of the store at `store`; its private
    folder beside it. Leaving (the build done, or failed anywhere) kills a worker still
    running and removes the folder."""
    folder = tempfile.mkdtemp(prefix=".evidence-build-", dir=store.parent)
    try:
        proc = started_python(WORKER, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise OutputError(f"cannot start the process making the exports: {exc}") from exc
    worker = Worker(proc, Path(folder))
    try:
        try:  # a few bytes, taken by the pipe at once
            proc.stdin.write(pickle.dumps((str(store), folder)))  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass  # the worker died at once: asking for its files says why
        yield worker
    finally:
        if proc.poll() is None:
            proc.kill()  # the build failed elsewhere or never asked: the files are not needed
        if worker.feeder is not None:
            worker.feeder.join()
        else:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait()
            if proc.stderr is not None:
                proc.stderr.close()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    """The worker's side: the store's path, then the job, on stdin; the files into the
    folder. The interpreter starts and the modules load while the build loads its View."""
    import matplotlib.figure
    import matplotlib.ticker  # noqa: F401

    from evidence.chart import studies_by_year_svg
    from evidence.spreadsheet import workbook
    from evidence.store import Store

    store_path, folder = pickle.load(sys.stdin.buffer)
    try:
        job: Job = pickle.load(sys.stdin.buffer)
    except EOFError:
        return  # the build needed nothing after all
    if job.chart is not None:
        data, title = job.chart
        drawn = Path(folder) / f".{CHART}.tmp"
        drawn.write_text(studies_by_year_svg(data, title=title), encoding="utf-8")
        os.replace(drawn, Path(folder) / CHART)
    with Store(Path(store_path), create=False) as store:
        formats = {fmt: name for fmt, name in job.files.items() if fmt != "xlsx"}
        if formats:
            _references(store, job, formats, Path(folder))
    if "xlsx" in job.files and job.workbook is not None:
        table, columns, flows, note, data_date = job.workbook
        # XlsxWriter keeps an object per cell until the workbook closes (some 235,000 at
        # 10,000 studies): every 700 new ones start a collection, and the older ones walk
        # them all again, with the job's table, in vain (none is in a cycle): a tenth of
        # the workbook's processor time. The worker ends once it is written, so the
        # collector stays off for it.
        gc.disable()
        (Path(folder) / job.files["xlsx"]).write_bytes(
            workbook(table, columns, flows, note=note, data_date=data_date)
        )


def _references(store: Store, job: Job, formats: dict[str, str], folder: Path) -> None:
    """The reference-manager files of `formats` written side by side, a block of studies at
    a time: each record kept in the store where nothing it is made from changed, else made
    from its study, each block's studies read from the store once for every file (the
    worker's memory does not grow with the number of studies)."""
    from evidence.pieces import BLOCK, Pieces, WholeRecords
    from evidence.reference_files import ReferenceFile, reference_made_from

    pieces = Pieces(store)
    studies = WholeRecords(store.stored_studies, job.pmids)
    with ExitStack() as stack:
        files = {fmt: ReferenceFile(fmt, job.note) for fmt in formats}
        handles = {
            fmt: stack.enter_context((folder / name).open("wb")) for fmt, name in formats.items()
        }
        for fmt, out in files.items():
            handles[fmt].write(out.start().encode())
        for start in range(0, len(job.pmids), BLOCK):
            block = job.pmids[start : start + BLOCK]
            for fmt, out in files.items():
                wanted = [
                    (
                        pmid,
                        reference_made_from(job.digests.get(pmid), job.note, job.reviews.get(pmid)),
                        partial(_record, fmt, studies, pmid, job),
                    )
                    for pmid in block
                ]
                handles[fmt].write(
                    "".join(out.record(text) for text in pieces.texts(fmt, wanted)).encode()
                )
        for fmt, out in files.items():
            handles[fmt].write(out.end().encode())


def _record(fmt: str, studies: WholeRecords, pmid: str, job: Job) -> str:
    from evidence.reference_files import reference_record

    try:
        study = studies[pmid]
    except KeyError:  # the build holds the lock: the store cannot change
        sys.exit(f"the store no longer holds study {pmid} of the build")
    return reference_record(fmt, study, note=job.note, review=job.reviews.get(pmid))
