"""The local SQLite store: studies, which query found which study and when, and every run.

Only this module speaks SQL. Every write happens inside a transaction; the schema version is
kept in `PRAGMA user_version` and checked on open.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evidence.errors import StoreError
from evidence.study import Study

SCHEMA_VERSION = 4

_SCHEMA = """
CREATE TABLE studies (
    pmid TEXT PRIMARY KEY,
    record TEXT NOT NULL,          -- the parsed Study, as JSON
    origin TEXT NOT NULL,          -- 'pubmed' or 'sample'
    date_revised TEXT NOT NULL DEFAULT '',
    fetched_at TEXT NOT NULL,
    deleted_at TEXT                -- set by a DeleteCitation: the study is no longer shown
);
CREATE TABLE hits (
    query_id TEXT NOT NULL,
    pmid TEXT NOT NULL REFERENCES studies(pmid),
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_run INTEGER NOT NULL,     -- the last successful run whose search returned it
    PRIMARY KEY (query_id, pmid)
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    query_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,          -- 'running', 'ok', 'failed', 'interrupted'
    term TEXT NOT NULL,
    translation TEXT NOT NULL DEFAULT '',
    count INTEGER,
    new INTEGER,
    fetched INTEGER,
    warnings TEXT NOT NULL DEFAULT '[]',
    error TEXT NOT NULL DEFAULT '',
    mode TEXT NOT NULL DEFAULT 'full',   -- 'full' (whole search) or 'incremental' (windows)
    window_start TEXT NOT NULL DEFAULT '', -- an incremental run's EDAT/MDAT mindate
    changes TEXT NOT NULL DEFAULT '{}',  -- the diff against the previous state, as JSON
    published_at TEXT NOT NULL DEFAULT ''  -- when a build first published what it stored
);
CREATE TABLE pending (             -- records a run could not fetch: asked for again next run
    query_id TEXT NOT NULL,
    pmid TEXT NOT NULL,
    PRIMARY KEY (query_id, pmid)
);
CREATE TABLE published (           -- the last build written into reports/ from this store
    id INTEGER PRIMARY KEY CHECK (id = 1),
    digest TEXT NOT NULL,          -- of everything the build read
    files TEXT NOT NULL,           -- {name: [size, mtime_ns]} of the files it wrote, as JSON
    built_at TEXT NOT NULL
);
CREATE INDEX hits_pmid ON hits(pmid);
CREATE INDEX runs_query ON runs(query_id, id);
"""


# A hit is current when some successful run saw it since the query's latest successful *full*
# run: incremental runs only add, and only a full re-sync drops a record PubMed no longer
# returns from a topic (its row is kept).
_CURRENT = (
    "h.last_run >= COALESCE((SELECT MAX(r.id) FROM runs r WHERE r.query_id = h.query_id "
    "AND r.status = 'ok' AND r.mode = 'full'), 0)"
)


def _v1_to_v2(db: sqlite3.Connection) -> None:
    """Hits remember the run that last saw them (topics hold their latest search)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(hits)")}
    if "last_run" not in columns:
        db.execute("ALTER TABLE hits ADD COLUMN last_run INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE hits SET last_run = COALESCE((SELECT MAX(r.id) FROM runs r "
        "WHERE r.query_id = hits.query_id AND r.status = 'ok'), 0)"
    )


def _v2_to_v3(db: sqlite3.Connection) -> None:
    """Runs say whether they were full or incremental and what changed; unfetched records
    wait in `pending`. Every earlier run searched the whole topic, so it counts as full."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    for name, kind in (
        ("mode", "TEXT NOT NULL DEFAULT 'full'"),
        ("window_start", "TEXT NOT NULL DEFAULT ''"),
        ("changes", "TEXT NOT NULL DEFAULT '{}'"),
    ):
        if name not in columns:
            db.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")
    db.execute(
        "CREATE TABLE IF NOT EXISTS pending (query_id TEXT NOT NULL, pmid TEXT NOT NULL, "
        "PRIMARY KEY (query_id, pmid))"
    )


def _v3_to_v4(db: sqlite3.Connection) -> None:
    """Runs remember when their result was published (earlier successes count as published:
    there is no telling now which builds failed), and the store its last published build, so
    a quiet night can leave the reports be."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    if "published_at" not in columns:
        db.execute("ALTER TABLE runs ADD COLUMN published_at TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE runs SET published_at = finished_at WHERE status = 'ok'")
    db.execute(
        "CREATE TABLE IF NOT EXISTS published (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "digest TEXT NOT NULL, files TEXT NOT NULL, built_at TEXT NOT NULL)"
    )


# What takes a store from version N to N+1.
_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
}


