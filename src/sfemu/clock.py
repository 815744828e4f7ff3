"""Timestamps for system fields: millisecond precision, UTC, strictly increasing.

Two writes in the same millisecond still get distinct SystemModstamps, so a cursor of the form
`SystemModstamp > last_seen` never misses or repeats a record.
"""

from __future__ import annotations

import threading
import time
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
    """Hands out strictly increasing millisecond instants; kept as an integer, formatted per second."""

    def __init__(self) -> None:
        self._last = _millis(datetime.min.replace(tzinfo=UTC))
        self._lock = threading.Lock()
        # The formatted `YYYY-MM-DDTHH:MM:SS.` of the last second stamped: only the millis change within it.
        self._second: tuple[int, str] = (-1, "")

    def _tick(self) -> int:
        with self._lock:
            current = time.time_ns() // 1_000_000
            if current <= self._last:
                current = self._last + 1
            self._last = current
            return current

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
        """After a restart, never hand out a stamp at or before one already stored."""
        with self._lock:
            self._last = max(self._last, _millis(parse_storage(stored)))
