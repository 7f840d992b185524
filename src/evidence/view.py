"""The read side's one input: a `View` of the store, loaded once per build.

Everything that renders or reports (report context, feed, chart, exports, status, review) is a
function of a View: the project's queries and curation, the citation style, where the data
came from, and the studies placed in their topics. A refresh hands the View it built to the
build, so no file is read twice in one run. A build's View holds its studies abridged once they
are placed (View.whole reads a whole record from the open store where one is needed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar, cast

import pandas as pd
from markupsafe import Markup

from evidence.curation import Curation, entries_from, load_curation, merge
from evidence.errors import ConfigError
from evidence.grades import Abridged, Grader
from evidence.pieces import BLOCK, WholeRecords
from evidence.queries import Query, load_queries
from evidence.runs import CHANGE_KINDS, Changes, Hit, Run
from evidence.settings import Publish, Settings
from evidence.sources import ORIGIN_PUBMED, ORIGIN_SAMPLE, SampleSource
from evidence.store import Store
from evidence.study import Study
from evidence.tabulate import Flow, Placed, evidence_table, flow, place

SAMPLE_NOTE = (
    "From evidence's curated offline sample (a reviewer's bibliography), not a live PubMed search."
)


_T = TypeVar("_T")
# Whole records a build holds across its exports (View.whole): all of a night's, and a first
# build's first 10,000 (it reads the blocks past them again for each export).
KEPT_WHOLE = 20 * BLOCK


@dataclass(frozen=True)
class SampleInfo:
    """What the packaged sample says of itself: shown wherever its studies are."""

    notice: str
    compiled: str
    title: str
    studies: int

    @classmethod
    def from_source(cls, source: SampleSource) -> SampleInfo:
        snap = source.snapshot
        return cls(
            notice=str(snap["notice"]),
            compiled=str(snap["compiled"]),
            title=str(snap["title"]),
            studies=int(snap["studies"]),
        )

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class View:
    """What the store holds, placed in the project's topics, with the build's choices."""

    origin: str
    style: str
    queries: list[Query]
    placed: dict[str, list[Placed]]
    last_runs: dict[str, Run]
    last_success: dict[str, Run]
    curation: Curation
    sample: SampleInfo | None = None
    # Per query, the successful runs this build announces: those since the last published
    # one (or, when all are published, those the last publication announced), so a build
    # that failed hides nothing from the next.
    announced: dict[str, tuple[Run, ...]] = field(default_factory=dict)
    publish: Publish = field(default_factory=Publish)  # what the short fragment shows
    # A digest of each study's stored record by PMID (what its kept pieces are keyed by;
    # empty for a View not read from a store, whose pieces are then made every time).
    digests: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    # A build's View holds its studies abridged (Study.abridged: no abstract, MeSH headings
    # or keywords, most of a record's size): `read_whole` then reads whole records by PMID
    # (from the build's open store) for what needs them, and `conclusions` holds each
    # study's authors' conclusion, made from its whole record ("" ones left out). None: the
    # studies held are whole.
    read_whole: Callable[[list[str]], Mapping[str, Study]] | None = field(
        default=None, compare=False, repr=False
    )
    conclusions: dict[str, str] | None = field(default=None, compare=False, repr=False)
    # Whole records read already while the View was loaded (a night's new and revised ones,
    # which every export asks for again), by PMID: `whole` hands them out first.
    held_whole: dict[str, Study] = field(default_factory=dict, compare=False, repr=False)
    # Each study's citation in the view's style, kept from an earlier build where its record
    # is the same (evidence.grades.Abridged); None: all made with the evidence table.
    citations: dict[str, tuple[str, Markup]] | None = field(default=None, compare=False, repr=False)
    # The evidence table: a build reads it for the page, the chart, the feed and six exports,
    # and each costs a citation per study, so it is made once, in the view's one style.
    _table: list[pd.DataFrame] = field(default_factory=list, compare=False, repr=False)
    # The table's rows as dicts, each study once, and the citations by PMID: the page, the
    # feed and the exports all read them, so each is made once per build (not once a reader).
    _records: list[list[dict[str, Any]]] = field(default_factory=list, compare=False, repr=False)
    _studies: list[list[Study]] = field(default_factory=list, compare=False, repr=False)
    _citations: list[dict[str, tuple[str, Markup]]] = field(
        default_factory=list, compare=False, repr=False
    )
    _conclusions: list[dict[str, str]] = field(default_factory=list, compare=False, repr=False)
    _once: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def note(self) -> str:
        """The label every exported record of the sample carries ('' for PubMed data)."""
        return SAMPLE_NOTE if self.origin == ORIGIN_SAMPLE else ""

    def table(self) -> pd.DataFrame:
        """The evidence table in the view's style (a copy: callers may filter or add columns)."""
        return self._evidence_table().copy()

    def _evidence_table(self) -> pd.DataFrame:
        if not self._table:
            table = evidence_table(
                self.placed, self.queries, self.origin, self.style, citations=self.citations
            )
            if self.conclusions is not None:  # abridged studies: the conclusions held
                found = self.conclusions
                table["authors_conclusion"] = [found.get(str(p), "") for p in table["pmid"]]
            self._table.append(table)
        return self._table[0]

    def records(self) -> list[dict[str, Any]]:
        """The evidence table's rows as dicts, in its order, made once per View: shared by
        every reader, so a caller copies a row before changing it."""
        if not self._records:
            self._records.append(_rows(self._evidence_table()))
        return self._records[0]

    def studies(self) -> list[Study]:
        """Each study once, in the evidence table's order (a new list each call)."""
        if not self._studies:
            by_pmid = {p.study.pmid: p.study for placed in self.placed.values() for p in placed}
            self._studies.append([by_pmid[str(r["pmid"])] for r in self.records()])
        return list(self._studies[0])

    def whole(self, pmid: str) -> Study:
        """A study's whole record (with its abstract, MeSH headings and keywords, which a
        build's View does not hold): read from the store a block of the table's order at a
        time as they are asked for (those read while the View was loaded handed out as
        they are: they count toward no block's reading)."""
        held = self.held_whole.get(pmid)
        if held is not None:
            return held
        return self.once("whole", self._whole_records)[pmid]

    def _whole_records(self) -> WholeRecords:
        return WholeRecords(self._reader(), [s.pmid for s in self.studies()], KEPT_WHOLE)

    def whole_studies(self) -> Iterator[Study]:
        """Each study's whole record once, in the evidence table's order, read from the
        store a block at a time."""
        order = [s.pmid for s in self.studies()]
        read = self._reader()
        for start in range(0, len(order), BLOCK):
            block = order[start : start + BLOCK]
            found = read(block)
            yield from (found[pmid] for pmid in block)

    def _reader(self) -> Callable[[list[str]], Mapping[str, Study]]:
        if self.read_whole is not None:
            return self.read_whole
        held = {s.pmid: s for s in self.studies()}
        return lambda pmids: {p: held[p] for p in pmids}

    def citation(self, pmid: str) -> tuple[str, Markup]:
        """A study's citation in the view's style, as text and as HTML (made once, with the
        evidence table)."""
        if not self._citations:
            rows = self.records()
            self._citations.append(
                {str(r["pmid"]): (str(r["citation"]), _markup(r["citation_html"])) for r in rows}
            )
        return self._citations[0][pmid]

    def once(self, name: str, make: Callable[[], _T]) -> _T:
        """`make()`, made once per View under `name` and shared by every reader after (a
        value several outputs of one build derive from the table, such as the reviews the
        reference exports carry); callers must not change it."""
        if name not in self._once:
            self._once[name] = make()
        return cast(_T, self._once[name])

    def conclusion(self, pmid: str) -> str:
        """A study's authors' conclusion ("" when its record has none), as the evidence table
        holds it: made once per study, not again for each topic's entry on the page."""
        if not self._conclusions:
            self._conclusions.append(
                {str(r["pmid"]): str(r["authors_conclusion"] or "") for r in self.records()}
            )
        return self._conclusions[0][pmid]

    def data_date(self) -> date:
        """The date the reports can vouch for: the sample's compilation, or the oldest topic's
        last successful search (the page's date must hold for every topic on it)."""
        if self.sample is not None:
            return date.fromisoformat(self.sample.compiled)
        stamps = [r.finished_at for r in self.last_success.values()]
        if not stamps:
            raise ConfigError("no successful refresh yet: nothing to report")
        return date.fromisoformat(min(stamps)[:10])

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

    def topic_changes(self, query_id: str) -> Changes:
        """What the announced runs of one topic changed, as one set of changes."""
        merged = Changes()
        for run in self.announced.get(query_id, ()):
            merged = merged.then(run.changes)
        return merged

    def changes(self) -> dict[str, list[str]]:
        """Per change kind, the PMIDs the announced refreshes of each topic reported (for
        feeds and status: new and newly retracted studies)."""
        out: dict[str, list[str]] = {k: [] for k in CHANGE_KINDS}
        for q in self.queries:
            for kind, pmids in self.topic_changes(q.id).to_dict().items():
                out[kind].extend(p for p in pmids if p not in out[kind])
        return out

    def included_count(self) -> int:
        """Studies counted as evidence, each once (as the evidence table places them: by the
        first topic that holds them)."""
        first: dict[str, Placed] = {}
        for q in self.queries:
            for p in self.placed.get(q.id, []):
                first.setdefault(p.study.pmid, p)
        return sum(1 for p in first.values() if p.included)

    def unknown_curation(self) -> list[str]:
        """PMIDs the curation has a decision for that no topic holds: usually a mistyped
        PMID, which would leave the study it meant as it was (an exclusion not applied)."""
        held = {p.study.pmid for placed in self.placed.values() for p in placed}
        return sorted((p for p in self.curation if p not in held), key=int)

    def unreviewed(self) -> list[Placed]:
        """Studies no reviewer has coded yet, newest first seen first, once each."""
        seen: dict[str, Placed] = {}
        for q in self.queries:
            for p in self.placed.get(q.id, []):
                if p.study.pmid not in self.curation:
                    seen.setdefault(p.study.pmid, p)
        return sorted(seen.values(), key=lambda p: (p.first_seen, p.study.pmid), reverse=True)


