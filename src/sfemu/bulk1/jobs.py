"""Bulk 1.0 jobs and their batches: create, add, process, close.

A job is Open until closed (`Closed`) or aborted; batches are added while it is Open, queued on the
org's bulk worker and processed in the order they were added, so each is `Completed` (or `Failed`) by
the time a client first polls it.

Serial vs Parallel: with `lock_contention` on, each batch of a Parallel job holds the parents of its
records (the Accounts of Contacts, say) until the job is closed, and a record whose parent another
batch holds fails with UNABLE_TO_LOCK_ROW when it loses the draw of `org.locks` (seeded by
`fault_seed`). A Serial job's batches run one after another in Salesforce, so they never contend.
"""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING, Any

from sfemu.bulk1.wire import BulkError
from sfemu.bulk2.ingest import OPERATIONS, JobFailure
from sfemu.bulk2.jobs import BATCH_PREFIX, JOB_PREFIX, Info, JobStore

if TYPE_CHECKING:
    from sfemu.org import Org

KIND = "v1"
QUERY_OPERATIONS = ("query", "queryAll")
CONTENT_TYPES = ("CSV", "JSON", "XML")
MODES = {"parallel": "Parallel", "serial": "Serial", "0": "Parallel", "1": "Serial"}
DEFAULT_CHUNK = 100_000
MAX_CHUNK = 250_000
FINAL_BATCH_STATES = ("Completed", "Failed", "NotProcessed")


def new_job(
    org: Org, store: JobStore, body: dict[str, Any], user_id: str, version: str, pk_chunking: str | None
) -> Info:
    operation = body.get("operation")
    if operation not in (*OPERATIONS, *QUERY_OPERATIONS):
        raise BulkError(400, "InvalidJob", f"Invalid operation: {operation}")
    name = body.get("object")
    obj = org.schema.get(name) if isinstance(name, str) and name else None
    if obj is None:
        raise BulkError(400, "InvalidEntity", f"Unable to find object: {name}")
    if not obj.bulk_supported:
        raise BulkError(400, "InvalidEntity", f"Entity '{obj.name}' is not supported by the Bulk API.")
    content_type = str(body.get("contentType") or "XML").upper()
    if content_type not in CONTENT_TYPES:
        raise BulkError(400, "InvalidJob", f"Invalid contentType: {content_type}; use CSV, JSON or XML")
    mode = MODES.get(str(body.get("concurrencyMode", "Parallel")).lower())
    if mode is None:
        raise BulkError(400, "InvalidJob", f"Invalid concurrencyMode: {body.get('concurrencyMode')}")
    external_id = body.get("externalIdFieldName") or None
    if operation == "upsert":
        key = obj.field(external_id) if isinstance(external_id, str) else None
        if external_id is None:
            raise BulkError(
                400,
                "InvalidJob",
                f"External ID was blank for {obj.name}. An External ID must be specified for upsert.",
            )
        if key is None or not (key.external_id or key.name == "Id"):
            raise BulkError(
                400,
                "InvalidJob",
                f"Field name provided, {external_id} is not an External ID or indexed field for {obj.name}",
            )
        external_id = key.name
    stamp = org.clock.stamp()
    job: Info = {
        "id": store.new_id(JOB_PREFIX),
        "operation": operation,
        "object": obj.name,
        "createdById": user_id,
        "createdDate": stamp,
        "systemModstamp": stamp,
        "state": "Open",
        "externalIdFieldName": external_id if operation == "upsert" else None,
        "concurrencyMode": mode,
        "contentType": content_type,
        "apiVersion": float(version),
        "numberRetries": 0,
        "_pkChunking": _pk_chunking(pk_chunking) if operation in QUERY_OPERATIONS else None,
    }
    return job


def _pk_chunking(header: str | None) -> dict[str, Any] | None:
    """`Sforce-Enable-PKChunking: true; chunkSize=1000; parent=Account` → {"chunkSize", "parent"}."""
    if not header:
        return None
    settings: dict[str, Any] = {"chunkSize": DEFAULT_CHUNK, "parent": None}
    enabled = False
    for part in (p.strip() for p in header.split(";")):
        key, sep, value = part.partition("=")
        if not sep:
            enabled = key.lower() == "true"
            if key.lower() not in {"true", "false"}:
                raise BulkError(400, "InvalidJob", f"Invalid Sforce-Enable-PKChunking value: {key}")
            continue
        enabled = enabled or key.strip().lower() == "chunksize"
        if key.strip().lower() == "chunksize":
            if not value.strip().isdigit() or not 0 < int(value) <= MAX_CHUNK:
                raise BulkError(
                    400,
                    "InvalidJob",
                    f"Invalid chunkSize: {value.strip()}; it must be between 1 and {MAX_CHUNK}",
                )
            settings["chunkSize"] = int(value)
        elif key.strip().lower() == "parent":
            settings["parent"] = value.strip()
    return settings if enabled else None


