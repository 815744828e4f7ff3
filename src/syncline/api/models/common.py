"""Shared pieces of request and response models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """Request bodies reject unknown fields, so a typo is reported instead of silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Actor(BaseModel):
    id: str | None = None
    name: str | None = None
    type: str | None = None
