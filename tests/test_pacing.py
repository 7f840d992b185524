"""How fast and how hard evidence asks NCBI (evidence.pacing): no server, a fake clock."""

from __future__ import annotations

import pytest

from evidence.errors import ConfigError
from evidence.pacing import RateLimiter, process_limiter


def test_rate_limiter_spaces_calls() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2.0, margin=0.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire()
    assert now[0] == pytest.approx(2.0)  # 5 calls at 2/s: the 5th starts 2 s after the 1st
    limiter.defer(3.0)
    limiter.acquire()
    assert now[0] == pytest.approx(5.0)


def test_a_slot_past_the_deadline_is_refused_without_waiting() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(1.0, margin=0.0, clock=lambda: now[0], sleep=sleep)
    assert limiter.acquire(deadline=5.0)  # the first slot is now
    assert not limiter.acquire(deadline=0.5)  # the next is at 1.0, after the deadline
    assert limiter.acquire(deadline=1.0)


def test_one_limiter_per_host_and_rate_in_a_process() -> None:
    a = process_limiter("https://eutils.example.org/entrez/eutils/", 3.0)
    assert process_limiter("https://eutils.example.org/other/", 3.0) is a
    assert process_limiter("https://eutils.example.org/entrez/eutils/", 10.0) is not a
    assert process_limiter("https://mirror.example.org/entrez/eutils/", 3.0) is not a


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="must be positive"):
        RateLimiter(0)


def test_the_interval_is_kept_from_a_late_send_not_from_its_turn() -> None:
    """A thread held up between its turn and its send (a busy machine) still leaves a whole
    interval after the send before the next request."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(2.0, margin=0.0, clock=lambda: now[0], sleep=sleep)
    assert limiter.acquire()  # its turn at 0.0 ...
    now[0] = 0.3  # ... but the machine holds the thread until 0.3
    limiter.started()
    assert limiter.acquire()
    assert now[0] == pytest.approx(0.8)  # 0.3 + 0.5, not 0.5 after the first turn
