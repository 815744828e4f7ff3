"""Reading a finished Bulk 2.0 query job's result pages as a stream of Arrow record batches.

Each page (`GET .../results?locator=…&maxRecords=…`) is downloaded with a streamed response and parsed as its
bytes arrive (`csvstream.stream_csv`), so memory holds about one CSV block, not a page and never the result.
Every request goes through `SalesforceHttp` (budget, token renewal, retries before the body). A page whose
body fails part way (a reset, a timeout, fewer rows than `Sforce-NumberOfRecords`) is requested again from
its own locator, and the rows already yielded from it are skipped: a page's rows are fixed once the job is
complete, so nothing is duplicated or lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from dataclasses import dataclass

import httpx
import pyarrow as pa

from syncline.connectors.salesforce.client.csvstream import DEFAULT_BLOCK_SIZE, stream_csv
from syncline.connectors.salesforce.client.http import SalesforceHttp
from syncline.connectors.salesforce.errors import SalesforceUnavailable

__all__ = ["ResultPages"]

_CSV = {"Accept": "text/csv"}
log = logging.getLogger(__name__)


class _ShortPage(Exception):
    """The body ended cleanly but held fewer rows than `Sforce-NumberOfRecords` promised."""


@dataclass
class ResultPages:
    """The result pages of one finished query job, read in order.

    Attributes:
        http: Sends every request.
        path: The job's `/results` path.
        max_records: `maxRecords` per page; None lets Salesforce choose.
        schema: Types for the columns it names; the others are strings.
        block_size: Bytes of CSV parsed into each record batch.
        sleep: How to wait before requesting a failed page again.
        pages: Pages read so far (retries not included).
        rows: Rows yielded so far.
    """

    http: SalesforceHttp
    path: str
    max_records: int | None = None
    schema: pa.Schema | None = None
    block_size: int = DEFAULT_BLOCK_SIZE
    sleep: Callable[[float], None] = time.sleep
    pages: int = 0
    rows: int = 0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        locator: str | None = None
        while True:
            locator = yield from self._page(locator)
            self.pages += 1
            if not locator or locator == "null":
                return

    def _page(self, locator: str | None) -> Generator[pa.RecordBatch, None, str | None]:
        """Yield one page's batches; return the next page's locator."""
        params: dict[str, str] = {}
        if locator:
            params["locator"] = locator
        if self.max_records:
            params["maxRecords"] = str(self.max_records)
        policy, started, attempt, delivered = self.http.retry, time.monotonic(), 0, 0
        while True:
            attempt += 1
            response = self.http.send("GET", self.path, params=params, headers=_CSV, stream=True)
            try:
                parsed = 0
                batches = stream_csv(response.iter_bytes(), schema=self.schema, block_size=self.block_size)
                # The parser first (its read-ahead thread may be inside the body), then the connection.
                with closing(response), closing(batches):
                    for batch in batches:
                        first, parsed = parsed, parsed + batch.num_rows
                        if parsed <= delivered:
                            continue  # yielded before the previous attempt failed
                        batch = batch.slice(delivered - first) if first < delivered else batch
                        delivered = parsed
                        self.rows += batch.num_rows
                        yield batch
                    promised = response.headers.get("sforce-numberofrecords")
                    if promised is not None and promised.isdigit() and parsed < int(promised):
                        raise _ShortPage(f"{parsed} of {promised} rows arrived")
                return response.headers.get("sforce-locator")
            except (httpx.TransportError, _ShortPage) as exc:
                # Headers had arrived (send() retries what fails before them), so name the error as it is.
                why = (
                    f"{type(exc).__name__} after {parsed} rows"
                    if isinstance(exc, httpx.TransportError)
                    else str(exc)
                )
                if attempt >= policy.max_attempts or time.monotonic() - started > policy.deadline:
                    raise SalesforceUnavailable(
                        f"reading Bulk 2.0 result page {self.pages + 1} failed: {why}", attempts=attempt
                    ) from exc
                wait = policy.delay(attempt)
                log.info(
                    "Bulk 2.0 result page %d broke off (%s); reading it again in %.2f s",
                    self.pages + 1,
                    why,
                    wait,
                )
                self.sleep(wait)
