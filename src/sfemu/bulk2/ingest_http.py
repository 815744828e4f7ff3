"""Bulk 2.0 ingest endpoints: `/services/data/vXX.X/jobs/ingest[/{id}[/batches|/{results}]]`."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from sfemu.bulk2 import ingest_jobs
from sfemu.bulk2.common import CSV_TYPE, job_in_path, json_response, settled_job, store
from sfemu.bulk2.ingest_jobs import (
    FINISHED,
    KIND,
    PROCESSING,
    RESULT_KINDS,
    full_info,
    new_job,
    process,
    short_info,
    upload_path,
)
from sfemu.bulk2.jobs import Info, JobStore, rest_stamp
from sfemu.errors import InvalidJob, NotFound
from sfemu.org import Org
from sfemu.rest.common import caller, json_object, org_of, version_of
from sfemu.routing import route, stream_of

PATH = "/services/data/{version}/jobs/ingest"
MAX_UPLOAD_BYTES = 150 * 1024 * 1024


def create_job(request: Request) -> Response:
    session = caller(request)
    org, jobs = org_of(request), store(request)
    body = json_object(request)
    job = new_job(org, jobs, body, session.user_id, version_of(request))
    jobs.add_job(KIND, job)
    return json_response(short_info(job))


def list_jobs(request: Request) -> Response:
    caller(request)
    version_of(request)
    jobs = store(request).jobs([KIND])
    mode = request.query_params.get("concurrencyMode")
    job_type = request.query_params.get("jobType")
    records = [
        short_info(job) | {"jobType": job["jobType"]}
        for job in jobs
        if mode in (None, job["concurrencyMode"]) and job_type in (None, job["jobType"])
    ]
    return json_response({"done": True, "records": records, "nextRecordsUrl": None})


def job_info(request: Request) -> Response:
    caller(request)
    org, jobs = org_of(request), store(request)
    job = _settled(org, jobs, request)
    return json_response(full_info(job))


def change_state(request: Request) -> Response:
    """PATCH `{"state": "UploadComplete"}` closes the job (and starts processing); `Aborted` aborts it."""
    caller(request)
    org, jobs = org_of(request), store(request)
    body = json_object(request)
    wanted = body.get("state")
    if wanted not in ("UploadComplete", "Aborted"):
        raise InvalidJob(
            f"InvalidJob : Invalid state: {wanted}. Set UploadComplete to close the job or "
            "Aborted to abort it"
        )
    job_id = (_job(jobs, request))["id"]
    allowed = ("Open",) if wanted == "UploadComplete" else ("Open", *PROCESSING)

    def change() -> Info:
        # Under the job's lock: an abort waits for a running job, and a queued job sees the abort.
        with jobs.locked(job_id):
            job = jobs.job(job_id, [KIND])
            if job is None:
                raise NotFound()
            if job["state"] not in allowed:
                raise InvalidJob(f"{job['state']} : Job state transition is not allowed")
            job["state"] = wanted
            job["systemModstamp"] = rest_stamp(org.clock.stamp())
            jobs.save_job(job)
            return job

    job = change()
    if wanted == "UploadComplete":
        jobs.submit(job_id, lambda: process(org, jobs, job_id))
    return json_response(short_info(job))


def delete_job(request: Request) -> Response:
    caller(request)
    org, jobs = org_of(request), store(request)
    job = _settled(org, jobs, request)
    if job["state"] not in (*PROCESSING, *FINISHED):
        raise InvalidJob(
            f"InvalidJob : A job can't be deleted in state {job['state']}; close or abort it first"
        )
    jobs.delete_job(job["id"])
    return Response(status_code=204)


def upload(request: Request) -> Response:
    """PUT the job's CSV: exactly one upload per job, answered 201 with no body."""
    caller(request)
    jobs = store(request)
    job = _job(jobs, request)
    path = upload_path(jobs, job["id"])
    if job["state"] != "Open":
        raise InvalidJob(f"InvalidJob : Job {job['id']} is not open for uploads (state {job['state']})")
    if path.exists():
        raise InvalidJob(
            f"InvalidJob : Found multiple contents for job: <{job['id']}>, please "
            "'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure "
            "the content is uploaded only once"
        )
    partial = path.with_suffix(".part")
    size = 0
    with partial.open("wb") as out:
        for piece in stream_of(request):
            size += len(piece)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                partial.unlink(missing_ok=True)
                raise InvalidJob("InvalidJob : The upload exceeds the 150 MB limit of a job")
            out.write(piece)
    os.replace(partial, path)
    return Response(status_code=201)


def results(request: Request) -> Response:
    caller(request)
    kind = RESULT_KINDS.get(request.path_params["kind"].lower())
    if kind is None:
        raise NotFound()
    org, jobs = org_of(request), store(request)
    job = _settled(org, jobs, request)
    return StreamingResponse(ingest_jobs.render_results(jobs, job, kind), media_type=CSV_TYPE)


def _job(jobs: JobStore, request: Request) -> Info:
    return job_in_path(jobs, request, KIND)


def _settled(org: Org, jobs: JobStore, request: Request) -> Info:
    return settled_job(org, jobs, request, KIND, process)


def routes() -> list[BaseRoute]:
    return [
        route(PATH, create_job, methods=["POST"]),
        route(PATH, list_jobs, methods=["GET"]),
        route(f"{PATH}/{{job_id}}", job_info, methods=["GET"]),
        route(f"{PATH}/{{job_id}}", change_state, methods=["PATCH"]),
        route(f"{PATH}/{{job_id}}", delete_job, methods=["DELETE"]),
        route(f"{PATH}/{{job_id}}/batches", upload, methods=["PUT"]),
        route(f"{PATH}/{{job_id}}/{{kind}}", results, methods=["GET"]),
    ]
