"""The query runner's job: preview one query through the connection's ModelSource, store the rows kept.

Its state lives in the `jobs` row (kind `query`); the rows in `query_results`, under the same id.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from syncline.connectors.protocols import ModelSource
from syncline.runtime.preview import preview
from syncline.store.db import Store
from syncline.store.tables import QueryResult

QUERY_KIND = "query"


def run_query(
    store: Store, query_id: str, open_source: Callable[[], ModelSource], *, max_rows: int, max_bytes: int
) -> dict[str, int]:
    """Preview the query of `query_results` row `query_id` and store what was kept; its size as the result.

    Raises:
        ConnectorError: The upstream refused or could not be reached; the job fails with its message.
    """
    with store.session() as session:
        row = session.get(QueryResult, query_id)
        if row is None:
            return {"count": 0}
        text = row.query
    result = preview(open_source(), text, max_rows=max_rows, max_bytes=max_bytes)
    with store.session() as session:
        row = session.get(QueryResult, query_id)
        if row is not None:
            row.fields, row.row_count, row.truncated = result.fields, len(result.rows), int(result.truncated)
            row.results = json.dumps(result.rows, default=str).encode()
    return {"count": len(result.rows)}
