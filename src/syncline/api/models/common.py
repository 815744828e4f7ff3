"""Shared pieces of request and response models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class RequestModel(BaseModel):
    """Request bodies reject unknown fields, so a typo is reported instead of silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    """Response bodies document their fields and keep any others, as the SDK's models do: the model is the
    OpenAPI document's promise, the endpoint's dict the answer (see `api/routing.py`)."""

    model_config = ConfigDict(extra="allow")


class CamelResponseModel(ResponseModel):
    """A response body whose wire names are camelCase (the proxy's, usage's), as Polytomic spells them."""

    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=True)


class OutputActor(ResponseModel):
    """Who created or last changed something: a user (named by email) or an API key."""

    id: str | None = None
    name: str | None = None
    type: str | None = None


class FieldError(ResponseModel):
    field: str
    message: str


class ErrorMetadata(ResponseModel):
    errors: list[FieldError] | None = Field(None, description="every invalid field, when the error is one")


class ApiErrorBody(ResponseModel):
    """Polytomic's error body: every 4xx and 5xx answers with it."""

    key: str = Field(description="a stable, machine-readable name of the error, e.g. invalid_request")
    message: str = Field(description="what went wrong and what to do next")
    status: int = Field(description="the HTTP status, repeated")
    metadata: ErrorMetadata = Field(description="details: the invalid fields, the id not found, …")


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