def _rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame.to_dict("records"), the same values of the same types (a missing number
    None), made a column at a time: a third of the time of pandas' cell-by-cell boxing."""
    names = [str(name) for name in table.columns]
    columns = []
    for name in names:
        column = table[name]
        values = column.tolist()  # Python's own int, bool and str
        if isinstance(column.dtype, pd.api.extensions.ExtensionDtype) and column.hasnans:
            values = [None if v is pd.NA else v for v in values]
        columns.append(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _markup(html: object) -> Markup:
    # The table's own Markup where it is one: Markup() of a Markup is a copy of the text.
    return html if isinstance(html, Markup) else Markup(html)


def curation_warning(view: View) -> str:
    """The warning build, status and review give for curation entries no topic holds."""
    return unknown_curation_warning(view.unknown_curation())


def stored_curation_warning(
    settings: Settings,
    origin: str,
    store: Store,
    queries: Sequence[Query] | None = None,
    curation: Curation | None = None,
) -> str:
    """The same warning without a View (a build skipped on a quiet night): the curation's
    PMIDs against those the store's topics hold."""
    queries = queries if queries is not None else load_queries(settings.queries_dir)
    if curation is None:
        sample = SampleSource() if origin == ORIGIN_SAMPLE else None
        curation = project_curation(settings, queries, sample)
    ids = {q.id for q in queries}
    held = store.known_pmids({h.pmid for h in store.hits() if h.query_id in ids})
    return unknown_curation_warning(sorted((p for p in curation if p not in held), key=int))


def unknown_curation_warning(unknown: Sequence[str]) -> str:
    """'' when every decision is for a study some topic holds; else the one-line warning."""
    if not unknown:
        return ""
    return (
        f"queries/curation.toml has decisions for {len(unknown)} PMID(s) in no topic, "
        f"so they apply to nothing (a typo?): {', '.join(unknown[:10])}"
        + ("…" if len(unknown) > 10 else "")
    )


def project_curation(
    settings: Settings, queries: Sequence[Query], sample: SampleSource | None = None
) -> Curation:
    """The reviewer's decisions, validated against the queries' conditions; for the sample,
    laid over the sample's own coding."""
    known = {c.id for q in queries for c in q.conditions}
    project = load_curation(settings.curation_file, known)
    if sample is None:
        return project
    return merge(entries_from(sample.studies, "packaged sample.toml"), project)


def open_store(settings: Settings, origin: str) -> Store:
    """The store of `origin` for reading; ConfigError (with what to run) if there is none."""
    if not settings.store_path(origin).exists():
        raise ConfigError(
            f"no {origin} data yet: run `evidence refresh"
            f"{' --sample' if origin == ORIGIN_SAMPLE else ''}` first"
        )
    return Store(settings.store_path(origin), create=False)


def resolve_origin(settings: Settings, sample: bool | None) -> str:
    """The store to read: the sample if asked, else whichever was refreshed last (a failed
    run counts: `status` must be able to show it)."""
    if sample:
        return ORIGIN_SAMPLE
    latest: tuple[str, str] | None = None
    for origin in (ORIGIN_PUBMED, ORIGIN_SAMPLE):
        path = settings.store_path(origin)
        if not path.exists():
            continue
        with Store(path, create=False) as store:
            runs = store.runs()
        if runs and (latest is None or runs[-1].started_at > latest[0]):
            latest = (runs[-1].started_at, origin)
    if latest is None:
        raise ConfigError(
            f"nothing has been refreshed in {settings.project} yet: run "
            "`evidence refresh --sample` (offline) or `evidence refresh` (PubMed) first"
        )
    return latest[1]


def load_view(
    settings: Settings,
    origin: str,
    store: Store | None = None,
    *,
    queries: list[Query] | None = None,
    curation: Curation | None = None,
    keep_grades: bool = False,
    abridged: bool = False,
) -> View:
    """Load everything a build reads, once. A refresh passes the store it holds open and the
    queries and curation it already loaded. Kept gradings are reused where nothing they read
    changed (evidence.grades); `keep_grades` (a build, under the project lock) keeps the new
    ones in the store. `abridged`: once graded and placed, the View holds each study
    abridged and reads its whole record from `store` where that is needed (View.whole), so
    only a caller that keeps `store` open while it uses the View may ask for it (a build)."""
    if store is None:
        if abridged:
            raise ValueError("an abridged View reads from the store its caller holds open")
        with open_store(settings, origin) as own:
            return load_view(
                settings, origin, own, queries=queries, curation=curation, keep_grades=keep_grades
            )
    if queries is None:
        queries = load_queries(settings.queries_dir)
    sample = SampleSource() if origin == ORIGIN_SAMPLE else None
    if curation is None:
        curation = project_curation(settings, queries, sample)
    hits = store.hits()
    info = SampleInfo.from_source(sample) if sample is not None else None
    if info is not None:
        # The sample is one fixed bibliography: every study entered it when it was compiled.
        # Its stamps come from that date, not from the local refresh, so that two sample
        # builds are byte-identical (the feed and exports carry first-seen dates).
        compiled = f"{info.compiled}T00:00:00+00:00"
        hits = [dataclasses.replace(h, first_seen=compiled) for h in hits]
    successes = {q.id: r for q in queries if (r := store.last_success(q.id)) is not None}
    previous: dict[str, str] = {}
    announced: dict[str, tuple[Run, ...]] = {}
    for q in queries:
        shown, before = _announced([r for r in store.runs(q.id) if r.status == "ok"])
        announced[q.id] = tuple(shown)
        if before is not None:
            previous[q.id] = before.finished_at
    conclusions, citations = None, None
    read_whole = None
    held_whole: dict[str, Study] = {}
    if abridged:
        placed, digests, lean, whole = _placed_abridged(
            store, hits, queries, curation, previous, style=settings.style, keep=keep_grades
        )
        conclusions, citations = lean.conclusions, lean.citations
        read_whole = store.stored_studies
        held_whole = whole if len(whole) <= KEPT_WHOLE else {}
    else:
        studies, digests = store.studies_and_digests()
        grader = Grader(store.grades(), digests)
        placed = place(studies, hits, queries, curation, new_since=previous, grade=grader)
        if keep_grades and grader.fresh:
            store.save_grades(grader.fresh)
    return View(
        origin=origin,
        style=settings.style,
        queries=queries,
        placed=placed,
        last_runs=store.last_runs(),
        last_success=successes,
        curation=curation,
        sample=info,
        announced=announced,
        publish=settings.publish,
        digests=digests,
        read_whole=read_whole,
        held_whole=held_whole,
        conclusions=conclusions,
        citations=citations,
    )


def _placed_abridged(
    store: Store,
    hits: Sequence[Hit],
    queries: list[Query],
    curation: Curation,
    previous: Mapping[str, str],
    *,
    style: str,
    keep: bool,
) -> tuple[dict[str, list[Placed]], dict[str, str], Abridged, dict[str, Study]]:
    """The stored studies placed as load_view places them, each held abridged; with the
    digest of each one's record by PMID, their abridged values (each one's authors'
    conclusion and citation in `style`: evidence.grades.Abridged), and the whole records
    read. Only the records whose kept abridged values or
    gradings are stale (new, revised, new code or query) are read whole; `keep` keeps what
    was made anew."""
    digests = store.record_digests()
    lean = Abridged(store.lean(), digests, style)
    grader = Grader(store.grades(), digests)
    wanted = set(lean.stale()) | grader.stale(hits, queries)
    whole = store.stored_studies(sorted(wanted, key=int)) if wanted else {}
    for pmid in lean.stale():
        lean.add(whole[pmid])
    short = lean.studies
    # Grading reads whole records: those it grades anew are given whole, the rest abridged.
    studies = {pmid: whole.get(pmid) or short[pmid] for pmid in digests}
    placed = place(
        studies, hits, queries, curation, new_since=previous, grade=grader, notice=lean.notice
    )
    if keep and grader.fresh:
        store.save_grades(grader.fresh)
    if keep and lean.fresh:
        store.save_lean(lean.fresh)
    if whole:
        placed = {
            query_id: [
                p
                if p.study is short[p.study.pmid]
                else dataclasses.replace(p, study=short[p.study.pmid])
                for p in group
            ]
            for query_id, group in placed.items()
        }
    return placed, digests, lean, whole


def _announced(ok: list[Run]) -> tuple[list[Run], Run | None]:
    """Of a topic's successful runs (oldest first), those a build announces, and the run
    they are measured against: the last one published before them (None: the first).

    Runs not yet published are announced together; when every run is published, a rebuild
    announces again what the last publication did."""
    unpublished = [r for r in ok if not r.published_at]
    if unpublished:
        shown = unpublished
    elif ok:
        shown = [r for r in ok if r.published_at == ok[-1].published_at]
    else:
        return [], None
    earlier = [r for r in ok if r.id < shown[0].id]
    return shown, (earlier[-1] if earlier else None)
