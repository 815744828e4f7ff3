"""A connection's shared state in the metadata store: its OAuth tokens and its API-call budget.

Both implement the Salesforce client's seams (`CredentialStore`, `CallBudget`) so that every sync, request
and worker process using one connection shares one token chain and one call counter.

Budget rule (docs/connectors.md): with `enforce_api_limits`, at most `daily_api_calls` calls in any
rolling 24 h. Otherwise a conservative automatic cap: syncline's own calls stay under 80 % of the org's
`DailyApiRequests` and stop while the org as a whole is within 10 % of its limit (from `Sforce-Limit-Info`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from syncline.connectors.credentials import StoredTokens
from syncline.connectors.errors import BudgetExhausted
from syncline.store.crypto import SecretBox
from syncline.store.db import Store
from syncline.store.locks import named_lock
from syncline.store.tables import ApiCallBucket, Connection, ConnectionLimits, ConnectionTokens
from syncline.store.types import utcnow

DAY_MINUTES = 24 * 60
AUTO_SHARE = 0.8
AUTO_HEADROOM = 0.1


def calls_last_24_hours(store: Store, connection_id: str, now: float | None = None) -> int:
    floor = int((now or time.time()) // 60) - DAY_MINUTES
    with store.session() as session:
        total = session.scalar(
            select(func.coalesce(func.sum(ApiCallBucket.calls), 0)).where(
                ApiCallBucket.connection_id == connection_id, ApiCallBucket.minute > floor
            )
        )
    return int(total or 0)


class DbCallBudget:
    """The rolling 24 h call budget of one connection, counted in the metadata store."""

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

    def spend(self, calls: int = 1) -> None:
        now = self._time()
        minute = int(now // 60)
        with (
            named_lock(self.store, self.lock_dir, f"budget:{self.connection_id}"),
            self.store.session() as session,
        ):
            rows = session.execute(
                select(ApiCallBucket.minute, ApiCallBucket.calls)
                .where(
                    ApiCallBucket.connection_id == self.connection_id,
                    ApiCallBucket.minute > minute - DAY_MINUTES,
                )
                .order_by(ApiCallBucket.minute)
            ).all()
            used = sum(calls for _, calls in rows)
            limits = session.get(ConnectionLimits, self.connection_id)
            cap = self._cap(used, limits)
            if used + calls > cap:
                raise BudgetExhausted(cap, used, _resume_at(rows, used + calls - cap))
            if limits is not None:  # our calls count org-wide too, until the next header says exactly
                limits.used += calls
            bucket = session.get(ApiCallBucket, (self.connection_id, minute))
            if bucket is None:
                session.add(ApiCallBucket(connection_id=self.connection_id, minute=minute, calls=calls))
            else:
                bucket.calls += calls
            # Old buckets are of no use to anyone; drop them while we hold the lock.
            session.execute(
                delete(ApiCallBucket).where(
                    ApiCallBucket.connection_id == self.connection_id,
                    ApiCallBucket.minute <= minute - DAY_MINUTES,
                )
            )

    def observe(self, used: int, limit: int) -> None:
        with self.store.session() as session:
            row = session.get(ConnectionLimits, self.connection_id)
            if row is None:
                session.add(ConnectionLimits(connection_id=self.connection_id, used=used, limit=limit))
            else:
                row.used, row.limit, row.observed_at = used, limit, utcnow()

    def _cap(self, used: int, limits: ConnectionLimits | None) -> int:
        if self.cap is not None:
            return self.cap
        if limits is None:
            return used + 1  # nothing observed yet: allow one call, whose answer tells us the limit
        org_used, org_limit = limits.used, limits.limit
        own_cap = int(org_limit * AUTO_SHARE)
        org_room = org_limit - int(org_limit * AUTO_HEADROOM) - org_used
        return min(own_cap, used + max(org_room, 0))


def _resume_at(rows: list[tuple[int, int]], must_leave: int) -> datetime | None:
    """When enough of the oldest calls have left the 24 h window to free `must_leave` calls."""
    freed = 0
    for minute, calls in rows:
        freed += calls
        if freed >= must_leave:
            return datetime.fromtimestamp((minute + 1) * 60, UTC) + timedelta(days=1)
    return None


class DbCredentialStore:
    """The connection's refresh token (in its encrypted secrets) and access token (connection_tokens)."""

    def __init__(self, store: Store, box: SecretBox, lock_dir: Path, connection_id: str) -> None:
        self.store = store
        self.box = box
        self.lock_dir = lock_dir
        self.connection_id = connection_id

    def lock(self) -> AbstractContextManager[None]:
        return self._locked()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with named_lock(self.store, self.lock_dir, f"tokens:{self.connection_id}"):
            yield

    def load(self) -> StoredTokens:
        with self.store.session() as session:
            connection = session.get(Connection, self.connection_id)
            secrets = self.box.decrypt(connection.secrets) if connection and connection.secrets else {}
            row = session.get(ConnectionTokens, self.connection_id)
            shared = self.box.decrypt(row.tokens) if row else {}
        return StoredTokens(refresh_token=secrets.get("oauth_refresh_token"), **shared)

    def save(self, tokens: StoredTokens) -> None:
        """Refresh token into the connection's secrets, the rest into connection_tokens: one transaction."""
        with self.store.session() as session:
            self.save_in(session, tokens)

    def save_in(self, session: Session, tokens: StoredTokens) -> None:
        """`save` inside the caller's transaction (e.g. the one creating the connection)."""
        connection = session.get(Connection, self.connection_id)
        if connection is None:
            return
        secrets = self.box.decrypt(connection.secrets) if connection.secrets else {}
        if tokens.refresh_token and secrets.get("oauth_refresh_token") != tokens.refresh_token:
            secrets["oauth_refresh_token"] = tokens.refresh_token
            connection.secrets = self.box.encrypt(secrets)
        shared = {k: v for k, v in asdict(tokens).items() if k != "refresh_token"}
        row = session.get(ConnectionTokens, self.connection_id)
        if row is None:
            session.add(ConnectionTokens(connection_id=self.connection_id, tokens=self.box.encrypt(shared)))
        else:
            row.tokens = self.box.encrypt(shared)
