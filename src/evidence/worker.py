"""The part of a large build made in a second process, on the machine's other core: the
workbook and some of the reference-manager exports, while the build's own process renders the
pages and writes the rest.

The worker is a fresh interpreter importing this same evidence (not multiprocessing, whose
children run the caller's main script again). It gets its job on stdin (pickled, from the
build that started it, never from elsewhere): the path of the store, from which it reads the
View's studies itself (sending them would cost the build's process more than reading costs
the worker), the reviewer's words for each study, the workbook's table, and a private folder
where it writes each finished file. The build reads the files back as it publishes them.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from evidence.errors import OutputError
from evidence.references import Review

WORKER = "from evidence.worker import main; main()"
_CHUNK = 1 << 20  # a finished file is read back a megabyte at a time


@dataclass
class Job:
    """What the worker makes: `files` maps each export format it makes to its file name."""

    store: str  # the store's path: the worker reads the studies from it
    pmids: list[str]  # the View's studies, in the evidence table's order
    note: str
    reviews: dict[str, Review]
    files: dict[str, str]
    # to_xlsx's arguments (table, columns, flows, note, data date) when "xlsx" is in `files`
    workbook: tuple[Any, Sequence[str], Sequence[Any], str, date] | None = None
    folder: str = field(default="")


@contextmanager
def made_elsewhere(job: Job, *, beside: Path) -> Iterator[dict[str, Iterable[bytes]]]:
    """The files of `job`, made by a worker process started now (in a private folder in
    `beside`), each as lazy pieces: asking for the first waits for the worker. A worker that
    fails or dies fails the build that asks (OutputError, with the worker's last words);
    leaving early (the build failed elsewhere) kills the worker; the folder is removed."""
    folder = tempfile.mkdtemp(prefix=".evidence-build-", dir=beside)
    job.folder = folder
    payload = [pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise OutputError(f"cannot start the process making the exports: {exc}") from exc
    errors: list[bytes] = []

    def talk() -> None:
        try:  # the input let go of once written
            proc.stdin.write(payload.pop())  # type: ignore[union-attr]
            proc.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass  # the worker died: its exit status says so
        proc.stdin = None  # closed: communicate only reads what the worker says on stderr
        errors.append(proc.communicate()[1])

    feeder = threading.Thread(target=talk)
    feeder.start()  # the input written and the worker's words read while this process goes on
    names = list(job.files.values())
    try:
        yield {name: _read_back(proc, feeder, errors, Path(folder), name, names) for name in names}
    finally:
        if proc.poll() is None:
            proc.kill()  # the build failed elsewhere or never asked: the files are not needed
        feeder.join()
        shutil.rmtree(folder, ignore_errors=True)


def _read_back(
    proc: subprocess.Popen[bytes],
    feeder: threading.Thread,
    errors: list[bytes],
    folder: Path,
    name: str,
    names: list[str],
) -> Iterator[bytes]:
    feeder.join()
    if proc.returncode != 0:
        words = (errors[0] if errors else b"").decode("utf-8", "replace").strip().splitlines()
        last = words[-1] if words else f"exit status {proc.returncode}"
        raise OutputError(f"{name}: the process making {', '.join(names)} failed ({last})")
    with (folder / name).open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def main() -> None:
    """The worker's side of made_elsewhere: the job on stdin, the files into its folder."""
    from evidence.exports import reference_parts  # here: exports starts this worker
    from evidence.render import write_content
    from evidence.spreadsheet import to_xlsx
    from evidence.store import Store

    job: Job = pickle.load(sys.stdin.buffer)
    folder = Path(job.folder)
    text = {fmt: name for fmt, name in job.files.items() if fmt != "xlsx"}
    if text:
        with Store(Path(job.store), create=False) as store:
            found = store.stored_studies(job.pmids)
        missing = [p for p in job.pmids if p not in found]
        if missing:  # the build holds the lock: the store cannot have changed under it
            sys.exit(f"the store no longer holds {len(missing)} of the build's studies")
        studies = [found[p] for p in job.pmids]
        for fmt, name in text.items():
            with (folder / name).open("wb") as fh:
                write_content(fh, reference_parts(fmt, studies, note=job.note, reviews=job.reviews))
    if "xlsx" in job.files and job.workbook is not None:
        table, columns, flows, note, data_date = job.workbook
        (folder / job.files["xlsx"]).write_bytes(
            to_xlsx(table, columns, flows, note=note, data_date=data_date)
        )
