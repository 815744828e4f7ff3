"""A connection's schema cache (`SchemaCache` rows): refreshing it, and what reads are served from it.

One refresh at a time per connection: `claim` marks the row `refreshing` under a named lock (shared by
every process on the store) unless a refresh is already running; a claim older than `STALE_CLAIM` is
taken over, since its process is presumed gone. `run_refresh` discovers and stores the outcome: `fresh`
with the schemas, or `failed` with the upstream's message, keeping the previous schemas.

`cached_schemas` is what reads use: the cached schemas when there are any to show, else a refresh done
inline (the first read of a connection), waiting for one that another request already started.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syncline.connectors.discovery import Schema
from syncline.connectors.errors import ConnectorError
from syncline.store.db import Store
from syncline.store.locks import locked_session
from syncline.store.tables import Job, SchemaCache
from syncline.store.types import utcnow

log = logging.getLogger("syncline.runtime")

REFRESHING, FRESH, FAILED = "refreshing", "fresh", "failed"
SCHEMA_REFRESH_KIND = "schemarefresh"  # the job kind of a background refresh
# A refresh job that ended like this never recorded its outcome in the cache row.
_ENDED_UNFINISHED = frozenset({"failed", "canceled", "interrupted"})
NEVER = "none"  # the status shown for a connection that was never inspected
STALE_CLAIM = timedelta(minutes=15)
FIRST_REFRESH_WAIT_SECONDS = 120.0
_POLL_SECONDS = 0.2

Discover = Callable[[], Sequence[Schema]]


class RefreshInProgress(Exception):
    """The first refresh of the connection, started elsewhere, did not finish in time."""


@dataclass(frozen=True)
class CacheState:
    status: str
    error: str | None
    schemas: list[dict[str, Any]]
    started_at: datetime | None
    finished_at: datetime | None

    def claimed_recently(self, now: datetime) -> bool:
        return (
            self.status == REFRESHING and self.started_at is not None and now - self.started_at < STALE_CLAIM
        )


def read(store: Store, connection_id: str) -> CacheState | None:
    with store.session() as session:
        row = session.get(SchemaCache, connection_id)
        if row is None:
            return None
        return _state(session, row)


def _state(session: Session, row: SchemaCache) -> CacheState:
    """The row as it stands; a refresh whose job ended without finishing it (a crash, a shutdown) failed."""
    status, error = row.status, row.error
    if status == REFRESHING and row.started_at is not None:
        job = session.scalars(
            select(Job)
            .where(
                Job.kind == SCHEMA_REFRESH_KIND,
                Job.subject_id == row.connection_id,
                Job.created_at >= row.started_at,
            )
            .order_by(Job.created_at.desc())
            .limit(1)
        ).first()
        if job is not None and job.status in _ENDED_UNFINISHED:
            status, error = FAILED, f"the schema refresh was {job.status}: {job.error or 'no reason given'}"
    return CacheState(status, error, list(row.schemas or []), row.started_at, row.finished_at)


def claim(store: Store, lock_dir: Path, connection_id: str) -> bool:
    """Mark a refresh as started; False when one is already running (then nothing changes)."""
    with locked_session(store, lock_dir, f"schema-cache:{connection_id}") as session:
        now = utcnow()
        row = session.get(SchemaCache, connection_id)
        if row is None:
            session.add(
                SchemaCache(connection_id=connection_id, status=REFRESHING, schemas=[], started_at=now)
            )
            return True
        state = _state(session, row)
        if state.claimed_recently(now):
            return False
        row.status, row.error, row.started_at = REFRESHING, None, now
        return True


def run_refresh(store: Store, connection_id: str, discover: Discover) -> list[dict[str, Any]]:
    """Discover (after a successful `claim`) and store the outcome; the schemas as cached.

    Raises:
        ConnectorError: The upstream's refusal, after it is recorded as the `failed` status.
    """
    try:
        schemas = [schema.as_dict() for schema in discover()]
    except ConnectorError as exc:
        _finish(store, connection_id, FAILED, error=str(exc))
        raise
    except Exception as exc:  # the row must not stay `refreshing` whatever happened
        _finish(store, connection_id, FAILED, error=f"schema discovery failed unexpectedly: {exc!r}")
        raise
    _finish(store, connection_id, FRESH, schemas=schemas)
    return schemas


def cached_schemas(
    store: Store,
    lock_dir: Path,
    connection_id: str,
    discover: Discover,
    *,
    wait_seconds: float = FIRST_REFRESH_WAIT_SECONDS,
) -> list[dict[str, Any]]:
    """The schemas to serve: cached ones, else those of a refresh run now (or awaited, when running).

    A refresh that is running or failed does not hide schemas cached before it.

    Raises:
        ConnectorError: The inline refresh failed.
        RefreshInProgress: A first refresh started elsewhere is still running after `wait_seconds`.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        state = read(store, connection_id)
        if state is not None and (state.status == FRESH or state.schemas):
            return state.schemas
        if state is None or not state.claimed_recently(utcnow()):
            if claim(store, lock_dir, connection_id):
                return run_refresh(store, connection_id, discover)
            continue
        if time.monotonic() > deadline:
            raise RefreshInProgress(
                f"the first schema refresh of connection {connection_id} is still running; "
                "poll its schemas/status and try again when it is fresh"
            )
        time.sleep(_POLL_SECONDS)


def _finish(
    store: Store,
    connection_id: str,
    status: str,
    *,
    error: str | None = None,
    schemas: list[dict[str, Any]] | None = None,
) -> None:
    with store.session() as session:
        row = session.get(SchemaCache, connection_id)
        if row is None:  # the connection was deleted meanwhile
            return
        row.status, row.error, row.finished_at = status, error, utcnow()
        if schemas is not None:
            row.schemas = schemas
