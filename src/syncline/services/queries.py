"""The query runner: start a query as a job of the connection's organization, find it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from syncline.connectors.errors import CapabilityMissing
from syncline.connectors.registry import get_connection_type
from syncline.runtime.jobs import add_job
from syncline.runtime.queries import QUERY_KIND
from syncline.services import connections as rules
from syncline.services.container import Services
from syncline.store.tables import Connection, Job, QueryResult
from syncline.store.types import utcnow

RESULTS_KEPT = timedelta(hours=24)


@dataclass(frozen=True)
class Query:
    """A query-runner query: its job (the state) and its row (the text and, once done, the rows)."""

    job: Job
    result: QueryResult


def start(services: Services, session: Session, connection: Connection, text: str) -> Query:
    """Queue the query as a job and hand it to the executor (after the commit, so it can read its row).

    Raises:
        CapabilityMissing: The connection's type has no query runner.
        Invalid: The connection's stored configuration no longer validates.
    """
    ctype = get_connection_type(connection.type)
    if not ctype.runs_queries:
        raise CapabilityMissing(ctype.name, "the query runner")
    rules.saved_config(services, connection)
    payload = {"connection_id": connection.id}
    job_id = add_job(session, QUERY_KIND, connection.organization_id, payload, subject_id=connection.id)
    result = QueryResult(
        id=job_id,
        organization_id=connection.organization_id,
        connection_id=connection.id,
        query=text,
        expires_at=utcnow() + RESULTS_KEPT,
    )
    session.add(result)
    session.commit()  # the job runs in another thread (or process) and reads its row from there
    services.submit(QUERY_KIND, job_id)
    job = session.get(Job, job_id)
    assert job is not None
    return Query(job, result)


def find(session: Session, query_id: str) -> Query | None:
    """The query with this id while its results are kept (the caller checks its organization)."""
    result = session.get(QueryResult, query_id)
    job = session.get(Job, query_id)
    if result is None or job is None:
        return None
    if result.expires_at <= utcnow():
        return None
    return Query(job, result)