def now_iso() -> str:
    # Microseconds: two runs in the same second must still be ordered (first seen vs the
    # previous refresh decides which studies are new).
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Hit:
    query_id: str
    pmid: str
    first_seen: str
    last_seen: str


CHANGE_KINDS = ("new", "changed", "retracted", "corrected", "deleted")


@dataclass(frozen=True)
class Changes:
    """What one run changed in its topic: studies that entered it, records that changed when
    re-fetched (among them newly retracted or corrected ones), and studies that left it
    (DeleteCitation, or no longer returned by a full re-sync)."""

    new: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    retracted: tuple[str, ...] = ()
    corrected: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, list[str]]:
        return {k: list(getattr(self, k)) for k in CHANGE_KINDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Changes:
        return cls(**{k: tuple(str(p) for p in data.get(k, ())) for k in CHANGE_KINDS})

    def __bool__(self) -> bool:
        return any(getattr(self, k) for k in CHANGE_KINDS)

    def then(self, later: Changes) -> Changes:
        """These changes followed by `later`'s, as one: a study that entered and then left
        is neither new nor removed."""

        def both(kind: str, dropped: tuple[str, ...] = ()) -> tuple[str, ...]:
            merged = dict.fromkeys(getattr(self, kind) + getattr(later, kind))
            return tuple(p for p in merged if p not in dropped)

        came_and_went = set(self.new) & set(later.deleted)
        deleted = both("deleted", later.new)
        return Changes(
            new=both("new", later.deleted),
            changed=both("changed", later.deleted),
            retracted=both("retracted", later.deleted),
            corrected=both("corrected", later.deleted),
            deleted=tuple(p for p in deleted if p not in came_and_went),
        )


@dataclass(frozen=True)
class Run:
    id: int
    query_id: str
    origin: str
    started_at: str
    finished_at: str
    status: str
    term: str
    translation: str
    count: int | None
    new: int | None
    fetched: int | None
    warnings: tuple[str, ...]
    error: str
    mode: str = "full"
    window_start: str = ""
    changes: Changes = Changes()
    published_at: str = ""  # '' for a run whose result no build has published yet


class Store:
    """A SQLite file holding one project's studies and runs."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self.create = create
        if not create and not path.exists():
            raise StoreError(f"{path}: no store here yet; run `evidence refresh` first")
        if path.is_file() and path.stat().st_size == 0:
            # SQLite would take an empty file for a new database: a truncated store would
            # start over silently, losing run history, first-seen dates and pending ids.
            raise StoreError(
                f"{path}: the store is empty (0 bytes), so it was damaged; restore it from "
                "a backup, or move it aside to start over with a full refresh"
            )
        # A store that fails to open (not a database, newer schema, ...) must not leave its
        # connection to the garbage collector: Python 3.13 warns about every unclosed one.
        with ExitStack() as on_failure:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
                on_failure.callback(self._db.close)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA foreign_keys=ON")
                self._migrate()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{path}: cannot open the store: {exc}") from exc
            except OSError as exc:
                raise StoreError(f"{path}: cannot create the store's folder: {exc}") from exc
            on_failure.pop_all()  # opened: from here on the connection is closed by close()

    def close(self) -> None:
        """Close the connection (idempotent); `with Store(...)` does it on leaving."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        with self.transaction() as db:
            # Read the version inside the write lock: two first runs must not both create.
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == SCHEMA_VERSION:
                return
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: written by a newer evidence (schema {version}); upgrade evidence"
                )
            if version == 0 and not self.create:
                raise StoreError(
                    f"{self.path}: not an evidence store; restore it from a backup, or move "
                    "it aside and run `evidence refresh`"
                )
            if version == 0:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
            else:
                for step in range(version, SCHEMA_VERSION):
                    _MIGRATIONS[step](db)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of writes: all of it is stored, or none. Nested units are
        savepoints: an inner failure undoes only the inner unit."""
        nested = self._db.in_transaction
        try:
            self._db.execute("SAVEPOINT inner" if nested else "BEGIN IMMEDIATE")
            yield self._db
            self._db.execute("RELEASE inner" if nested else "COMMIT")
        except BaseException as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK TO inner" if nested else "ROLLBACK")
                if nested:
                    self._db.execute("RELEASE inner")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"{self.path}: write failed, nothing changed: {exc}") from exc
            raise

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store: {exc}") from exc

    # studies ---------------------------------------------------------------------------

    def save_studies(self, studies: Iterable[Study], origin: str) -> int:
        """Insert or update studies (by PMID) in one transaction; returns how many."""
        stamp = now_iso()
        rows = [(s.pmid, s.to_json(), origin, s.date_revised, stamp) for s in studies]
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO studies (pmid, record, origin, date_revised, fetched_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(pmid) DO UPDATE SET record=excluded.record, "
                "origin=excluded.origin, date_revised=excluded.date_revised, "
                "fetched_at=excluded.fetched_at, deleted_at=NULL",
                rows,
            )
        return len(rows)

    def mark_deleted(self, pmids: Iterable[str]) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE studies SET deleted_at=? WHERE pmid=?", [(now_iso(), p) for p in pmids]
            )

    def known_pmids(self, pmids: Iterable[str]) -> set[str]:
        """Those of `pmids` already stored (and not deleted)."""
        wanted = list(pmids)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self._read(
                    f"SELECT pmid FROM studies WHERE deleted_at IS NULL AND pmid IN ({marks})",
                    chunk,
                )
            )
        return found

    def stored_studies(self, pmids: Iterable[str]) -> dict[str, Study]:
        """The stored (not deleted) records among `pmids`, whichever topic holds them."""
        wanted = list(pmids)
        out: dict[str, Study] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for (record,) in self._read(
                f"SELECT record FROM studies WHERE deleted_at IS NULL AND pmid IN ({marks})",
                chunk,
            ):
                study = self._study(record)
                out[study.pmid] = study
        return out

    def _study(self, record: str) -> Study:
        try:
            return Study.from_json(record)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise StoreError(
                f"{self.path}: a stored record is damaged ({type(exc).__name__}: "
                f"{str(exc)[:80]}; record begins {record[:40]!r}); restore the store from a "
                "backup, or move it aside and run a full refresh"
            ) from exc

    def topic(self, query_id: str) -> set[str]:
        """The PMIDs a query's topic holds now (current hits, deleted records included)."""
        return {
            r[0]
            for r in self._read(
                f"SELECT h.pmid FROM hits h WHERE h.query_id = ? AND {_CURRENT}", (query_id,)
            )
        }

    def pending(self, query_id: str) -> list[str]:
        """Records an earlier run of this query could not fetch, to ask for again."""
        return [
            r[0]
            for r in self._read(
                "SELECT pmid FROM pending WHERE query_id = ? ORDER BY pmid", (query_id,)
            )
        ]

    def studies(self) -> dict[str, Study]:
        """Every study in some query's latest successful search and not deleted, by PMID."""
        rows = self._read(
            "SELECT s.record FROM studies s WHERE s.deleted_at IS NULL "
            f"AND EXISTS (SELECT 1 FROM hits h WHERE h.pmid = s.pmid AND {_CURRENT}) "
            "ORDER BY s.pmid"
        )
        out = {}
        for (record,) in rows:
            study = self._study(record)
            out[study.pmid] = study
        return out

    def hits(self) -> list[Hit]:
        """Which query found which study: those in each query's latest successful search."""
        return [
            Hit(*row)
            for row in self._read(
                "SELECT h.query_id, h.pmid, h.first_seen, h.last_seen FROM hits h "
                f"WHERE {_CURRENT} ORDER BY h.query_id, h.pmid"
            )
        ]

    # runs ------------------------------------------------------------------------------

    def start_run(self, query_id: str, origin: str, term: str) -> int:
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO runs (query_id, origin, started_at, status, term) "
                "VALUES (?, ?, ?, 'running', ?)",
                (query_id, origin, now_iso(), term),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def finish_run(
        self,
        run_id: int,
        *,
        query_id: str,
        pmids: Iterable[str],
        count: int,
        new: int,
        fetched: int,
        translation: str,
        warnings: Iterable[str],
        full: bool = True,
        window_start: str = "",
        changes: Changes = Changes(),
        pending: Iterable[str] = (),
    ) -> None:
        """Record a successful run and what it found, atomically.

        `pmids` join the topic (or stay in it, seen again); a `full` run's topic becomes
        exactly `pmids`. `pending` replaces the records still to be fetched next run.
        """
        stamp = now_iso()
        with self.transaction() as db:
            db.execute("DELETE FROM pending WHERE query_id = ?", (query_id,))
            db.executemany(
                "INSERT OR IGNORE INTO pending (query_id, pmid) VALUES (?, ?)",
                [(query_id, p) for p in pending],
            )
            db.executemany(
                "INSERT INTO hits (query_id, pmid, first_seen, last_seen, last_run) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(query_id, pmid) DO UPDATE SET "
                "last_seen=excluded.last_seen, last_run=excluded.last_run",
                [(query_id, p, stamp, stamp, run_id) for p in pmids],
            )
            db.execute(
                "UPDATE runs SET status='ok', finished_at=?, count=?, new=?, fetched=?, "
                "translation=?, warnings=?, mode=?, window_start=?, changes=? WHERE id=?",
                (
                    stamp,
                    count,
                    new,
                    fetched,
                    translation,
                    json.dumps(list(warnings)),
                    "full" if full else "incremental",
                    window_start,
                    json.dumps(changes.to_dict()),
                    run_id,
                ),
            )

    def mark_interrupted(self) -> int:
        """Runs still 'running' were cut off (kill -9, power loss): say so. Call under the
        project lock, when no other run can be in progress."""
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE runs SET status='interrupted', error='the process was stopped midway' "
                "WHERE status='running'"
            )
        return cur.rowcount

    def mark_published(self) -> int:
        """Every successful run not yet published now is: call once the reports are written."""
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE runs SET published_at=? WHERE status='ok' AND published_at=''", (now_iso(),)
            )
        return cur.rowcount

    def fail_run(self, run_id: int, error: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status='failed', finished_at=?, error=? WHERE id=?",
                (now_iso(), error, run_id),
            )

    def runs(self, query_id: str | None = None) -> list[Run]:
        sql = (
            (
                "SELECT id, query_id, origin, started_at, finished_at, status, term, translation, "
                "count, new, fetched, warnings, error, mode, window_start, changes, "
                "published_at FROM runs"
            )
            + (" WHERE query_id=?" if query_id else "")
            + " ORDER BY id"
        )
        rows = self._read(sql, (query_id,) if query_id else ())
        try:
            return self._runs(rows)
        except (ValueError, TypeError, AttributeError) as exc:
            raise StoreError(
                f"{self.path}: the run history is damaged ({type(exc).__name__}: "
                f"{str(exc)[:80]}); restore the store from a backup"
            ) from exc

    @staticmethod
    def _runs(rows: list[tuple[Any, ...]]) -> list[Run]:
        return [
            Run(
                id=r[0],
                query_id=r[1],
                origin=r[2],
                started_at=r[3],
                finished_at=r[4] or "",
                status=r[5],
                term=r[6],
                translation=r[7],
                count=r[8],
                new=r[9],
                fetched=r[10],
                warnings=tuple(json.loads(r[11])),
                error=r[12],
                mode=r[13],
                window_start=r[14],
                changes=Changes.from_dict(json.loads(r[15])),
                published_at=r[16],
            )
            for r in rows
        ]

    def last_runs(self) -> dict[str, Run]:
        """The latest run of each query, by query id."""
        return {r.query_id: r for r in self.runs()}

    def last_success(self, query_id: str | None = None) -> Run | None:
        ok = [r for r in self.runs(query_id) if r.status == "ok"]
        return ok[-1] if ok else None

    # published builds -----------------------------------------------------------------

    def content_digest(self) -> str:
        """A digest of what a build reads from the store: every record, each topic's studies
        with the day they were first seen, and each topic's last successful search (its term,
        translation, count and warnings), but not when the runs happened nor the diff of the
        last one: a night that found nothing new leaves it as it was."""
        digest = hashlib.sha256()
        queries = (
            "SELECT pmid, record, deleted_at IS NULL FROM studies ORDER BY pmid",
            f"SELECT h.query_id, h.pmid, h.first_seen FROM hits h WHERE {_CURRENT} "
            "ORDER BY h.query_id, h.pmid",
            "SELECT query_id, term, translation, count, warnings FROM runs WHERE id IN "
            "(SELECT MAX(id) FROM runs WHERE status = 'ok' GROUP BY query_id) ORDER BY query_id",
        )
        try:
            for sql in queries:
                digest.update(sql.encode())
                for row in self._db.execute(sql):  # row by row: memory stays flat
                    digest.update(json.dumps(row, ensure_ascii=False).encode())
                    digest.update(b"\n")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store: {exc}") from exc
        return digest.hexdigest()

    def last_published(self) -> tuple[str, dict[str, list[int]]] | None:
        """The digest of the last build published from this store and the size and mtime
        of each file it wrote; None before the first."""
        rows = self._read("SELECT digest, files FROM published WHERE id = 1")
        if not rows:
            return None
        return str(rows[0][0]), dict(json.loads(rows[0][1]))

    def set_published(self, digest: str, files: dict[str, list[int]]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO published (id, digest, files, built_at) VALUES (1, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET digest=excluded.digest, files=excluded.files, "
                "built_at=excluded.built_at",
                (digest, json.dumps(files, sort_keys=True), now_iso()),
            )

    def counts(self) -> dict[str, int]:
        def one(sql: str) -> int:
            return int(self._read(sql)[0][0])

        return {
            "studies": one(
                "SELECT COUNT(*) FROM studies s WHERE deleted_at IS NULL "
                f"AND EXISTS (SELECT 1 FROM hits h WHERE h.pmid = s.pmid AND {_CURRENT})"
            ),
            "deleted": one("SELECT COUNT(*) FROM studies WHERE deleted_at IS NOT NULL"),
            "runs": one("SELECT COUNT(*) FROM runs"),
        }
