"""The schema cache: one refresh at a time, and a refresh whose job died does not stay `refreshing`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncline.connectors.discovery import Schema
from syncline.runtime import schema_cache
from syncline.runtime.jobs import JobStore
from syncline.store.db import Store
from syncline.store.tables import Connection, Organization
from tests.runtime.jobs_support import migrated_store


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[tuple[Store, str, str]]:
    with migrated_store("sqlite", tmp_path) as store:
        with store.session() as session:
            org = Organization(name="o")
            session.add(org)
            session.flush()
            conn = Connection(organization_id=org.id, name="db", type="duckdb", configuration={})
            session.add(conn)
            session.flush()
            ids = (org.id, conn.id)
        yield store, *ids


def test_a_second_claim_waits_for_the_running_refresh(
    connection: tuple[Store, str, str], tmp_path: Path
) -> None:
    store, _, connection_id = connection
    assert schema_cache.claim(store, tmp_path, connection_id)
    assert not schema_cache.claim(store, tmp_path, connection_id)
    schema_cache.run_refresh(store, connection_id, lambda: [Schema(id="main.t", name="main.t", fields=())])
    state = schema_cache.read(store, connection_id)
    assert state is not None
    assert state.status == schema_cache.FRESH
    assert [s["id"] for s in state.schemas] == ["main.t"]


def test_a_refresh_whose_job_was_interrupted_reads_failed_and_can_start_again(
    connection: tuple[Store, str, str], tmp_path: Path
) -> None:
    store, organization_id, connection_id = connection
    assert schema_cache.claim(store, tmp_path, connection_id)
    jobs = JobStore(store)
    job_id = jobs.create(
        schema_cache.SCHEMA_REFRESH_KIND,
        organization_id,
        {"connection_id": connection_id},
        subject_id=connection_id,
    )
    jobs.claim(job_id, "a worker that then crashed")
    jobs.interrupt(job_id, "the worker stopped heartbeating")  # what reconciliation does

    state = schema_cache.read(store, connection_id)
    assert state is not None
    assert state.status == schema_cache.FAILED
    assert "interrupted" in (state.error or "")
    assert schema_cache.claim(store, tmp_path, connection_id)  # not stuck behind a dead refresh
