"""The write side: one refresh run, end to end.

Lock the project, search each query (live E-utilities or the packaged sample), fetch only what
is new or revised, parse, store, record what changed; then, when every query succeeded, hand
the View of the store to the build. Progress goes to a structured callback (`Event`), never
to a terminal: the CLI decides what to show.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from evidence.build import project_digest, publish_store
from evidence.errors import EXIT_SENTINEL, EutilsError, EvidenceError
from evidence.eutils import EutilsClient, SearchResult
from evidence.lock import project_lock
from evidence.pacing import RetryPolicy
from evidence.parse_process import ParsedBatch, parser_for
from evidence.prefetch import prefetched
from evidence.queries import Query, load_queries
from evidence.runs import Changes
from evidence.settings import Settings
from evidence.sources import LiveSource, SampleSource, Source
from evidence.store import Store
from evidence.study import CORRECTION_LINKS, Study
from evidence.view import project_curation

SHRINK_FLOOR = 20  # below this many records, a topic halving is not suspicious


@dataclass(frozen=True)
class Event:
    """One thing a refresh reports as it goes. `kind` is "step" (what it is doing),
    "warning", "retry" (a request to NCBI is being retried), or "fetched" (records stored
    so far for `query_id`: `done` of `total`); `message` says it in words."""

    kind: str
    message: str
    query_id: str = ""
    done: int = 0
    total: int = 0


OnEvent = Callable[[Event], None]


def _quiet(_: Event) -> None:
    """The default callback: say nothing."""


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


def make_source(settings: Settings, *, sample: bool, on_event: OnEvent = _quiet) -> Source:
    """The offline sample, or live E-utilities (which needs a contact email)."""
    if sample:
        return SampleSource()
    client = EutilsClient(
        email=settings.email,
        api_key=settings.api_key,
        base_url=settings.eutils_url,
        tool=settings.tool,
        on_retry=lambda message: on_event(Event("retry", message)),
        policy=RetryPolicy(total=settings.max_time),
    )
    return LiveSource(client, batch_size=settings.batch_size)


def refresh(
    settings: Settings,
    source: Source,
    *,
    on_event: OnEvent = _quiet,
    allow_shrink: bool = False,
    full: bool = False,
    build: bool = True,
    rebuild: bool = False,
    parse_process_from: int | None = None,
    two_parsers_from: int | None = None,
) -> RefreshResult:
    """Search every query, store what is new or changed, and (with `build`, the default)
    rebuild the reports if all succeeded.

    After a query's first success, later runs are incremental: they ask PubMed only for the
    records entered (EDAT) or revised (MDAT) since the last successful run, less
    `settings.overlap_days`, fetch those that are new or revised, and add them to the topic.
    Only a `full` run (or a changed term) re-syncs a topic with the whole search, and so is
    the only way, apart from DeleteCitation, for a study to leave it; it fetches the records
    it lacks and those revised since the last run (one more ESearch, on MDAT and EDAT).

    A query that fails is recorded as a failed run and changes nothing; the reports are only
    rebuilt after a full success. A full search that falls to under half of the topic fails
    too (a PubMed glitch must not empty a page), unless `allow_shrink`.

    A night that changed nothing the reports show writes no report (`rebuild` forces the
    build); `RefreshResult.reports` is then empty.

    A fetch of `parse_process_from` records or more (default
    `evidence.parse_process.PROCESS_FROM`) is parsed in a second process while the next
    answers are fetched and the last stored; a fetch of `two_parsers_from` or more (default
    `evidence.parse_process.TWO_FROM`) in two, taking the answers in turn.
    """
    project = project_digest(settings)  # the files as read now, not as they end the run
    queries = load_queries(settings.queries_dir)
    # Read once, and early, before any network: a bad curation file fails the run at once.
    sample = source if isinstance(source, SampleSource) else None
    curation = project_curation(settings, queries, sample)
    opts = _Options(
        on_event, allow_shrink, full, settings.overlap_days, parse_process_from, two_parsers_from
    )
    with project_lock(settings), Store(settings.store_path(source.origin)) as store:
        if store.mark_interrupted():
            on_event(
                Event("step", "an earlier refresh was interrupted; its stored records are kept")
            )
        outcomes = [_refresh_query(store, source, q, opts) for q in queries]
        result = RefreshResult(origin=source.origin, outcomes=outcomes)
        if result.ok and build:
            result.reports = publish_store(
                settings,
                source.origin,
                store,
                queries=queries,
                curation=curation,
                rebuild=rebuild,
                on_warning=lambda warning: opts.step(warning, "warning"),
                project=project,
            )
            if result.reports:
                opts.step(f"reports written to {settings.reports_dir}")
            else:
                opts.step(
                    f"nothing changed: the reports in {settings.reports_dir} are left as they were"
                )
        return result


@dataclass(frozen=True)
class _Options:
    on_event: OnEvent
    allow_shrink: bool
    full: bool
    overlap_days: int
    parse_process_from: int | None = None
    two_parsers_from: int | None = None

    def step(self, message: str, kind: str = "step") -> None:
        self.on_event(Event(kind, message))


def _refresh_query(store: Store, source: Source, query: Query, opts: _Options) -> QueryOutcome:
    progress = opts.step
    previous = store.last_success(query.id)
    window: date | None = None
    if previous is not None and previous.term == query.term:
        # PubMed's dates are days, and a record can surface a little after its date: the
        # window starts `overlap_days` before the last successful run began.
        window = date.fromisoformat(previous.started_at[:10]) - timedelta(days=opts.overlap_days)
        if date.fromisoformat(previous.started_at[:10]) > date.today():
            # The last run is dated in the future: the clock was (or is) wrong, and its
            # window would miss what came since. Search the whole topic instead.
            progress(
                f"{query.id}: warning: the last successful run is dated "
                f"{previous.started_at[:10]}, after today; the clock was wrong, so this run "
                "searches the whole topic",
                "warning",
            )
            window = None
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
            and len(topic_before) >= SHRINK_FLOOR
            and result.count < len(topic_before) / 2
        ):
            # Whatever the cause (a PubMed glitch, or an edit that broke the term), a topic
            # that would lose over half its studies is not published without a word.
            edited = previous is not None and previous.term != query.term
            raise EutilsError(
                f"PubMed returned {result.count} records for "
                + ("the edited" if edited else "an unchanged")
                + f" query whose topic holds {len(topic_before)}; keeping the previous "
                "studies (rerun with --allow-shrink if that is right)"
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
        if diff.refused:
            outcome.warnings.append(
                f"{len(diff.refused)} record(s) refused, their PMID is not a PMID: "
                + ", ".join(repr(p) for p in diff.refused[:10])
            )
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
            progress(f"{query.id}: warning: {w}", "warning")
    except EvidenceError as exc:
        outcome.error = str(exc)
        outcome.exit_code = exc.exit_code
        store.fail_run(run_id, outcome.error)
        progress(f"{query.id}: failed: {exc}")
    except Exception as exc:
        # A fault of ours: the run is failed, not left 'running', and the traceback shown.
        store.fail_run(run_id, f"stopped by an unexpected {type(exc).__name__}")
        raise
    return outcome


class _Diff:
    """Re-fetched records compared with what the store held: changed, newly retracted,
    newly corrected (an erratum or republication link that was not there)."""

    def __init__(self, before: dict[str, Study]) -> None:
        self.before = before
        self.changed: set[str] = set()
        self.retracted: set[str] = set()
        self.corrected: set[str] = set()
        self.refused: list[str] = []  # records whose PMID was not a PMID: left out

    def add(self, pmid: str, record: str) -> None:
        """A record fetched, as stored (`Study.to_json`)."""
        old = self.before.get(pmid)
        if old is None or old.to_json() == record:
            return
        study = Study.from_json(record)
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
    # One thread fetches the next batch while this one stores the last; a large fetch is
    # parsed in one or two parse processes meanwhile (the fetch thread hands them each answer
    # as it comes), so the requests, the parsing and the disk work overlap on the machine's
    # cores.
    parser = parser_for(len(pmids), opts.parse_process_from, opts.two_parsers_from)

    def fetch(stop: threading.Event) -> Iterator[bytes | None]:
        for body in source.fetch(pmids, result, stop=stop):
            yield parser.submit(body)

    try:
        with closing(prefetched(fetch)) as tickets:
            for ticket in tickets:
                _store_batch(
                    store, parser.result(ticket), source.origin, wanted, diff, got, deleted
                )
                opts.on_event(
                    Event(
                        "fetched",
                        f"{label}: {len(got)}/{len(wanted)} records stored",
                        query_id=label,
                        done=len(got) + len(deleted),
                        total=len(wanted),
                    )
                )
    finally:
        parser.close()  # after the fetch thread is gone: nothing is sent to it any more
    return got, deleted


def _store_batch(
    store: Store,
    parsed: ParsedBatch,
    origin: str,
    wanted: set[str],
    diff: _Diff,
    got: set[str],
    deleted: set[str],
) -> None:
    diff.refused.extend(parsed.refused)
    newest: dict[str, tuple[str, str, str]] = {}
    for row in parsed.records:  # two versions of one PMID in one answer: the newest wins
        pmid, revised, _ = row
        if pmid in wanted and (pmid not in newest or revised >= newest[pmid][1]):
            newest[pmid] = row
    rows = list(newest.values())
    for pmid, _, record in rows:
        diff.add(pmid, record)
    store.save_records(rows, origin)
    got.update(newest)
    gone = set(parsed.deleted) & wanted  # only what was asked for may be withdrawn
    if gone:
        store.mark_deleted(sorted(gone))
        deleted.update(gone)
