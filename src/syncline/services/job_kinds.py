"""The job kinds of the API's background work, registered by name: any process that imports this module
can run them. Each handler gets the `Services` of the process running it as `run.runtime`."""

from __future__ import annotations

from typing import Any

from syncline.connectors.errors import ConnectorError
from syncline.connectors.registry import get_connection_type
from syncline.runtime import schema_cache
from syncline.runtime.jobs import JobRun, job_kind
from syncline.runtime.queries import QUERY_KIND, run_query
from syncline.runtime.retry import with_retries
from syncline.runtime.schema_cache import SCHEMA_REFRESH_KIND
from syncline.services import bulk_sync_runs  # noqa: F401 - registers the bulksync kind
from syncline.services import connections as rules
from syncline.services.container import Services
from syncline.services.status import record_upstream_failure
from syncline.store.tables import Connection


def _connection(services: Services, connection_id: str) -> Connection:
    with services.store.session() as session:
        connection = session.get(Connection, connection_id)
    if connection is None:
        msg = f"connection {connection_id} was deleted"
        raise LookupError(msg)
    return connection


@job_kind(QUERY_KIND)
def query_job(run: JobRun[Services]) -> dict[str, Any]:
    """A query-runner query (payload: `connection_id`); its rows land in `query_results` under the job id."""
    services = run.runtime
    connection = _connection(services, run.payload["connection_id"])
    ctype = get_connection_type(connection.type)
    config = rules.saved_config(services, connection)
    ctx = rules.saved_context(services, connection, config)
    settings = services.settings
    try:
        return with_retries(
            lambda: run_query(
                services.store,
                run.job_id,
                lambda: ctype.open_model_source(config, ctx),
                max_rows=settings.query_max_rows,
                max_bytes=settings.query_max_bytes,
            ),
            wait=run.wait,
            on_retry=lambda attempt, exc: run.progress({"retry": attempt, "error": str(exc)}),
        )
    except ConnectorError as exc:
        record_upstream_failure(services, connection.id, exc)
        raise


@job_kind(SCHEMA_REFRESH_KIND)
def schema_refresh_job(run: JobRun[Services]) -> dict[str, Any]:
    """A refresh of a connection's schema cache, claimed before it was queued (payload: `connection_id`)."""
    services = run.runtime
    connection = _connection(services, run.payload["connection_id"])
    ctype = get_connection_type(connection.type)
    assert ctype.discovery is not None
    config = rules.saved_config(services, connection)
    ctx = rules.saved_context(services, connection, config)
    discovery = ctype.discovery
    try:
        # The retries wrap the discovery alone: the cache says `refreshing` until the last attempt ends.
        schemas = schema_cache.run_refresh(
            services.store,
            connection.id,
            lambda: with_retries(
                lambda: discovery.discover(config, ctx, include_fields=True),
                wait=run.wait,
                on_retry=lambda attempt, exc: run.progress({"retry": attempt, "error": str(exc)}),
            ),
        )
    except ConnectorError as exc:
        record_upstream_failure(services, connection.id, exc)
        raise
    return {"schemas": len(schemas)}
