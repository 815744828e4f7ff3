"""Shared pieces of request and response models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


class RequestModel(BaseModel):
    """Request bodies reject unknown fields, so a typo is reported instead of silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Actor(BaseModel):
    id: str | None = None
    name: str | None = None
    type: str | None = None


def _in_utc(value: datetime) -> datetime:
    """A bound in UTC; an offset that carries it past year 1 or 9999 is clamped to that edge (a filter from
    before the calendar begins means "from the beginning"), never an overflow."""
    if value.tzinfo is None:
        raise ValueError("needs a time zone, e.g. 2025-01-31T12:00:00Z")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        edge = datetime.min if value.year == datetime.min.year else datetime.max
        return edge.replace(tzinfo=UTC)


UtcTimestamp = Annotated[datetime, AfterValidator(_in_utc)]
