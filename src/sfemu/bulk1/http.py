"""Bulk 1.0 endpoints under `/services/async/{version}/job`, authenticated by `X-SFDC-Session`.

Every handler answers errors in Bulk 1.0's own shape (`sfemu.bulk1.wire.BulkError`), never the REST
array, in the format the request or the job calls for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute

from sfemu.bulk1 import dml, query
from sfemu.bulk1.jobs import (
    KIND,
    QUERY_OPERATIONS,
    close_job,
    job_info,
    new_batch,
    new_job,
    run_batch,
    settle_batches,
)
from sfemu.bulk1.wire import (
    JSON_TYPE,
    XML_TYPE,
    BulkError,
    batch_list_response,
    batch_response,
    ingest_results_json,
    ingest_results_xml,
    job_response,
    parse_job_xml,
    request_is_json,
    result_list_response,
)
from sfemu.bulk2.common import store
from sfemu.bulk2.csvio import quoted_line
from sfemu.bulk2.ingest import JobFailure
from sfemu.bulk2.jobs import Info, JobStore
from sfemu.errors import SalesforceError
from sfemu.org import Org
from sfemu.rest.common import caller, org_of
from sfemu.routing import body_of, route

PATH = "/services/async/{version}/job"
_VERSION = re.compile(r"^\d{2,3}\.\d$")
MEDIA = {"CSV": "text/csv", "JSON": JSON_TYPE, "XML": XML_TYPE}
Handler = Callable[[Request], Response]


def bulk_endpoint(handler: Handler) -> Handler:
    """Authenticate, check the version, and answer any failure as a Bulk 1.0 error."""

    @wraps(handler)
    def endpoint(request: Request) -> Response:
        request.state.bulk_json = bool(request_is_json(request))
        version = request.path_params.get("version", "")
        try:
            caller(request)
            if not _VERSION.match(version):
                raise BulkError(404, "InvalidUrl", f"Invalid API version: {version}")
            return handler(request)
        except BulkError as error:
            return error.response(request.state.bulk_json)
        except SalesforceError as error:
            if error.code == "INVALID_SESSION_ID":
                answer = BulkError(401, "InvalidSessionId", "Invalid session id")
            else:
                answer = BulkError(error.status, "InvalidBatch", error.message)
            return answer.response(request.state.bulk_json)

    return endpoint


def _job(request: Request, jobs: JobStore, *, by_request: bool) -> Info:
    """The job in the path; sets the response format (the request's, or the job's for batch resources)."""
    job = jobs.job(request.path_params["job_id"], [KIND])
    if job is None:
        raise BulkError(400, "InvalidJob", f"Invalid job id: {request.path_params['job_id']}")
    asked = request_is_json(request) if by_request else None
    request.state.bulk_json = asked if asked is not None else job["contentType"] == "JSON"
    return job


def _body_fields(request: Request) -> dict[str, Any]:
    raw = body_of(request)
    if request_is_json(request) is not False and not raw.lstrip().startswith(b"<"):
        try:
            body = json.loads(raw or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BulkError(400, "InvalidJob", f"Unable to parse the JSON body: {exc}") from None
        if not isinstance(body, dict):
            raise BulkError(400, "InvalidJob", "The body must be a JSON object")
        request.state.bulk_json = True
        return body
    request.state.bulk_json = False
    return parse_job_xml(raw)


@bulk_endpoint
def create_job(request: Request) -> Response:
    session = caller(request)
    org, jobs = org_of(request), store(request)
    body = _body_fields(request)
    job = new_job(
        org,
        jobs,
        body,
        session.user_id,
        request.path_params["version"],
        request.headers.get("sforce-enable-pkchunking"),
    )
    jobs.add_job(KIND, job)
    return job_response(job_info(jobs, job), request.state.bulk_json, status=201)


@bulk_endpoint
def get_job(request: Request) -> Response:
    """The job's counters over its batches as a batch poll would show them (finished, or InProgress)."""
    org, jobs = org_of(request), store(request)
    job = _job(request, jobs, by_request=True)
    return job_response(job_info(jobs, job, settle_batches(org, jobs, job)), request.state.bulk_json)


@bulk_endpoint
def change_job(request: Request) -> Response:
    """POST `{"state": "Closed"}` (or `Aborted`) to the job."""
    org, jobs = org_of(request), store(request)
    job = _job(request, jobs, by_request=True)
    body = _body_fields(request)
    job = close_job(org, jobs, job, str(body.get("state")))
    return job_response(job_info(jobs, job), request.state.bulk_json)


@bulk_endpoint
def add_batch(request: Request) -> Response:
    org, jobs = org_of(request), store(request)
    job = _job(request, jobs, by_request=False)
    if job["state"] != "Open":
        raise BulkError(400, "InvalidJobState", f"Job {job['id']} is not open: its state is {job['state']}")
    raw = body_of(request)
    if job["operation"] in QUERY_OPERATIONS:
        batch = _add_query_batch(org, jobs, job, raw.decode("utf-8", "replace").strip())
    else:
        dml.check_body(job, raw)
        batch = _add_dml_batch(org, jobs, job, raw)
    return batch_response(batch, request.state.bulk_json, status=201)


def _add_dml_batch(org: Org, jobs: JobStore, job: Info, raw: bytes) -> Info:
    batch = new_batch(org, jobs, job)
    dml.body_path(jobs, job, batch["id"]).write_bytes(raw)
    jobs.add_batch(batch)
    _queue(org, jobs, job, batch)
    return batch


