"""Bulk 2.0 query endpoints: `/services/data/vXX.X/jobs/query[/{id}[/results]]`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from sfemu.bulk2.common import CSV_TYPE, job_in_path, json_response, settled_job, store
from sfemu.bulk2.jobs import Info, JobStore, rest_stamp
from sfemu.bulk2.query_jobs import (
    FINISHED,
    KIND,
    PROCESSING,
    full_info,
    new_job,
    page_size,
    process,
    result_page,
    short_info,
)
from sfemu.errors import InvalidJob, NotFound, SalesforceError
from sfemu.org import Org
from sfemu.rest.common import caller, json_object, org_of, version_of
from sfemu.routing import route

PATH = "/services/data/{version}/jobs/query"


def create_job(request: Request) -> Response:
    session = caller(request)
    org, jobs = org_of(request), store(request)
    body = json_object(request)
    job = new_job(org, jobs, body, session.user_id, version_of(request))
    jobs.add_job(KIND, job)
    job_id = job["id"]
    jobs.submit(job_id, lambda: process(org, jobs, job_id), reads_only=True)
    return json_response(short_info(job))


def list_jobs(request: Request) -> Response:
    caller(request)
    version_of(request)
    jobs = store(request).jobs([KIND])
    mode = request.query_params.get("concurrencyMode")
    records = [
        short_info(job) | {"jobType": job["jobType"]}
        for job in jobs
        if not mode or job["concurrencyMode"] == mode
    ]
    return json_response({"done": True, "records": records, "nextRecordsUrl": None})


def job_info(request: Request) -> Response:
    caller(request)
    job = _settled(org_of(request), store(request), request)
    return json_response(full_info(job))


def abort(request: Request) -> Response:
    """PATCH `{"state": "Aborted"}`: only a job that has not finished yet can be aborted."""
    caller(request)
    org, jobs = org_of(request), store(request)
    body = json_object(request)
    if body.get("state") != "Aborted":
        raise InvalidJob(f"InvalidJob : Invalid state: {body.get('state')}. A query job can only be Aborted")
    job = _job(jobs, request)

    def change() -> Info:
        with jobs.locked(job["id"]):
            current = jobs.job(job["id"], [KIND])
            if current is None:
                raise NotFound()
            if current["state"] not in PROCESSING:
                raise InvalidJob(f"{current['state']} : Job state transition is not allowed")
            current["state"] = "Aborted"
            current["systemModstamp"] = rest_stamp(org.clock.stamp())
            jobs.save_job(current)
            return current

    return json_response(short_info(change()))


def delete_job(request: Request) -> Response:
    caller(request)
    job = _settled(org_of(request), store(request), request)
    if job["state"] not in FINISHED:
        raise InvalidJob(f"InvalidJob : A job can't be deleted in state {job['state']}")
    store(request).delete_job(job["id"])
    return Response(status_code=204)


def results(request: Request) -> Response:
    """A page of CSV: `Sforce-Locator` names the next page (`null` after the last), always."""
    caller(request)
    job = _settled(org_of(request), store(request), request)
    version = version_of(request)
    if float(version) != job["apiVersion"]:
        raise SalesforceError(
            409,
            "INVALIDJOB",
            f"InvalidJob : Job {job['id']} was created with API version "
            f"{job['apiVersion']}; retrieve its results with the same version",
        )
    size = page_size(request.query_params.get("maxRecords"))
    body, count, following = result_page(store(request), job, request.query_params.get("locator"), size)
    return Response(
        body, media_type=CSV_TYPE, headers={"Sforce-Locator": following, "Sforce-NumberOfRecords": str(count)}
    )


def _job(jobs: JobStore, request: Request) -> Info:
    return job_in_path(jobs, request, KIND)


def _settled(org: Org, jobs: JobStore, request: Request) -> Info:
    return settled_job(org, jobs, request, KIND, process)


def routes() -> list[BaseRoute]:
    return [
        route(PATH, create_job, methods=["POST"]),
        route(PATH, list_jobs, methods=["GET"]),
        route(f"{PATH}/{{job_id}}", job_info, methods=["GET"]),
        route(f"{PATH}/{{job_id}}", abort, methods=["PATCH"]),
        route(f"{PATH}/{{job_id}}", delete_job, methods=["DELETE"]),
        route(f"{PATH}/{{job_id}}/results", results, methods=["GET"]),
    ]
