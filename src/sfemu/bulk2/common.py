"""What the Bulk 2.0 handlers share: JSON answers, job lookup and the validation both job kinds apply.

Trailing slashes (`.../failedResults/`) are the app's concern: `sfemu.app` strips them before routing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sfemu.bulk2.csvio import DELIMITERS, LINE_ENDINGS
from sfemu.bulk2.jobs import Info, JobStore, store_of
from sfemu.errors import InvalidJob, NotFound
from sfemu.org import Org
from sfemu.rest.common import org_of, version_of

PROCESSING = ("UploadComplete", "InProgress")
JSON_TYPE = "application/json;charset=UTF-8"
CSV_TYPE = "text/csv"


def json_response(body: Any, status: int = 200) -> Response:
    """Job endpoints always answer JSON, whatever `Accept` says (simple-salesforce asks for CSV)."""
    return Response(json.dumps(body), status_code=status, media_type=JSON_TYPE)


def store(request: Request) -> JobStore:
    return store_of(org_of(request))


def csv_format(body: dict[str, Any]) -> tuple[str, str]:
    """The job's `columnDelimiter` and `lineEnding` names (defaults COMMA and LF), or INVALIDJOB."""
    delimiter = body.get("columnDelimiter") or "COMMA"
    if delimiter not in DELIMITERS:
        raise InvalidJob(f"InvalidJob : Invalid columnDelimiter: {delimiter}")
    line_ending = body.get("lineEnding") or "LF"
    if line_ending not in LINE_ENDINGS:
        raise InvalidJob(f"InvalidJob : Invalid lineEnding: {line_ending}")
    return delimiter, line_ending


def job_in_path(jobs: JobStore, request: Request, kind: str) -> Info:
    """The job of `kind` named by the path, or NOT_FOUND."""
    version_of(request)
    job = jobs.job(request.path_params["job_id"], [kind])
    if job is None:
        raise NotFound()
    return job


def settled_job(
    org: Org, jobs: JobStore, request: Request, kind: str, process: Callable[[Org, JobStore, str], None]
) -> Info:
    """The job in the path, processed (or waited for) first if still running.

    Within the org's `bulk_processing_seconds` a job shows `InProgress`; after it, it is done.
    """
    job = job_in_path(jobs, request, kind)
    if job["state"] in PROCESSING:
        if not jobs.settle(job["id"], lambda: process(org, jobs, job["id"])):
            return {**job, "state": "InProgress"}
        job = job_in_path(jobs, request, kind)
    return job
