"""Query locators: the open cursors behind `nextRecordsUrl`, one registry per org (`Org.cursors`).

A cursor is the compiled query plus the sort key of the last row of each page served, so paging is
keyset-based and cheap however deep it goes. Cursors live in memory and expire after 15 minutes of
inactivity, as Salesforce's query locators do; the oldest go first beyond `MAX_CURSORS`.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sfemu.errors import InvalidQueryLocator
from sfemu.soql import CompiledQuery

CURSOR_IDLE_SECONDS = 15 * 60
MAX_CURSORS = 1000


@dataclass
class Cursor:
    """An open query: where each page handed out so far ends, by row offset.

    Keeping every page boundary (not just the last) lets a client that lost an answer fetch the same
    `nextRecordsUrl` again and get the same page, as Salesforce allows.
    """

    compiled: CompiledQuery
    positions: dict[int, tuple[Any, ...]]
    total: int
    page_size: int
    tooling: bool
    touched: float


class Cursors:
    """The org's open cursors by locator key; safe to use from the handlers' worker threads."""

    def __init__(self) -> None:
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, cursor: Cursor) -> str:
        with self._lock:
            key = "01g" + uuid.uuid4().hex[:15]
            self._cursors[key] = cursor
            while len(self._cursors) > MAX_CURSORS:
                self._cursors.popitem(last=False)
            return key

    def get(self, key: str) -> Cursor:
        """The live cursor of `key`.

        Raises:
            SalesforceError: 400 `INVALID_QUERY_LOCATOR` for an unknown, evicted or idle cursor.
        """
        with self._lock:
            cursor = self._cursors.get(key)
            if cursor is None or time.monotonic() - cursor.touched > CURSOR_IDLE_SECONDS:
                self._cursors.pop(key, None)
                raise InvalidQueryLocator()
            cursor.touched = time.monotonic()
            return cursor
