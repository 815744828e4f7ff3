"""Bulk syncs (ELT): the sync, its schemas, its executions. The rules live in `services/bulk_syncs.py`."""

from __future__ import annotations

from typing import Any

from fastapi import Query, Request
from sqlalchemy.orm import Session

from syncline.api.auth import Caller
from syncline.api.deps import CallerDep, SessionDep, StateDep
from syncline.api.envelope import iso
from syncline.api.errors import NotFound
from syncline.api.models.bulk_syncs import (
    ActivateRequest,
    ActivateSyncEnvelope,
    BulkSchemaEnvelope,
    BulkSyncDestEnvelope,
    BulkSyncExecutionEnvelope,
    BulkSyncListEnvelope,
    BulkSyncRequest,
    BulkSyncResponseEnvelope,
    BulkSyncStatusEnvelope,
    CancelBulkSyncResponseEnvelope,
    ListBulkSchema,
    ListBulkSyncExecutionsEnvelope,
    ListBulkSyncExecutionsStatusEnvelope,
    SchemaConfiguration,
    SchemaPatch,
    StartRequest,
)
from syncline.api.query import deep_object
from syncline.api.routers.connections import load_connection
from syncline.api.routing import api_router
from syncline.connectors.errors import CapabilityMissing
from syncline.connectors.registry import get_connection_type
from syncline.services import bulk_syncs as rules
from syncline.services.connections import actor
from syncline.store.tables import BulkSync, BulkSyncExecution, BulkSyncSchema

router = api_router(tags=["bulk_sync"])


def load_sync(session: Session, caller: Caller, sync_id: str) -> BulkSync:
    """The sync, when the caller acts in its organization; otherwise a 404."""
    sync = rules.by_id(session, sync_id)
    if sync is None or not caller.may_act_in(session, sync.organization_id):
        raise NotFound.resource("bulk sync", sync_id)
    return sync


def sync_out(session: Session, sync: BulkSync) -> dict[str, Any]:
    settings = sync.settings
    return {
        "id": sync.id,
        "name": sync.name,
        "organization_id": sync.organization_id,
        "source_connection_id": sync.source_connection_id,
        "destination_connection_id": sync.destination_connection_id,
        "destination_configuration": settings.get("destination_configuration") or {},
        "source_configuration": settings.get("source_configuration"),
        "mode": settings.get("mode", "replicate"),
        "active": sync.active,
        "default_schedule": settings.get("default_schedule") or {"frequency": "manual"},
        "additional_schedules": settings.get("additional_schedules") or [],
        "automatically_add_new_fields": settings.get("automatically_add_new_fields", "all"),
        "automatically_add_new_objects": settings.get("automatically_add_new_objects", "none"),
        "concurrency_limit": settings.get("concurrency_limit"),
        "resync_concurrency_limit": settings.get("resync_concurrency_limit"),
        "data_cutoff_timestamp": settings.get("data_cutoff_timestamp"),
        "disable_record_timestamps": settings.get("disable_record_timestamps", False),
        "normalize_names": settings.get("normalize_names", "enabled"),
        "policies": settings.get("policies") or [],
        "created_at": iso(sync.created_at),
        "created_by": actor(session, sync.created_by),
        "updated_at": iso(sync.updated_at),
        "updated_by": actor(session, sync.updated_by),
    }


def schema_out(row: BulkSyncSchema) -> dict[str, Any]:
    settings = row.settings
    fields = [f if isinstance(f, dict) else {"id": f} for f in settings.get("fields") or ()]
    output = settings.get("user_output_name") or row.schema_id.replace(".", "_")
    return {
        "id": row.schema_id,
        "enabled": row.enabled,
        "fields": [
            {
                "id": f["id"],
                "enabled": f.get("enabled", True),
                "obfuscated": bool(f.get("obfuscate")),
                "output_name": f.get("user_output_name") or f["id"],
                "user_output_name": f.get("user_output_name"),
            }
            for f in fields
        ],
        "filters": settings.get("filters") or [],
        "partition_key": settings.get("partition_key"),
        "tracking_field": settings.get("tracking_field"),
        "output_name": output,
        "user_output_name": settings.get("user_output_name"),
        "data_cutoff_timestamp": settings.get("data_cutoff_timestamp"),
        "disable_data_cutoff": settings.get("disable_data_cutoff", False),
    }


def schema_status(entry: dict[str, Any]) -> dict[str, Any]:
    """One schema's part of an execution, as the execution and the status list both show it."""
    return {
        "schema": entry["schema"],
        "status": entry.get("status", "created"),
        "status_message": entry.get("status_message"),
        "record_count": entry.get("record_count", 0),
        "error_count": 1 if entry.get("status") == "failed" else 0,
        "warning_count": 0,
        "started_at": entry.get("started_at"),
        "completed_at": entry.get("completed_at"),
    }


