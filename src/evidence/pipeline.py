"""One run, end to end: lock, search each query, fetch only what is new, parse, store, build.

Also the read side used by the CLI: which store to read, the evidence table, the status.
"""

from __future__ import annotations

import dataclasses
import fcntl
import io
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from queue import Full, Queue
from typing import Any, TextIO, TypeVar

import pandas as pd
from markupsafe import escape

from evidence.chart import inline_svg, studies_by_year_svg, year_counts
from evidence.citations import (
    STYLE_LABELS,
    cite,
    cite_html,
    to_bibtex,
    to_csl_json,
    to_nbib,
    to_ris,
    write_csv,
)
from evidence.classify import DESIGN_LABELS, LEVELS
from evidence.curation import Curation, entries_from, load_curation, merge
from evidence.errors import (
    EXIT_SENTINEL,
    ConfigError,
    EutilsError,
    EvidenceError,
    LockError,
    StoreError,
)
from evidence.eutils import EutilsClient, RetryPolicy, SearchResult
from evidence.pubmed import parse_article_set
from evidence.queries import Query, load_queries
from evidence.render import doi_url, environment, pmc_url, render_all, write_all
from evidence.settings import Settings
from evidence.sources import ORIGIN_PUBMED, ORIGIN_SAMPLE, LiveSource, SampleSource, Source
from evidence.store import CHANGE_KINDS, Changes, Run, Store
from evidence.study import CORRECTION_LINKS, Study
from evidence.tabulate import (
    EXCLUSIONS,
    OTHER,
    Flow,
    Placed,
    counts_by_condition_and_design,
    evidence_table,
    flow,
    place,
)

Progress = Callable[[str], None]
Tick = Callable[[str, int, int], None]  # (query id, records done, records to fetch)
SHRINK_FLOOR = 20  # below this many records, a topic halving is not suspicious
# `evidence export --format F` and the file of the same content written into reports/.
EXPORT_FILES = {
    "csv": "studies.csv",
    "ris": "studies.ris",
    "bibtex": "studies.bib",
    "csl-json": "studies.csl.json",
    "nbib": "studies.nbib",
    "json": "studies.json",
}
CHART_FILE = "studies-by-year.svg"
FEED_FILE = "feed.xml"
FEED_ENTRIES = 50  # the newest studies a feed carries; readers keep what they have seen


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
    missing_sentinels: list[str] = field(default_factory=list)
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
    def missing_sentinels(self) -> dict[str, list[str]]:
        return {o.query_id: o.missing_sentinels for o in self.outcomes if o.missing_sentinels}

    def exit_code_for(self, *, strict: bool = False) -> int:
        """0 when every query succeeded (and, with `strict`, found all its sentinels)."""
        failed = next((o.exit_code for o in self.outcomes if not o.ok), 0)
        if failed:
            return failed
        return EXIT_SENTINEL if strict and self.missing_sentinels else 0

    @property
    def exit_code(self) -> int:
        return self.exit_code_for()


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
    # Fail early, before any network, on a bad curation file.
    load_curation(settings.curation_file, {c.id for q in queries for c in q.conditions})
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
        present = (topic_before | set(found)) - left
        outcome.missing_sentinels = [p for p in query.sentinels if p not in present]
        for pmid in outcome.missing_sentinels:
            outcome.warnings.append(
                f"sentinel PMID {pmid} (a landmark study in {query.path.name}) was not found: "
                "the search may be missing studies"
            )
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
        gone = set(parsed.deleted) & wanted  # only what was asked for may be withdrawn
        if gone:
            store.mark_deleted(sorted(gone))
            deleted.update(gone)
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


def _curation(origin: str, settings: Settings, queries: Sequence[Query]) -> Curation:
    known = {c.id for q in queries for c in q.conditions}
    project = load_curation(settings.curation_file, known)
    if origin != ORIGIN_SAMPLE:
        return project
    return merge(entries_from(SampleSource().studies, "packaged sample.toml"), project)


