"""Bulk 2.0 query jobs: validated at create, run once on the bulk worker, paged by locator.

States: UploadComplete (as created) → InProgress → JobComplete | Failed; UploadComplete → Aborted.
The query runs as soon as the job is created; the first poll waits for it, so it sees JobComplete.
Results are materialized to a file (`sfemu.bulk2.results`), so any page costs two seeks.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sfemu.bulk2 import results
from sfemu.bulk2.common import PROCESSING, csv_format
from sfemu.bulk2.jobs import JOB_PREFIX, Info, JobStore, rest_stamp
from sfemu.errors import InvalidJob, InvalidLocator, SalesforceError
from sfemu.soql import compile_bulk_query

if TYPE_CHECKING:
    from sfemu.org import Org

KIND = "v2query"
OPERATIONS = ("query", "queryAll")
FINISHED = ("JobComplete", "Failed", "Aborted")
DEFAULT_PAGE = 100_000
SHORT = (
    "id",
    "operation",
    "object",
    "createdById",
    "createdDate",
    "systemModstamp",
    "state",
    "concurrencyMode",
    "contentType",
    "apiVersion",
    "lineEnding",
    "columnDelimiter",
)


def new_job(org: Org, store: JobStore, body: dict[str, Any], user_id: str, version: str) -> Info:
    """Validate a create request (the SOQL included) and build the job's info."""
    operation = body.get("operation")
    if operation not in OPERATIONS:
        raise InvalidJob(f"InvalidJob : Invalid operation: {operation}. Use query or queryAll")
    soql = body.get("query")
    if not isinstance(soql, str) or not soql.strip():
        raise InvalidJob("InvalidJob : The query is required")
    content_type = body.get("contentType") or "CSV"
    if content_type != "CSV":
        raise InvalidJob(f"InvalidJob : Invalid contentType: {content_type}. Bulk API 2.0 answers CSV")
    delimiter, line_ending = csv_format(body)
    compiled = compile_bulk_query(soql, org.schema, include_deleted=operation == "queryAll")
    stamp = rest_stamp(org.clock.stamp())
    return {
        "id": store.new_id(JOB_PREFIX),
        "operation": operation,
        "object": compiled.obj.name,
        "createdById": user_id,
        "createdDate": stamp,
        "systemModstamp": stamp,
        "state": "UploadComplete",
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": float(version),
        "lineEnding": line_ending,
        "columnDelimiter": delimiter,
        "query": soql,
        "jobType": "V2Query",
        "numberRecordsProcessed": 0,
        "retries": 0,
        "totalProcessingTime": 0,
        "isPkChunkingSupported": True,
    }


def short_info(job: Info) -> Info:
    return {key: job[key] for key in SHORT if key in job}


def full_info(job: Info) -> Info:
    return {k: v for k, v in job.items() if not k.startswith("_") and k != "query"}


def result_base(store: JobStore, job_id: str) -> Path:
    return store.path(f"{job_id}.result")


def process(org: Org, store: JobStore, job_id: str) -> None:
    """Run the query and materialize its CSV; JobComplete or Failed with `errorMessage`."""
    job = store.job(job_id, [KIND])
    if job is None or job["state"] not in PROCESSING:
        return
    started = time.monotonic()
    job["state"] = "InProgress"
    store.save_job(job)
    try:
        compiled = compile_bulk_query(
            job["query"], org.schema, include_deleted=job["operation"] == "queryAll"
        )
        job["numberRecordsProcessed"] = results.materialize(
            org.db.path,
            compiled,
            result_base(store, job_id),
            column_delimiter=job["columnDelimiter"],
            line_ending=job["lineEnding"],
        )
        job["state"] = "JobComplete"
    except SalesforceError as error:
        job["state"] = "Failed"
        job["errorMessage"] = f"{error.code}: {error.message}"
    except Exception as exc:
        job["state"] = "Failed"
        job["errorMessage"] = f"UnknownException : {exc}"
        raise
    finally:
        job["totalProcessingTime"] = int((time.monotonic() - started) * 1000)
        job["systemModstamp"] = rest_stamp(org.clock.stamp())
        store.save_job(job)


def encode_locator(position: int) -> str:
    return base64.b64encode(str(position).encode()).decode().rstrip("=")


def decode_locator(locator: str) -> int:
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
        position = int(text)
    except (ValueError, UnicodeDecodeError):
        raise InvalidLocator(f"Invalid locator: {locator}") from None
    if position < 0:
        raise InvalidLocator(f"Invalid locator: {locator}")
    return position


def page_size(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_PAGE
    if not text.isdigit() or int(text) <= 0:
        raise InvalidJob(f"InvalidJob : maxRecords must be a positive integer, not {text}")
    return int(text)


def result_page(store: JobStore, job: Info, locator: str | None, size: int) -> tuple[bytes, int, str]:
    """(CSV bytes, records in the page, the next locator or `null`)."""
    if job["state"] != "JobComplete":
        raise SalesforceError(
            400, "INVALIDJOBSTATE", f"Job {job['id']} is not complete: its state is {job['state']}"
        )
    base = result_base(store, job["id"])
    start = decode_locator(locator) if locator else 0
    body, count = results.page(base, start, size)
    following = start + count
    return body, count, encode_locator(following) if following < results.record_count(base) else "null"
