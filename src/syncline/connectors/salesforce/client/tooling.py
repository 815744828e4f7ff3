"""The Tooling API (`/services/data/vXX.X/tooling/`): its objects, their describes, and queries.

Tooling objects cannot use the Bulk API, so they are always read over REST with `nextRecordsUrl` paging.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from syncline.connectors.salesforce.client.http import SalesforceHttp
from syncline.connectors.salesforce.client.rest import QueryPage, query_pages

__all__ = ["ToolingApi"]


class ToolingApi:
    def __init__(self, http: SalesforceHttp) -> None:
        self.http = http

    def sobjects(self) -> list[dict[str, Any]]:
        """Every Tooling object (`name`, `queryable`, ...)."""
        body = self.http.json("GET", self.http.data_path("tooling/sobjects"))
        return list(body.get("sobjects") or [])

    def describe(self, sobject: str) -> dict[str, Any]:
        body: dict[str, Any] = self.http.json(
            "GET", self.http.data_path(f"tooling/sobjects/{sobject}/describe")
        )
        return body

    def query_pages(self, soql: str, *, include_deleted: bool = False) -> Iterator[QueryPage]:
        return query_pages(self.http, "tooling/queryAll" if include_deleted else "tooling/query", soql)

    def query(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Every record of a Tooling SOQL query, page after page."""
        for page in self.query_pages(soql, include_deleted=include_deleted):
            yield from page.records
