"""Upstream values as JSON can carry them (samples, query-runner previews)."""

from __future__ import annotations

from typing import Any


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
