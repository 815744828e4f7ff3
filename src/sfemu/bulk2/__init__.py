"""Bulk API 2.0: ingest jobs (`/jobs/ingest`) and query jobs (`/jobs/query`) under `/services/data/vXX.X`.

Jobs, uploads and results persist in the org's data directory (`jobs.JobStore`); records are written
through `org.records`, the write path every API shares. Bulk 1.0 (`sfemu.bulk1`) reuses the job store
and the ingest engine.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from sfemu.bulk2 import ingest_http, query_http
from sfemu.bulk2.jobs import ensure_tables

__all__ = ["ensure_tables", "routes"]


def routes() -> list[BaseRoute]:
    return [*ingest_http.routes(), *query_http.routes()]
