"""Request and response bodies of the bulk-sync endpoints, with Polytomic's field names and enums."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from syncline.api.models.common import OutputActor, RequestModel, ResponseModel, UtcTimestamp

Frequency = Literal[
    "manual", "continuous", "hourly", "daily", "weekly", "custom", "builder", "runafter", "multi", "dbtcloud"
]
BulkModeName = Literal["snapshot", "replicate", "append"]
AutoAdd = Literal["all", "onlyIncremental", "onlyNonIncremental", "none"]
FilterFunction = Literal[
    "Equality", "Inequality", "IsNull", "IsNotNull", "True", "False", "OnOrAfter", "OnOrBefore",
    "GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual", "StringContains", "StringStartsWith",
    "StringEndsWith", "StringDoesNotContain", "StringDoesNotStartWith", "StringDoesNotEndWith",
    "StringOneOf", "StringNotOneOf", "Between", "ArrayContains", "ArrayDoesNotContain", "InTheLast",
    "RelativeOnOrBefore", "RelativeOnOrAfter", "StringLike", "StringNotLike", "StringMatchesTrimmed",
]  # fmt: skip


class DefaultSchedule(RequestModel):
    frequency: Frequency
    minute: str | None = None
    hour: str | None = None
    day_of_week: str | None = None
    day_of_month: str | None = None
    month: str | None = None
    id: str | None = None


class AdditionalSchedule(DefaultSchedule):
    resync_mode: Literal["normal", "refetch", "resync", "rebuild"] | None = None
    selective_mode: Literal["none", "incrementalFields", "nonincrementalFields"] | None = None
    schemas: list[str] | None = None


class FieldConfiguration(RequestModel):
    id: str = Field(min_length=1)
    enabled: bool | None = None
    obfuscate: bool | None = None
    user_output_name: str | None = None


class BulkFilter(RequestModel):
    field_id: str | None = None
    function: FilterFunction
    value: Any = None


class SchemaConfiguration(RequestModel):
    id: str = Field(min_length=1)
    enabled: bool | None = None
    fields: list[str | FieldConfiguration] | None = None
    filters: list[BulkFilter] | None = None
    partition_key: str | None = None
    tracking_field: str | None = None
    user_output_name: str | None = None
    data_cutoff_timestamp: UtcTimestamp | None = None
    disable_data_cutoff: bool | None = None
    history_enabled: bool | None = None


class BulkSyncRequest(RequestModel):
    """`bulk_sync.create` and `bulk_sync.update` (the same body)."""

    name: str = Field(min_length=1, max_length=255)
    source_connection_id: str = Field(min_length=1)
    destination_connection_id: str = Field(min_length=1)
    destination_configuration: dict[str, Any]
    default_schedule: DefaultSchedule
    active: bool | None = None
    additional_schedules: list[AdditionalSchedule] | None = None
    automatically_add_new_fields: AutoAdd | None = None
    automatically_add_new_objects: AutoAdd | None = None
    concurrency_limit: int | None = Field(None, ge=1, le=64)
    resync_concurrency_limit: int | None = Field(None, ge=1, le=64)
    data_cutoff_timestamp: UtcTimestamp | None = None
    disable_record_timestamps: bool | None = None
    mode: BulkModeName | None = None
    normalize_names: Literal["enabled", "disabled", "legacy"] | None = None
    organization_id: str | None = None
    policies: list[str] | None = None
    schemas: list[str | SchemaConfiguration] | None = None
    source_configuration: dict[str, Any] | None = None


class ActivateRequest(RequestModel):
    active: bool


class StartRequest(RequestModel):
    fetch_mode: Literal["none", "incremental", "full"] | None = None
    resync_mode: Literal["refetch", "resync", "rebuild"] | None = None
    schemas: list[str] | None = None
    test: bool | None = None


class SchemaPatch(RequestModel):
    schemas: list[SchemaConfiguration]


# --- answers -----------------------------------------------------------------------------------------


class ScheduleResponse(ResponseModel):
    frequency: str
    minute: str | None = None
    hour: str | None = None
    day_of_week: str | None = None
    day_of_month: str | None = None
    month: str | None = None
    id: str | None = None


class BulkSyncResponse(ResponseModel):
    id: str
    name: str
    organization_id: str
    source_connection_id: str
    destination_connection_id: str
    destination_configuration: dict[str, Any]
    source_configuration: dict[str, Any] | None = None
    mode: str
    active: bool
    default_schedule: ScheduleResponse
    additional_schedules: list[ScheduleResponse] = []
    automatically_add_new_fields: str | None = None
    automatically_add_new_objects: str | None = None
    concurrency_limit: int | None = None
    resync_concurrency_limit: int | None = None
    data_cutoff_timestamp: str | None = None
    disable_record_timestamps: bool | None = None
    normalize_names: str | None = None
    policies: list[str] = []
    created_at: str | None = None
    created_by: OutputActor | None = None
    updated_at: str | None = None
    updated_by: OutputActor | None = None


class BulkSyncResponseEnvelope(ResponseModel):
    data: BulkSyncResponse


class BulkSyncListEnvelope(ResponseModel):
    data: list[BulkSyncResponse]


class ActivateSyncOutput(ResponseModel):
    id: str
    active: bool


class ActivateSyncEnvelope(ResponseModel):
    data: ActivateSyncOutput


class BulkField(ResponseModel):
    id: str
    enabled: bool
    obfuscated: bool = False
    output_name: str | None = None
    user_output_name: str | None = None


class BulkSchema(ResponseModel):
    id: str
    enabled: bool
    fields: list[BulkField] = []
    filters: list[dict[str, Any]] = []
    partition_key: str | None = None
    tracking_field: str | None = None
    output_name: str | None = None
    user_output_name: str | None = None
    data_cutoff_timestamp: str | None = None
    disable_data_cutoff: bool | None = None


class BulkSchemaEnvelope(ResponseModel):
    data: BulkSchema


class ListBulkSchema(ResponseModel):
    data: list[BulkSchema]


class SchemaExecution(ResponseModel):
    schema_: str = Field(alias="schema")
    output_name: str | None = None
    status: str
    status_message: str | None = None
    record_count: int = 0
    error_count: int = 0
    warning_count: int = 0
    created_at: str | None = None
    started_at: str | None = None
    updated_at: str | None = None
    completed_at: str | None = None


class BulkSyncExecution(ResponseModel):
    id: str
    type: str
    status: str
    status_message: str | None = None
    fetch_mode: str | None = None
    is_test: bool = False
    is_resync: bool = False
    is_partial: bool = False
    record_count: int = 0
    error_count: int = 0
    warning_count: int = 0
    created_at: str | None = None
    started_at: str | None = None
    updated_at: str | None = None
    completed_at: str | None = None
    schemas: list[SchemaExecution] = []


class BulkSyncExecutionEnvelope(ResponseModel):
    data: BulkSyncExecution


class ListBulkSyncExecutionsEnvelope(ResponseModel):
    data: list[BulkSyncExecution]
    pagination: dict[str, Any] | None = None


class CancelBulkSyncResponse(ResponseModel):
    message: str


class CancelBulkSyncResponseEnvelope(ResponseModel):
    data: CancelBulkSyncResponse


class BulkSyncStatusResponse(ResponseModel):
    current_execution: BulkSyncExecution | None = None
    last_execution: BulkSyncExecution | None = None
    next_execution_time: str | None = None
    ingestion_status: dict[str, Any] | None = None


class BulkSyncStatusEnvelope(ResponseModel):
    data: BulkSyncStatusResponse


class SchemaExecutionStatus(ResponseModel):
    schema_: str = Field(alias="schema")
    execution_id: str | None = None
    status: str
    status_message: str | None = None
    record_count: int = 0
    error_count: int = 0
    warning_count: int = 0
    started_at: str | None = None
    completed_at: str | None = None


class BulkSyncExecutionStatus(ResponseModel):
    sync_id: str
    status: str | None = None
    nextExecutionTime: str | None = None  # noqa: N815 - Polytomic's spelling
    schemas: list[SchemaExecutionStatus] = []


class ListBulkSyncExecutionsStatusEnvelope(ResponseModel):
    data: list[BulkSyncExecutionStatus]


class SupportedBulkMode(ResponseModel):
    id: str
    label: str
    description: str
    requires_identity: bool = False
    supports_field_sync_mode: bool = False
    supports_target_filters: bool = False


class BulkSyncDest(ResponseModel):
    configuration: dict[str, Any]
    modes: list[SupportedBulkMode]
    supported_resync_modes: list[str]
    supports_history_mode: bool = False


class BulkSyncDestEnvelope(ResponseModel):
    data: BulkSyncDest
