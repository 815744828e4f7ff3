"""Bulk syncs: the rules of creating, changing and starting them. The API translates HTTP only.

A bulk sync names a source connection whose type is a BulkSource and a destination whose type is a
BulkDestination, both of the sync's organization. Its schemas are checked against the source's (cached)
discovery: unknown schema or field ids are refused, naming them. An execution is a job of kind
`bulksync` (`engine/bulk_sync/execution.py`); only one runs per sync at a time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syncline.connectors.errors import ConfigurationInvalid
from syncline.connectors.registry import get_connection_type
from syncline.runtime.jobs import JobStore, add_job
from syncline.services.container import Services
from syncline.services.errors import Conflict, Invalid
from syncline.services.schemas import Source
from syncline.store.tables import BulkSync, BulkSyncExecution, BulkSyncSchema, Connection, Job
from syncline.store.types import utcnow

BULK_SYNC_KIND = "bulksync"
RUNNING = ("created", "running", "canceling")
SETTING_KEYS = (
    "mode",
    "destination_configuration",
    "source_configuration",
    "default_schedule",
    "additional_schedules",
    "automatically_add_new_fields",
    "automatically_add_new_objects",
    "concurrency_limit",
    "resync_concurrency_limit",
    "data_cutoff_timestamp",
    "disable_record_timestamps",
    "normalize_names",
    "policies",
)
SCHEMA_KEYS = (
    "fields",
    "filters",
    "partition_key",
    "tracking_field",
    "user_output_name",
    "data_cutoff_timestamp",
    "disable_data_cutoff",
    "history_enabled",
)


# --- the sync ----------------------------------------------------------------------------------------


def create(
    services: Services, session: Session, *, organization_id: str, actor_id: str, body: dict[str, Any]
) -> BulkSync:
    """Check and store a new bulk sync with its schemas (every source schema when none are named).

    Raises:
        Invalid: A connection, the destination configuration, a schema or a field is refused (named).
    """
    source = _connection(session, organization_id, body["source_connection_id"], "source_connection_id")
    destination = _connection(
        session, organization_id, body["destination_connection_id"], "destination_connection_id"
    )
    _check_types(source, destination, body["destination_configuration"])
    # Discovery first: it may write the schema cache from its own session, which must not wait on ours.
    available = _available(services, source)
    sync = BulkSync(
        organization_id=organization_id,
        name=body["name"],
        source_connection_id=source.id,
        destination_connection_id=destination.id,
        active=body.get("active") if body.get("active") is not None else True,
        settings=_settings(body),
        created_by=actor_id,
        updated_by=actor_id,
    )
    session.add(sync)
    session.flush()
    selected = body.get("schemas")
    if selected is None:
        selected = sorted(available)
    _replace_schemas(session, sync, selected, available, disable_others=False)
    session.commit()
    return sync


def update(
    services: Services, session: Session, sync: BulkSync, *, actor_id: str, body: dict[str, Any]
) -> None:
    """Replace the sync's settings; named schemas are set and the others disabled (none named: unchanged)."""
    source = _connection(session, sync.organization_id, body["source_connection_id"], "source_connection_id")
    destination = _connection(
        session, sync.organization_id, body["destination_connection_id"], "destination_connection_id"
    )
    _check_types(source, destination, body["destination_configuration"])
    available = _available(services, source) if body.get("schemas") else {}
    sync.name = body["name"]
    sync.source_connection_id = source.id
    sync.destination_connection_id = destination.id
    if body.get("active") is not None:
        sync.active = body["active"]
    sync.settings = _settings(body)
    sync.updated_by = actor_id
    sync.updated_at = utcnow()
    if body.get("schemas"):
        _replace_schemas(session, sync, body["schemas"], available, disable_others=True)
    session.commit()


def by_id(session: Session, sync_id: str) -> BulkSync | None:
    return session.get(BulkSync, sync_id)


def listed(session: Session, organization_id: str, *, active: bool | None = None) -> list[BulkSync]:
    query = select(BulkSync).where(BulkSync.organization_id == organization_id)
    if active is not None:
        query = query.where(BulkSync.active == active)
    return list(session.scalars(query.order_by(BulkSync.created_at, BulkSync.id)))