def _add_query_batch(org: Org, jobs: JobStore, job: Info, soql: str) -> Info:
    if not job.get("_pkChunking"):
        batch = new_batch(org, jobs, job, _soql=soql)
        jobs.add_batch(batch)
        _queue(org, jobs, job, batch)
        return batch
    # PK chunking: the added batch is not processed itself; one batch per Id range runs instead.
    original = new_batch(org, jobs, job, state="NotProcessed", _soql=soql)
    try:
        query.compile_batch(org, job, soql)
    except JobFailure as failure:  # a query no chunk could run fails the batch itself
        original.update(state="Failed", stateMessage=str(failure))
        jobs.add_batch(original)
        return original
    jobs.add_batch(original)
    for low, high in query.chunk_ranges(org, job):
        chunk = new_batch(org, jobs, job, _soql=soql, _range=[low, high])
        jobs.add_batch(chunk)
        _queue(org, jobs, job, chunk)
    return original


def _queue(org: Org, jobs: JobStore, job: Info, batch: Info) -> None:
    job_id, batch_id = job["id"], batch["id"]
    jobs.submit(
        batch_id,
        lambda: run_batch(org, jobs, job_id, batch_id),
        reads_only=job["operation"] in QUERY_OPERATIONS,
    )


def _settled_batch(request: Request, org: Org, jobs: JobStore, job: Info) -> Info:
    batch_id = request.path_params["batch_id"]
    batch = jobs.batch(job["id"], batch_id)
    if batch is None:
        raise BulkError(400, "InvalidBatch", f"Invalid batch id: {batch_id}")
    if batch["state"] in ("Queued", "InProgress"):
        job_id, settling = job["id"], batch["id"]
        if not jobs.settle(settling, lambda: run_batch(org, jobs, job_id, settling)):
            return {**batch, "state": "InProgress"}  # within the org's processing time
        batch = jobs.batch(job_id, settling)
        assert batch is not None
    return batch


@bulk_endpoint
def list_batches(request: Request) -> Response:
    org, jobs = org_of(request), store(request)
    job = _job(request, jobs, by_request=False)
    return batch_list_response(settle_batches(org, jobs, job), request.state.bulk_json)


@bulk_endpoint
def get_batch(request: Request) -> Response:
    org, jobs = org_of(request), store(request)
    job = _job(request, jobs, by_request=False)
    return batch_response(_settled_batch(request, org, jobs, job), request.state.bulk_json)


@bulk_endpoint
def batch_request(request: Request) -> Response:
    """The batch as it was uploaded (the SOQL text for query batches)."""
    org, jobs = org_of(request), store(request)
    job = _job(request, jobs, by_request=False)
    batch = _settled_batch(request, org, jobs, job)
    if job["operation"] in QUERY_OPERATIONS:
        return Response(batch["_soql"], media_type="text/plain")
    return FileResponse(dml.body_path(jobs, job, batch["id"]), media_type=MEDIA[job["contentType"]])


@bulk_endpoint
def batch_result(request: Request) -> Response:
    """Query batches: the list of result ids. DML batches: one result per record, in upload order."""
    org, jobs = org_of(request), store(request)
    job = _job(request, jobs, by_request=False)
    batch = _settled_batch(request, org, jobs, job)
    if batch["state"] != "Completed":
        raise BulkError(
            400,
            "InvalidBatch",
            batch.get("stateMessage") or f"Batch {batch['id']} is {batch['state']}: it has no results",
        )
    if job["operation"] in QUERY_OPERATIONS:
        return result_list_response(batch.get("_results", []), request.state.bulk_json)
    outcomes = [(record_id, created, error) for _seq, record_id, created, error in jobs.results(batch["id"])]
    if job["contentType"] == "JSON":
        return Response(ingest_results_json(outcomes), media_type=JSON_TYPE)
    if job["contentType"] == "XML":
        return Response(ingest_results_xml(outcomes), media_type=XML_TYPE)
    lines = [quoted_line(["Id", "Success", "Created", "Error"], ",", "\n")]
    lines += [
        quoted_line([record_id or "", _flag(error is None), _flag(created), error or ""], ",", "\n")
        for record_id, created, error in outcomes
    ]
    return Response("".join(lines), media_type="text/csv")


def _flag(value: bool) -> str:
    return "true" if value else "false"


@bulk_endpoint
def batch_result_data(request: Request) -> Response:
    org, jobs = org_of(request), store(request)
    job = _job(request, jobs, by_request=False)
    batch = _settled_batch(request, org, jobs, job)
    result_id = request.path_params["result_id"]
    if result_id not in batch.get("_results", []):
        raise BulkError(400, "InvalidBatch", f"Invalid result id: {result_id}")
    return FileResponse(query.result_path(jobs, job, result_id), media_type=MEDIA[job["contentType"]])


def routes() -> list[BaseRoute]:
    return [
        route(PATH, create_job, methods=["POST"]),
        route(f"{PATH}/{{job_id}}", get_job, methods=["GET"]),
        route(f"{PATH}/{{job_id}}", change_job, methods=["POST"]),
        route(f"{PATH}/{{job_id}}/batch", add_batch, methods=["POST"]),
        route(f"{PATH}/{{job_id}}/batch", list_batches, methods=["GET"]),
        route(f"{PATH}/{{job_id}}/batch/{{batch_id}}", get_batch, methods=["GET"]),
        route(f"{PATH}/{{job_id}}/batch/{{batch_id}}/request", batch_request, methods=["GET"]),
        route(f"{PATH}/{{job_id}}/batch/{{batch_id}}/result", batch_result, methods=["GET"]),
        route(
            f"{PATH}/{{job_id}}/batch/{{batch_id}}/result/{{result_id}}", batch_result_data, methods=["GET"]
        ),
    ]
