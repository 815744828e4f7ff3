"""Periodic clean-up of what expires: query-runner results (and their jobs), proxy call logs, OAuth
sessions, idempotency records, events. Run at start and then every `interval` by a daemon thread, so a
long-running server does not grow without bound (before, only a restart purged anything)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import delete, select

from syncline.store.db import Store
from syncline.store.events import RETENTION as EVENT_RETENTION
from syncline.store.tables import Event, IdempotencyRecord, Job, OAuthSession, ProxyCall, QueryResult
from syncline.store.types import utcnow

log = logging.getLogger("syncline.runtime")

PROXY_LOG_KEPT = timedelta(hours=24)  # the proxy's statistics cover the last 24 hours
FINISHED_JOBS_KEPT = timedelta(days=7)
_TERMINAL = ("completed", "failed", "canceled", "interrupted")


def purge_expired(store: Store) -> dict[str, int]:
    """Delete everything past its lifetime; how many rows of each kind went."""
    now = utcnow()
    removed: dict[str, int] = {}
    with store.session() as session:
        expired_queries = list(session.scalars(select(QueryResult.id).where(QueryResult.expires_at <= now)))
        statements = {
            "query_results": delete(QueryResult).where(QueryResult.id.in_(expired_queries)),
            "query_jobs": delete(Job).where(Job.id.in_(expired_queries), Job.status.in_(_TERMINAL)),
            "finished_jobs": delete(Job).where(
                Job.status.in_(_TERMINAL), Job.finished_at <= now - FINISHED_JOBS_KEPT
            ),
            "proxy_calls": delete(ProxyCall).where(ProxyCall.at <= now - PROXY_LOG_KEPT),
            "oauth_sessions": delete(OAuthSession).where(OAuthSession.expires_at <= now),
            "idempotency_records": delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now),
            "events": delete(Event).where(Event.created_at <= now - EVENT_RETENTION),
        }
        for name, statement in statements.items():
            result = session.execute(statement)
            removed[name] = int(getattr(result, "rowcount", 0) or 0)
    return removed


class Housekeeper:
    """Runs `purge_expired` every `interval` until stopped."""

    def __init__(self, store: Store, interval: timedelta) -> None:
        self.store = store
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="syncline-housekeeping", daemon=True)

    def start(self) -> Housekeeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            try:
                removed = purge_expired(self.store)
                if any(removed.values()):
                    log.info("purged expired rows", extra={"removed": removed})
            except Exception:  # a failed round must not end the thread; the next one tries again
                log.exception("housekeeping failed")
            if self._stop.wait(self.interval.total_seconds()):
                return
