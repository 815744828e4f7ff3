"""The API-call budget seam: every call an upstream counts asks the budget first.

A `CallBudget` is asked *before* each counted request, retries included, so a cap is never exceeded, and
it is told the upstream's own usage figures when the upstream reports them. The runtime implements it
with one shared counter per connection (`runtime/connection_state.py`); `InMemoryCallBudget` is the
single-process version.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from syncline.connectors.errors import BudgetExhausted

__all__ = ["DAY_SECONDS", "CallBudget", "InMemoryCallBudget", "UnlimitedBudget"]

DAY_SECONDS = 24 * 60 * 60


@runtime_checkable
class CallBudget(Protocol):
    """A cap on API calls, shared by everything that uses one connection."""

    def spend(self, calls: int = 1) -> None:
        """Reserve `calls` calls, about to be sent.

        Raises:
            BudgetExhausted: The cap would be exceeded; nothing was reserved and nothing may be sent.
        """
        ...

    def observe(self, used: int, limit: int) -> None:
        """The upstream reported org-wide usage `used` of `limit` (Salesforce: `Sforce-Limit-Info`)."""
        ...


class UnlimitedBudget:
    """No cap: the default when the caller passes no budget."""

    def spend(self, calls: int = 1) -> None:
        pass

    def observe(self, used: int, limit: int) -> None:
        pass


class InMemoryCallBudget:
    """A cap of `cap` calls per rolling `window` seconds, for one process (thread-safe).

    Attributes:
        cap: Calls allowed per window.
        observed: The last `(used, limit)` the upstream reported, or None.
    """

    def __init__(
        self, cap: int, *, window: float = DAY_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        if cap < 0:
            msg = f"cap must be >= 0, not {cap}"
            raise ValueError(msg)
        self.cap = cap
        self.window = window
        self.observed: tuple[int, int] | None = None
        self._clock = clock
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    @property
    def used(self) -> int:
        """Calls spent in the current window."""
        with self._lock:
            self._expire(self._clock())
            return len(self._sent)

    def spend(self, calls: int = 1) -> None:
        with self._lock:
            now = self._clock()
            self._expire(now)
            used = len(self._sent)
            if used + calls > self.cap:
                raise BudgetExhausted(self.cap, used, self._resume_at(used + calls - self.cap))
            self._sent.extend([now] * calls)

    def observe(self, used: int, limit: int) -> None:
        with self._lock:
            self.observed = (used, limit)

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()

    def _resume_at(self, must_leave: int) -> datetime | None:
        if must_leave > len(self._sent):  # asked for more than the cap: never
            return None
        return datetime.fromtimestamp(self._sent[must_leave - 1] + self.window, UTC)
