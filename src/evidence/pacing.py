"""How fast and how hard to ask NCBI: the rate limiter every client of a process shares, and
the retry policy (attempts, backoff, timeouts, a total time budget, the largest answer)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from evidence.errors import ConfigError

RATE_WITHOUT_KEY = 3.0
RATE_WITH_KEY = 10.0


class RateLimiter:
    """Spaces calls at least 1/rate seconds apart, across all threads that share it."""

    def __init__(
        self,
        rate: float,
        *,
        margin: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ConfigError("the request rate must be positive")
        # Exactly 1/rate apart puts rate+1 requests right on the edge of NCBI's one-second
        # window, where scheduling jitter tips them over; a small margin keeps them inside.
        self.interval = 1.0 / rate + margin
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def acquire(self, deadline: float | None = None) -> bool:
        """Wait until a request may start; False (without waiting) if that is after `deadline`.

        Nothing is booked ahead: a caller that slept looks again, so a request that another
        thread sent late (see `started`) pushes this one back too.
        """
        while True:
            with self._lock:
                now = self._clock()
                if deadline is not None and self._next > deadline:
                    return False
                if self._next <= now:
                    self._next = now + self.interval
                    return True
                wait = self._next - now
            self._sleep(wait)

    def started(self) -> None:
        """The request whose turn came is leaving now. A busy machine can hold a thread
        between its turn and its send; measured from the send, the next request still keeps
        a whole interval, so NCBI's server never sees two closer than that."""
        with self._lock:
            self._next = max(self._next, self._clock() + self.interval)

    def defer(self, seconds: float) -> None:
        """Push every caller's next slot back (after a 429 or a Retry-After)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


# NCBI's limit is per user (API key or IP), so every client in this process must share one
# limiter per host and rate. Created on first use, never at import.
_limiters: dict[tuple[str, float], RateLimiter] = {}
_limiters_lock = threading.Lock()


def process_limiter(base_url: str, rate: float) -> RateLimiter:
    """The process-wide limiter for this E-utilities host at this rate."""
    key = (urlsplit(base_url).netloc, rate)
    with _limiters_lock:
        if key not in _limiters:
            _limiters[key] = RateLimiter(rate)
        return _limiters[key]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts per request, backoff, timeouts and a total budget."""

    attempts: int = 6
    backoff: float = 1.0  # first wait; doubles each attempt, with jitter
    max_wait: float = 60.0
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    total: float = 900.0  # seconds for the whole client's life (one refresh)
    max_bytes: int = 256 * 1024 * 1024  # an answer larger than this is refused
