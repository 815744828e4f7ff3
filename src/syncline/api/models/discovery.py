"""Answers of schema discovery: a bulk-sync source's schemas, their fields, the cache's state, samples."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from syncline.api.models.common import ResponseModel


class SchemaAssociation(ResponseModel):
    id: str | None = None
    name: str | None = None
    reference_to: list[str] | None = None
    referenced_field: str | None = None


class PickValue(ResponseModel):
    label: str | None = None
    value: str | None = None


class SchemaField(ResponseModel):
    id: str | None = None
    name: str | None = None
    type: str | None = Field(None, description="string, number, boolean, datetime, object, binary, …")
    remote_type: str | None = None
    is_primary_key: bool | None = None
    source_primary_key: bool | None = None
    primary_key_override: bool | None = None
    user_managed: bool | None = None
    association: SchemaAssociation | None = None
    values: list[PickValue] | None = None


class Schema(ResponseModel):
    id: str | None = None
    name: str | None = None
    fields: list[SchemaField] | None = None


class BulkSyncSourceCapabilities(ResponseModel):
    supports_namespaces: bool | None = None
    supports_tracking_fields: bool | None = None


class BulkSyncSource(ResponseModel):
    capabilities: BulkSyncSourceCapabilities | None = None
    configuration: dict[str, Any] | None = None
    schemas: list[Schema] | None = Field(None, description="with their fields when include_fields=true")


class BulkSyncSourceEnvelope(ResponseModel):
    data: BulkSyncSource


class BulkSyncSourceSchemaEnvelope(ResponseModel):
    data: Schema


class BulkSyncSourceStatus(ResponseModel):
    cache_status: str | None = Field(None, description="none, refreshing, fresh or failed")
    last_refresh_started: datetime | None = None
    last_refresh_finished: datetime | None = None
    error: str | None = Field(None, description="why the last refresh failed")


class BulkSyncSourceStatusEnvelope(ResponseModel):
    data: BulkSyncSourceStatus


class SchemaRecordsResponseEnvelope(ResponseModel):
    data: list[dict[str, Any]]
