"""What expires is purged by housekeeping, not only at a restart (issue 8, item 8)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from syncline.runtime.housekeeping import purge_expired
from syncline.store.db import Store
from syncline.store.tables import (
    Connection,
    Event,
    IdempotencyRecord,
    Job,
    OAuthSession,
    Organization,
    ProxyCall,
    QueryResult,
)
from syncline.store.types import utcnow
from tests.runtime.jobs_support import migrated_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    with migrated_store(request.param, tmp_path) as migrated:
        yield migrated


def _count(store: Store, table: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_expired_rows_go_and_live_ones_stay(store: Store) -> None:
    now = utcnow()
    past, future = now - timedelta(days=3), now + timedelta(hours=1)
    with store.session() as session:
        org = Organization(name="o")
        session.add(org)
        session.flush()
        conn = Connection(organization_id=org.id, name="c", type="duckdb", configuration={})
        session.add(conn)
        session.flush()
        for index, expires in enumerate((past, future)):
            job = Job(
                organization_id=org.id,
                kind="query",
                payload={},
                status="completed",
                attempts=1,
                created_at=now,
                finished_at=now,
            )
            session.add(job)
            session.flush()
            session.add(
                QueryResult(
                    id=job.id,
                    organization_id=org.id,
                    connection_id=conn.id,
                    query=f"q{index}",
                    expires_at=expires,
                )
            )
            session.add(
                OAuthSession(
                    state=f"s{index}",
                    connection_id=conn.id,
                    code_verifier="v",
                    authorize_url="u",
                    redirect_uri="r",
                    expires_at=expires,
                )
            )
            session.add(
                IdempotencyRecord(
                    scope="s",
                    key=f"k{index}",
                    method="POST",
                    path="/",
                    state="complete",
                    expires_at=expires,
                )
            )
        session.add(ProxyCall(connection_id=conn.id, organization_id=org.id, status=200, at=past))
        session.add(ProxyCall(connection_id=conn.id, organization_id=org.id, status=200, at=now))
        session.add(Event(organization_id=org.id, type="sync.completed", payload={}, created_at=past))
        session.add(Event(organization_id=org.id, type="sync.completed", payload={}, created_at=now))

    removed = purge_expired(store)

    assert removed["query_results"] == 1
    for table in (QueryResult, Job, OAuthSession, IdempotencyRecord, ProxyCall, Event):
        assert _count(store, table) == 1, table.__name__
