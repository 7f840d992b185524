"""One run, end to end: lock, search each query, fetch only what is new, parse, store, build.

Also the read side used by the CLI: which store to read, the evidence table, the status.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from queue import Full, Queue
from typing import Any, TextIO, TypeVar

import pandas as pd

from evidence.citations import ama, ama_html, write_csv
from evidence.classify import DESIGN_LABELS, LEVELS
from evidence.curation import Curation, entries_from, load_curation
from evidence.errors import ConfigError, EutilsError, EvidenceError, LockError, StoreError
from evidence.eutils import EutilsClient, RetryPolicy, SearchResult
from evidence.pubmed import parse_article_set
from evidence.queries import Query, load_queries
from evidence.render import doi_url, environment, pmc_url, render_all, write_all
from evidence.settings import Settings
from evidence.sources import ORIGIN_PUBMED, ORIGIN_SAMPLE, LiveSource, SampleSource, Source
from evidence.store import CHANGE_KINDS, Changes, Run, Store
from evidence.study import CORRECTION_LINKS, Study
from evidence.tabulate import OTHER, Placed, counts_by_condition_and_design, evidence_table, place

Progress = Callable[[str], None]
Tick = Callable[[str, int, int], None]  # (query id, records done, records to fetch)
SHRINK_FLOOR = 20  # below this many records, a topic halving is not suspicious


def _quiet(_: str) -> None:
    """The default progress callback: say nothing."""


@dataclass
class QueryOutcome:
    query_id: str
    ok: bool
    count: int = 0
    new: int = 0
    fetched: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    exit_code: int = 0
    searches: int = 0  # ESearch requests (more than one past 9,999 records, or windowed)
    window_start: str = ""  # an incremental run's first day; "" for a full run
    changes: Changes = field(default_factory=Changes)


@dataclass
class RefreshResult:
    origin: str
    outcomes: list[QueryOutcome]
    reports: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 when every query succeeded; else the code of the first failure."""
        return next((o.exit_code for o in self.outcomes if not o.ok), 0)


@contextmanager
def project_lock(settings: Settings) -> Iterator[None]:
    """Hold the project's refresh lock; a second refresh fails at once with LockError."""
    try:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(settings.state_dir / "refresh.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"{settings.state_dir}: cannot create the state folder: {exc}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockError(
                f"another refresh is running on {settings.project}; try again when it ends"
            ) from None
        yield
    finally:
        os.close(fd)


def make_source(settings: Settings, *, sample: bool, progress: Progress = _quiet) -> Source:
    """The offline sample, or live E-utilities (which needs a contact email)."""
    if sample:
        return SampleSource()
    client = EutilsClient(
        email=settings.email,
        api_key=settings.api_key,
        base_url=settings.eutils_url,
        tool=settings.tool,
        on_retry=progress,
        policy=RetryPolicy(total=settings.max_time),
    )
    return LiveSource(client, batch_size=settings.batch_size)


def refresh(
    settings: Settings,
    source: Source,
    *,
    progress: Progress = _quiet,
    allow_shrink: bool = False,
    full: bool = False,
    tick: Tick | None = None,
) -> RefreshResult:
    """Search every query, store what is new or changed, and rebuild the reports if all
    succeeded.

    After a query's first success, later runs are incremental: they ask PubMed only for the
    records entered (EDAT) or revised (MDAT) since the last successful run, less
    `settings.overlap_days`, fetch those that are new or revised, and add them to the topic.
    Only a `full` run (or a changed term) re-syncs a topic with the whole search, and so is
    the only way, apart from DeleteCitation, for a study to leave it; it fetches the records
    it lacks and those revised since the last run (one more ESearch, on MDAT and EDAT).

    A query that fails is recorded as a failed run and changes nothing; the reports are only
    rebuilt after a full success. A full search that falls to under half of the topic fails
    too (a PubMed glitch must not empty a page), unless `allow_shrink`. `tick(label, done,
    total)` reports fetch progress for progress bars.
    """
    queries = load_queries(settings.queries_dir)
    load_curation(settings.curation_file)  # fail early, before any network, on a bad file
    with project_lock(settings), Store(settings.store_path(source.origin)) as store:
        if store.mark_interrupted():
            progress("an earlier refresh was interrupted; its stored records are kept")
        outcomes = [
            _refresh_query(
                store,
                source,
                q,
                _Options(progress, allow_shrink, full, settings.overlap_days, tick),
            )
            for q in queries
        ]
        result = RefreshResult(origin=source.origin, outcomes=outcomes)
        if result.ok:
            result.reports = _build(settings, origin=source.origin, store=store)
            progress(f"reports written to {settings.reports_dir}")
        return result


@dataclass(frozen=True)
class _Options:
    progress: Progress
    allow_shrink: bool
    full: bool
    overlap_days: int
    tick: Tick | None


def _refresh_query(store: Store, source: Source, query: Query, opts: _Options) -> QueryOutcome:
    progress = opts.progress
    previous = store.last_success(query.id)
    window: date | None = None
    if previous is not None and previous.term == query.term:
        # PubMed's dates are days, and a record can surface a little after its date: the
        # window starts `overlap_days` before the last successful run began.
        window = date.fromisoformat(previous.started_at[:10]) - timedelta(days=opts.overlap_days)
    since = None if opts.full else window
    run_id = store.start_run(query.id, source.origin, query.term)
    outcome = QueryOutcome(query_id=query.id, ok=False)
    try:
        progress(f"{query.id}: searching" + (f" from {since.isoformat()}" if since else ""))
        result = source.search(query, since)
        if since is None and window is not None and result.complete:
            # A full re-sync still re-fetches what was revised since the last run (the
            # whole search says which records belong, not which changed).
            changed = source.search(query, window)
            if not changed.complete:
                result = replace(
                    result,
                    revised=changed.revised,
                    requests=result.requests + changed.requests,
                )
        outcome.searches = result.requests
        outcome.window_start = since.isoformat() if since and not result.complete else ""
        topic_before = store.topic(query.id)
        if (
            result.complete
            and not opts.allow_shrink
            and previous is not None
            and previous.term == query.term
            and len(topic_before) >= SHRINK_FLOOR
            and result.count < len(topic_before) / 2
        ):
            raise EutilsError(
                f"PubMed returned {result.count} records for an unchanged query whose topic "
                f"holds {len(topic_before)}; keeping the previous studies (rerun with "
                "--allow-shrink if that is right)"
            )
        outcome.warnings.extend(result.warnings)
        # Records an earlier run could not fetch are asked for again by an incremental run;
        # a full run asks for whatever its search returns.
        candidates = list(result.ids)
        if not result.complete:
            candidates = list(dict.fromkeys(candidates + store.pending(query.id)))
        known = store.known_pmids(candidates)
        revised = set(result.revised)
        need = [p for p in candidates if p not in known or p in revised]
        before = store.stored_studies(p for p in need if p in known)
        progress(f"{query.id}: {result.count} found, {len(need)} to fetch")
        diff = _Diff(before)
        got, deleted = _fetch_and_store(store, source, need, result, opts, query.id, diff)
        missing = [p for p in need if p not in got and p not in deleted]
        if missing:
            # EFetch sometimes answers with fewer records than asked for: ask once more.
            retry = SearchResult(count=len(missing), ids=tuple(missing))
            again, gone = _fetch_and_store(store, source, missing, retry, opts, query.id, diff)
            got |= again
            deleted |= gone
            missing = [p for p in missing if p not in again and p not in gone]
        if missing:
            outcome.warnings.append(
                f"{len(missing)} record(s) could not be fetched and will be tried next run: "
                + ", ".join(missing[:10])
                + ("…" if len(missing) > 10 else "")
            )
        outcome.fetched = len(got)
        found = [p for p in candidates if p not in deleted and (p in known or p in got)]
        left = set(deleted) & (topic_before | set(candidates))
        if result.complete:
            left |= topic_before - set(found)
        changes = Changes(
            new=tuple(p for p in found if p not in topic_before),
            changed=tuple(p for p in found if p in diff.changed),
            retracted=tuple(p for p in found if p in diff.retracted),
            corrected=tuple(p for p in found if p in diff.corrected),
            deleted=tuple(sorted(left)),
        )
        outcome.new = len(changes.new)
        outcome.changes = changes
        outcome.count = result.count if result.complete else len((topic_before | set(found)) - left)
        store.finish_run(
            run_id,
            query_id=query.id,
            pmids=found,
            count=outcome.count,
            new=len(changes.new),
            fetched=len(got),
            translation=result.translation or (previous.translation if previous else ""),
            warnings=outcome.warnings,
            full=result.complete,
            window_start=outcome.window_start,
            changes=changes,
            pending=missing,
        )
        outcome.ok = True
        for w in outcome.warnings:
            progress(f"{query.id}: warning: {w}")
    except EvidenceError as exc:
        outcome.error = str(exc)
        outcome.exit_code = exc.exit_code
        store.fail_run(run_id, outcome.error)
        progress(f"{query.id}: failed: {exc}")
    return outcome


class _Diff:
    """Re-fetched records compared with what the store held: changed, newly retracted,
    newly corrected (an erratum or republication link that was not there)."""

    def __init__(self, before: dict[str, Study]) -> None:
        self.before = before
        self.changed: set[str] = set()
        self.retracted: set[str] = set()
        self.corrected: set[str] = set()

    def add(self, study: Study) -> None:
        old = self.before.get(study.pmid)
        if old is None or old.to_json() == study.to_json():
            return
        self.changed.add(study.pmid)
        if study.retracted and not old.retracted:
            self.retracted.add(study.pmid)
        if set(study.links(CORRECTION_LINKS)) - set(old.links(CORRECTION_LINKS)):
            self.corrected.add(study.pmid)


def _fetch_and_store(
    store: Store,
    source: Source,
    pmids: Sequence[str],
    result: SearchResult,
    opts: _Options,
    label: str,
    diff: _Diff,
) -> tuple[set[str], set[str]]:
    got: set[str] = set()
    deleted: set[str] = set()
    if not pmids:
        return got, deleted
    wanted = set(pmids)
    # One thread fetches the next batch while this one parses and stores the last, so the
    # parsing and the disk work hide inside the waits the rate limit imposes anyway.
    for chunk in prefetched(source.fetch(pmids, result)):
        parsed = parse_article_set(chunk)
        studies = [s for s in parsed.studies if s.pmid in wanted]
        for study in studies:
            diff.add(study)
        store.save_studies(studies, source.origin)
        got.update(s.pmid for s in studies)
        if parsed.deleted:
            store.mark_deleted(parsed.deleted)
            deleted.update(parsed.deleted)
        opts.progress(f"{label}: {len(got)}/{len(wanted)} records stored")
        if opts.tick is not None:
            opts.tick(label, len(got) + len(deleted), len(wanted))
    return got, deleted


_T = TypeVar("_T")
_DONE = object()


def prefetched(items: Iterator[_T], depth: int = 2) -> Iterator[_T]:
    """`items`, produced by a background thread up to `depth` ahead of the consumer.

    An exception in the producer is raised here, in order; a consumer that stops early (an
    error while storing) stops the producer after the item it is working on.
    """
    queue: Queue[object] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            put(_Failure(exc))

    worker = threading.Thread(target=produce, name="evidence-fetch", daemon=True)
    worker.start()
    try:
        while True:
            item = queue.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(timeout=0.5)


@dataclass(frozen=True)
class _Failure:
    exc: BaseException


# --- the read side ---------------------------------------------------------------------------


def resolve_origin(settings: Settings, sample: bool | None) -> str:
    """The store to read: the sample if asked, else whichever was refreshed last (a failed
    run counts: `status` must be able to show it)."""
    if sample:
        return ORIGIN_SAMPLE
    latest: tuple[int, str, str] | None = None
    for origin in (ORIGIN_PUBMED, ORIGIN_SAMPLE):
        path = settings.store_path(origin)
        if not path.exists():
            continue
        with Store(path, create=False) as store:
            runs = store.runs()
        if runs:
            last = runs[-1]
            key = (1 if last.status == "ok" else 0, last.started_at, origin)
            if latest is None or key[1] > latest[1]:
                latest = key
    if latest is None:
        raise ConfigError(
            f"nothing has been refreshed in {settings.project} yet: run "
            "`evidence refresh --sample` (offline) or `evidence refresh` (PubMed) first"
        )
    return latest[2]


def _curation(origin: str, settings: Settings) -> Curation:
    curation: Curation = {}
    if origin == ORIGIN_SAMPLE:
        curation.update(entries_from(SampleSource().studies, "packaged sample.toml"))
    curation.update(load_curation(settings.curation_file))
    return curation


@dataclass(frozen=True)
class View:
    """What the store holds, placed in the project's topics."""

    origin: str
    queries: list[Query]
    placed: dict[str, list[Placed]]
    last_runs: dict[str, Run]
    last_success: dict[str, Run]

    def table(self) -> pd.DataFrame:
        return evidence_table(self.placed, self.queries, self.origin)


def load_view(settings: Settings, origin: str, store: Store | None = None) -> View:
    queries = load_queries(settings.queries_dir)
    curation = _curation(origin, settings)
    if store is None:
        if not settings.store_path(origin).exists():
            raise ConfigError(
                f"no {origin} data yet: run `evidence refresh"
                f"{' --sample' if origin == ORIGIN_SAMPLE else ''}` first"
            )
        with Store(settings.store_path(origin), create=False) as own:
            return load_view(settings, origin, own)
    placed = place(store.studies(), store.hits(), queries, curation)
    successes = {q.id: r for q in queries if (r := store.last_success(q.id)) is not None}
    return View(origin, queries, placed, store.last_runs(), successes)


def build(settings: Settings, *, origin: str) -> list[Path]:
    """Render every report from the store into reports/, atomically, under the project lock
    (a build never publishes a store that a refresh is halfway through)."""
    with project_lock(settings):
        return _build(settings, origin=origin)


def _build(settings: Settings, *, origin: str, store: Store | None = None) -> list[Path]:
    view = load_view(settings, origin, store)
    context = report_context(view)
    files = render_all(environment(settings.templates_dir), context)
    return write_all(settings.reports_dir, files)


def _data_date(view: View) -> date:
    if view.origin == ORIGIN_SAMPLE:
        return date.fromisoformat(str(SampleSource().snapshot["compiled"]))
    stamps = [r.finished_at for r in view.last_success.values()]
    if not stamps:
        raise ConfigError("no successful refresh yet: nothing to report")
    # The page's date must hold for every topic on it: the oldest topic's last search.
    return date.fromisoformat(min(stamps)[:10])


def report_context(view: View) -> dict[str, Any]:
    """The values the report templates see (documented in templates/README.md)."""
    data_date = _data_date(view)
    sample = None
    if view.origin == ORIGIN_SAMPLE:
        snap = SampleSource().snapshot
        sample = {
            "notice": snap["notice"],
            "compiled": snap["compiled"],
            "title": snap["title"],
            "studies": int(snap["studies"]),
        }
    topics = []
    seen: set[str] = set()
    for q in view.queries:
        entries = [_entry(q, p) for p in view.placed.get(q.id, [])]
        seen.update(e["pmid"] for e in entries)
        conditions = []
        for c in (*q.conditions, None):
            cid = c.id if c else OTHER
            members = [e for e in entries if cid in e["condition_ids"]]
            if c is None and not members:
                continue
            members.sort(key=lambda e: (-(e["year"] or 0), e["short"]))
            conditions.append(
                {"id": cid, "label": c.label if c else q.other_label, "entries": members}
            )
        levels = [
            {
                "key": lv.key,
                "label": lv.label,
                "entries": [e for e in entries if e["evidence_level"] == lv.rank],
            }
            for lv in LEVELS
        ]
        run = view.last_success.get(q.id)
        by_pmid = {e["pmid"]: e for e in entries}
        topics.append(
            {
                "id": q.id,
                "title": q.title,
                "description": q.description,
                "term": q.term,
                "translation": run.translation if run else "",
                "search_count": run.count or 0 if run else 0,
                "searched_at": run.finished_at[:10] if run else "",
                "warnings": list(run.warnings) if run else [],
                "conditions": conditions,
                "levels": [lv for lv in levels if lv["entries"]],
                "changes": _topic_changes(run, by_pmid) if run else None,
            }
        )
    counts = counts_by_condition_and_design(view.placed, view.queries)
    return {
        "origin": view.origin,
        "sample": sample,
        "data_date": data_date.isoformat(),
        "data_date_text": f"{data_date:%B} {data_date.day}, {data_date.year}",
        "total_studies": len(seen),
        "topics": topics,
        "counts": {
            "columns": [str(c) for c in counts.columns],
            "rows": [
                {"topic": t, "condition": c, "values": [int(v) for v in row]}
                for (t, c), row in zip(counts.index, counts.to_numpy(), strict=True)
            ],
        },
        "design_labels": DESIGN_LABELS,
        "changes": _all_changes(view),
    }


def _topic_changes(run: Run, entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A topic's last successful refresh and what it changed, studies as report entries
    (those shown on the page; a study a reviewer excluded is not listed)."""
    c = run.changes
    out: dict[str, Any] = {
        "refreshed_at": run.finished_at[:10],
        "full": run.mode == "full",
        "window_start": run.window_start,
        "any": bool(c),
        "deleted": list(c.deleted),
    }
    for kind in ("new", "changed", "retracted", "corrected"):
        out[kind] = [entries[p] for p in getattr(c, kind) if p in entries]
    return out


def _all_changes(view: View) -> dict[str, list[str]]:
    """Per change kind, the PMIDs the last successful refresh of each topic reported
    (for feeds: new and newly retracted studies)."""
    out: dict[str, list[str]] = {k: [] for k in CHANGE_KINDS}
    for q in view.queries:
        run = view.last_success.get(q.id)
        if run is not None:
            for kind, pmids in run.changes.to_dict().items():
                out[kind].extend(p for p in pmids if p not in out[kind])
    return out


def _entry(query: Query, p: Placed) -> dict[str, Any]:
    s, t = p.study, p.tags
    first = s.authors[0] if s.authors else None
    name = (first.collective_name or first.last_name) if first else "Anonymous"
    if len(s.authors) > 1 or not s.authors_complete:
        name += " et al"
    labels = {c.id: c.label for c in query.conditions}
    return {
        "pmid": s.pmid,
        "anchor": f"ev-{query.id}-{s.pmid}",
        "short": f"{name} {s.year}" if s.year else name,
        "citation": ama(s),
        "citation_html": ama_html(s),
        "design": t.design,
        "design_label": DESIGN_LABELS.get(t.design, t.design),
        "evidence_level": t.evidence_level,
        "participants": t.participants,
        "year": s.year,
        "condition_ids": t.conditions or (OTHER,),
        "condition_labels": [labels[c] for c in t.conditions if c in labels],
        "note": t.note,
        "retracted": s.retracted,
        "doi": s.doi,
        "doi_url": doi_url(s.doi),
        "pmcid": s.pmcid,
        "pmc_url": pmc_url(s.pmcid),
        "first_seen": p.first_seen,
    }


def export_csv(settings: Settings, out: TextIO, *, origin: str) -> int:
    """Write the evidence table as CSV; returns the number of studies."""
    table = load_view(settings, origin).table()
    write_csv(table, out)
    return len(table)


def status(settings: Settings, *, origin: str) -> dict[str, Any]:
    """The last run per query, counts, and when the data was last refreshed."""
    if not settings.store_path(origin).exists():
        raise ConfigError(
            f"no {origin} data yet: run `evidence refresh"
            f"{' --sample' if origin == ORIGIN_SAMPLE else ''}` first"
        )
    with Store(settings.store_path(origin), create=False) as store:
        view = load_view(settings, origin, store)
        counts = store.counts()
        failures = {
            q.id: fails[-1]
            for q in view.queries
            if (fails := [r for r in store.runs(q.id) if r.status in ("failed", "interrupted")])
        }
    runs = {}
    for q in view.queries:
        last = view.last_runs.get(q.id)
        ok = view.last_success.get(q.id)
        failure = failures.get(q.id)
        runs[q.id] = {
            "title": q.title,
            "studies": len(view.placed.get(q.id, [])),
            "last_run": _run_json(last) if last else None,
            "last_success": ok.finished_at if ok else None,
            "last_failure": _run_json(failure) if failure else None,
            "changes": ok.changes.to_dict() if ok else None,
            "next_window": _next_window(settings, q, ok),
        }
    successes = [r.finished_at for r in view.last_success.values()]
    failed = [r for r in failures.values()]
    last_failure = max(failed, key=lambda r: r.id) if failed else None
    changes = _all_changes(view)
    return {
        "project": str(settings.project),
        "origin": origin,
        "store": str(settings.store_path(origin)),
        "studies": len(view.table()),
        "stored_records": counts["studies"],
        "deleted_records": counts["deleted"],
        "last_refreshed": max(successes) if successes else None,
        "last_success": max(successes) if successes else None,
        "last_failure": _run_json(last_failure) if last_failure else None,
        "new_studies": changes["new"],
        "changes": changes,
        "queries": runs,
    }


def _next_window(settings: Settings, query: Query, last: Run | None) -> dict[str, Any] | None:
    """What the next refresh will ask PubMed for: None means the whole search (full)."""
    if last is None or last.term != query.term or last.origin == ORIGIN_SAMPLE:
        return None
    since = date.fromisoformat(last.started_at[:10]) - timedelta(days=settings.overlap_days)
    return {"datetypes": ["edat", "mdat"], "mindate": since.strftime("%Y/%m/%d")}


def _run_json(run: Run) -> dict[str, Any]:
    return {
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "count": run.count,
        "new": run.new,
        "translation": run.translation,
        "warnings": list(run.warnings),
        "error": run.error,
        "mode": run.mode,
        "window_start": run.window_start,
        "fetched": run.fetched,
    }
