"""The next EFetch answer asked for while the last one is parsed and stored.

A refresh spends its time in two places that need not wait for each other: the requests, paced
by NCBI's rate limit, and the parsing and storing of each answer, on the processor. A
background thread runs the fetch, a few answers ahead of the consumer; the consumer gets the
answers in order, exactly as the fetch made them. The thread lives no longer than the
consumer's loop: when the loop ends (done, an error while storing, Ctrl-C), the thread is told
to stop, sends no request after that (one already under way is let finish, bounded by the
client's timeouts), and is waited for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from queue import Full, Queue
from typing import TypeVar

_T = TypeVar("_T")
_DONE = object()
THREAD_NAME = "evidence-fetch"


@dataclass(frozen=True)
class _Failure:
    exc: BaseException


def prefetched(
    make: Callable[[threading.Event], Iterator[_T]], depth: int = 2
) -> Generator[_T, None, None]:
    """The items of `make(stop)`, produced by a background thread at most `depth` items ahead
    of the consumer (plus the one it is making). Two: on a busy machine the parsing slows
    and speeds up, and answers fetched during a slow stretch are there when it ends, where
    the rate limit would not let the fetch catch up.

    `make` receives the event that is set when the consumer is done: it passes it to what
    sends requests, which then sends no more. An exception in the producer is raised here,
    after the items made before it; a consumer that stops early stops the producer and waits
    for it, so no thread outlives the loop.
    """
    queue: Queue[object] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.05)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        items = make(stop)
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            if not stop.is_set():
                put(_Failure(exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator stopped midway ends here, in its own thread

    worker = threading.Thread(target=produce, name=THREAD_NAME, daemon=True)
    worker.start()
    try:
        while True:
            item = queue.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()  # no request after this: the client checks `stop` before each one
