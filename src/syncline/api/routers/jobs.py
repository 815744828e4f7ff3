"""Polytomic's jobs API: the state of one asynchronous job, read from the `jobs` table."""

from __future__ import annotations

from typing import Any

from syncline.api.deps import CallerDep, SessionDep
from syncline.api.errors import NotFound
from syncline.api.models.jobs import JobResponseEnvelope
from syncline.api.routing import api_router
from syncline.runtime.jobs.states import JobStatus
from syncline.services import jobs
from syncline.store.tables import Job

router = api_router(tags=["jobs"])

# Polytomic's four job states; canceled and interrupted jobs are failures there, their error says which.
POLYTOMIC_STATUS = {
    JobStatus.QUEUED: "created",
    JobStatus.RUNNING: "running",
    JobStatus.COMPLETED: "done",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELED: "failed",
    JobStatus.INTERRUPTED: "failed",
}

_DEFAULT_ERRORS = {
    JobStatus.FAILED: "the job failed",
    JobStatus.CANCELED: "canceled",
    JobStatus.INTERRUPTED: "interrupted",
}


def job_response(job: Job) -> dict[str, Any]:
    """The `JobResponse` body of a job row."""
    status = JobStatus(job.status)
    error = None
    if status in _DEFAULT_ERRORS:
        error = job.error or _DEFAULT_ERRORS[status]
        if status is not JobStatus.FAILED and not error.startswith(str(status)):
            error = f"{status}: {error}"
    return {
        "job_id": job.id,
        "type": job.kind,
        "status": POLYTOMIC_STATUS[status],
        "result": job.result if status is JobStatus.COMPLETED else None,
        "error": error,
    }


@router.get("/jobs/{job_type}/{job_id}", response_model=JobResponseEnvelope)
def get_job(job_type: str, job_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """The current state of an asynchronous job of `job_type` (e.g. `createmodel`) in the caller's org."""
    job = jobs.find(session, job_type, job_id)
    if job is None or not caller.may_act_in(session, job.organization_id):
        raise NotFound(f"{job_type} job {job_id} not found", metadata={"id": job_id, "type": job_type})
    return {"data": job_response(job)}
