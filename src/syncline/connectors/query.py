"""The query runner's contract: run one ad-hoc query against a connection, return at most N rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncline.connectors.errors import ConnectorError

MAX_ROWS = 10_000


@dataclass(frozen=True)
class QueryResult:
    """Column names in query order and rows as dicts; `truncated` when the query had more than the cap."""

    fields: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = False


class QueryFailed(ConnectorError):
    """The upstream rejected the query; the message is the upstream's own (e.g. a syntax error)."""


def json_safe(value: Any) -> Any:
    """Query values as JSON can carry them: dates and decimals as strings, bytes as hex."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
