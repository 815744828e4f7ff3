"""The query runner's preview: stream a query through the connection's ModelSource, keep the first rows.

Only what is kept is ever in memory: the stream stops at the row cap or the byte cap (JSON bytes of the
kept rows), whichever comes first, and the rest of the result is never fetched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from syncline.connectors.protocols import ModelSource, Relation
from syncline.connectors.values import json_safe

PREVIEW_BATCH_ROWS = 1_000


@dataclass(frozen=True)
class Preview:
    """Column names in query order and rows as JSON-safe dicts; `truncated` when the result had more."""

    fields: list[str]
    rows: list[dict[str, Any]]
    size: int
    truncated: bool = False


def preview(source: ModelSource, query: str, *, max_rows: int, max_bytes: int) -> Preview:
    """The first rows of `query`, at most `max_rows` rows and `max_bytes` bytes of JSON."""
    fields: list[str] = []
    rows: list[dict[str, Any]] = []
    size = 0
    batches = source.stream(Relation.of_query(query), batch_rows=min(PREVIEW_BATCH_ROWS, max_rows + 1))
    try:
        for batch in batches:
            fields = list(batch.schema.names)
            for row in batch.to_pylist():
                shown = {name: json_safe(value) for name, value in row.items()}
                cost = len(json.dumps(shown, default=str).encode())
                if len(rows) == max_rows or size + cost > max_bytes:
                    return Preview(fields, rows, size, truncated=True)
                rows.append(shown)
                size += cost
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()  # ends the upstream read (cursor, pages) early
    return Preview(fields, rows, size)
