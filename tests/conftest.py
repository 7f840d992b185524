"""Shared fixtures: a temporary project, fixture files, and the local E-utilities emulator."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def child_env() -> dict[str, str]:
    """The environment for a child Python: it too imports this checkout's src/, not whatever
    `evidence` happens to be installed (pytest's `pythonpath` reaches only this process)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO / "src"), env.get("PYTHONPATH", "")) if p
    )
    return env


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """Read a file from tests/fixtures/."""

    def load(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return load


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project directory holding a copy of the repository's query files."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "queries", root / "queries")
    return root


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any attempt to open a connection to anything but loopback."""
    import socket

    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield
