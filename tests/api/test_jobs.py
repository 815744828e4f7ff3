"""GET /api/jobs/{type}/{id}: a job row, in Polytomic's four states, for its own organization only."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from polytomic import Polytomic
from polytomic.errors import NotFoundError

from syncline.runtime.jobs import JobStore
from syncline.store.db import Store
from tests.support.server import ServerProcess


@pytest.fixture
def jobs(server: ServerProcess) -> Iterator[JobStore]:
    """The running server's own jobs table, opened beside it as an executor in another process would."""
    store = Store(server.database_url)
    yield JobStore(store)
    store.dispose()


@pytest.fixture
def org_id(sdk: Polytomic) -> str:
    return sdk.identity.get().data.organization_id


def get_job(http: httpx.Client, kind: str, job_id: str) -> httpx.Response:
    return http.get(f"/api/jobs/{kind}/{job_id}")


def test_a_queued_job_is_created_then_running_then_done(
    http: httpx.Client, jobs: JobStore, org_id: str
) -> None:
    job_id = jobs.create("createmodel", org_id, {"name": "m"})
    assert get_job(http, "createmodel", job_id).json() == {
        "data": {"job_id": job_id, "type": "createmodel", "status": "created", "result": None, "error": None}
    }
    jobs.claim(job_id, "worker")
    assert get_job(http, "createmodel", job_id).json()["data"]["status"] == "running"
    jobs.complete(job_id, {"id": "model-1", "fields": ["a"]}, owner="worker")
    data = get_job(http, "createmodel", job_id).json()["data"]
    assert (data["status"], data["result"], data["error"]) == (
        "done",
        {"id": "model-1", "fields": ["a"]},
        None,
    )


def test_the_sdk_reads_a_failed_job(sdk: Polytomic, jobs: JobStore, org_id: str) -> None:
    job_id = jobs.create("previewmodel", org_id)
    jobs.claim(job_id, "worker")
    jobs.fail(job_id, "column x does not exist", owner="worker")
    job = sdk.jobs.get(type="previewmodel", id=job_id).data
    assert (job.job_id, job.type, job.status, job.error) == (
        job_id,
        "previewmodel",
        "failed",
        "column x does not exist",
    )


@pytest.mark.parametrize("ending", ["canceled", "interrupted"])
def test_canceled_and_interrupted_jobs_are_failed_with_an_error_saying_which(
    http: httpx.Client, jobs: JobStore, org_id: str, ending: str
) -> None:
    job_id = jobs.create("samplemodel", org_id)
    jobs.claim(job_id, "worker")
    if ending == "canceled":
        jobs.request_cancel(job_id)
        jobs.finish_canceled(job_id, owner="worker")
    else:
        jobs.interrupt(job_id, "the server shut down", owner="worker")
    data = get_job(http, "samplemodel", job_id).json()["data"]
    assert data["status"] == "failed"
    assert data["error"].startswith(ending)


def test_a_job_canceled_before_it_ran_is_failed(http: httpx.Client, jobs: JobStore, org_id: str) -> None:
    job_id = jobs.create("samplemodel", org_id)
    jobs.request_cancel(job_id)
    data = get_job(http, "samplemodel", job_id).json()["data"]
    assert (data["status"], data["error"][:8]) == ("failed", "canceled")


def test_an_unknown_job_is_not_found(http: httpx.Client) -> None:
    response = get_job(http, "createmodel", "00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    body = response.json()
    assert (body["key"], body["status"]) == ("not_found", 404)
    assert "createmodel job 00000000-0000-0000-0000-000000000000 not found" in body["message"]


def test_a_job_asked_for_under_another_type_is_not_found(
    http: httpx.Client, jobs: JobStore, org_id: str
) -> None:
    job_id = jobs.create("createmodel", org_id)
    assert get_job(http, "updatemodel", job_id).status_code == 404


def test_another_organizations_job_is_not_found(
    jobs: JobStore, org_id: str, other_org_sdk: Polytomic
) -> None:
    partner_job = jobs.create("createmodel", org_id)
    with pytest.raises(NotFoundError):  # a key of another organization does not see the partner's job
        other_org_sdk.jobs.get(type="createmodel", id=partner_job)
    other_org = other_org_sdk.identity.get().data.organization_id
    own_job = jobs.create("createmodel", other_org)
    assert other_org_sdk.jobs.get(type="createmodel", id=own_job).data.status == "created"
