"""A fresh Python interpreter running this same evidence package: the build's worker and the
refresh's parse process each start one (multiprocessing's children would run the caller's
main script again)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import IO, Any


def started_python(
    code: str, *, stdout: int | IO[Any], stderr: int | IO[Any]
) -> subprocess.Popen[bytes]:
    """`python -c code` with a pipe to its standard input, importing the modules this
    interpreter imports (its sys.path as PYTHONPATH). Raises OSError when it cannot start."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=stdout,
        stderr=stderr,
        env=env,
    )