@dataclass(frozen=True)
class View:
    """What the store holds, placed in the project's topics."""

    origin: str
    queries: list[Query]
    placed: dict[str, list[Placed]]
    last_runs: dict[str, Run]
    last_success: dict[str, Run]
    curation: Curation
    # One evidence table per citation style: a build reads it for the page, the chart, the
    # feed and six exports, and each costs a citation per study.
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, compare=False, repr=False)

    def table(self, style: str = "ama") -> pd.DataFrame:
        """The evidence table (a copy: callers may filter or add columns)."""
        if style not in self._tables:
            self._tables[style] = evidence_table(self.placed, self.queries, self.origin, style)
        return self._tables[style].copy()

    def studies(self) -> list[Study]:
        """Each study once, in the evidence table's order."""
        by_pmid = {p.study.pmid: p.study for placed in self.placed.values() for p in placed}
        return [by_pmid[str(pmid)] for pmid in self.table()["pmid"]]

    def flows(self) -> dict[str, Flow]:
        identified = {qid: run.count or 0 for qid, run in self.last_success.items()}
        return flow(self.placed, self.queries, identified)

    def missing_sentinels(self) -> dict[str, list[str]]:
        """Per query, its sentinel PMIDs that are not among the studies its search found."""
        out = {}
        for q in self.queries:
            present = {p.study.pmid for p in self.placed.get(q.id, [])}
            missing = [p for p in q.sentinels if p not in present]
            if missing and q.id in self.last_success:
                out[q.id] = missing
        return out

    def unreviewed(self) -> list[Placed]:
        """Studies no reviewer has coded yet, newest first seen first, once each."""
        seen: dict[str, Placed] = {}
        for q in self.queries:
            for p in self.placed.get(q.id, []):
                if p.study.pmid not in self.curation:
                    seen.setdefault(p.study.pmid, p)
        return sorted(seen.values(), key=lambda p: (p.first_seen, p.study.pmid), reverse=True)


def load_view(settings: Settings, origin: str, store: Store | None = None) -> View:
    queries = load_queries(settings.queries_dir)
    curation = _curation(origin, settings, queries)
    if store is None:
        if not settings.store_path(origin).exists():
            raise ConfigError(
                f"no {origin} data yet: run `evidence refresh"
                f"{' --sample' if origin == ORIGIN_SAMPLE else ''}` first"
            )
        with Store(settings.store_path(origin), create=False) as own:
            return load_view(settings, origin, own)
    hits = store.hits()
    if origin == ORIGIN_SAMPLE:
        # The sample is one fixed bibliography: every study entered it when it was compiled.
        # Its stamps come from that date, not from the local refresh, so that two sample
        # builds are byte-identical (the feed and exports carry first-seen dates).
        compiled = f"{SampleSource().snapshot['compiled']}T00:00:00+00:00"
        hits = [dataclasses.replace(h, first_seen=compiled) for h in hits]
    successes = {q.id: r for q in queries if (r := store.last_success(q.id)) is not None}
    previous: dict[str, str] = {}
    for q in queries:
        ok = [r for r in store.runs(q.id) if r.status == "ok"]
        if len(ok) >= 2:
            previous[q.id] = ok[-2].finished_at
    placed = place(store.studies(), hits, queries, curation, new_since=previous)
    return View(origin, queries, placed, store.last_runs(), successes, curation)


def build(settings: Settings, *, origin: str) -> list[Path]:
    """Render every report from the store into reports/, atomically, under the project lock
    (a build never publishes a store that a refresh is halfway through)."""
    with project_lock(settings):
        return _build(settings, origin=origin)


def _build(settings: Settings, *, origin: str, store: Store | None = None) -> list[Path]:
    view = load_view(settings, origin, store)
    context = report_context(view, style=settings.style)
    files = render_all(environment(settings.templates_dir), context)
    files[CHART_FILE] = context["chart"]["file_svg"]
    for fmt, name in EXPORT_FILES.items():
        files[name] = export_text(view, fmt, style=settings.style)
    return write_all(settings.reports_dir, files)


def _data_date(view: View) -> date:
    if view.origin == ORIGIN_SAMPLE:
        return date.fromisoformat(str(SampleSource().snapshot["compiled"]))
    stamps = [r.finished_at for r in view.last_success.values()]
    if not stamps:
        raise ConfigError("no successful refresh yet: nothing to report")
    # The page's date must hold for every topic on it: the oldest topic's last search.
    return date.fromisoformat(min(stamps)[:10])