def job_info(store: JobStore, job: Info, batches: list[Info] | None = None) -> Info:
    """The job with its batch and record counters, summed over its batches (as given, or stored)."""
    if batches is None:
        batches = store.batches(job["id"])
    counts = {
        state: sum(1 for b in batches if b["state"] == state)
        for state in ("Queued", "InProgress", "Completed", "Failed")
    }
    return {
        **job,
        "numberBatchesQueued": counts["Queued"],
        "numberBatchesInProgress": counts["InProgress"],
        "numberBatchesCompleted": counts["Completed"],
        "numberBatchesFailed": counts["Failed"],
        "numberBatchesTotal": len(batches),
        "numberRecordsProcessed": sum(b["numberRecordsProcessed"] for b in batches),
        "numberRecordsFailed": sum(b["numberRecordsFailed"] for b in batches),
        "totalProcessingTime": sum(b["totalProcessingTime"] for b in batches),
        "apiActiveProcessingTime": sum(b["apiActiveProcessingTime"] for b in batches),
        "apexProcessingTime": 0,
    }


def new_batch(org: Org, store: JobStore, job: Info, state: str = "Queued", **extra: Any) -> Info:
    stamp = org.clock.stamp()
    return {
        "id": store.new_id(BATCH_PREFIX),
        "jobId": job["id"],
        "state": state,
        "stateMessage": None,
        "createdDate": stamp,
        "systemModstamp": stamp,
        "numberRecordsProcessed": 0,
        "numberRecordsFailed": 0,
        "totalProcessingTime": 0,
        "apiActiveProcessingTime": 0,
        "apexProcessingTime": 0,
        **extra,
    }


def run_batch(org: Org, store: JobStore, job_id: str, batch_id: str) -> None:
    """Process a Queued batch to Completed or Failed (idempotent: other states are left alone)."""
    from sfemu.bulk1 import dml, query  # the two kinds of batch; imported here to keep this module small

    job = store.job(job_id, [KIND])
    batch = store.batch(job_id, batch_id)
    if job is None or batch is None or batch["state"] not in ("Queued", "InProgress"):
        return
    started = time.monotonic()
    batch["state"] = "InProgress"
    store.save_batch(batch)
    try:
        if job["operation"] in QUERY_OPERATIONS:
            query.run(org, store, job, batch)
        else:
            dml.run(org, store, job, batch)
        batch["state"] = "Completed"
    except JobFailure as failure:
        batch["state"] = "Failed"
        batch["stateMessage"] = str(failure)
    except Exception as exc:
        batch["state"] = "Failed"
        batch["stateMessage"] = f"UnknownException : {exc}"
        raise
    finally:
        elapsed = int((time.monotonic() - started) * 1000)
        batch["totalProcessingTime"] = batch["apiActiveProcessingTime"] = elapsed
        batch["systemModstamp"] = org.clock.stamp()
        store.save_batch(batch)


def settle_batches(org: Org, store: JobStore, job: Info, *, wait: bool = False) -> list[Info]:
    """The job's batches, each finished first unless within its processing time (then `InProgress`).

    `wait` runs them all to the end now, processing time or not (closing a job).
    """
    shown = []
    for batch in store.batches(job["id"]):
        if batch["state"] in ("Queued", "InProgress"):
            task = partial(run_batch, org, store, job["id"], batch["id"])
            if not store.settle(batch["id"], task, wait=wait):
                shown.append({**batch, "state": "InProgress"})
                continue
            batch = store.batch(job["id"], batch["id"]) or batch
        shown.append(batch)
    return shown


def close_job(org: Org, store: JobStore, job: Info, state: str) -> Info:
    """Close (`Closed`) or abort (`Aborted`) an Open job; its batches finish first, then free their locks."""
    if state not in ("Closed", "Aborted"):
        raise BulkError(400, "InvalidJob", f"Invalid state: {state}; set Closed or Aborted")
    if job["state"] != "Open":
        raise BulkError(400, "InvalidJobState", f"Job {job['id']} is not open: its state is {job['state']}")
    settle_batches(org, store, job, wait=True)
    for batch in store.batches(job["id"]):
        org.locks.release(batch["id"])
    job["state"] = state
    job["systemModstamp"] = org.clock.stamp()
    store.save_job(job)
    return job
