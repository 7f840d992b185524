"""The local SQLite store: studies, which query found which study and when, and every run.

Only this module and its schema (store_schema) speak SQL. Every write happens inside a
transaction; the schema version is kept in `PRAGMA user_version` and checked on open.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from evidence.errors import StoreError
from evidence.runs import Changes, Hit, Run, now_iso
from evidence.store_schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION
from evidence.study import Study

# A hit is current when some successful run saw it since the query's latest successful *full*
# run: incremental runs only add, and only a full re-sync drops a record PubMed no longer
# returns from a topic (its row is kept).
_CURRENT = (
    "h.last_run >= COALESCE((SELECT MAX(r.id) FROM runs r WHERE r.query_id = h.query_id "
    "AND r.status = 'ok' AND r.mode = 'full'), 0)"
)

# The studies a build shows: stored, not deleted, and in some topic's current hits.
_LIVE = (
    "FROM studies s WHERE s.deleted_at IS NULL "
    f"AND EXISTS (SELECT 1 FROM hits h WHERE h.pmid = s.pmid AND {_CURRENT})"
)

_NO_CHANGES = Changes()


def _record_digest(record: str) -> str:
    return _bytes_digest(record.encode())


def _bytes_digest(record: bytes) -> str:
    return hashlib.blake2b(record, digest_size=16).hexdigest()


class Store:
    """A SQLite file holding one project's studies and runs."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self.create = create
        # Each live record's digest by PMID, as content_digest last read them (None once
        # anything is written): record_digests then reads the PMIDs only.
        self._seen_digests: dict[str, str] | None = None
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
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
            else:
                for step in range(version, SCHEMA_VERSION):
                    MIGRATIONS[step](db)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of writes: all of it is stored, or none. Nested units are
        savepoints: an inner failure undoes only the inner unit."""
        nested = self._db.in_transaction
        self._seen_digests = None  # records may change: read them again
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
        return self.save_records(((s.pmid, s.date_revised, s.to_json()) for s in studies), origin)

    def save_records(self, records: Iterable[tuple[str, str, str]], origin: str) -> int:
        """`save_studies` for records already serialised: (pmid, date_revised, the JSON
        `Study.to_json` makes), as a parse process sends them back."""
        stamp = now_iso()
        rows = [(pmid, record, origin, revised, stamp) for pmid, revised, record in records]
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
        return self.studies_and_digests()[0]

    def studies_and_digests(self) -> tuple[dict[str, Study], dict[str, str]]:
        """studies(), and a digest of each one's stored record by PMID (what its grading is
        kept under: a revised record has another)."""
        rows = self._read(f"SELECT s.record {_LIVE} ORDER BY s.pmid")
        out, digests = {}, {}
        for (record,) in rows:
            study = self._study(record)
            out[study.pmid] = study
            digests[study.pmid] = _record_digest(record)
        return out, digests

    def record_digests(self) -> dict[str, str]:
        """The digest studies_and_digests gives of each study's stored record, by PMID, for
        the same studies, without reading any record as a Study."""
        seen = self._seen_digests
        if seen is not None:  # content_digest read every record since the last write
            pmids = [pmid for (pmid,) in self._read(f"SELECT s.pmid {_LIVE} ORDER BY s.pmid")]
            if all(pmid in seen for pmid in pmids):
                return {pmid: seen[pmid] for pmid in pmids}
        rows = self._read(f"SELECT s.pmid, s.record {_LIVE} ORDER BY s.pmid")
        return {pmid: _record_digest(record) for pmid, record in rows}

    def lean(self) -> dict[str, tuple[str, str]]:
        """The kept abridged values: (key, values as JSON) by PMID."""
        return {p: (k, v) for p, k, v in self._read("SELECT pmid, key, lean_values FROM lean")}

    def save_lean(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Keep abridged values: (PMID, key, values as JSON), replacing older ones."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO lean VALUES (?, ?, ?)", rows)

    def grades(self) -> dict[tuple[str, str], tuple[str, str]]:
        """The kept gradings: (key, tags as JSON) by (query id, PMID)."""
        rows = self._read("SELECT query_id, pmid, key, tags FROM grades")
        return {(q, p): (k, t) for q, p, k, t in rows}

    def save_grades(self, rows: Iterable[tuple[str, str, str, str]]) -> None:
        """Keep gradings: (query id, PMID, key, tags as JSON), replacing older ones."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?)", rows)

    def pieces(self, kind: str, pmids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """The kept pieces of `kind` for `pmids`: (key, text, check digest) by PMID."""
        out: dict[str, tuple[str, str, str]] = {}
        for start in range(0, len(pmids), 500):
            chunk = pmids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for pmid, key, text, check in self._read(
                f"SELECT pmid, key, text, check_digest FROM pieces WHERE kind = ? "
                f"AND pmid IN ({marks})",
                (kind, *chunk),
            ):
                out[pmid] = (key, text, check)
        return out

    def save_pieces(self, rows: Iterable[tuple[str, str, str, str, str]]) -> None:
        """Keep rendered pieces: (kind, PMID, key, text, check digest), replacing older ones."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO pieces VALUES (?, ?, ?, ?, ?)", rows)

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
        changes: Changes = _NO_CHANGES,
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
        records = "SELECT pmid, deleted_at IS NULL, CAST(record AS BLOB) FROM studies ORDER BY pmid"
        queries = (
            f"SELECT h.query_id, h.pmid, h.first_seen FROM hits h WHERE {_CURRENT} "
            "ORDER BY h.query_id, h.pmid",
            "SELECT query_id, term, translation, count, warnings FROM runs WHERE id IN "
            "(SELECT MAX(id) FROM runs WHERE status = 'ok' GROUP BY query_id) ORDER BY query_id",
        )
        try:
            digest.update(records.encode())
            # Each record's bytes as stored, after its length: no JSON escaping of 10,000
            # records' text (most of a quiet night's check that nothing changed).
            seen: dict[str, str] = {}
            for pmid, live, record in self._db.execute(records):
                digest.update(f"\n{pmid}\n{live}\n{len(record)}\n".encode())
                digest.update(record)
                if live:  # what record_digests gives, read here once rather than twice
                    seen[pmid] = _bytes_digest(record)
            for sql in queries:
                digest.update(sql.encode())
                for row in self._db.execute(sql):  # row by row: memory stays flat
                    digest.update(json.dumps(row, ensure_ascii=False).encode())
                    digest.update(b"\n")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store: {exc}") from exc
        self._seen_digests = seen
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
            "studies": one(f"SELECT COUNT(*) {_LIVE}"),
            "deleted": one("SELECT COUNT(*) FROM studies WHERE deleted_at IS NOT NULL"),
            "runs": one("SELECT COUNT(*) FROM runs"),
        }