def report_context(view: View, *, style: str = "ama") -> dict[str, Any]:
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
    flows = view.flows()
    missing = view.missing_sentinels()
    topics = []
    included: set[str] = set()
    included_entries: dict[str, list[dict[str, Any]]] = {}
    for q in view.queries:
        placed = view.placed.get(q.id, [])
        entries = [_entry(q, p, style) for p in placed if p.included]
        included_entries[q.id] = entries
        included.update(e["pmid"] for e in entries)
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
        left_out = {
            key: [_entry(q, p, style) for p in placed if p.exclusion == key] for key in EXCLUSIONS
        }
        excluded = [
            {"key": key, "label": label, "entries": left_out[key]}
            for key, label in EXCLUSIONS.items()
        ]
        run = view.last_success.get(q.id)
        # Changes link to every study listed on the page, excluded groups included (a study
        # newly retracted moves to the retracted group).
        by_pmid = {e["pmid"]: e for e in entries}
        for group_entries in left_out.values():
            by_pmid.update((e["pmid"], e) for e in group_entries)
        topics.append(
            {
                "id": q.id,
                "title": q.title,
                "description": q.description,
                "term": q.term,
                "translation": run.translation if run else "",
                "search_count": run.count or 0 if run else 0,
                "searched_at": run.finished_at[:10] if run else "",
                "warnings": [w for w in (run.warnings if run else ()) if "sentinel" not in w],
                "conditions": conditions,
                "levels": [lv for lv in levels if lv["entries"]],
                "excluded": [group for group in excluded if group["entries"]],
                "new_count": sum(1 for e in entries if e["new"]),
                "sentinels": list(q.sentinels),
                "missing_sentinels": missing.get(q.id, []),
                "languages": list(q.languages),
                "flow": flows[q.id].as_dict(),
                "changes": _topic_changes(run, by_pmid) if run else None,
            }
        )
    return {
        "origin": view.origin,
        "sample": sample,
        "data_date": data_date.isoformat(),
        "data_date_text": f"{data_date:%B} {data_date.day}, {data_date.year}",
        "total_studies": len(included),
        "topics": topics,
        "evidence_map": _evidence_map(view, included_entries),
        "flow_all": flows["all"].as_dict(),
        "exclusion_labels": EXCLUSIONS,
        "design_labels": DESIGN_LABELS,
        "style": style,
        "style_label": STYLE_LABELS[style],
        "chart": _chart(view, sample is not None),
        "feed": _feed(view, data_date),
        "changes": _all_changes(view),
    }


