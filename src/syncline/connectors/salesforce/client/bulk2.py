"""Bulk API 2.0: query jobs into Arrow record batches, ingest jobs from CSV or Arrow.

Query: create → poll until `JobComplete` → stream result pages by `Sforce-Locator` (the literal `null`
ends them), each parsed by `pyarrow.csv` as it arrives (`bulk2_results`). Ingest: create → upload one
CSV → close (`UploadComplete`) → poll → fetch successful, failed and unprocessed records as Arrow tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa

from syncline.connectors.salesforce.client.bulk2_results import ResultPages
from syncline.connectors.salesforce.client.csvarrow import DELIMITERS, read_csv, write_csv
from syncline.connectors.salesforce.client.csvstream import DEFAULT_BLOCK_SIZE
from syncline.connectors.salesforce.client.http import SalesforceHttp
from syncline.connectors.salesforce.client.polling import PollPolicy, poll_until
from syncline.connectors.salesforce.errors import BulkJobFailed

__all__ = ["Bulk2Api", "IngestOperation", "IngestResults"]

IngestOperation = Literal["insert", "update", "upsert", "delete", "hardDelete"]
_DONE = frozenset({"JobComplete", "Failed", "Aborted"})
_CSV = {"Accept": "text/csv"}


@dataclass(frozen=True)
class IngestResults:
    """What an ingest job did, as string-typed Arrow tables.

    Attributes:
        job: The final job info (`numberRecordsProcessed`, `numberRecordsFailed`, ...).
        successful: `sf__Id`, `sf__Created`, then the uploaded columns.
        failed: `sf__Id`, `sf__Error` (`CODE:message`), then the uploaded columns.
        unprocessed: The uploaded columns of rows never processed (job aborted or failed).
    """

    job: dict[str, Any]
    successful: pa.Table
    failed: pa.Table
    unprocessed: pa.Table


class Bulk2Api:
    """Bulk API 2.0 under `/services/data/vXX.X/jobs/`."""

    def __init__(
        self,
        http: SalesforceHttp,
        *,
        poll: PollPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = http
        self.poll = poll or PollPolicy()
        self._sleep = sleep

    # --- query -----------------------------------------------------------------------------------

    def query(
        self,
        soql: str,
        *,
        include_deleted: bool = False,
        max_records: int | None = None,
        schema: pa.Schema | None = None,
        delete_job: bool = True,
        block_size: int = DEFAULT_BLOCK_SIZE,
    ) -> Generator[pa.RecordBatch, None, None]:
        """Run `soql` as a Bulk query job and yield its rows as record batches.

        Lazy: the job is created on the first `next()`, pages are streamed as they are consumed (memory
        holds a bounded read-ahead of `block_size` CSV blocks, whatever the page size), and the job is deleted
        (`delete_job`) once the last page was read. An empty result yields no batch.

        Raises:
            BulkNotSupported: The object or query cannot use Bulk (e.g. compound fields); use REST.
            BulkJobFailed: The job ended Failed or Aborted.
        """
        job = self.create_query_job(soql, include_deleted=include_deleted)
        self.wait_query_job(job["id"])
        yield from self.query_results(
            job["id"], max_records=max_records, schema=schema, block_size=block_size
        )
        if delete_job:
            self.http.send("DELETE", self._path("query", job["id"]))

    def create_query_job(self, soql: str, *, include_deleted: bool = False) -> dict[str, Any]:
        body = {
            "operation": "queryAll" if include_deleted else "query",
            "query": soql,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }
        job: dict[str, Any] = self.http.json("POST", self._path("query"), json=body)
        return job

    def query_job(self, job_id: str) -> dict[str, Any]:
        info: dict[str, Any] = self.http.json("GET", self._path("query", job_id))
        return info

    def wait_query_job(self, job_id: str) -> dict[str, Any]:
        """Poll until the job is done; its final info. Raises `BulkJobFailed` if it failed or was aborted."""
        return self._wait("query", job_id)

    def query_results(
        self,
        job_id: str,
        *,
        max_records: int | None = None,
        schema: pa.Schema | None = None,
        block_size: int = DEFAULT_BLOCK_SIZE,
    ) -> Iterator[pa.RecordBatch]:
        """Every result page of a finished query job, streamed into record batches.

        Columns are strings unless `schema` types them, the same on every page. A page that breaks off
        mid-download is read again from its locator without repeating a row.
        """
        return iter(
            ResultPages(
                self.http,
                self._path("query", job_id, "results"),
                max_records=max_records,
                schema=schema,
                block_size=block_size,
                sleep=self._sleep,
            )
        )

    def abort_query_job(self, job_id: str) -> dict[str, Any]:
        info: dict[str, Any] = self.http.json(
            "PATCH", self._path("query", job_id), json={"state": "Aborted"}, idempotent=True
        )
        return info

    def delete_query_job(self, job_id: str) -> None:
        self.http.send("DELETE", self._path("query", job_id))

    # --- ingest ----------------------------------------------------------------------------------

    def ingest(
        self,
        sobject: str,
        operation: IngestOperation,
        data: bytes | pa.Table,
        *,
        external_id_field: str | None = None,
    ) -> IngestResults:
        """Create, upload, close and wait for an ingest job; its per-record results.

        Rows that fail validation are in `failed`; the job itself still completes. A job that fails as a
        whole (bad header, unknown field) raises `BulkJobFailed`, whose `job_id` gives the unprocessed rows.
        """
        job = self.create_ingest_job(sobject, operation, external_id_field=external_id_field)
        self.upload(job["id"], data)
        self.close_ingest_job(job["id"])
        self.wait_ingest_job(job["id"])
        return self.ingest_results(job["id"])

    def create_ingest_job(
        self,
        sobject: str,
        operation: IngestOperation,
        *,
        external_id_field: str | None = None,
        line_ending: Literal["LF", "CRLF"] = "LF",
        column_delimiter: str = "COMMA",
        assignment_rule_id: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "object": sobject,
            "operation": operation,
            "contentType": "CSV",
            "lineEnding": line_ending,
            "columnDelimiter": column_delimiter,
        }
        if external_id_field:
            body["externalIdFieldName"] = external_id_field
        if assignment_rule_id:
            body["assignmentRuleId"] = assignment_rule_id
        job: dict[str, Any] = self.http.json("POST", self._path("ingest"), json=body)
        return job

    def upload(self, job_id: str, data: bytes | pa.Table, *, column_delimiter: str = "COMMA") -> None:
        """Upload the job's one CSV body (bytes as they are, or an Arrow table written as CSV)."""
        if isinstance(data, pa.Table):
            data = write_csv(data, delimiter=DELIMITERS[column_delimiter])
        self.http.send(
            "PUT", self._path("ingest", job_id, "batches"), content=data, headers={"Content-Type": "text/csv"}
        )

    def close_ingest_job(self, job_id: str) -> dict[str, Any]:
        """Mark the upload complete so Salesforce starts processing."""
        return self._set_state(job_id, "UploadComplete")

    def abort_ingest_job(self, job_id: str) -> dict[str, Any]:
        return self._set_state(job_id, "Aborted")

    def ingest_job(self, job_id: str) -> dict[str, Any]:
        info: dict[str, Any] = self.http.json("GET", self._path("ingest", job_id))
        return info

    def wait_ingest_job(self, job_id: str) -> dict[str, Any]:
        """Poll until the job is done; its final info. Raises `BulkJobFailed` if it failed or was aborted."""
        return self._wait("ingest", job_id)

    def ingest_results(self, job_id: str) -> IngestResults:
        """The successful, failed and unprocessed records of an ingest job."""
        job = self.ingest_job(job_id)
        delimiter = DELIMITERS.get(job.get("columnDelimiter", "COMMA"), ",")

        def table(kind: str) -> pa.Table:
            response = self.http.send("GET", self._path("ingest", job_id, kind), headers=_CSV)
            return read_csv(response.content, delimiter=delimiter)

        return IngestResults(
            job=job,
            successful=table("successfulResults"),
            failed=table("failedResults"),
            unprocessed=table("unprocessedrecords"),
        )

    def delete_ingest_job(self, job_id: str) -> None:
        self.http.send("DELETE", self._path("ingest", job_id))

    # --- plumbing --------------------------------------------------------------------------------

    def _path(self, kind: str, *parts: str) -> str:
        return self.http.data_path("/".join(("jobs", kind, *parts)))

    def _set_state(self, job_id: str, state: str) -> dict[str, Any]:
        info: dict[str, Any] = self.http.json(
            "PATCH", self._path("ingest", job_id), json={"state": state}, idempotent=True
        )
        return info

    def _wait(self, kind: str, job_id: str) -> dict[str, Any]:
        info = poll_until(
            lambda: self.http.json("GET", self._path(kind, job_id)),
            lambda info: info.get("state") in _DONE,
            what=f"Bulk 2.0 {kind} job {job_id}",
            policy=self.poll,
            sleep=self._sleep,
        )
        if info["state"] != "JobComplete":
            raise BulkJobFailed(job_id, info["state"], info.get("errorMessage"))
        result: dict[str, Any] = info
        return result
