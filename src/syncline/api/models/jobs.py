"""Answers about background work: jobs, query-runner queries and events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from syncline.api.models.common import ResponseModel


class JobResponse(ResponseModel):
    job_id: str | None = None
    type: str | None = None
    status: str | None = Field(None, description="created, running, done or failed")
    result: Any = None
    error: str | None = None


class JobResponseEnvelope(ResponseModel):
    data: JobResponse


class RunQueryResult(ResponseModel):
    id: str | None = None
    status: str | None = Field(None, description="created, running, done or failed")
    count: int | None = None
    fields: list[str] | None = None
    error: str | None = None
    expires: datetime | None = None
    results: list[dict[str, Any]] | None = Field(None, description="one page of rows, once done")


class RunQueryEnvelope(ResponseModel):
    data: RunQueryResult


class RunQueryPagination(ResponseModel):
    next: str | None = None
    previous: str | None = None


class QueryResultsEnvelope(ResponseModel):
    data: RunQueryResult
    links: RunQueryPagination | None = None


class Event(ResponseModel):
    id: str | None = None
    type: str | None = None
    organization_id: str | None = None
    created_at: datetime | None = None
    event: dict[str, Any] | None = Field(None, description="the payload of the event's type")


class EventsEnvelope(ResponseModel):
    data: list[Event]


class EventTypesEnvelope(ResponseModel):
    data: list[str]
