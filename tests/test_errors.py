"""One exception tree, each class with the exit code cron sees (evidence.errors)."""

from __future__ import annotations

import pytest

from evidence import errors
from evidence.errors import (
    ConfigError,
    EutilsError,
    EvidenceError,
    LockError,
    OutputError,
    ParseError,
    QueryError,
    StoreError,
    TemplateError,
    TransientEutilsError,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError, errors.EXIT_USAGE),
        (QueryError, errors.EXIT_USAGE),
        (TemplateError, errors.EXIT_USAGE),
        (EutilsError, errors.EXIT_NCBI),
        (TransientEutilsError, errors.EXIT_NCBI),
        (LockError, errors.EXIT_BUSY),
        (ParseError, errors.EXIT_FAILURE),
        (StoreError, errors.EXIT_FAILURE),
        (OutputError, errors.EXIT_FAILURE),
    ],
)
def test_every_error_is_an_evidence_error_with_its_exit_code(
    error: type[EvidenceError], code: int
) -> None:
    assert issubclass(error, EvidenceError) and error("x").exit_code == code


def test_the_documented_exit_codes() -> None:
    codes = (errors.EXIT_OK, errors.EXIT_FAILURE, errors.EXIT_USAGE, errors.EXIT_NCBI)
    assert (*codes, errors.EXIT_BUSY, errors.EXIT_SENTINEL) == (0, 1, 2, 3, 4, 5)


def test_an_http_error_carries_status_and_url() -> None:
    exc = EutilsError("E-utilities answered HTTP 503", status=503, url="https://x/esearch.fcgi")
    assert (exc.status, exc.url, str(exc)) == (
        503,
        "https://x/esearch.fcgi",
        "E-utilities answered HTTP 503",
    )
