"""Plain records of the store's contents: a topic's hits, what a run changed, and the runs.

Values only (no SQL): the store makes them, the read side and the refresh pass them around.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


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