def remove(services: Services, session: Session, sync: BulkSync) -> None:
    """Delete the sync, canceling its running execution first."""
    cancel(services, session, sync)
    session.delete(sync)
    session.commit()


def schemas(session: Session, sync: BulkSync) -> list[BulkSyncSchema]:
    query = select(BulkSyncSchema).where(BulkSyncSchema.sync_id == sync.id).order_by(BulkSyncSchema.schema_id)
    return list(session.scalars(query))


def put_schemas(services: Services, session: Session, sync: BulkSync, configs: list[dict[str, Any]]) -> None:
    """Set the named schemas' configuration (a PATCH or one schema's PUT); others stay as they are."""
    source = session.get(Connection, sync.source_connection_id)
    assert source is not None
    _replace_schemas(session, sync, configs, _available(services, source), disable_others=False)
    session.commit()


# --- executions --------------------------------------------------------------------------------------


def start(services: Services, session: Session, sync: BulkSync, body: dict[str, Any]) -> BulkSyncExecution:
    """Queue an execution as a job; 409 while another one of the sync runs.

    Raises:
        Conflict: An execution is running (`bulk_sync_running`).
        Invalid: A named schema is not enabled on the sync, or test and resync_mode are both set.
    """
    if body.get("test") and body.get("resync_mode"):
        raise Invalid(
            "test and resync_mode cannot be combined", fields=[("resync_mode", "must be empty with test")]
        )
    candidates = session.scalars(
        select(BulkSyncExecution).where(
            BulkSyncExecution.sync_id == sync.id, BulkSyncExecution.status.in_(RUNNING)
        )
    )
    running = next((item for item in candidates if still_running(session, item)), None)
    if running is not None:
        raise Conflict(
            f"bulk sync {sync.id} is running (execution {running.id}); cancel it or wait for it to end",
            key="bulk_sync_running",
            metadata={"execution_id": running.id},
        )
    enabled = {s.schema_id for s in schemas(session, sync) if s.enabled}
    wanted = body.get("schemas") or sorted(enabled)
    for index, schema_id in enumerate(wanted):
        if schema_id not in enabled:
            raise Invalid(
                f"schemas[{index}]: {schema_id} is not an enabled schema of the sync",
                fields=[(f"schemas[{index}]", "must be an enabled schema of the sync")],
            )
    fetch_mode = body.get("fetch_mode") or "incremental"
    if body.get("resync_mode"):
        fetch_mode = "full"
    execution = BulkSyncExecution(
        sync_id=sync.id,
        organization_id=sync.organization_id,
        type="manual",
        status="created",
        fetch_mode=fetch_mode,
        resync_mode=body.get("resync_mode"),
        is_test=bool(body.get("test")),
        schemas=[{"schema": schema_id, "status": "created", "record_count": 0} for schema_id in wanted],
    )
    session.add(execution)
    session.flush()
    execution.job_id = add_job(
        session, BULK_SYNC_KIND, sync.organization_id, {"execution_id": execution.id}, subject_id=sync.id
    )
    session.commit()
    services.submit(BULK_SYNC_KIND, execution.job_id)
    return execution


def still_running(session: Session, execution: BulkSyncExecution) -> bool:
    """Whether the execution's job is still queued or running; one whose job ended without it (a crash, a
    cancel while queued) is settled here to the job's outcome, so it never blocks the next start."""
    job = session.get(Job, execution.job_id) if execution.job_id else None
    if job is not None and job.status in ("queued", "running"):
        return True
    ended = job.status if job is not None else "interrupted"
    execution.status = {"canceled": "canceled", "completed": "completed"}.get(ended, "interrupted")
    execution.status_message = execution.status_message or f"its job ended {ended}"
    execution.completed_at = execution.completed_at or utcnow()
    return False


def executions(
    session: Session, sync: BulkSync, *, limit: int = 50, ascending: bool = False, only_terminal: bool = False
) -> list[BulkSyncExecution]:
    order = BulkSyncExecution.created_at.asc() if ascending else BulkSyncExecution.created_at.desc()
    query = select(BulkSyncExecution).where(BulkSyncExecution.sync_id == sync.id)
    if only_terminal:
        query = query.where(BulkSyncExecution.status.not_in(RUNNING))
    return list(session.scalars(query.order_by(order, BulkSyncExecution.id).limit(limit)))


