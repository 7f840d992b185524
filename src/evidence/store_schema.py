"""The store's SQLite schema and the migrations that bring an older store up to it.

Part of the store: with evidence.store, the only code that speaks SQL. The version is kept in
`PRAGMA user_version`; each migration takes a store from version N to N+1.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

SCHEMA_VERSION = 8

SCHEMA = """
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
CREATE TABLE grades (               -- each study's grading in a topic, kept to be reused
    query_id TEXT NOT NULL,
    pmid TEXT NOT NULL,
    key TEXT NOT NULL,             -- of the record, the query and the grading code it read
    tags TEXT NOT NULL,            -- the grading, as JSON
    PRIMARY KEY (query_id, pmid)
);
CREATE TABLE pieces (               -- each study's rendered pieces, kept to be reused
    kind TEXT NOT NULL,            -- an export's format, or the page entry of a topic
    pmid TEXT NOT NULL,
    key TEXT NOT NULL,             -- of what the piece was made from and the code making it
    text TEXT NOT NULL,
    check_digest TEXT NOT NULL,    -- of key and text together: a damaged row is not used
    PRIMARY KEY (kind, pmid)
);
CREATE TABLE lean (                 -- each study's values a build holds once it is placed, kept
    pmid TEXT PRIMARY KEY,
    key TEXT NOT NULL,             -- of the record and the code that made the values
    lean_values TEXT NOT NULL      -- the abridged record and what was read of the rest, as JSON
);
CREATE INDEX hits_pmid ON hits(pmid);
CREATE INDEX runs_query ON runs(query_id, id);
"""


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
    """Runs remember when their result was published; earlier successes count as published
    (there is no telling now which builds failed)."""
    _add_published_at(db)


def _v4_to_v5(db: sqlite3.Connection) -> None:
    """The store remembers its last published build, so a quiet night can leave the reports
    be. Written to hold whichever version 4 a store has: one of the development versions
    had this table and no `published_at`."""
    _add_published_at(db)
    db.execute(
        "CREATE TABLE IF NOT EXISTS published (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "digest TEXT NOT NULL, files TEXT NOT NULL, built_at TEXT NOT NULL)"
    )


def _v5_to_v6(db: sqlite3.Connection) -> None:
    """The store keeps each study's grading, so a build grades only what changed."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS grades (query_id TEXT NOT NULL, pmid TEXT NOT NULL, "
        "key TEXT NOT NULL, tags TEXT NOT NULL, PRIMARY KEY (query_id, pmid))"
    )


def _v6_to_v7(db: sqlite3.Connection) -> None:
    """The store keeps each study's rendered pieces, so a build renders only what changed.
    Nothing else changes: every earlier row is kept as it was."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS pieces (kind TEXT NOT NULL, pmid TEXT NOT NULL, "
        "key TEXT NOT NULL, text TEXT NOT NULL, check_digest TEXT NOT NULL, "
        "PRIMARY KEY (kind, pmid))"
    )


def _v7_to_v8(db: sqlite3.Connection) -> None:
    """The store keeps each study's abridged values, so a build reads whole only the
    records that changed. Nothing else changes: every earlier row is kept as it was."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS lean (pmid TEXT PRIMARY KEY, key TEXT NOT NULL, "
        "lean_values TEXT NOT NULL)"
    )


def _add_published_at(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    if "published_at" not in columns:
        db.execute("ALTER TABLE runs ADD COLUMN published_at TEXT NOT NULL DEFAULT ''")
        db.execute("UPDATE runs SET published_at = finished_at WHERE status = 'ok'")


# What takes a store from version N to N+1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
    5: _v5_to_v6,
    6: _v6_to_v7,
    7: _v7_to_v8,
}
