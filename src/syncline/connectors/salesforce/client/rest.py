"""The REST API: describeGlobal, describe (cached), query/queryAll paging, limits, sObject Collections."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

import httpx

from syncline.connectors.salesforce.client.http import SalesforceHttp

__all__ = ["COLLECTION_LIMIT", "QueryPage", "RecordError", "RecordResult", "RestApi", "query_pages"]

COLLECTION_LIMIT = 200  # records per sObject Collections call


@dataclass(frozen=True)
class QueryPage:
    """One page of a SOQL answer.

    Attributes:
        records: The page's records, as Salesforce sent them (each with `attributes`).
        total_size: Rows in the whole result, not in this page.
        done: Whether this is the last page.
    """

    records: list[dict[str, Any]]
    total_size: int
    done: bool


@dataclass(frozen=True)
class RecordError:
    """One error of one record (`statusCode` in collection answers)."""

    status_code: str
    message: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordResult:
    """The outcome of one record of a collection call, in request order.

    Attributes:
        id: The record id (None for a failed create).
        success: Whether the record was written.
        created: For upserts, whether it was inserted (None for other operations).
        errors: Why it failed.
    """

    id: str | None
    success: bool
    created: bool | None = None
    errors: tuple[RecordError, ...] = ()

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> RecordResult:
        errors = tuple(
            RecordError(
                str(error.get("statusCode") or error.get("errorCode") or ""),
                str(error.get("message") or ""),
                tuple(error.get("fields") or ()),
            )
            for error in body.get("errors") or ()
        )
        return cls(
            id=body.get("id"), success=bool(body.get("success")), created=body.get("created"), errors=errors
        )


def query_pages(
    http: SalesforceHttp, resource: str, soql: str, *, batch_size: int | None = None
) -> Iterator[QueryPage]:
    """Pages of `soql` from a query resource (`query`, `queryAll`, `tooling/query`) by `nextRecordsUrl`."""
    headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else None
    body = http.json("GET", http.data_path(resource), params={"q": soql}, headers=headers)
    while True:
        yield QueryPage(
            records=body.get("records") or [], total_size=int(body.get("totalSize") or 0), done=body["done"]
        )
        following = body.get("nextRecordsUrl")
        if body.get("done") or not following:
            return
        body = http.json("GET", following, headers=headers)


class RestApi:
    """The org's REST resources under `/services/data/vXX.X/`."""

    def __init__(self, http: SalesforceHttp) -> None:
        self.http = http
        self._describes: dict[str, tuple[dict[str, Any], float]] = {}
        self._lock = threading.Lock()

    # --- metadata --------------------------------------------------------------------------------

    def describe_global(self) -> list[dict[str, Any]]:
        """Every object of the org (`name`, `queryable`, `createable`, ...)."""
        body = self.http.json("GET", self.http.data_path("sobjects"))
        return list(body.get("sobjects") or [])

    def describe(self, sobject: str, *, revalidate: bool = True) -> dict[str, Any]:
        """An object's full describe (fields, child relationships, ...), cached per client.

        A cached describe is revalidated with `If-Modified-Since` (one call, answered 304 when unchanged)
        unless `revalidate` is false, in which case the cache answers without a call.
        """
        with self._lock:
            cached = self._describes.get(sobject)
        if cached is not None and not revalidate:
            return cached[0]
        headers = {"If-Modified-Since": formatdate(cached[1], usegmt=True)} if cached else None
        fetched_at = time.time()
        response = self.http.send("GET", self.http.data_path(f"sobjects/{sobject}/describe"), headers=headers)
        if cached is not None and response.status_code == httpx.codes.NOT_MODIFIED:
            return cached[0]
        body: dict[str, Any] = response.json()
        with self._lock:
            self._describes[sobject] = (body, fetched_at)
        return body

    def forget(self, sobject: str | None = None) -> None:
        """Drop a cached describe (every one when `sobject` is None)."""
        with self._lock:
            if sobject is None:
                self._describes.clear()
            else:
                self._describes.pop(sobject, None)

    def limits(self) -> dict[str, Any]:
        """`/limits`: e.g. `DailyApiRequests` → `{"Max": 15000, "Remaining": 14998}`."""
        body: dict[str, Any] = self.http.json("GET", self.http.data_path("limits"))
        return body

    # --- query -----------------------------------------------------------------------------------

    def query_pages(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[QueryPage]:
        """Pages of a SOQL query; `include_deleted` uses `queryAll` (recycle bin and archived rows too)."""
        resource = "queryAll" if include_deleted else "query"
        return query_pages(self.http, resource, soql, batch_size=batch_size)

    def query(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every record of a SOQL query, page after page."""
        for page in self.query_pages(soql, include_deleted=include_deleted, batch_size=batch_size):
            yield from page.records

    # --- sObject Collections -----------------------------------------------------------------------

    def create(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, all_or_none: bool = False
    ) -> list[RecordResult]:
        """Insert up to 200 records; results in request order."""
        body = {"allOrNone": all_or_none, "records": _typed(sobject, records)}
        return self._results("POST", self.http.data_path("composite/sobjects"), json=body)

    def update(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, all_or_none: bool = False
    ) -> list[RecordResult]:
        """Update up to 200 records by their `Id`; results in request order."""
        body = {"allOrNone": all_or_none, "records": _typed(sobject, records)}
        return self._results("PATCH", self.http.data_path("composite/sobjects"), json=body, idempotent=True)

    def upsert(
        self,
        sobject: str,
        external_id_field: str,
        records: Sequence[Mapping[str, Any]],
        *,
        all_or_none: bool = False,
    ) -> list[RecordResult]:
        """Insert or update up to 200 records matched on `external_id_field`; results say `created`."""
        body = {"allOrNone": all_or_none, "records": _typed(sobject, records)}
        path = self.http.data_path(f"composite/sobjects/{sobject}/{external_id_field}")
        return self._results("PATCH", path, json=body, idempotent=True)

    def delete(self, ids: Sequence[str], *, all_or_none: bool = False) -> list[RecordResult]:
        """Delete up to 200 records by id (to the recycle bin); results in request order."""
        _check_size(ids)
        params = {"ids": ",".join(ids), "allOrNone": str(all_or_none).lower()}
        return self._results("DELETE", self.http.data_path("composite/sobjects"), params=params)

    def _results(self, method: str, path: str, **kwargs: Any) -> list[RecordResult]:
        return [RecordResult.from_json(result) for result in self.http.json(method, path, **kwargs)]


def _typed(sobject: str, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Records with `attributes.type` set, as collections require."""
    _check_size(records)
    return [{"attributes": {"type": sobject}, **record} for record in records]


def _check_size(items: Sequence[object]) -> None:
    if len(items) > COLLECTION_LIMIT:
        msg = f"sObject Collections take at most {COLLECTION_LIMIT} records per call, got {len(items)}"
        raise ValueError(msg)
