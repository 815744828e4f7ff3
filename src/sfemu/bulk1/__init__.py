"""Bulk API 1.0 (`/services/async/{version}/job`): the singer tap's BULK mode, simple-salesforce's `sf.bulk`.

Jobs take batches of CSV, JSON or XML records (or a SOQL query), processed through the same ingest
engine and job store as Bulk 2.0 (`sfemu.bulk2`); Serial and Parallel jobs differ under lock contention.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from sfemu.bulk1 import http

__all__ = ["routes"]


def routes() -> list[BaseRoute]:
    return http.routes()
