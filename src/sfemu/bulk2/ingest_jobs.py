"""Bulk 2.0 ingest jobs: create, process the one upload, render the three result files.

States: Open → (upload, close) UploadComplete → InProgress → JobComplete | Failed; Open or
UploadComplete → Aborted. `Failed` means the whole job failed (bad CSV, unknown column); records that
fail validation leave the job `JobComplete` and show in `failedResults`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sfemu import ids
from sfemu.bulk2.common import PROCESSING, csv_format
from sfemu.bulk2.csvio import DELIMITERS, LINE_ENDINGS, CsvError, minimal_line, quote, read_upload
from sfemu.bulk2.ingest import OPERATIONS, JobFailure, RecordWriter, plan_columns, run_records
from sfemu.bulk2.jobs import JOB_PREFIX, Info, JobStore, rest_stamp
from sfemu.errors import InvalidEntity, InvalidJob, NotFound, SalesforceError

if TYPE_CHECKING:
    from sfemu.org import Org

KIND = "v2ingest"
FINISHED = ("JobComplete", "Failed", "Aborted")
RESULT_KINDS = {
    "successfulresults": "successful",
    "failedresults": "failed",
    "unprocessedrecords": "unprocessed",
}  # matched case-insensitively
RESULT_COLUMNS = {
    "successful": ["sf__Id", "sf__Created"],
    "failed": ["sf__Id", "sf__Error"],
    "unprocessed": [],
}
# The keys of the short job info that create and PATCH answer; GET adds counters and timings.
SHORT = (
    "id",
    "operation",
    "object",
    "createdById",
    "createdDate",
    "systemModstamp",
    "state",
    "externalIdFieldName",
    "concurrencyMode",
    "contentType",
    "apiVersion",
    "contentUrl",
    "lineEnding",
    "columnDelimiter",
)


def new_job(org: Org, store: JobStore, body: dict[str, Any], user_id: str, version: str) -> Info:
    """Validate a create request and build the job's info; raises SalesforceError as Salesforce would."""
    operation = body.get("operation")
    if operation not in OPERATIONS:
        raise InvalidJob(
            f"InvalidJob : Invalid operation: {operation}. Valid operations are: {', '.join(OPERATIONS)}"
        )
    name = body.get("object")
    if not isinstance(name, str) or not name:
        raise InvalidJob("InvalidJob : The object is required")
    obj = org.schema.get(name)
    if obj is None:
        raise NotFound(f"sObject type '{name}' is not supported.")
    if not obj.bulk_supported:
        raise InvalidEntity(f"Entity '{obj.name}' is not supported by the Bulk API.")
    content_type = body.get("contentType") or "CSV"
    if content_type != "CSV":
        raise InvalidJob(f"InvalidJob : Invalid contentType: {content_type}. Bulk API 2.0 ingest takes CSV")
    delimiter, line_ending = csv_format(body)
    external_id = body.get("externalIdFieldName")
    if operation == "upsert":
        key = obj.field(external_id) if isinstance(external_id, str) else None
        if not external_id:
            raise InvalidJob(
                f"InvalidJob : External ID was blank for {obj.name}. An External ID must be "
                "specified for upsert."
            )
        if key is None or not (key.external_id or key.name == "Id"):
            raise InvalidJob(
                f"InvalidJob : Field name provided, {external_id} is not an External ID or "
                f"indexed field for {obj.name}"
            )
        external_id = key.name
    job_id = store.new_id(JOB_PREFIX)
    stamp = rest_stamp(org.clock.stamp())
    job: Info = {
        "id": job_id,
        "operation": operation,
        "object": obj.name,
        "createdById": user_id,
        "createdDate": stamp,
        "systemModstamp": stamp,
        "state": "Open",
        "externalIdFieldName": external_id if operation == "upsert" else None,
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": float(version),
        "contentUrl": f"services/data/v{version}/jobs/ingest/{job_id}/batches",
        "lineEnding": line_ending,
        "columnDelimiter": delimiter,
        "jobType": "V2Ingest",
        "numberRecordsProcessed": 0,
        "numberRecordsFailed": 0,
        "retries": 0,
        "totalProcessingTime": 0,
        "apiActiveProcessingTime": 0,
        "apexProcessingTime": 0,
    }
    if body.get("assignmentRuleId"):
        job["assignmentRuleId"] = body["assignmentRuleId"]
    return job


def short_info(job: Info) -> Info:
    shown = {key: job[key] for key in SHORT if key in job}
    if shown.get("externalIdFieldName") is None:
        shown.pop("externalIdFieldName", None)
    return shown


def full_info(job: Info) -> Info:
    shown = {k: v for k, v in job.items() if not k.startswith("_")}
    if shown.get("externalIdFieldName") is None:
        shown.pop("externalIdFieldName", None)
    return shown


def upload_path(store: JobStore, job_id: str) -> Path:
    return store.path(f"{job_id}.csv")


def process(org: Org, store: JobStore, job_id: str) -> None:
    """Run a closed job to JobComplete or Failed; resumes after the last committed chunk."""
    job = store.job(job_id, [KIND])
    if job is None or job["state"] not in PROCESSING:
        return
    started = time.monotonic()
    job["state"] = "InProgress"
    store.save_job(job)
    try:
        _run(org, store, job)
        job["state"] = "JobComplete"
    except (JobFailure, CsvError) as failure:
        job["state"] = "Failed"
        job["errorMessage"] = str(failure)
    except Exception as exc:  # never leave a job InProgress forever
        job["state"] = "Failed"
        job["errorMessage"] = f"UnknownException : {exc}"
        raise
    finally:
        elapsed = int((time.monotonic() - started) * 1000)
        job["totalProcessingTime"] = job.get("totalProcessingTime", 0) + elapsed
        job["apiActiveProcessingTime"] = job.get("apiActiveProcessingTime", 0) + elapsed
        job["systemModstamp"] = rest_stamp(org.clock.stamp())
        store.save_job(job)


