"""One exception tree for the library; the CLI maps each class to an exit code."""

from __future__ import annotations

# Exit codes, documented in the README for cron.
EXIT_OK = 0
EXIT_FAILURE = 1  # a run failed for another reason (store, templates, parsing)
EXIT_USAGE = 2  # bad configuration, bad query file, unknown option
EXIT_NCBI = 3  # NCBI unreachable or failing; nothing was changed
EXIT_BUSY = 4  # another refresh holds the project's lock
EXIT_SENTINEL = 5  # with --strict: a query's search missed one of its sentinel studies


class EvidenceError(Exception):
    """Root of every error the library raises on purpose."""

    exit_code: int = EXIT_FAILURE


class ConfigError(EvidenceError):
    """Settings or command-line values that cannot work (missing email, bad URL)."""

    exit_code = EXIT_USAGE


class QueryError(ConfigError):
    """A query file under queries/ is malformed; the message names the file and key."""


class EutilsError(EvidenceError):
    """E-utilities failed or answered with an error. Carries status and a redacted URL."""

    exit_code = EXIT_NCBI

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None):
        super().__init__(message)
        self.status = status
        self.url = url


class TransientEutilsError(EutilsError):
    """NCBI answered with an error that says trying again may work ("Search Backend failed")."""


class HistoryError(EutilsError):
    """NCBI's history server lost or expired the search's WebEnv ("Unable to obtain query
    #1"): the records are still there, asked for by their PMIDs."""


class ParseError(EvidenceError):
    """An E-utilities answer that is not the XML it should be."""


class StoreError(EvidenceError):
    """The local SQLite store cannot be opened, read or written."""


class TemplateError(EvidenceError):
    """A report template failed to load or render; the message names template and line."""

    exit_code = EXIT_USAGE


class OutputError(EvidenceError):
    """Reports or exports could not be written (unwritable folder, full disk)."""


class LockError(EvidenceError):
    """Another refresh is already running on this project."""

    exit_code = EXIT_BUSY
