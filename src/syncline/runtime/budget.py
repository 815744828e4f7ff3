"""A connection's API-call budget, shared through the metadata store by every thread and process.

The cap (docs/connectors.md): with `enforce_api_limits`, at most `daily_api_calls` calls in any rolling
24 h. Otherwise a conservative automatic cap: syncline's own calls stay under 80 % of the org's
`DailyApiRequests` and stop while the org as a whole is within 10 % of its limit (from the usage the
upstream reports).

Calls are reserved in blocks, so most calls cost no database round trip:

- A process reserves a block of calls for a connection under the connection's lock: the block is
  recorded as spent in the current minute's bucket *before* any of its calls is sent, so the sum of all
  reservations never exceeds the cap, whatever the processes do.
- A block holds at most `BLOCK_SIZE` calls and at most 1/`BLOCK_SHARE` of the room left under the cap,
  so near the cap blocks shrink to single calls and no process sits on calls another one needs.
- A block lives `BLOCK_LIFETIME_SECONDS`; its unused calls are then handed back (as they are at shutdown).
  Because a call may be sent up to that long after the minute its block was recorded in, the window
  checked is 24 h plus `WINDOW_SLACK_MINUTES`: the cap holds for the calls as actually sent.
- A process that dies keeps its unused calls counted until they leave the window: the budget errs on
  the side of sending fewer calls, never more.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from syncline.connectors.errors import BudgetExhausted
from syncline.store.db import Store
from syncline.store.locks import locked_session
from syncline.store.tables import ApiCallBucket, ConnectionLimits
from syncline.store.types import utcnow

__all__ = ["BLOCK_SIZE", "DbCallBudget", "calls_last_24_hours", "release_reservations"]

DAY_MINUTES = 24 * 60
AUTO_SHARE = 0.8
AUTO_HEADROOM = 0.1
BLOCK_SIZE = 50
BLOCK_SHARE = 64
BLOCK_LIFETIME_SECONDS = 60.0
WINDOW_SLACK_MINUTES = 2


@dataclass
class _Block:
    """Calls reserved (and recorded as spent in bucket `minute`) but not yet sent."""

    minute: int
    left: int
    expires: float


# One block per (store, connection) in this process; its lock also serialises reserving the next one.
_blocks: dict[tuple[str, str], _Block] = {}
_locks: dict[tuple[str, str], threading.Lock] = {}
_registry_lock = threading.Lock()


def _key(store: Store, connection_id: str) -> tuple[str, str]:
    return (store.engine.url.render_as_string(hide_password=True), connection_id)


def _lock_for(key: tuple[str, str]) -> threading.Lock:
    with _registry_lock:
        return _locks.setdefault(key, threading.Lock())


def calls_last_24_hours(session: Session, connection_id: str, now: float | None = None) -> int:
    """Calls made in the last 24 h, read in the caller's session (a request showing it holds no second
    connection). Calls this process reserved but has not sent are left out; another process's are not
    known here, so with several processes the figure may run ahead by up to one block per process."""
    floor = int((now or time.time()) // 60) - DAY_MINUTES
    total = session.scalar(
        select(func.coalesce(func.sum(ApiCallBucket.calls), 0)).where(
            ApiCallBucket.connection_id == connection_id, ApiCallBucket.minute > floor
        )
    )
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), connection_id)
    block = _blocks.get(key)
    unsent = block.left if block is not None and block.minute > floor else 0
    return max(0, int(total or 0) - unsent)


def release_reservations(store: Store, lock_dir: Path) -> None:
    """Hand back the unused calls of every block this process holds on `store` (at shutdown)."""
    prefix = store.engine.url.render_as_string(hide_password=True)
    for key in [key for key in list(_blocks) if key[0] == prefix]:
        with _lock_for(key):
            block = _blocks.pop(key, None)
            if block is not None and block.left:
                with locked_session(store, lock_dir, f"budget:{key[1]}") as session:
                    _give_back(session, key[1], block)


class DbCallBudget:
    """The rolling 24 h call budget of one connection (a `CallBudget`), counted in the metadata store."""

    def __init__(
        self,
        store: Store,
        lock_dir: Path,
        connection_id: str,
        *,
        cap: int | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.lock_dir = lock_dir
        self.connection_id = connection_id
        self.cap = cap  # None: the automatic rule
        self._time = clock
        self._key = _key(store, connection_id)

    def spend(self, calls: int = 1) -> None:
        """Take `calls` from this process's block, reserving a new block when it runs out.

        Raises:
            BudgetExhausted: The cap allows no more calls now; nothing was taken.
        """
        now = self._time()
        with _lock_for(self._key):
            block = _blocks.get(self._key)
            if block is not None and block.expires > now and block.left >= calls:
                block.left -= calls
                return
            _blocks.pop(self._key, None)
            _blocks[self._key] = self._reserve(calls, now, returned=block)

    def observe(self, used: int, limit: int) -> None:
        # Under the connection's lock: two answers arriving at once on a connection never observed would
        # otherwise both insert its row, and one call would fail on the other's.
        with locked_session(self.store, self.lock_dir, f"budget:{self.connection_id}") as session:
            row = session.get(ConnectionLimits, self.connection_id)
            if row is None:
                session.add(ConnectionLimits(connection_id=self.connection_id, used=used, limit=limit))
            else:
                row.used, row.limit, row.observed_at = used, limit, utcnow()

    def _reserve(self, calls: int, now: float, *, returned: _Block | None) -> _Block:
        minute = int(now // 60)
        floor = minute - DAY_MINUTES - WINDOW_SLACK_MINUTES
        with locked_session(self.store, self.lock_dir, f"budget:{self.connection_id}") as session:
            if returned is not None and returned.left:
                _give_back(session, self.connection_id, returned)
            rows = session.execute(
                select(ApiCallBucket.minute, ApiCallBucket.calls)
                .where(ApiCallBucket.connection_id == self.connection_id, ApiCallBucket.minute > floor)
                .order_by(ApiCallBucket.minute)
            ).all()
            buckets = [(int(m), int(c)) for m, c in rows]
            used = sum(c for _, c in buckets)
            limits = session.get(ConnectionLimits, self.connection_id)
            cap = self._cap(used, limits)
            room = cap - used
            if room < calls:
                raise BudgetExhausted(cap, used, _resume_at(buckets, calls - room))
            size = min(room, max(calls, min(BLOCK_SIZE, room // BLOCK_SHARE)))
            if limits is not None:  # our calls count org-wide too, until the next report says exactly
                limits.used += size
            bucket = session.get(ApiCallBucket, (self.connection_id, minute))
            if bucket is None:
                session.add(ApiCallBucket(connection_id=self.connection_id, minute=minute, calls=size))
            else:
                bucket.calls += size
            # Old buckets are of no use to anyone; drop them while we hold the lock.
            session.execute(
                delete(ApiCallBucket).where(
                    ApiCallBucket.connection_id == self.connection_id, ApiCallBucket.minute <= floor
                )
            )
        return _Block(minute=minute, left=size - calls, expires=now + BLOCK_LIFETIME_SECONDS)

    def _cap(self, used: int, limits: ConnectionLimits | None) -> int:
        if self.cap is not None:
            return self.cap
        if limits is None:
            return used + 1  # nothing observed yet: allow one call, whose answer tells us the limit
        org_used, org_limit = limits.used, limits.limit
        own_cap = int(org_limit * AUTO_SHARE)
        org_room = org_limit - int(org_limit * AUTO_HEADROOM) - org_used
        return min(own_cap, used + max(org_room, 0))


def _give_back(session: Session, connection_id: str, block: _Block) -> None:
    """Unrecord a block's unused calls (in the caller's transaction, under the connection's lock)."""
    bucket = session.get(ApiCallBucket, (connection_id, block.minute))
    if bucket is not None:
        bucket.calls = max(0, bucket.calls - block.left)
    limits = session.get(ConnectionLimits, connection_id)
    if limits is not None:
        limits.used = max(0, limits.used - block.left)
    block.left = 0


def _resume_at(buckets: list[tuple[int, int]], must_leave: int) -> datetime | None:
    """When enough of the oldest calls have left the (slackened) window to free `must_leave` calls."""
    freed = 0
    for minute, calls in buckets:
        freed += calls
        if freed >= must_leave:
            leaves = (minute + 1 + WINDOW_SLACK_MINUTES) * 60
            return datetime.fromtimestamp(leaves, UTC) + timedelta(days=1)
    return None