def execution(session: Session, sync: BulkSync, execution_id: str) -> BulkSyncExecution | None:
    found = session.get(BulkSyncExecution, execution_id)
    return found if found is not None and found.sync_id == sync.id else None


def cancel(services: Services, session: Session, sync: BulkSync) -> int:
    """Ask the sync's running executions to stop; how many were asked."""
    running = list(
        session.scalars(
            select(BulkSyncExecution).where(
                BulkSyncExecution.sync_id == sync.id, BulkSyncExecution.status.in_(RUNNING)
            )
        )
    )
    jobs = JobStore(services.store)
    for item in running:
        if item.job_id is not None:
            jobs.request_cancel(item.job_id)
        item.status = "canceling" if item.status == "running" else "canceled"
    session.commit()
    return len(running)


# --- checks ------------------------------------------------------------------------------------------


def _connection(session: Session, organization_id: str, connection_id: str, field: str) -> Connection:
    connection = session.get(Connection, connection_id)
    if connection is None or connection.organization_id != organization_id:
        raise Invalid(
            f"{field}: no connection {connection_id} in the organization", fields=[(field, "not found")]
        )
    return connection


def _check_types(source: Connection, destination: Connection, options: dict[str, Any]) -> None:
    source_type = get_connection_type(source.type)
    if source_type.bulk_source is None:
        raise Invalid(
            f"source_connection_id: {source_type.name} connections cannot be bulk sync sources",
            fields=[("source_connection_id", "must be a connection that can be a bulk sync source")],
        )
    destination_type = get_connection_type(destination.type)
    if destination_type.bulk_destination is None:
        raise Invalid(
            f"destination_connection_id: {destination_type.name} connections cannot be bulk sync "
            "destinations",
            fields=[
                ("destination_connection_id", "must be a connection that can be a bulk sync destination")
            ],
        )
    if destination_type.destination_options is not None:
        try:
            destination_type.destination_options(options)
        except ConfigurationInvalid as exc:
            raise Invalid(str(exc), fields=[(e.field, e.message) for e in exc.errors]) from None


def _available(services: Services, source: Connection) -> dict[str, set[str]]:
    """Every schema the source has, with its field ids (from the cached discovery)."""
    return {s["id"]: {f["id"] for f in s.get("fields") or ()} for s in Source(services, source).schemas()}


def _replace_schemas(
    session: Session,
    sync: BulkSync,
    selected: list[Any],
    available: dict[str, set[str]],
    *,
    disable_others: bool,
) -> None:
    existing = {s.schema_id: s for s in schemas(session, sync)}
    named: set[str] = set()
    for index, item in enumerate(selected):
        config = {"id": item} if isinstance(item, str) else dict(item)
        schema_id = config["id"]
        if schema_id not in available:
            raise Invalid(
                f"schemas[{index}]: the source has no schema {schema_id}",
                fields=[(f"schemas[{index}]", "must be a schema of the source connection")],
            )
        for position, field in enumerate(config.get("fields") or ()):
            field_id = field if isinstance(field, str) else field["id"]
            if field_id not in available[schema_id]:
                raise Invalid(
                    f"schemas[{index}].fields[{position}]: {schema_id} has no field {field_id}",
                    fields=[(f"schemas[{index}].fields[{position}]", "must be a field of the schema")],
                )
        named.add(schema_id)
        row = existing.get(schema_id) or BulkSyncSchema(sync_id=sync.id, schema_id=schema_id)
        row.enabled = bool(config["enabled"]) if config.get("enabled") is not None else True
        row.settings = {key: config[key] for key in SCHEMA_KEYS if config.get(key) is not None}
        session.add(row)
    if disable_others:
        for schema_id, row in existing.items():
            if schema_id not in named:
                row.enabled = False


def _settings(body: dict[str, Any]) -> dict[str, Any]:
    settings = {key: body[key] for key in SETTING_KEYS if body.get(key) is not None}
    settings.setdefault("mode", "replicate")
    return settings
