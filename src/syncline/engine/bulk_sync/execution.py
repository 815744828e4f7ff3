"""An execution of a bulk sync: its schemas copied side by side, each reported as it goes.

The caller (the `bulksync` job) hands over an opened source and destination and one `SchemaRun` per
schema; `run_schemas` runs up to `concurrency` of them at once, each through `copy_schema`, and reports
every schema's status and counts through `report` (which the caller persists). One schema failing does not
stop the others; a stop request stops them all, each keeping its last commit.

Per schema: the read starts at the destination's committed cursor (none for a full fetch); in replicate
mode a full fetch commits as a snapshot, so rows the source no longer has are gone, and an incremental
one asks the source for deleted keys since the cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from syncline.connectors.discovery import Schema
from syncline.connectors.protocols import BulkDestination, BulkMode, BulkSource
from syncline.engine.bulk_sync.pipeline import SchemaCopy, Shape, Stopped, copy_schema
from syncline.store.types import utcnow

__all__ = ["SchemaRun", "run_schemas"]

Report = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class SchemaRun:
    """One schema of an execution: what to read, where it lands, how."""

    schema: Schema
    table: str
    mode: BulkMode
    shape: Shape = field(default_factory=Shape)
    full: bool = False
    test: bool = False

    @property
    def primary_key(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.schema.fields or () if f.is_primary_key)


def run_schemas(
    source: BulkSource,
    destination: BulkDestination,
    runs: list[SchemaRun],
    *,
    concurrency: int,
    should_stop: Callable[[], bool],
    report: Report,
) -> dict[str, str]:
    """Run every schema; the final status of each by schema id (completed, failed or canceled)."""

    def one(run: SchemaRun) -> str:
        schema_id = run.schema.id
        if should_stop():
            report(schema_id, {"status": "canceled", "completed_at": utcnow()})
            return "canceled"
        report(schema_id, {"status": "running", "started_at": utcnow()})
        records = 0

        def counted(rows: int) -> None:
            nonlocal records
            records += rows
            report(schema_id, {"record_count": records})

        try:
            _copy(source, destination, run, should_stop, counted)
        except Stopped:
            report(schema_id, {"status": "canceled", "completed_at": utcnow()})
            return "canceled"
        except Exception as exc:  # one schema's failure is reported; the others go on
            report(schema_id, {"status": "failed", "status_message": str(exc), "completed_at": utcnow()})
            return "failed"
        report(schema_id, {"status": "completed", "record_count": records, "completed_at": utcnow()})
        return "completed"

    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="bulk-schema") as pool:
        outcomes = list(pool.map(one, runs))
    return {run.schema.id: outcome for run, outcome in zip(runs, outcomes, strict=True)}


def _copy(
    source: BulkSource,
    destination: BulkDestination,
    run: SchemaRun,
    should_stop: Callable[[], bool],
    on_batch: Callable[[int], None],
) -> None:
    cursor = None if run.full or run.test else destination.cursor(run.table)
    read = source.read(run.schema, cursor)
    mode = BulkMode.SNAPSHOT if run.full and run.mode is BulkMode.REPLICATE else run.mode
    plan = SchemaCopy(run.table, read.arrow_schema, run.primary_key, mode, shape=run.shape, test=run.test)
    deletes = None
    if cursor is not None and mode is BulkMode.REPLICATE:
        since = cursor

        def deletes() -> Any:
            return source.deletes(run.schema, since)

    copy_schema(
        plan,
        read,
        destination,
        next_cursor=lambda: read.cursor,
        deletes=deletes,
        should_stop=should_stop,
        on_batch=on_batch,
    )
