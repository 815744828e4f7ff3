"""Run a query-runner query in the background and store its outcome on the QueryJob row."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from syncline.connectors.errors import ConnectorError
from syncline.connectors.protocols import ModelSource
from syncline.runtime.preview import preview
from syncline.store.db import Store
from syncline.store.tables import QueryJob
from syncline.store.types import utcnow

log = logging.getLogger("syncline.runtime")


def run_query_job(
    store: Store,
    job_id: str,
    open_source: Callable[[], ModelSource],
    query: str,
    *,
    max_rows: int,
    max_bytes: int,
    on_refusal: Callable[[ConnectorError], None] | None = None,
) -> None:
    """Mark the job running, preview the query, store fields and rows (capped) or the upstream's error."""
    with store.session() as session:
        job = session.get(QueryJob, job_id)
        if job is None:
            return
        job.status = "running"
    try:
        result = preview(open_source(), query, max_rows=max_rows, max_bytes=max_bytes)
    except ConnectorError as exc:
        _finish(store, job_id, status="failed", error=str(exc))
        if on_refusal is not None:
            on_refusal(exc)
        return
    except Exception as exc:  # the job must end in a terminal state whatever happened
        _finish(store, job_id, status="failed", error=f"the query could not be run: {exc}")
        raise
    _finish(
        store,
        job_id,
        status="done",
        fields=result.fields,
        results=json.dumps(result.rows, default=str).encode(),
        count=len(result.rows),
        truncated=result.truncated,
    )


def _finish(
    store: Store,
    job_id: str,
    *,
    status: str,
    error: str | None = None,
    fields: list[str] | None = None,
    results: bytes | None = None,
    count: int = 0,
    truncated: bool = False,
) -> None:
    with store.session() as session:
        job = session.get(QueryJob, job_id)
        if job is None:
            return
        job.status, job.error, job.finished_at = status, error, utcnow()
        job.fields, job.results, job.row_count, job.truncated = fields or [], results, count, int(truncated)
