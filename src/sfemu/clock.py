"""Timestamps for system fields: millisecond precision, UTC, commit times as Salesforce gives them.

Salesforce stamps a record with the time its transaction commits: never ahead of the server's clock,
never backwards for one record, and many rows of one bulk load share a millisecond. The clock does the
same, so a reader bounded by "now" (`SystemModstamp <= now`) sees every committed row, and a reader with
a strict `SystemModstamp > last_seen` cursor misses rows that share its last millisecond, as it would on
Salesforce.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_MS = timedelta(milliseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def format_storage(moment: datetime) -> str:
    """The storage (and Bulk CSV) form: `2024-01-15T10:30:00.000Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_storage(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _millis(moment: datetime) -> int:
    """Whole milliseconds since the epoch (exact integer arithmetic, no float rounding)."""
    return (moment - _EPOCH) // _MS


class Clock:
    """Hands out wall-clock millisecond instants that never go backwards; formatted per second.

    Equal stamps are allowed (many writes per millisecond); a stamp ahead of the wall clock is not,
    except after a restart on data already stamped ahead of it (`advance_past`).
    """

    def __init__(self, wall: Callable[[], int] = lambda: time.time_ns() // 1_000_000) -> None:
        self._wall = wall  # milliseconds since the epoch; tests pass a controlled one
        self._last = _millis(datetime.min.replace(tzinfo=UTC))
        self._lock = threading.Lock()
        # While back-dating (`backdated`): [current stamp, stamps given it so far, stamps per ms, last stamp].
        self._replay: list[int] | None = None
        # The formatted `YYYY-MM-DDTHH:MM:SS.` of the last second stamped: only the millis change within it.
        self._second: tuple[int, str] = (-1, "")

    def _tick(self) -> int:
        with self._lock:
            if self._replay is not None:
                return self._replayed(self._replay)
            current = max(self._wall(), self._last)
            self._last = current
            return current

    def _replayed(self, replay: list[int]) -> int:
        stamp, shared, per_ms, end = replay
        if shared >= per_ms:
            stamp, shared = min(stamp + 1, end), 0
        replay[:] = [stamp, shared + 1, per_ms, end]
        self._last = max(self._last, stamp)
        return stamp

    @contextmanager
    def backdated(self, writes: int, *, per_ms: int = 20) -> Iterator[None]:
        """Stamp the next `writes` stamps as a bulk load that finished before now.

        `per_ms` rows share each millisecond; the load ends one millisecond before the call, and any
        stamps beyond `writes` share that last millisecond. Seeding uses this, so a freshly seeded org
        looks like one loaded earlier, not like one whose rows were written in the future.
        """
        end = max(self._wall(), self._last) - 1
        span = -(-max(writes, 1) // per_ms)
        with self._lock:
            self._replay = [end - span + 1, 0, per_ms, end]
        try:
            yield
        finally:
            with self._lock:
                self._replay = None

    def now(self) -> datetime:
        return _EPOCH + timedelta(milliseconds=self._tick())

    def stamp(self) -> str:
        """`format_storage(self.now())`, without building a datetime for every write."""
        second, millis = divmod(self._tick(), 1000)
        cached, prefix = self._second
        if cached != second:
            prefix = (_EPOCH + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S.")
            self._second = (second, prefix)
        return f"{prefix}{millis:03d}Z"

    def advance_past(self, stored: str) -> None:
        """After a restart, never stamp before a stored stamp: one record's never goes back."""
        with self._lock:
            self._last = max(self._last, _millis(parse_storage(stored)))
