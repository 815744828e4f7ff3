"""Bulk 2.0 query endpoints: `/services/data/vXX.X/jobs/query[/{id}[/results]]`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sfemu.bulk2.common import CSV_TYPE, blocking, job_in_path, json_response, not_found, settled_job, store
from sfemu.bulk2.jobs import Info, JobStore, rest_stamp
from sfemu.bulk2.query_jobs import (
    FINISHED,
    KIND,
    PROCESSING,
    full_info,
    invalid_job,
    new_job,
    page_size,
    process,
    result_page,
    short_info,
)
from sfemu.errors import SalesforceError
from sfemu.org import Org
from sfemu.rest.common import caller, json_object, org_of, version_of

PATH = "/services/data/{version}/jobs/query"


async def create_job(request: Request) -> Response:
    session = caller(request)
    org, jobs = org_of(request), store(request)
    body = await json_object(request)
    job = await blocking(new_job, org, jobs, body, session.user_id, version_of(request))
    await blocking(jobs.add_job, KIND, job)
    job_id = job["id"]
    jobs.submit(job_id, lambda: process(org, jobs, job_id), reads_only=True)
    return json_response(short_info(job))


async def list_jobs(request: Request) -> Response:
    caller(request)
    version_of(request)
    jobs = await blocking(store(request).jobs, [KIND])
    mode = request.query_params.get("concurrencyMode")
    records = [
        short_info(job) | {"jobType": job["jobType"]}
        for job in jobs
        if not mode or job["concurrencyMode"] == mode
    ]
    return json_response({"done": True, "records": records, "nextRecordsUrl": None})


async def job_info(request: Request) -> Response:
    caller(request)
    job = await _settled(org_of(request), store(request), request)
    return json_response(full_info(job))


async def abort(request: Request) -> Response:
    """PATCH `{"state": "Aborted"}`: only a job that has not finished yet can be aborted."""
    caller(request)
    org, jobs = org_of(request), store(request)
    body = await json_object(request)
    if body.get("state") != "Aborted":
        raise invalid_job(f"InvalidJob : Invalid state: {body.get('state')}. A query job can only be Aborted")
    job = await _job(jobs, request)

    def change() -> Info:
        with jobs.locked(job["id"]):
            current = jobs.job(job["id"], [KIND])
            if current is None:
                raise not_found()
            if current["state"] not in PROCESSING:
                raise invalid_job(f"{current['state']} : Job state transition is not allowed")
            current["state"] = "Aborted"
            current["systemModstamp"] = rest_stamp(org.clock.stamp())
            jobs.save_job(current)
            return current

    return json_response(short_info(await blocking(change)))


async def delete_job(request: Request) -> Response:
    caller(request)
    job = await _settled(org_of(request), store(request), request)
    if job["state"] not in FINISHED:
        raise invalid_job(f"InvalidJob : A job can't be deleted in state {job['state']}")
    await blocking(store(request).delete_job, job["id"])
    return Response(status_code=204)


async def results(request: Request) -> Response:
    """A page of CSV: `Sforce-Locator` names the next page (`null` after the last), always."""
    caller(request)
    job = await _settled(org_of(request), store(request), request)
    version = version_of(request)
    if float(version) != job["apiVersion"]:
        raise SalesforceError(
            409,
            "INVALIDJOB",
            f"InvalidJob : Job {job['id']} was created with API version "
            f"{job['apiVersion']}; retrieve its results with the same version",
        )
    size = page_size(request.query_params.get("maxRecords"))
    body, count, following = await blocking(
        result_page, store(request), job, request.query_params.get("locator"), size
    )
    return Response(
        body, media_type=CSV_TYPE, headers={"Sforce-Locator": following, "Sforce-NumberOfRecords": str(count)}
    )


async def _job(jobs: JobStore, request: Request) -> Info:
    return await job_in_path(jobs, request, KIND)


async def _settled(org: Org, jobs: JobStore, request: Request) -> Info:
    return await settled_job(org, jobs, request, KIND, process)


def routes() -> list[BaseRoute]:
    return [
        Route(PATH, create_job, methods=["POST"]),
        Route(PATH, list_jobs, methods=["GET"]),
        Route(f"{PATH}/{{job_id}}", job_info, methods=["GET"]),
        Route(f"{PATH}/{{job_id}}", abort, methods=["PATCH"]),
        Route(f"{PATH}/{{job_id}}", delete_job, methods=["DELETE"]),
        Route(f"{PATH}/{{job_id}}/results", results, methods=["GET"]),
    ]
