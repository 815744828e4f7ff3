"""Bulk API 1.0 (`/services/async/XX.X/`), for what 2.0 cannot do: Serial concurrency, batch sizes of our
choosing, and PK-chunked queries.

Jobs are created and closed in JSON; batches of CSV jobs are described in XML (as Salesforce does), so
batch answers are read in whichever of the two they come. Authentication is the `X-SFDC-Session` header.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pyarrow as pa

from syncline.connectors.salesforce.client.csvarrow import read_csv, write_csv
from syncline.connectors.salesforce.client.http import SalesforceHttp
from syncline.connectors.salesforce.client.polling import PollPolicy, poll_until
from syncline.connectors.salesforce.errors import BulkJobFailed

__all__ = ["Bulk1Api", "Bulk1Load", "Concurrency"]

Concurrency = Literal["Parallel", "Serial"]
Operation = Literal["insert", "update", "upsert", "delete", "hardDelete", "query", "queryAll"]
_DONE = frozenset({"Completed", "Failed", "NotProcessed"})
_JSON = {"Content-Type": "application/json"}
DEFAULT_BATCH_SIZE = 10_000


@dataclass(frozen=True)
class Bulk1Load:
    """A finished Bulk 1.0 DML job.

    Attributes:
        job: The closed job's info.
        batches: Each batch's final info, in upload order.
        results: One row per uploaded record, in upload order: `Id`, `Success`, `Created`, `Error`.
    """

    job: dict[str, Any]
    batches: list[dict[str, Any]]
    results: pa.Table


class Bulk1Api:
    """Bulk API 1.0 jobs with CSV content."""

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

    # --- whole jobs ------------------------------------------------------------------------------

    def load(
        self,
        sobject: str,
        operation: Operation,
        table: pa.Table,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        concurrency: Concurrency = "Parallel",
        external_id_field: str | None = None,
    ) -> Bulk1Load:
        """Write `table` in batches of `batch_size` rows; Serial runs the batches one after another."""
        job = self.create_job(
            sobject, operation, concurrency=concurrency, external_id_field=external_id_field
        )
        batches = self.add_batches(job["id"], table, batch_size=batch_size)
        job = self.close_job(job["id"])
        finished = self.wait_batches(job["id"], [batch["id"] for batch in batches])
        failed = [batch for batch in finished if batch["state"] != "Completed"]
        if failed:
            raise BulkJobFailed(
                job["id"], f"with batch {failed[0]['id']} {failed[0]['state']}", failed[0].get("stateMessage")
            )
        tables = [self.batch_results(job["id"], batch["id"]) for batch in finished]
        results = pa.concat_tables(tables) if tables else pa.table({})
        return Bulk1Load(job=job, batches=finished, results=results)

    def query(
        self,
        sobject: str,
        soql: str,
        *,
        include_deleted: bool = False,
        pk_chunk_size: int | None = None,
        schema: pa.Schema | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Run a query job (PK-chunked when `pk_chunk_size` is given) and yield its rows."""
        operation: Operation = "queryAll" if include_deleted else "query"
        job = self.create_job(sobject, operation, pk_chunk_size=pk_chunk_size)
        self.add_batch(job["id"], soql)
        self.close_job(job["id"])
        for batch in self.wait_batches(job["id"]):
            if batch["state"] == "Failed":
                raise BulkJobFailed(job["id"], "Failed", batch.get("stateMessage"))
            if batch["state"] == "Completed":
                yield from self.query_results(job["id"], batch["id"], schema=schema)

    # --- steps -----------------------------------------------------------------------------------

    def create_job(
        self,
        sobject: str,
        operation: Operation,
        *,
        concurrency: Concurrency = "Parallel",
        external_id_field: str | None = None,
        pk_chunk_size: int | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "operation": operation,
            "object": sobject,
            "contentType": "CSV",
            "concurrencyMode": concurrency,
        }
        if external_id_field:
            body["externalIdFieldName"] = external_id_field
        headers = dict(_JSON)
        if pk_chunk_size:
            headers["Sforce-Enable-PKChunking"] = f"chunkSize={pk_chunk_size}"
        return self._json_info(
            self.http.send("POST", self._path("job"), json=body, headers=headers, session_header=True)
        )

    def add_batch(self, job_id: str, data: bytes | str) -> dict[str, Any]:
        """Add one batch: CSV records for DML jobs, the SOQL text for query jobs."""
        response = self.http.send(
            "POST",
            self._path(f"job/{job_id}/batch"),
            content=data,
            headers={"Content-Type": "text/csv; charset=UTF-8"},
            session_header=True,
        )
        return _batch_infos(response)[0]

    def add_batches(
        self, job_id: str, table: pa.Table, *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> list[dict[str, Any]]:
        """Add `table` as CSV batches of at most `batch_size` rows (sliced in Arrow, not row by row)."""
        if batch_size < 1:
            msg = f"batch_size must be at least 1, not {batch_size}"
            raise ValueError(msg)
        return [
            self.add_batch(job_id, write_csv(table.slice(offset, batch_size)))
            for offset in range(0, table.num_rows, batch_size)
        ]

    def close_job(self, job_id: str) -> dict[str, Any]:
        return self._set_state(job_id, "Closed")

    def abort_job(self, job_id: str) -> dict[str, Any]:
        return self._set_state(job_id, "Aborted")

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.http.send("GET", self._path(f"job/{job_id}"), headers=_JSON, session_header=True)
        return self._json_info(response)

    def batches(self, job_id: str) -> list[dict[str, Any]]:
        """Every batch of the job (PK chunking adds its chunk batches here)."""
        return _batch_infos(self.http.send("GET", self._path(f"job/{job_id}/batch"), session_header=True))

    def batch(self, job_id: str, batch_id: str) -> dict[str, Any]:
        response = self.http.send("GET", self._path(f"job/{job_id}/batch/{batch_id}"), session_header=True)
        return _batch_infos(response)[0]

    def wait_batches(self, job_id: str, batch_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Poll until the batches (all of the job's when None) are Completed, Failed or NotProcessed."""
        if batch_ids is None:
            return poll_until(
                lambda: self.batches(job_id),
                lambda batches: all(batch["state"] in _DONE for batch in batches),
                what=f"Bulk 1.0 job {job_id}",
                policy=self.poll,
                sleep=self._sleep,
            )
        return [self._wait_batch(job_id, batch_id) for batch_id in batch_ids]

    def batch_results(self, job_id: str, batch_id: str) -> pa.Table:
        """A DML batch's results, one row per record in upload order: `Id`, `Success`, `Created`, `Error`."""
        response = self.http.send(
            "GET", self._path(f"job/{job_id}/batch/{batch_id}/result"), session_header=True
        )
        return read_csv(response.content)

    def query_results(
        self, job_id: str, batch_id: str, *, schema: pa.Schema | None = None
    ) -> Iterator[pa.RecordBatch]:
        """A query batch's rows: each result file of the batch parsed into record batches."""
        base = f"job/{job_id}/batch/{batch_id}/result"
        listing = self.http.send("GET", self._path(base), session_header=True)
        for result_id in _result_ids(listing):
            response = self.http.send("GET", self._path(f"{base}/{result_id}"), session_header=True)
            yield from read_csv(response.content, schema=schema).to_batches()

    # --- plumbing --------------------------------------------------------------------------------

    def _path(self, relative: str) -> str:
        return self.http.async_path(relative)

    def _wait_batch(self, job_id: str, batch_id: str) -> dict[str, Any]:
        return poll_until(
            lambda: self.batch(job_id, batch_id),
            lambda batch: batch["state"] in _DONE,
            what=f"Bulk 1.0 batch {batch_id} of job {job_id}",
            policy=self.poll,
            sleep=self._sleep,
        )

    def _set_state(self, job_id: str, state: str) -> dict[str, Any]:
        response = self.http.send(
            "POST",
            self._path(f"job/{job_id}"),
            json={"state": state},
            headers=_JSON,
            idempotent=True,
            session_header=True,
        )
        return self._json_info(response)

    @staticmethod
    def _json_info(response: httpx.Response) -> dict[str, Any]:
        if _is_xml(response):
            return _xml_infos(response.content, "jobInfo")[0]
        info: dict[str, Any] = response.json()
        return info


def _is_xml(response: httpx.Response) -> bool:
    return "xml" in response.headers.get("content-type", "") or response.content.lstrip().startswith(b"<")


def _batch_infos(response: httpx.Response) -> list[dict[str, Any]]:
    if _is_xml(response):
        return _xml_infos(response.content, "batchInfo")
    body = response.json()
    if isinstance(body, dict) and "batchInfo" in body:
        return list(body["batchInfo"])
    return [body]


def _result_ids(response: httpx.Response) -> list[str]:
    if _is_xml(response):
        root = ET.fromstring(response.content)  # Salesforce's own answer
        return [element.text or "" for element in root if _local(element.tag) == "result"]
    return [str(result_id) for result_id in response.json()]


def _xml_infos(content: bytes, tag: str) -> list[dict[str, Any]]:
    """`<jobInfo>`/`<batchInfo>` elements (the root or its children) as dicts; counters as ints."""
    root = ET.fromstring(content)  # Salesforce's own answer
    elements = [root] if _local(root.tag) == tag else [child for child in root if _local(child.tag) == tag]
    return [
        {_local(field.tag): _value(_local(field.tag), field.text) for field in element}
        for element in elements
    ]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _value(name: str, text: str | None) -> Any:
    if text is not None and name.startswith(("number", "total", "api")) and text.lstrip("-").isdigit():
        return int(text)
    return text
