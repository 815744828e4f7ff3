"""What the Bulk 2.0 handlers share: Salesforce's JSON content type, blocking work off the event loop.

Trailing slashes (`.../failedResults/`) are the app's concern: `sfemu.app` strips them before routing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from sfemu.bulk2.jobs import JobStore, store_of
from sfemu.errors import SalesforceError
from sfemu.rest.common import org_of

JSON_TYPE = "application/json;charset=UTF-8"
CSV_TYPE = "text/csv"
T = TypeVar("T")


def json_response(body: Any, status: int = 200) -> Response:
    """Job endpoints always answer JSON, whatever `Accept` says (simple-salesforce asks for CSV)."""
    return Response(json.dumps(body), status_code=status, media_type=JSON_TYPE)


def store(request: Request) -> JobStore:
    return store_of(org_of(request))


async def blocking(function: Callable[..., T], *args: Any) -> T:
    return await run_in_threadpool(function, *args)


def not_found() -> SalesforceError:
    return SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
