from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import evidence.store as store_module
from evidence.errors import StoreError
from evidence.runs import Changes
from evidence.store import Store
from evidence.store_schema import SCHEMA_VERSION
from evidence.study import Author, Study


def study(pmid: str, title: str = "T") -> Study:
    return Study(pmid=pmid, title=title, authors=(Author(last_name="A", initials="B"),), year=2020)


def test_schema_is_versioned(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite"):
        pass
    with closing(sqlite3.connect(tmp_path / "s.sqlite")) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        db.execute("PRAGMA user_version = 99")
        db.commit()
    with pytest.raises(StoreError, match="newer evidence"):
        Store(tmp_path / "s.sqlite")


def test_studies_hits_and_runs(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.save_studies([study("1"), study("2")], "pubmed")
        assert store.studies() == {}  # stored, but no query has found them yet
        run = store.start_run("q", "pubmed", "term")
        store.finish_run(
            run,
            query_id="q",
            pmids=["1", "2"],
            count=2,
            new=2,
            fetched=2,
            translation="tr",
            warnings=["w"],
        )
        assert set(store.studies()) == {"1", "2"}
        assert store.studies()["1"] == study("1")
        first = {h.pmid: h.first_seen for h in store.hits()}
        run2 = store.start_run("q", "pubmed", "term")
        store.finish_run(
            run2,
            query_id="q",
            pmids=["1"],
            count=1,
            new=0,
            fetched=0,
            translation="tr",
            warnings=[],
        )
        hits = {h.pmid: h for h in store.hits()}
        assert hits["1"].first_seen == first["1"]  # first seen is kept on every later run
        last = store.last_success("q")
        assert last is not None and last.id == run2 and last.status == "ok"
        failed = store.start_run("q", "pubmed", "term")
        store.fail_run(failed, "boom")
        assert store.last_runs()["q"].status == "failed"
        assert store.last_success("q") == last
        assert store.known_pmids(["1", "2", "3"]) == {"1", "2"}
        store.mark_deleted(["2"])
        assert store.known_pmids(["1", "2"]) == {"1"}
        assert set(store.studies()) == {"1"}
        assert store.counts() == {"studies": 1, "deleted": 1, "runs": 3}


def test_a_failed_transaction_changes_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.save_studies([study("1", "before")], "pubmed")
        with pytest.raises(RuntimeError), store.transaction() as db:
            db.execute("UPDATE studies SET record = 'broken' WHERE pmid = '1'")
            raise RuntimeError("crash midway")
        assert store.known_pmids(["1"]) == {"1"}
        run = store.start_run("q", "pubmed", "t")
        store.finish_run(
            run, query_id="q", pmids=["1"], count=1, new=0, fetched=0, translation="", warnings=[]
        )
        assert store.studies()["1"].title == "before"


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the store"):
        Store(path)


def finish(store: Store, run: int, pmids: list[str], **extra: object) -> None:
    store.finish_run(
        run,
        query_id="q",
        pmids=pmids,
        count=len(pmids),
        new=0,
        fetched=0,
        translation="",
        warnings=[],
        **extra,  # type: ignore[arg-type]
    )


def test_incremental_runs_add_and_only_a_full_run_removes(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.save_studies([study(p) for p in "1234"], "pubmed")
        finish(store, store.start_run("q", "pubmed", "t"), ["1", "2"])
        failed = store.start_run("q", "pubmed", "t")
        store.fail_run(failed, "NCBI down")
        assert {h.pmid for h in store.hits()} == {"1", "2"}  # a failure changes nothing
        finish(store, store.start_run("q", "pubmed", "t"), ["3"], full=False, pending=["4"])
        assert store.topic("q") == {"1", "2", "3"}  # an incremental window only adds
        assert store.pending("q") == ["4"]
        assert store.last_runs()["q"].mode == "incremental"
        finish(store, store.start_run("q", "pubmed", "t"), ["2", "3"], full=True)
        assert {h.pmid for h in store.hits()} == {"2", "3"}  # a full re-sync replaces
        assert set(store.studies()) == {"2", "3"}
        assert store.pending("q") == []
        assert store.known_pmids(["1"]) == {"1"}  # the record itself is kept
        finish(store, store.start_run("q", "pubmed", "t"), ["4"], full=False)
        assert store.topic("q") == {"2", "3", "4"}


def test_a_run_keeps_its_changes(tmp_path: Path) -> None:
    changes = Changes(new=("3",), changed=("2",), retracted=("2",), deleted=("1",))
    with Store(tmp_path / "s.sqlite") as store:
        store.save_studies([study("2"), study("3")], "pubmed")
        finish(store, store.start_run("q", "pubmed", "t"), ["2", "3"], changes=changes)
        assert store.last_success("q").changes == changes  # type: ignore[union-attr]
        assert Changes.from_dict(changes.to_dict()) == changes
        assert not Changes() and changes


def test_runs_cut_off_midway_are_marked_interrupted(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.start_run("q", "pubmed", "t")
        assert store.mark_interrupted() == 1
        assert store.last_runs()["q"].status == "interrupted"
        assert store.mark_interrupted() == 0


V1_SCHEMA = """
CREATE TABLE studies (pmid TEXT PRIMARY KEY, record TEXT NOT NULL, origin TEXT NOT NULL,
    date_revised TEXT NOT NULL DEFAULT '', fetched_at TEXT NOT NULL, deleted_at TEXT);
CREATE TABLE hits (query_id TEXT NOT NULL, pmid TEXT NOT NULL REFERENCES studies(pmid),
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, PRIMARY KEY (query_id, pmid));
CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, query_id TEXT NOT NULL,
    origin TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
    term TEXT NOT NULL, translation TEXT NOT NULL DEFAULT '', count INTEGER, new INTEGER,
    fetched INTEGER, warnings TEXT NOT NULL DEFAULT '[]', error TEXT NOT NULL DEFAULT '');
CREATE INDEX hits_pmid ON hits(pmid);
CREATE INDEX runs_query ON runs(query_id, id);
PRAGMA user_version = 1;
"""


def test_a_version_1_store_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with closing(sqlite3.connect(path)) as db:
        db.executescript(V1_SCHEMA)
        db.execute(
            "INSERT INTO studies VALUES ('1', ?, 'pubmed', '', 'now', NULL)",
            (study("1").to_json(),),
        )
        db.execute(
            "INSERT INTO runs (query_id, origin, started_at, finished_at, status, term) "
            "VALUES ('q', 'pubmed', 'a', 'b', 'ok', 't')"
        )
        db.execute("INSERT INTO hits VALUES ('q', '1', 'a', 'b')")
        db.commit()
    with Store(path) as store:
        assert {h.pmid for h in store.hits()} == {"1"}
        assert set(store.studies()) == {"1"}
        run = store.last_success("q")
        assert run is not None and run.mode == "full" and not run.changes
        assert run.published_at == "b"  # what an older version stored, it published
        assert store.pending("q") == []
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8
        assert db.execute("SELECT COUNT(*) FROM grades").fetchone()[0] == 0  # kept from v6 on
        assert db.execute("SELECT COUNT(*) FROM pieces").fetchone()[0] == 0  # kept from v7 on
        assert db.execute("SELECT COUNT(*) FROM lean").fetchone()[0] == 0  # kept from v8 on


def test_a_version_6_store_keeps_its_gradings_when_it_gains_pieces(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.save_studies([study("1")], "pubmed")
        store.save_grades([("q", "1", "key", "[]")])
    with closing(sqlite3.connect(path)) as db:  # back to version 6: no pieces table
        db.execute("DROP TABLE pieces")
        db.execute("DROP TABLE lean")
        db.execute("PRAGMA user_version = 6")
        db.commit()
    with Store(path) as store:
        assert store.grades() == {("q", "1"): ("key", "[]")}
        assert store.known_pmids(["1"]) == {"1"}
        store.save_pieces([("ris", "1", "k", "text", "check")])
        assert store.pieces("ris", ["1", "2"]) == {"1": ("k", "text", "check")}
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 8


def test_a_version_7_store_keeps_its_gradings_and_pieces_when_it_gains_lean_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.save_studies([study("1")], "pubmed")
        store.save_grades([("q", "1", "key", "[]")])
        store.save_pieces([("ris", "1", "k", "text", "check")])
    with closing(sqlite3.connect(path)) as db:  # back to version 7: no lean table
        db.execute("DROP TABLE lean")
        db.execute("PRAGMA user_version = 7")
        db.commit()
    with Store(path) as store:
        assert store.grades() == {("q", "1"): ("key", "[]")}
        assert store.pieces("ris", ["1"]) == {"1": ("k", "text", "check")}
        assert store.lean() == {}
        store.save_lean([("1", "k", "{}")])
        assert store.lean() == {"1": ("k", "{}")}
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 8


@pytest.mark.parametrize("has", ["published_at", "published"])
def test_either_version_4_is_brought_to_5(tmp_path: Path, has: str) -> None:
    """Two development versions called themselves 4: one had runs.published_at, the other the
    table of the last published build. Both become the same version 5, nothing lost."""
    path = tmp_path / "s.sqlite"
    with closing(sqlite3.connect(path)) as db:
        db.executescript(V1_SCHEMA)
        db.execute(
            "INSERT INTO runs (query_id, origin, started_at, finished_at, status, term) "
            "VALUES ('q', 'pubmed', 'a', 'b', 'ok', 't')"
        )
        db.commit()
    with Store(path):
        pass  # to the current version
    with closing(sqlite3.connect(path)) as db:  # back to what one version 4 held
        if has == "published_at":
            db.execute("DROP TABLE published")
        else:
            db.execute("ALTER TABLE runs DROP COLUMN published_at")
        db.execute("PRAGMA user_version = 4")
        db.commit()
    with Store(path) as store:
        store.set_published("digest", {"index.html": [1, 2]})
        assert store.last_published() == ("digest", {"index.html": [1, 2]})
        run = store.last_success("q")
        assert run is not None and run.published_at == "b"


def test_nested_units_roll_back_alone(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        with store.transaction():
            store.save_studies([study("1")], "pubmed")
            with pytest.raises(RuntimeError), store.transaction():
                store.save_studies([study("2")], "pubmed")
                raise RuntimeError("inner failure")
        assert store.known_pmids(["1", "2"]) == {"1"}


def test_readers_do_not_create_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run `evidence refresh` first"):
        Store(tmp_path / "none.sqlite", create=False)
    assert not (tmp_path / "none.sqlite").exists()


def test_changes_in_sequence_merge_into_one() -> None:
    first = Changes(new=("1", "2"), retracted=("3",))
    later = Changes(new=("4",), deleted=("2",), changed=("3",))
    merged = first.then(later)
    assert merged.new == ("1", "4") and merged.deleted == ()  # 2 came and went
    assert merged.retracted == ("3",) and merged.changed == ("3",)
    assert Changes(deleted=("5",)).then(Changes(new=("5",))).deleted == ()
    assert not Changes(new=("6",)).then(Changes(deleted=("6",)))  # came and went: no news


def test_a_reader_never_turns_a_foreign_file_into_a_store(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE other (x)").connection.close()
    with pytest.raises(StoreError, match="not an evidence store"):
        Store(path, create=False)
    (tmp_path / "empty.sqlite").write_bytes(b"")
    with pytest.raises(StoreError, match="0 bytes"):
        Store(tmp_path / "empty.sqlite")


def test_the_content_digest_reads_each_records_bytes_as_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every record, its deletion and its edge with the next one change the digest, and no
    record is encoded as JSON again for it (that was most of a quiet night's check)."""
    with Store(tmp_path / "s.sqlite") as store:
        store.save_studies([study("1", "A"), study("12", "B")], "pubmed")
        first = store.content_digest()
        store.save_studies([study("12", "C")], "pubmed")
        retitled = store.content_digest()
        store.mark_deleted(["1"])
        deleted = store.content_digest()
        assert len({first, retitled, deleted}) == 3
        encoded: list[object] = []
        dumps = json.dumps

        def counted(value: object, **kwargs: Any) -> str:
            encoded.append(value)
            return dumps(value, **kwargs)

        monkeypatch.setattr("evidence.store.json.dumps", counted)
        assert store.content_digest() == deleted
        assert not any("record" in str(v) or "title" in str(v) for v in encoded)


def test_record_digests_read_after_the_content_digest_are_those_of_the_records_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build reads every record once for its inputs' digest; the digests it then keys
    its kept values by are taken from that pass, and never outlive a write."""
    with Store(tmp_path / "s.sqlite") as store:
        store.save_studies([study("1", "A"), study("2", "B"), study("3", "C")], "pubmed")
        run = store.start_run("q", "pubmed", "term")
        store.finish_run(
            run,
            query_id="q",
            pmids=["1", "2"],
            count=2,
            new=2,
            fetched=2,
            translation="",
            warnings=[],
        )
        read = store.record_digests()
        assert set(read) == {"1", "2"}  # 3 was found by no query
        store.content_digest()
        hashed: list[str] = []
        digest = store_module._record_digest

        def counted(record: str) -> str:
            hashed.append(record)
            return digest(record)

        monkeypatch.setattr(store_module, "_record_digest", counted)
        assert store.record_digests() == read
        assert hashed == []  # no record read again
        store.save_studies([study("2", "B revised")], "pubmed")
        revised = store.record_digests()
        assert revised["1"] == read["1"] and revised["2"] != read["2"]
        store.content_digest()
        store.mark_deleted(["1"])
        assert store.record_digests() == {"2": revised["2"]}
    with Store(tmp_path / "s.sqlite") as other:
        assert other.record_digests() == {"2": revised["2"]}
