"""Polytomic wraps every successful JSON body as `{"data": ...}`, with a few documented siblings."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    data: T


def wrap(data: Any, **siblings: Any) -> dict[str, Any]:
    return {"data": data, **{key: value for key, value in siblings.items() if value is not None}}


def iso(value: Any) -> str | None:
    """A datetime as the API shows it: ISO 8601 in UTC with a `Z`; None stays None."""
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