def _evidence_map(view: View, included: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Conditions by design, each cell with the studies it counts (links into the list);
    `included` holds each topic's report entries of included studies, already built."""
    counts = counts_by_condition_and_design(view.placed, view.queries)
    designs = [str(c) for c in counts.columns if c != "Total"]
    label_to_code = {label: code for code, label in DESIGN_LABELS.items()}
    rows = []
    for q in view.queries:
        entries = included.get(q.id, [])
        labels = {c.id: c.label for c in q.conditions} | {OTHER: q.other_label}
        for cid, label in labels.items():
            members = [e for e in entries if cid in e["condition_ids"]]
            if not members:
                continue
            cells = []
            for design in designs:
                code = label_to_code.get(design, design)
                studies = [e for e in members if e["design"] == code]
                cells.append({"design": design, "entries": studies})
            rows.append(
                {"topic": q.title, "condition": label, "cells": cells, "total": len(members)}
            )
    return {"columns": designs, "rows": rows}


def _chart(view: View, sample: bool) -> dict[str, Any]:
    table = view.table()
    table = table[table["exclusion"] == ""]  # the evidence: included studies only
    labels = {lv.rank: lv.label for lv in LEVELS}
    rows = [
        (None if pd.isna(y) else int(y), labels.get(int(lv), str(lv)))
        for y, lv in zip(table["year"], table["evidence_level"], strict=True)
    ]
    data = year_counts(rows, [lv.label for lv in LEVELS])
    title = "Studies per year by evidence level" + (" (curated offline sample)" if sample else "")
    svg = studies_by_year_svg(data, title=title)
    return {
        "file": CHART_FILE,
        "file_svg": svg,
        "svg": inline_svg(svg, labelled_by="ev-chart-title ev-chart-summary"),
        "title": title,
        "summary": data.summary(),
        "years": list(data.years),
        "levels": [
            {"label": lv, "counts": list(data.counts[lv]), "total": sum(data.counts[lv])}
            for lv in data.levels
        ],
    }


def _feed(view: View, data_date: date) -> dict[str, Any]:
    """The Atom feed: new and newly retracted studies first, one entry per study with a
    stable id. A study found retracted by a refresh is re-dated to that refresh, so readers
    see its entry as updated; retracted and excluded studies say so in title and summary."""
    table = view.table()
    studies = {s.pmid: s for s in view.studies()}
    retracted_at: dict[str, str] = {}
    for q in view.queries:
        run = view.last_success.get(q.id)
        if run is not None:
            for pmid in run.changes.retracted:
                retracted_at[pmid] = run.finished_at
    records = table.to_dict("records")
    for r in records:
        r["updated"] = retracted_at.get(str(r["pmid"]), str(r["first_seen"]))
    rows = sorted(records, key=lambda r: (r["updated"], str(r["pmid"])), reverse=True)
    entries = []
    for r in rows[:FEED_ENTRIES]:
        study = studies[str(r["pmid"])]
        flags = [f"{label} (PMID {pmid})" if pmid else label for label, pmid in study.notices]
        if r["exclusion"] and r["exclusion"] != "retracted":
            flags.append(f"Not counted: {EXCLUSIONS[str(r['exclusion'])]}")
        entries.append(
            {
                "id": study.pubmed_url,
                "pmid": study.pmid,
                "title": ("Retracted: " if study.retracted else "") + study.title,
                "updated": r["updated"],
                "published": str(r["first_seen"]),
                "authors": [a.short for a in study.authors if a.short][:3],
                "citation": str(r["citation"]),
                "design_label": str(r["design_label"]),
                "flags": flags,
                "doi_url": doi_url(study.doi),
            }
        )
    # Not "now": a feed rebuilt from the same data must not look changed to its readers.
    updated = entries[0]["updated"] if entries else f"{data_date.isoformat()}T00:00:00+00:00"
    key = view.origin + ":" + ",".join(q.id for q in view.queries)
    return {
        "id": uuid.uuid5(uuid.NAMESPACE_URL, f"evidence:{key}").urn,
        "updated": updated,
        "entries": entries,
    }


def export_text(view: View, fmt: str, *, style: str = "ama") -> str:
    """One export of the view's studies as text; `fmt` is a key of EXPORT_FILES."""
    note = _sample_note(view.origin)
    if fmt == "csv":
        out = io.StringIO()
        write_csv(view.table(style), out)
        return out.getvalue()
    if fmt == "json":
        return _json_text(cms_json(view, style=style))
    studies = view.studies()
    if fmt == "ris":
        return to_ris(studies, note=note)
    if fmt == "bibtex":
        return to_bibtex(studies, note=note)
    if fmt == "nbib":
        return to_nbib(studies, note=note)
    if fmt == "csl-json":
        return _json_text(to_csl_json(studies, note=note))
    raise ConfigError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FILES)}")


