"""Bulk jobs take time, as on a real org: polls see them running until `bulk_processing_seconds` is up.

Clients' polling and resume paths only run against an org whose jobs are not done at the first poll.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from typing import Any

import httpx

from sfemu.seed import seed
from syncline.connectors.salesforce.client import PollPolicy
from tests.connectors.salesforce.helpers import DEMO_ACCOUNTS, Org
from tests.sfemu.bulk.helpers import ASYNC, INGEST, QUERY, BulkOrg, attach, create_query, error_code
from tests.support.sfemu import EmulatorServer

JOB_INFO = "GET /services/data/vXX.X/jobs/query/{id}"


def _poll(client: httpx.Client, path: str, done: Callable[[dict[str, Any]], bool]) -> list[str]:
    """Poll `path` until `done(info)`: every state seen, in order."""
    states: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        info = client.get(path, headers={"Content-Type": "application/json"}).json()
        states.append(info["state"])
        if done(info):
            return states
        time.sleep(0.05)
    raise AssertionError(f"{path} never finished: {states[-5:]}")


def test_a_query_job_runs_for_its_processing_time(
    sfemu_server_factory: Callable[..., EmulatorServer],
) -> None:
    bulk_org = attach(sfemu_server_factory(bulk_processing_seconds=0.5))
    seed(bulk_org.server.org, "demo")
    with bulk_org.client() as client:
        job = create_query(client, "SELECT Id FROM Account").json()
        early = client.get(f"{QUERY}/{job['id']}/results")
        states = _poll(client, f"{QUERY}/{job['id']}", lambda info: info["state"] == "JobComplete")
        rows = list(csv.DictReader(io.StringIO(client.get(f"{QUERY}/{job['id']}/results").text)))
    assert early.status_code == 400
    assert error_code(early) == "INVALIDJOBSTATE"
    assert states[0] == "InProgress"
    assert states[-1] == "JobComplete"
    assert len(rows) == DEMO_ACCOUNTS


def test_an_ingest_job_runs_for_its_processing_time(
    sfemu_server_factory: Callable[..., EmulatorServer],
) -> None:
    bulk_org = attach(sfemu_server_factory(bulk_processing_seconds=0.5))
    with bulk_org.client() as client:
        job = client.post(INGEST, json={"object": "Account", "operation": "insert"}).json()
        client.put(
            f"{INGEST}/{job['id']}/batches",
            content=b"Name\nAcme\nGlobex\n",
            headers={"Content-Type": "text/csv"},
        )
        closed = client.patch(f"{INGEST}/{job['id']}", json={"state": "UploadComplete"}).json()
        states = _poll(client, f"{INGEST}/{job['id']}", lambda info: info["state"] == "JobComplete")
        info = client.get(f"{INGEST}/{job['id']}").json()
    assert closed["state"] == "UploadComplete"
    assert states[0] == "InProgress"
    assert info["numberRecordsProcessed"] == 2


def test_a_running_job_can_be_aborted(sfemu_server_factory: Callable[..., EmulatorServer]) -> None:
    bulk_org = attach(sfemu_server_factory(bulk_processing_seconds=0.3))
    with bulk_org.client() as client:
        job = create_query(client, "SELECT Id FROM Account").json()
        aborted = client.patch(f"{QUERY}/{job['id']}", json={"state": "Aborted"})
        states = _poll(client, f"{QUERY}/{job['id']}", lambda info: info["state"] != "InProgress")
    assert aborted.status_code == 200
    assert aborted.json()["state"] == "Aborted"
    assert states == ["Aborted"]


def test_bulk1_batches_run_for_their_processing_time(
    sfemu_server_factory: Callable[..., EmulatorServer],
) -> None:
    bulk_org = attach(sfemu_server_factory(bulk_processing_seconds=0.5))
    with bulk_org.bulk1_client() as client:
        job = client.post(
            ASYNC, json={"operation": "insert", "object": "Account", "contentType": "JSON"}
        ).json()
        batch = client.post(f"{ASYNC}/{job['id']}/batch", json=[{"Name": "Acme"}]).json()
        listed = client.get(f"{ASYNC}/{job['id']}/batch").json()
        running = client.get(f"{ASYNC}/{job['id']}").json()
        states = _poll(
            client, f"{ASYNC}/{job['id']}/batch/{batch['id']}", lambda info: info["state"] == "Completed"
        )
        results = client.get(f"{ASYNC}/{job['id']}/batch/{batch['id']}/result").json()
    assert [b["state"] for b in listed["batchInfo"]] == ["InProgress"]
    assert (running["numberBatchesInProgress"], running["numberBatchesCompleted"]) == (1, 0)
    assert states[0] == "InProgress"
    assert [r["success"] for r in results] == [True]


def test_processing_time_changes_at_run_time(bulk_org: BulkOrg) -> None:
    with bulk_org.server.client() as admin:
        refused = admin.put("/__sfemu/config", json={"bulk_processing_seconds": -1})
        assert admin.put("/__sfemu/config", json={"bulk_processing_seconds": 0.3}).status_code == 200
    with bulk_org.client() as client:
        job = create_query(client, "SELECT Id FROM Account").json()
        states = _poll(client, f"{QUERY}/{job['id']}", lambda info: info["state"] == "JobComplete")
    assert refused.status_code == 400
    assert states[0] == "InProgress"


def test_syncline_polls_a_slow_bulk_query_to_the_end(
    sfemu_server_factory: Callable[..., EmulatorServer],
) -> None:
    server = sfemu_server_factory(bulk_processing_seconds=0.5)
    seed(server.org, "demo")
    org = Org(server)
    poll = PollPolicy(first_delay=0.05, factor=1.5, max_delay=0.2, timeout=30)
    with org.client(options=org.options(poll=poll)) as sf:
        rows = sum(batch.num_rows for batch in sf.bulk2.query("SELECT Id, Name FROM Account"))
    assert rows == DEMO_ACCOUNTS
    assert org.stats()["by_endpoint"][JOB_INFO] > 1


def test_simple_salesforce_waits_for_a_slow_bulk_query(
    sfemu_server_factory: Callable[..., EmulatorServer],
) -> None:
    bulk_org = attach(sfemu_server_factory(tls=True, bulk_processing_seconds=0.5))
    seed(bulk_org.server.org, "demo")
    pages = list(bulk_org.salesforce().bulk2.Account.query("SELECT Id FROM Account", wait=0.1))
    assert sum(len(page.splitlines()) - 1 for page in pages) == DEMO_ACCOUNTS


def test_closing_a_bulk1_job_finishes_its_batches_once(
    sfemu_server_factory: Callable[..., EmulatorServer],
) -> None:
    bulk_org = attach(sfemu_server_factory(bulk_processing_seconds=0.3))
    with bulk_org.bulk1_client() as client:
        job = client.post(
            ASYNC, json={"operation": "insert", "object": "Account", "contentType": "JSON"}
        ).json()
        batch = client.post(f"{ASYNC}/{job['id']}/batch", json=[{"Name": "Acme"}, {"Name": "Globex"}]).json()
        closed = client.post(f"{ASYNC}/{job['id']}", json={"state": "Closed"}).json()
        info = client.get(f"{ASYNC}/{job['id']}/batch/{batch['id']}").json()
        # A later batch runs after the first one's own (queued) run, on the one writer: once it is done,
        # that run has had its chance to write the records a second time.
        later = client.post(
            ASYNC, json={"operation": "insert", "object": "Account", "contentType": "JSON"}
        ).json()
        marker = client.post(f"{ASYNC}/{later['id']}/batch", json=[{"Name": "Initech"}]).json()
        _poll(
            client, f"{ASYNC}/{later['id']}/batch/{marker['id']}", lambda info: info["state"] == "Completed"
        )
    with bulk_org.client() as client:
        total = client.get("/services/data/v62.0/query", params={"q": "SELECT COUNT() FROM Account"}).json()
    assert (closed["state"], closed["numberBatchesCompleted"]) == ("Closed", 1)
    assert info["state"] == "Completed"
    assert total["totalSize"] == 3
