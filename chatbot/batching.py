"""Micro-batching: concurrent requests share one model forward pass.

One worker thread owns the models. A request puts its text in a queue and waits for its result. The worker
takes everything queued at that moment (up to `max_batch`), runs one batched call, and hands out the
results. It never waits for a batch to fill, so a lone request pays no extra latency, and under load the
requests that arrive during one forward pass are batched into the next.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_STOP = object()


class MicroBatcher(Generic[T, R]):
    def __init__(self, fn: Callable[[Sequence[T]], Sequence[R]], *, max_batch: int = 32, name: str = "batcher") -> None:
        self._fn = fn
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()  # closing and queueing never interleave
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()
        self.batches = 0
        self.items = 0

    def __call__(self, item: T) -> R:
        """The result for one item, computed in a batch with whatever else is waiting."""
        return self.submit(item).result()

    def submit(self, item: T) -> Future[R]:
        """A future for one item's result (an async caller awaits it with `asyncio.wrap_future`)."""
        future: Future[R] = Future()
        with self._lock:
            inline = self._closed
            if not inline:
                self._queue.put((item, future))
        if inline:
            future.set_result(self._fn([item])[0])
        return future

    def close(self) -> None:
        """Finish what is queued, then stop; later calls run inline."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)

    def _work(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)
            self._run(batch)  # type: ignore[arg-type]
            if stop:
                return

    def _run(self, batch: list[tuple[T, Future[R]]]) -> None:
        items = [item for item, _ in batch]
        try:
            results = self._fn(items)
        except BaseException as error:  # hand the error to every waiting request, keep the worker alive
            for _, future in batch:
                future.set_exception(error)
            return
        self.batches += 1
        self.items += len(items)
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)