def execution_out(execution: BulkSyncExecution) -> dict[str, Any]:
    return {
        "id": execution.id,
        "type": execution.type,
        "status": execution.status,
        "status_message": execution.status_message,
        "fetch_mode": execution.fetch_mode,
        "is_test": execution.is_test,
        "is_resync": execution.resync_mode is not None,
        "is_partial": False,
        "record_count": execution.record_count,
        "error_count": execution.error_count,
        "warning_count": execution.warning_count,
        "created_at": iso(execution.created_at),
        "started_at": iso(execution.started_at),
        "updated_at": iso(execution.updated_at),
        "completed_at": iso(execution.completed_at),
        "schemas": [
            {
                **schema_status(entry),
                "output_name": entry.get("output_name"),
                "updated_at": entry.get("updated_at"),
            }
            for entry in execution.schemas
        ],
    }


# --- the sync ----------------------------------------------------------------------------------------


MODES = [
    {"id": "snapshot", "label": "Replace", "description": "Replace all records on every run"},
    {
        "id": "replicate",
        "label": "Replicate",
        "description": "Update and insert by primary key; remove deleted",
    },
    {"id": "append", "label": "Append", "description": "Add every record read; keep the history"},
]


@router.get("/connections/{connection_id}/bulksync/target", response_model=BulkSyncDestEnvelope)
def get_bulk_destination(connection_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """What a bulk sync into this connection may set: `destination_configuration` keys and the modes."""
    connection = load_connection(session, caller, connection_id)
    ctype = get_connection_type(connection.type)
    if ctype.bulk_destination is None:
        raise CapabilityMissing(ctype.name, "being a bulk sync destination")
    return {
        "data": {
            "configuration": {"schema": {"default": None, "required": False, "type": "string"}},
            "modes": MODES,
            "supported_resync_modes": ["refetch", "resync", "rebuild"],
            "supports_history_mode": False,
        }
    }


@router.get("/bulk/syncs/status", response_model=ListBulkSyncExecutionsStatusEnvelope)
def list_bulk_statuses(
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    all_: bool = Query(False, alias="all"),
    active: bool = False,
) -> dict[str, Any]:
    """Each sync's latest status per schema: `sync_id` (repeatable), or every sync (`all`), or active ones."""
    syncs = rules.listed(session, caller.organization_id, active=True if active else None)
    if not (all_ or active):
        wanted = set(request.query_params.getlist("sync_id"))
        syncs = [s for s in syncs if s.id in wanted]
    out = []
    for sync in syncs:
        latest = rules.executions(session, sync, limit=1)
        execution = latest[0] if latest else None
        schemas = (
            [{**schema_status(entry), "execution_id": execution.id} for entry in execution.schemas]
            if execution is not None
            else []
        )
        out.append(
            {
                "sync_id": sync.id,
                "status": execution.status if execution else None,
                "nextExecutionTime": None,
                "schemas": schemas,
            }
        )
    return {"data": out}


@router.get("/bulk/syncs", response_model=BulkSyncListEnvelope)
def list_bulk_syncs(
    caller: CallerDep, session: SessionDep, active: bool | None = Query(None)
) -> dict[str, Any]:
    return {
        "data": [sync_out(session, s) for s in rules.listed(session, caller.organization_id, active=active)]
    }


@router.post("/bulk/syncs", response_model=BulkSyncResponseEnvelope)
def create_bulk_sync(
    body: BulkSyncRequest, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """Create a bulk sync; without `schemas`, every schema of the source is selected."""
    sync = rules.create(
        state,
        session,
        organization_id=caller.target_organization(session, body.organization_id),
        actor_id=caller.actor_id,
        body=body.model_dump(mode="json", exclude_none=True),
    )
    return {"data": sync_out(session, sync)}


@router.get("/bulk/syncs/{sync_id}", response_model=BulkSyncResponseEnvelope)
def get_bulk_sync(sync_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    return {"data": sync_out(session, load_sync(session, caller, sync_id))}


@router.put("/bulk/syncs/{sync_id}", response_model=BulkSyncResponseEnvelope)
def update_bulk_sync(
    sync_id: str, body: BulkSyncRequest, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """Replace the sync's settings; named schemas are set, the others disabled (none named: unchanged)."""
    sync = load_sync(session, caller, sync_id)
    rules.update(
        state, session, sync, actor_id=caller.actor_id, body=body.model_dump(mode="json", exclude_none=True)
    )
    return {"data": sync_out(session, sync)}


@router.delete("/bulk/syncs/{sync_id}", status_code=204, response_model=None)
def delete_bulk_sync(sync_id: str, caller: CallerDep, session: SessionDep, state: StateDep) -> None:
    rules.remove(state, session, load_sync(session, caller, sync_id))


@router.post("/bulk/syncs/{sync_id}/activate", response_model=ActivateSyncEnvelope)
def activate_bulk_sync(
    sync_id: str, body: ActivateRequest, caller: CallerDep, session: SessionDep
) -> dict[str, Any]:
    sync = load_sync(session, caller, sync_id)
    sync.active = body.active
    session.commit()
    return {"data": {"id": sync.id, "active": sync.active}}


@router.post("/bulk/syncs/{sync_id}/cancel", response_model=CancelBulkSyncResponseEnvelope)
def cancel_bulk_sync(sync_id: str, caller: CallerDep, session: SessionDep, state: StateDep) -> dict[str, Any]:
    asked = rules.cancel(state, session, load_sync(session, caller, sync_id))
    return {"data": {"message": f"cancellation requested for {asked} running execution(s)"}}


# --- schemas -----------------------------------------------------------------------------------------


@router.get("/bulk/syncs/{sync_id}/schemas", response_model=ListBulkSchema)
def list_bulk_schemas(
    sync_id: str, request: Request, caller: CallerDep, session: SessionDep
) -> dict[str, Any]:
    """The sync's schemas; `filters[enabled]=true|false` narrows the list."""
    sync = load_sync(session, caller, sync_id)
    enabled = deep_object(request.query_params, "filters", allowed=("enabled",)).get("enabled")
    rows = rules.schemas(session, sync)
    if enabled is not None:
        rows = [row for row in rows if row.enabled == (enabled.lower() == "true")]
    return {"data": [schema_out(row) for row in rows]}


@router.get("/bulk/syncs/{sync_id}/schemas/{schema_id}", response_model=BulkSchemaEnvelope)
def get_bulk_schema(sync_id: str, schema_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    sync = load_sync(session, caller, sync_id)
    for row in rules.schemas(session, sync):
        if row.schema_id == schema_id:
            return {"data": schema_out(row)}
    raise NotFound.resource("schema", schema_id)


@router.put("/bulk/syncs/{sync_id}/schemas/{schema_id}", response_model=BulkSchemaEnvelope)
def update_bulk_schema(
    sync_id: str,
    schema_id: str,
    body: SchemaConfiguration,
    caller: CallerDep,
    session: SessionDep,
    state: StateDep,
) -> dict[str, Any]:
    sync = load_sync(session, caller, sync_id)
    config = {**body.model_dump(mode="json", exclude_none=True), "id": schema_id}
    rules.put_schemas(state, session, sync, [config])
    return get_bulk_schema(sync_id, schema_id, caller, session)


@router.patch("/bulk/syncs/{sync_id}/schemas", response_model=ListBulkSchema)
def patch_bulk_schemas(
    sync_id: str, body: SchemaPatch, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    sync = load_sync(session, caller, sync_id)
    rules.put_schemas(
        state, session, sync, [s.model_dump(mode="json", exclude_none=True) for s in body.schemas]
    )
    return {"data": [schema_out(row) for row in rules.schemas(session, sync)]}


# --- executions --------------------------------------------------------------------------------------


@router.post("/bulk/syncs/{sync_id}/executions", response_model=BulkSyncExecutionEnvelope)
def start_bulk_sync(
    sync_id: str, caller: CallerDep, session: SessionDep, state: StateDep, body: StartRequest | None = None
) -> dict[str, Any]:
    """Start an execution now; 409 while one runs."""
    sync = load_sync(session, caller, sync_id)
    execution = rules.start(state, session, sync, (body or StartRequest()).model_dump(exclude_none=True))
    return {"data": execution_out(execution)}


@router.get("/bulk/syncs/{sync_id}/executions", response_model=ListBulkSyncExecutionsEnvelope)
def list_bulk_executions(
    sync_id: str,
    caller: CallerDep,
    session: SessionDep,
    limit: int = Query(50, ge=1, le=100),
    ascending: bool = False,
    only_terminal: bool = False,
) -> dict[str, Any]:
    sync = load_sync(session, caller, sync_id)
    found = rules.executions(session, sync, limit=limit, ascending=ascending, only_terminal=only_terminal)
    return {"data": [execution_out(e) for e in found], "pagination": {"next_page_token": None}}


@router.get("/bulk/syncs/{sync_id}/executions/{execution_id}", response_model=BulkSyncExecutionEnvelope)
def get_bulk_execution(
    sync_id: str, execution_id: str, caller: CallerDep, session: SessionDep
) -> dict[str, Any]:
    execution = rules.execution(session, load_sync(session, caller, sync_id), execution_id)
    if execution is None:
        raise NotFound.resource("execution", execution_id)
    return {"data": execution_out(execution)}


@router.get("/bulk/syncs/{sync_id}/status", response_model=BulkSyncStatusEnvelope)
def get_bulk_status(sync_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """The running execution (if any) and the last one that ended; schedules do not fire yet."""
    sync = load_sync(session, caller, sync_id)
    recent = rules.executions(session, sync, limit=20)
    current = next((e for e in recent if e.status in rules.RUNNING), None)
    last = next((e for e in recent if e.status not in rules.RUNNING), None)
    return {
        "data": {
            "current_execution": execution_out(current) if current else None,
            "last_execution": execution_out(last) if last else None,
            "next_execution_time": None,
            "ingestion_status": None,
        }
    }
