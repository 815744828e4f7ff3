"""A blocking work queue that is fair across keys (organizations).

Each key has its own FIFO; keys are served round-robin, and a key never has more than `per_key_limit`
items taken and not yet `done`. So one organization with a thousand slow jobs holds at most
`per_key_limit` workers, and the others' jobs start as soon as a worker is free.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import Generic, TypeVar

T = TypeVar("T")


class FairQueue(Generic[T]):
    def __init__(self, per_key_limit: int) -> None:
        if per_key_limit < 1:
            raise ValueError(f"per_key_limit must be at least 1, not {per_key_limit}")
        self.per_key_limit = per_key_limit
        self._pending: dict[str, deque[T]] = {}
        self._turns: deque[str] = deque()  # keys with pending items, next to serve first
        self._active: Counter[str] = Counter()
        self._closed = False
        self._cond = threading.Condition()

    def put(self, key: str, item: T) -> None:
        with self._cond:
            if self._closed:
                raise RuntimeError("the queue is closed")
            if key not in self._pending:
                self._pending[key] = deque()
                self._turns.append(key)
            self._pending[key].append(item)
            self._cond.notify()

    def take(self) -> tuple[str, T] | None:
        """Block until an item of a key under its limit is pending; None once the queue is closed."""
        with self._cond:
            while not self._closed:
                taken = self._take_next()
                if taken is not None:
                    return taken
                self._cond.wait()
            return None

    def _take_next(self) -> tuple[str, T] | None:
        for key in list(self._turns):
            if self._active[key] >= self.per_key_limit:
                continue  # keeps its place in line: it is served first once one of its items is done
            items = self._pending[key]
            item = items.popleft()
            self._active[key] += 1
            self._turns.remove(key)
            if items:
                self._turns.append(key)  # to the back: round-robin
            else:
                del self._pending[key]
            return key, item
        return None

    def done(self, key: str) -> None:
        """An item taken for `key` finished: the key may have another one taken."""
        with self._cond:
            self._active[key] -= 1
            if self._active[key] <= 0:
                del self._active[key]
            self._cond.notify_all()

    def close(self) -> list[tuple[str, T]]:
        """Stop handing out items: `take` returns None from now on. Returns the items never taken."""
        with self._cond:
            self._closed = True
            left = [(key, item) for key in self._turns for item in self._pending[key]]
            self._pending.clear()
            self._turns.clear()
            self._cond.notify_all()
            return left

    def active(self, key: str) -> int:
        with self._cond:
            return self._active[key]

    def pending(self) -> int:
        with self._cond:
            return sum(len(items) for items in self._pending.values())