def _json_text(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _sample_note(origin: str) -> str:
    if origin != ORIGIN_SAMPLE:
        return ""
    return (
        "From evidence's curated offline sample (a reviewer's bibliography), "
        "not a live PubMed search."
    )


def cms_json(view: View, *, style: str = "ama") -> dict[str, Any]:
    """The evidence table for a headless CMS: provenance, then one object per study."""
    table = view.table(style)
    studies = {s.pmid: s for s in view.studies()}
    levels = {lv.rank: lv.label for lv in LEVELS}
    records = []
    for r in table.to_dict("records"):
        s = studies[str(r["pmid"])]
        records.append(
            {
                "pmid": s.pmid,
                "title": s.title,
                "title_html": s.title_html or str(escape(s.title)),
                "authors": [a.short for a in s.authors if a.short],
                "authors_complete": s.authors_complete,
                "journal": s.journal or s.journal_abbrev,
                "year": s.year,
                "doi": s.doi or None,
                "pmcid": s.pmcid or None,
                "design": r["design"],
                "design_label": r["design_label"],
                "evidence_level": int(r["evidence_level"]),
                "evidence_level_label": levels.get(int(r["evidence_level"]), ""),
                "topics": list(r["topics"]),
                "conditions": list(r["conditions"]),
                "participants": None if pd.isna(r["participants"]) else int(r["participants"]),
                "retracted": bool(r["retracted"]),
                "note": r["curation_note"] or None,
                "curation_decision": r["curation_decision"] or None,
                "exclusion": r["exclusion"] or None,
                "notices": list(r["notices"]),
                "first_seen": r["first_seen"],
                "citation": r["citation"],
                "citation_html": str(r["citation_html"]),
                "links": {
                    "pubmed": s.pubmed_url,
                    "doi": doi_url(s.doi) or None,
                    "pmc": pmc_url(s.pmcid) or None,
                },
            }
        )
    sample = view.origin == ORIGIN_SAMPLE
    return {
        "origin": view.origin,
        "sample": sample,
        "notice": _sample_note(view.origin) or None,
        "data_date": _data_date(view).isoformat(),
        "citation_style": style,
        "studies": records,
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


def _entry(query: Query, p: Placed, style: str) -> dict[str, Any]:
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
        "citation": cite(s, style),
        "citation_html": cite_html(s, style),
        "design": t.design,
        "design_label": DESIGN_LABELS.get(t.design, t.design),
        "evidence_level": t.evidence_level,
        "participants": t.participants,
        "year": s.year,
        "condition_ids": t.conditions or (OTHER,),
        "condition_labels": [labels[c] for c in t.conditions if c in labels],
        "route": ROUTE_LABELS.get(t.route, t.route),
        "agent": t.agent,
        "note": t.note,
        "reason": t.reason,
        "retracted": s.retracted,
        "notices": [{"label": label, "pmid": pmid} for label, pmid in s.notices],
        "new": p.new,
        "languages": list(s.languages),
        "doi": s.doi,
        "doi_url": doi_url(s.doi),
        "pmcid": s.pmcid,
        "pmc_url": pmc_url(s.pmcid),
        "first_seen": p.first_seen,
    }


ROUTE_LABELS = {
    "iv": "intravenous",
    "intranasal": "intranasal",
    "intramuscular": "intramuscular",
    "subcutaneous": "subcutaneous",
    "oral": "oral",
    "topical": "topical",
    "mixed": "several routes",
}


def export_csv(settings: Settings, out: TextIO, *, origin: str) -> int:
    """Write the evidence table as CSV; returns the number of studies."""
    table = load_view(settings, origin).table(settings.style)
    write_csv(table, out)
    return len(table)


def export(settings: Settings, out: TextIO, *, origin: str, fmt: str) -> None:
    """Write one export (a key of EXPORT_FILES) of the studies in the store to `out`."""
    out.write(export_text(load_view(settings, origin), fmt, style=settings.style))


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
    flows = view.flows()
    missing = view.missing_sentinels()
    for q in view.queries:
        last = view.last_runs.get(q.id)
        ok = view.last_success.get(q.id)
        placed = view.placed.get(q.id, [])
        failure = failures.get(q.id)
        runs[q.id] = {
            "title": q.title,
            "studies": sum(1 for p in placed if p.included),
            "new_studies": [p.study.pmid for p in placed if p.new],
            "last_run": _run_json(last) if last else None,
            "last_success": ok.finished_at if ok else None,
            "sentinels": list(q.sentinels),
            "missing_sentinels": missing.get(q.id, []),
            "flow": flows[q.id].as_dict(),
            "last_failure": _run_json(failure) if failure else None,
            "changes": ok.changes.to_dict() if ok else None,
            "next_window": _next_window(settings, q, ok),
        }
    successes = [r.finished_at for r in view.last_success.values()]
    table = view.table()
    failed = [r for r in failures.values()]
    last_failure = max(failed, key=lambda r: r.id) if failed else None
    changes = _all_changes(view)
    return {
        "project": str(settings.project),
        "origin": origin,
        "store": str(settings.store_path(origin)),
        "studies": int((table["exclusion"] == "").sum()),
        "stored_records": counts["studies"],
        "deleted_records": counts["deleted"],
        "unreviewed": len(view.unreviewed()),
        "last_refreshed": max(successes) if successes else None,
        "flow": flows["all"].as_dict(),
        "last_success": max(successes) if successes else None,
        "last_failure": _run_json(last_failure) if last_failure else None,
        "new_studies": changes["new"],
        "changes": changes,
        "queries": runs,
    }


def review(settings: Settings, *, origin: str) -> list[dict[str, Any]]:
    """Studies no reviewer has coded yet (not in queries/curation.toml), newest first."""
    view = load_view(settings, origin)
    titles = {q.id: q.title for q in view.queries}
    topics: dict[str, list[str]] = {}
    for q in view.queries:
        for p in view.placed.get(q.id, []):
            topics.setdefault(p.study.pmid, []).append(titles[q.id])
    return [
        {
            "pmid": p.study.pmid,
            "title": p.study.title,
            "year": p.study.year,
            "design": DESIGN_LABELS.get(p.tags.design, p.tags.design),
            "topics": topics[p.study.pmid],
            "first_seen": p.first_seen,
            "new": p.new,
            "exclusion": p.exclusion,
            "url": p.study.pubmed_url,
        }
        for p in view.unreviewed()
    ]


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
