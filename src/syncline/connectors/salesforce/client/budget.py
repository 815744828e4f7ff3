"""The API-call budget: every call Salesforce counts asks the budget first.

Salesforce counts every request under `/services/data` and `/services/async` (Bulk job creation, polls,
uploads and result pages included; OAuth calls not) against the org's rolling 24 h allocation. A
`CallBudget` is asked *before* each such request, retries included, so a cap is never exceeded, and it
is told the org-wide usage from every `Sforce-Limit-Info` header. The store layer implements it with one
shared counter per connection; `InMemoryCallBudget` is the single-process version.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from syncline.connectors.salesforce.errors import BudgetExhausted

__all__ = [
    "DAY_SECONDS",
    "CallBudget",
    "InMemoryCallBudget",
    "UnlimitedBudget",
    "conservative_cap",
    "counts_against_limit",
    "parse_limit_info",
]

DAY_SECONDS = 24 * 60 * 60
_LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")


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
        """Salesforce reported org-wide usage `used` of `limit` (from `Sforce-Limit-Info`)."""
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
        observed: The last `(used, limit)` Salesforce reported, or None.
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


def parse_limit_info(header: str | None) -> tuple[int, int] | None:
    """`(used, limit)` from a `Sforce-Limit-Info: api-usage=N/M[; per-app-api-usage=...]` header."""
    if not header:
        return None
    match = _LIMIT_INFO.search(header)
    return (int(match.group(1)), int(match.group(2))) if match else None


def counts_against_limit(path: str) -> bool:
    """Whether Salesforce counts a request to this URL path against the daily API allocation."""
    return path.startswith(("/services/data", "/services/async"))


def conservative_cap(limit: int, remaining: int, *, share: float = 0.8, headroom: float = 0.1) -> int:
    """A default daily cap from `/limits` → `DailyApiRequests` (`Max`, `Remaining`).

    At most `share` of the org's allocation, and never closer than `headroom` of it to running out, so
    other integrations keep room: min(80 % of Max, Remaining - 10 % of Max), at least 0.
    """
    return max(0, min(int(limit * share), remaining - int(limit * headroom)))
