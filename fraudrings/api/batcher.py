"""Micro-batching: many concurrent requests served by one database round trip.

A Neo4j transaction has a fixed cost (here about 1 ms of server CPU and 0.5 ms of the
driver's, even for ``RETURN 1``) that dwarfs a point lookup such as the pre-settlement
check. :class:`MicroBatcher` runs one worker thread: it takes every item that is
waiting, up to ``max_batch``, hands them to ``fn`` as one list, and gives each caller
its own answer. Nothing waits on purpose: an item submitted to an idle batcher runs at
once, alone; under load, the items that arrive while one batch runs form the next one
(the batch grows with the load, so the fixed cost is shared by more callers exactly
when it matters). An error of ``fn`` is every item's error of that batch; a caller that
gives up (its ``timeout``) leaves the batcher running for the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

_STOP = object()


class BatcherClosed(RuntimeError):
    pass


class _LoopWaiter:
    """A caller on an event loop: its asyncio future, set on that loop's thread."""

    __slots__ = ("fut", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop, fut: asyncio.Future[Any]) -> None:
        self.loop = loop
        self.fut = fut


def _still_wanted(w: object) -> bool:
    if isinstance(w, _LoopWaiter):
        return not w.fut.done()  # gave up (timed out) before its batch: skipped
    assert isinstance(w, Future)
    return bool(w.set_running_or_notify_cancel())


def _deliver(results: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    """On the loop's thread: every answer of one batch for this loop's callers."""
    for fut, answer, exc in results:
        if fut.done():  # its caller gave up meanwhile
            continue
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(answer)


class MicroBatcher(Generic[T, R]):
    def __init__(
        self, fn: Callable[[Sequence[T]], Sequence[R]], max_batch: int = 32, name: str = "batch"
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.fn = fn
        self.max_batch = max_batch
        self.name = name
        self._q: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        # what the batches have been: for the benchmarks and tests
        self.batches = 0
        self.items = 0
        self.largest = 0

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                t = threading.Thread(target=self._run, name=f"{self.name}-batcher", daemon=True)
                t.start()
                self._thread = t

    def _put(self, item: T, waiter: Future[R] | _LoopWaiter) -> None:
        if self._closed:
            raise BatcherClosed(f"the {self.name} batcher is closed")
        self._ensure_started()
        self._q.put((item, waiter))

    def submit(self, item: T) -> Future[R]:
        """Queue one item; its answer arrives in the returned future."""
        fut: Future[R] = Future()
        self._put(item, fut)
        return fut

    async def run(self, item: T, timeout: float) -> R:
        """Submit from a coroutine and await the answer (``TimeoutError`` past ``timeout``).

        The answer comes back without a thread-safe future per item: the worker thread
        wakes each waiting event loop once per batch (one ``call_soon_threadsafe`` for
        all of that loop's callers), since every wake-up from another thread costs the
        loop a hand-over of the interpreter lock; per item it was a third of the
        check's CPU."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[R] = loop.create_future()
        self._put(item, _LoopWaiter(loop, fut))
        return await asyncio.wait_for(fut, timeout)

    def _run(self) -> None:
        while True:
            first = self._q.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    self._q.put(_STOP)  # finish this batch, then stop
                    break
                batch.append(nxt)
            pairs = [p for p in batch if isinstance(p, tuple)]
            live = [(item, w) for item, w in pairs if _still_wanted(w)]
            if not live:
                continue
            self.batches += 1
            self.items += len(live)
            self.largest = max(self.largest, len(live))
            try:
                answers = self.fn([item for item, _ in live])
                if len(answers) != len(live):
                    raise RuntimeError(f"{self.name}: {len(answers)} answers for {len(live)} items")
                outcomes: list[tuple[Any, R | None, BaseException | None]] = [
                    (w, a, None) for (_, w), a in zip(live, answers, strict=True)
                ]
            except Exception as exc:  # every caller of this batch gets the error
                log.warning("%s batch of %d failed: %s", self.name, len(live), exc)
                outcomes = [(w, None, exc) for _, w in live]
            by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[R], Any, Any]]]
            by_loop = {}
            for w, answer, err in outcomes:
                if isinstance(w, _LoopWaiter):
                    by_loop.setdefault(w.loop, []).append((w.fut, answer, err))
                elif err is not None:
                    w.set_exception(err)
                else:
                    w.set_result(answer)
            for loop, results in by_loop.items():
                # a loop that has closed meanwhile has nobody waiting on it
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_deliver, results)

    def close(self, timeout: float = 5.0) -> None:
        self._closed = True
        if self._thread is not None:
            self._q.put(_STOP)
            self._thread.join(timeout)