def _run(org: Org, store: JobStore, job: Info) -> None:
    path = upload_path(store, job["id"])
    if not path.exists():
        raise JobFailure("InvalidBatch : No data was uploaded for this job")
    delimiter = DELIMITERS[job["columnDelimiter"]]
    header = _check_upload(path, delimiter)
    obj = org.schema.get(job["object"])
    if obj is None:
        raise JobFailure(f"InvalidEntity : sObject type '{job['object']}' is not supported")
    columns = plan_columns(org, obj, header, job["operation"], job.get("externalIdFieldName"))
    writer = RecordWriter(org, obj, job["operation"], job.get("externalIdFieldName"), job["createdById"])
    id_index = next(
        (
            i
            for i, column in enumerate(columns.columns)
            if column.field is not None and column.field.name == "Id"
        ),
        None,
    )
    start = store.progress(job["id"])
    base_processed, base_failed = job["numberRecordsProcessed"], job["numberRecordsFailed"]

    def on_chunk(processed: int, failed: int) -> None:
        job["numberRecordsProcessed"] = base_processed + processed
        job["numberRecordsFailed"] = base_failed + failed
        store.save_job(job)

    def failed_id(cells: list[str]) -> str | None:
        named = cells[id_index] if id_index is not None else ""
        return (ids.normalize(named) or named) if named else None

    def parsed(cells: list[str]) -> Any:
        try:
            return columns.record(cells)
        except SalesforceError as error:  # e.g. a relationship lookup that finds nothing
            return error

    def insert_chunk(chunk: list[tuple[int, list[str]]]) -> list[Any]:
        return writer.insert_many([parsed(cells) for _, cells in chunk])

    items = ((seq, cells) for seq, cells in enumerate(data_rows(path, delimiter)) if seq >= start)
    run_records(
        org,
        store,
        job["id"],
        items,
        lambda _seq, cells: writer.apply(columns.record(cells)),
        id_of=failed_id,
        on_chunk=on_chunk,
        apply_chunk=insert_chunk if job["operation"] == "insert" else None,
    )


def _check_upload(path: Path, delimiter: str) -> list[str]:
    """Read the whole upload once before writing anything: a malformed file fails the job untouched."""
    rows = read_upload(path, delimiter)
    header = next(rows, None)
    if not header:
        raise JobFailure("InvalidBatch : The CSV has no header row")
    for number, row in enumerate(rows, start=2):
        if row and len(row) != len(header):
            raise CsvError(
                f"ClientInputError : Row {number} has {len(row)} columns but the header has {len(header)}"
            )
    return header


def data_rows(path: Path, delimiter: str) -> Iterator[list[str]]:
    """The uploaded rows after the header, blank lines skipped."""
    rows = read_upload(path, delimiter)
    next(rows, None)
    for row in rows:
        if row:
            yield row


def render_results(store: JobStore, job: Info, kind: str) -> Iterator[str]:
    """successfulResults, failedResults or unprocessedrecords, as CSV text in pieces."""
    delimiter = DELIMITERS[job["columnDelimiter"]]
    eol = LINE_ENDINGS[job["lineEnding"]]
    path = upload_path(store, job["id"])
    prefix = delimiter.join(quote(name) for name in RESULT_COLUMNS[kind])
    if not path.exists():
        yield prefix + eol if prefix else ""
        return
    if store.progress(job["id"]) == 0:
        # Nothing was processed (aborted, failed, or still open): every row is unprocessed, byte for byte.
        if kind == "unprocessed":
            yield path.read_text(encoding="utf-8-sig", errors="replace")
            return
        try:
            header = next(read_upload(path, delimiter), None)
        except CsvError:
            header = None
        yield prefix + (delimiter + minimal_line(header, delimiter, eol) if header else eol)
        return
    header = next(read_upload(path, delimiter), None) or []
    yield from _result_lines(store, job, kind, header, data_rows(path, delimiter), prefix, delimiter, eol)


def _result_lines(
    store: JobStore,
    job: Info,
    kind: str,
    header: list[str],
    rows: Iterator[list[str]],
    prefix: str,
    delimiter: str,
    eol: str,
) -> Iterator[str]:
    yield (prefix + delimiter if prefix else "") + minimal_line(header, delimiter, eol)
    outcomes = {
        seq: (record_id, created, error) for seq, record_id, created, error in store.results(job["id"])
    }
    pending: list[str] = []
    for seq, cells in enumerate(rows):
        outcome = outcomes.get(seq)
        if kind == "unprocessed":
            if outcome is not None:
                continue
            line = minimal_line(cells, delimiter, eol)
        elif outcome is None or (outcome[2] is None) != (kind == "successful"):
            continue
        else:
            record_id, created, error = outcome
            second = ("true" if created else "false") if kind == "successful" else (error or "")
            line = f"{quote(record_id or '')}{delimiter}{quote(second)}{delimiter}" + minimal_line(
                cells, delimiter, eol
            )
        pending.append(line)
        if len(pending) >= 2000:
            yield "".join(pending)
            pending.clear()
    if pending:
        yield "".join(pending)
