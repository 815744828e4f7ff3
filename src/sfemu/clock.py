"""Timestamps for system fields: millisecond precision, UTC, strictly increasing.

Two writes in the same millisecond still get distinct SystemModstamps, so a cursor of the form
`SystemModstamp > last_seen` never misses or repeats a record.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

_MS = timedelta(milliseconds=1)


def format_storage(moment: datetime) -> str:
    """The storage (and Bulk CSV) form: `2024-01-15T10:30:00.000Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_storage(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            current = datetime.now(UTC)
            current = current.replace(microsecond=current.microsecond // 1000 * 1000)
            if current <= self._last:
                current = self._last + _MS
            self._last = current
            return current

    def stamp(self) -> str:
        return format_storage(self.now())

    def advance_past(self, stored: str) -> None:
        """After a restart, never hand out a stamp at or before one already stored."""
        with self._lock:
            self._last = max(self._last, parse_storage(stored))
