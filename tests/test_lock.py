"""The project's refresh lock (evidence.lock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.errors import LockError, StoreError
from evidence.lock import project_lock
from evidence.settings import Settings


def test_one_holder_at_a_time_and_released_after(tmp_path: Path) -> None:
    settings = Settings(project=tmp_path)
    busy = pytest.raises(LockError, match="another refresh is running")
    with project_lock(settings), busy, project_lock(settings):
        pass
    with project_lock(settings):  # released: taken again at once
        assert (settings.state_dir / "refresh.lock").exists()


def test_a_state_folder_that_cannot_be_made_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / ".evidence").write_text("a file where the folder should be", encoding="utf-8")
    failed = pytest.raises(StoreError, match="cannot create the state folder")
    with failed, project_lock(Settings(project=tmp_path)):
        pass
