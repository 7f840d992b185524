"""What `evidence status` and `evidence review` report: runs, counts, the flow, the next
window, and the studies nobody has reviewed yet. Functions of a View (and the store's runs)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from evidence.classify import DESIGN_LABELS
from evidence.queries import Query
from evidence.runs import Run
from evidence.screening import candidates, progress, queue
from evidence.settings import Settings
from evidence.sources import ORIGIN_SAMPLE
from evidence.view import View, load_view, open_store


def status(settings: Settings, *, origin: str) -> dict[str, Any]:
    """The last run per query, counts, and when the data was last refreshed."""
    with open_store(settings, origin) as store:
        view = load_view(settings, origin, store)
        counts = store.counts()
        failures = {
            q.id: fails[-1]
            for q in view.queries
            if (fails := [r for r in store.runs(q.id) if r.status in ("failed", "interrupted")])
        }
    runs = {}
    screened = progress(view, view.curation)
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
            "changes": view.topic_changes(q.id).to_dict() if ok else None,
            "next_window": _next_window(settings, q, ok),
            "screening": screened[q.id],
        }
    successes = [r.finished_at for r in view.last_success.values()]
    failed = [r for r in failures.values()]
    last_failure = max(failed, key=lambda r: r.id) if failed else None
    changes = view.changes()
    return {
        "project": str(settings.project),
        "origin": origin,
        "store": str(settings.store_path(origin)),
        "studies": view.included_count(),
        "stored_records": counts["studies"],
        "deleted_records": counts["deleted"],
        "unreviewed": len(view.unreviewed()),
        "last_refreshed": max(successes) if successes else None,
        "flow": flows["all"].as_dict(),
        "last_success": max(successes) if successes else None,
        "last_failure": _run_json(last_failure) if last_failure else None,
        "new_studies": changes["new"],
        "curation_unknown": view.unknown_curation(),
        "changes": changes,
        "queries": runs,
    }


def review(settings: Settings, *, origin: str) -> list[dict[str, Any]]:
    """Studies no reviewer has coded yet (not in queries/curation.toml), newest first."""
    return review_rows(load_view(settings, origin))


def review_rows(view: View) -> list[dict[str, Any]]:
    """The view's unreviewed studies in the review app's order (evidence level, then new,
    then newest), once each with every topic it is in."""
    titles = {q.id: q.title for q in view.queries}
    return [
        {
            "pmid": c.pmid,
            "title": c.placed.study.title,
            "year": c.placed.study.year,
            "design": DESIGN_LABELS.get(c.placed.tags.design, c.placed.tags.design),
            "design_source": c.placed.tags.design_basis,
            "evidence_level": c.level,
            "topics": [titles[t] for t in c.topics],
            "first_seen": c.placed.first_seen,
            "new": c.placed.new,
            "exclusion": c.placed.exclusion,
            "url": c.placed.study.pubmed_url,
        }
        for c in queue(candidates(view), view.curation)
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
        # A run can be stored but not yet published (its build failed, or another topic's
        # run did): the reports do not show it yet.
        "published": bool(run.published_at),
        "published_at": run.published_at or None,
    }
