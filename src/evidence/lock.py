"""The project's refresh lock: one refresh (or build) at a time on a project."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from evidence.errors import LockError, StoreError
from evidence.settings import Settings


@contextmanager
def project_lock(settings: Settings) -> Iterator[None]:
    """Hold the project's refresh lock; a second holder fails at once with LockError."""
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
