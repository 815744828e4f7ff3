"""The `bulksync` job: one execution of a bulk sync, from its stored configuration to per-schema results.

It opens the source (its type's BulkSource) and the destination (its BulkDestination, with the sync's
`destination_configuration`) on the connections' saved contexts, builds one `SchemaRun` per schema of
the execution from the cached discovery and the schema's settings, and records every schema's progress on
the execution row as the engine reports it.
"""

from __future__ import annotations

import threading
from typing import Any

from syncline.connectors.discovery import Schema
from syncline.connectors.protocols import BulkMode
from syncline.connectors.registry import get_connection_type
from syncline.engine.bulk_sync.execution import SchemaRun, run_schemas
from syncline.engine.bulk_sync.pipeline import Shape
from syncline.runtime.jobs import JobRun, job_kind
from syncline.services import connections as rules
from syncline.services.bulk_syncs import BULK_SYNC_KIND
from syncline.services.container import Services
from syncline.services.schemas import Source
from syncline.store.events import record_event
from syncline.store.tables import BulkSync, BulkSyncExecution, BulkSyncSchema, Connection
from syncline.store.types import utcnow

DEFAULT_CONCURRENCY = 4


@job_kind(BULK_SYNC_KIND)
def bulk_sync_job(run: JobRun[Services]) -> dict[str, Any]:
    """Run the execution named by the payload (`execution_id`); its row holds the outcome."""
    services = run.runtime
    execution_id = run.payload["execution_id"]
    with services.store.session() as session:
        execution = session.get(BulkSyncExecution, execution_id)
        if execution is None:
            return {"skipped": "the execution was deleted"}
        if execution.status != "created":  # canceled while queued (or already run): nothing to do
            return {"skipped": f"the execution is {execution.status}"}
        sync = session.get(BulkSync, execution.sync_id)
        assert sync is not None
        source_conn = session.get(Connection, sync.source_connection_id)
        destination_conn = session.get(Connection, sync.destination_connection_id)
        assert source_conn is not None
        assert destination_conn is not None
        configured = {
            row.schema_id: row.settings
            for row in session.query(BulkSyncSchema).filter(BulkSyncSchema.sync_id == sync.id)
        }
        wanted = [entry["schema"] for entry in execution.schemas]
        settings = dict(sync.settings)
        full, test = execution.fetch_mode == "full", execution.is_test
        execution.status, execution.started_at = "running", utcnow()
        event = {
            "sync_id": sync.id,
            "sync_name": sync.name,
            "execution_id": execution.id,
            "source_connection_id": sync.source_connection_id,
            "destination_connection_id": sync.destination_connection_id,
        }
        record_event(session, sync.organization_id, "bulk_sync.running", event)
        finished_event = {
            **event,
            "trigger_source": execution.type,
            "schedule": {"id": None, "frequency": (settings.get("default_schedule") or {}).get("frequency")},
        }
        session.commit()
        session.expunge_all()

    report = _Reporter(services, execution_id, sync.organization_id, finished_event)
    try:
        available = {s["id"]: Schema.from_dict(s) for s in Source(services, source_conn).schemas()}
        runs = [
            _schema_run(available[schema_id], configured.get(schema_id, {}), settings, full=full, test=test)
            for schema_id in wanted
            if schema_id in available
        ]
        source_type = get_connection_type(source_conn.type)
        destination_type = get_connection_type(destination_conn.type)
        assert source_type.bulk_source is not None
        assert destination_type.bulk_destination is not None
        source_config = rules.saved_config(services, source_conn)
        source = source_type.bulk_source(
            source_config, rules.saved_context(services, source_conn, source_config)
        )
        destination_config = rules.saved_config(services, destination_conn)
        destination = destination_type.bulk_destination(
            destination_config,
            rules.saved_context(services, destination_conn, destination_config),
            settings.get("destination_configuration") or {},
        )
        try:
            outcomes = run_schemas(
                source,
                destination,
                runs,
                concurrency=int(settings.get("concurrency_limit") or DEFAULT_CONCURRENCY),
                should_stop=run.cancel_requested,
                report=report,
            )
        finally:
            destination.close()
    except Exception as exc:
        report.finish("failed", str(exc))
        raise
    missing = sorted(set(wanted) - {r.schema.id for r in runs})
    for schema_id in missing:
        report(schema_id, {"status": "failed", "status_message": "the source no longer has this schema"})
    statuses = set(outcomes.values()) | ({"failed"} if missing else set())
    if "canceled" in statuses:
        report.finish("canceled", "canceled on request")
        run.raise_if_canceled()  # the job ends canceled too
    elif "failed" in statuses:
        failed = sorted(k for k, v in outcomes.items() if v == "failed") + missing
        report.finish("failed", f"{len(failed)} of {len(wanted)} schemas failed: {', '.join(failed)}")
    else:
        report.finish("completed", None)
    return {"schemas": outcomes}


def _schema_run(
    schema: Schema, config: dict[str, Any], settings: dict[str, Any], *, full: bool, test: bool
) -> SchemaRun:
    """A schema's run from its configuration: selected (and obfuscated, renamed) fields, output name."""
    fields = schema.fields or ()
    selected = [f if isinstance(f, dict) else {"id": f} for f in config.get("fields") or ()]
    enabled = [f for f in selected if f.get("enabled", True)]
    keys = [f.id for f in fields if f.is_primary_key]
    names = tuple(dict.fromkeys([*keys, *(f["id"] for f in enabled)])) if enabled else None
    kept = tuple(f for f in fields if names is None or f.id in names)
    shape = Shape(
        fields=names,
        obfuscated=frozenset(f["id"] for f in enabled if f.get("obfuscate")),
        output_names={f["id"]: f["user_output_name"] for f in enabled if f.get("user_output_name")},
    )
    return SchemaRun(
        schema=Schema(schema.id, schema.name, kept),
        table=config.get("user_output_name") or schema.id.replace(".", "_"),
        mode=BulkMode(settings.get("mode") or "replicate"),
        shape=shape,
        full=full,
        test=test,
    )


class _Reporter:
    """Writes each schema's progress onto the execution row (schemas report from several threads)."""

    def __init__(
        self, services: Services, execution_id: str, organization_id: str, event: dict[str, Any]
    ) -> None:
        self._services = services
        self._execution_id = execution_id
        self._organization_id = organization_id
        self._event = event  # the payload of the bulk_sync.<status> event the execution ends with
        self._lock = threading.Lock()

    def __call__(self, schema_id: str, changes: dict[str, Any]) -> None:
        values = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in changes.items()}
        with self._lock, self._services.store.session() as session:
            execution = session.get(BulkSyncExecution, self._execution_id)
            if execution is None:
                return
            entries = [dict(entry) for entry in execution.schemas]
            for entry in entries:
                if entry["schema"] == schema_id:
                    entry.update(values)
                    entry["updated_at"] = utcnow().isoformat()
            execution.schemas = entries
            execution.record_count = sum(int(e.get("record_count") or 0) for e in entries)
            execution.error_count = sum(1 for e in entries if e.get("status") == "failed")
            session.commit()

    def finish(self, status: str, message: str | None) -> None:
        with self._lock, self._services.store.session() as session:
            execution = session.get(BulkSyncExecution, self._execution_id)
            if execution is None:
                return
            execution.status, execution.status_message = status, message
            execution.completed_at = utcnow()
            payload = {**self._event, **({"error": message} if status == "failed" else {})}
            record_event(session, self._organization_id, f"bulk_sync.{status}", payload)
            session.commit()
