"""Bulk syncs through the official SDK against a real server (SQLite and PostgreSQL stores): Salesforce
(sfemu over HTTP) into the organization's DuckDB warehouse — create, start, follow the execution, read the
warehouse; a second start while one runs is a 409; bad connections, schemas and fields are named."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from polytomic import BulkSyncDefaultScheduleRequest, Polytomic
from polytomic.core.api_error import ApiError

from sfemu.seed import seed
from syncline.runtime.jobs import JobStore
from syncline.store.tables import BulkSyncExecution
from tests.support.app import in_process_app
from tests.support.server import ServerProcess, organization_files
from tests.support.sfemu import EmulatorServer, running_emulator

APP = {"client_id": "sfemu", "client_secret": "sfemu-secret"}
MANUAL = BulkSyncDefaultScheduleRequest(frequency="manual")
TERMINAL = {"completed", "failed", "canceled", "interrupted"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    with running_emulator(tmp_path_factory.mktemp("sfemu-bulk")) as emulator:
        seed(emulator.org, "demo")
        yield emulator


@pytest.fixture
def connections(sdk: Polytomic, org: EmulatorServer) -> tuple[str, str, str]:
    """A Salesforce source, a DuckDB warehouse (a file of its own) and that file's name."""
    source = sdk.connections.create(
        name=unique("sf"),
        type="salesforce",
        configuration={"domain": org.base_url, "connect_mode": "clientcredentials", **APP},
    ).data.id
    path = f"{unique('warehouse')}.duckdb"
    warehouse = sdk.connections.create(name=unique("wh"), type="duckdb", configuration={"path": path}).data.id
    return source, warehouse, path


def finished(sdk: Polytomic, sync_id: str, execution_id: str) -> Any:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        execution = sdk.bulk_sync.executions.get(id=sync_id, exec_id=execution_id).data
        if execution.status in TERMINAL:
            return execution
        time.sleep(0.1)
    raise AssertionError(f"execution {execution_id} did not finish")


def org_count(org: EmulatorServer, sobject: str) -> int:
    token = httpx.post(
        f"{org.base_url}/services/oauth2/token", data={"grant_type": "client_credentials", **APP}
    ).json()["access_token"]
    answer = httpx.get(
        f"{org.base_url}/services/data/v62.0/queryAll",
        params={"q": f"SELECT COUNT() FROM {sobject}"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return int(answer.json()["totalSize"])


def test_a_bulk_sync_copies_salesforce_into_duckdb(
    sdk: Polytomic, server: ServerProcess, org: EmulatorServer, connections: tuple[str, str, str]
) -> None:
    source, warehouse, path = connections
    created = sdk.bulk_sync.create(
        name=unique("sf-to-duckdb"),
        source_connection_id=source,
        destination_connection_id=warehouse,
        destination_configuration={"schema": "salesforce"},
        default_schedule=MANUAL,
        mode="replicate",
        schemas=["Account", {"id": "Contact", "fields": ["Email", "LastName"]}],
    ).data
    assert (created.mode, created.active, created.default_schedule.frequency) == ("replicate", True, "manual")
    listed = sdk.bulk_sync.schemas.list(id=created.id).data
    assert sorted(s.id for s in listed) == ["Account", "Contact"]

    started = sdk.bulk_sync.start(id=created.id).data
    assert started.status in {"created", "running", "completed"}
    done = finished(sdk, created.id, started.id)
    assert done.status == "completed", done
    by_schema = {s.schema_: s for s in done.schemas}
    assert by_schema["Account"].status == "completed"
    assert by_schema["Account"].record_count == org_count(org, "Account")
    assert done.record_count == org_count(org, "Account") + org_count(org, "Contact")

    organization_id = sdk.identity.get().data.organization_id
    with duckdb.connect(
        str(organization_files(server.data_dir, organization_id) / path), read_only=True
    ) as db:
        assert db.execute('SELECT count(*) FROM salesforce."Account"').fetchone() == (
            org_count(org, "Account"),
        )
        columns = [row[0] for row in db.execute('DESCRIBE salesforce."Contact"').fetchall()]
    assert columns == ["Id", "LastName", "Email"] or sorted(columns) == ["Email", "Id", "LastName"]
    runs = sdk.bulk_sync.executions.list(id=created.id).data
    assert [r.id for r in runs] == [started.id]
    status = sdk.bulk_sync.get_status(id=created.id).data
    assert (status.current_execution, status.last_execution.id) == (None, started.id)
    overview = sdk.bulk_sync.executions.list_status(sync_id=created.id).data
    assert [(o.sync_id, o.status) for o in overview] == [(created.id, "completed")]
    assert {s.schema_ for s in overview[0].schemas} == {"Account", "Contact"}
    for kind in ("bulk_sync.running", "bulk_sync.completed"):
        events = sdk.events.list(type=kind, limit=100).data or []
        # The SDK parses each payload into its typed event model.
        mine = [e.event for e in events if getattr(e.event, "execution_id", None) == started.id]
        assert len(mine) == 1, kind
        assert mine[0].sync_id == created.id
        assert mine[0].destination_connection_id == warehouse


def test_a_second_start_while_one_runs_is_a_conflict(
    sdk: Polytomic, connections: tuple[str, str, str], http: httpx.Client
) -> None:
    source, warehouse, _ = connections
    sync = sdk.bulk_sync.create(
        name=unique("busy"),
        source_connection_id=source,
        destination_connection_id=warehouse,
        destination_configuration={},
        default_schedule=MANUAL,
        schemas=["Account"],
    ).data
    first = sdk.bulk_sync.start(id=sync.id).data
    second = http.post(f"/api/bulk/syncs/{sync.id}/executions", json={})
    assert second.status_code == 409, second.text
    assert second.json()["key"] == "bulk_sync_running"
    assert finished(sdk, sync.id, first.id).status == "completed"
    again = sdk.bulk_sync.start(id=sync.id, test=True).data
    assert finished(sdk, sync.id, again.id).record_count <= 5


def test_bad_bulk_syncs_are_refused_naming_the_field(
    sdk: Polytomic, connections: tuple[str, str, str], http: httpx.Client
) -> None:
    source, warehouse, _ = connections
    base = {
        "name": unique("bad"),
        "source_connection_id": source,
        "destination_connection_id": warehouse,
        "destination_configuration": {},
        "default_schedule": {"frequency": "manual"},
    }
    cases = [
        ({"schemas": ["NoSuchObject__c"]}, "schemas[0]"),
        ({"schemas": [{"id": "Account", "fields": ["Nope__c"]}]}, "schemas[0].fields[0]"),
        ({"destination_connection_id": source}, "destination_connection_id"),
        ({"source_connection_id": warehouse}, "source_connection_id"),
        ({"destination_configuration": {"schema": "a b;c"}}, "destination_configuration.schema"),
        ({"destination_configuration": {"bucket": "x"}}, "destination_configuration.bucket"),
        ({"source_connection_id": str(uuid.uuid4())}, "source_connection_id"),
    ]
    for change, field in cases:
        answer = http.post("/api/bulk/syncs", json={**base, **change})
        assert answer.status_code == 422, (change, answer.text)
        assert field in [e["field"] for e in answer.json()["metadata"]["errors"]], (change, answer.json())
    with pytest.raises(ApiError) as missing:
        sdk.bulk_sync.get(id=str(uuid.uuid4()))
    assert missing.value.status_code == 404
    names = [s.name for s in sdk.bulk_sync.list().data]
    assert base["name"] not in names  # nothing half-written


def test_destinations_describe_what_a_bulk_sync_may_set(
    sdk: Polytomic, connections: tuple[str, str, str], http: httpx.Client
) -> None:
    source, warehouse, _ = connections
    target = sdk.bulk_sync.get_destination(id=warehouse).data
    assert [m.id for m in target.modes] == ["snapshot", "replicate", "append"]
    assert "schema" in target.configuration
    refused = http.get(f"/api/connections/{source}/bulksync/target")
    assert refused.status_code == 400, refused.text
    assert "bulk sync destination" in refused.json()["message"]


def syncline(*args: str, server: ServerProcess, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCLINE_")}
    env |= {"SYNCLINE_URL": server.base_url, "SYNCLINE_KEY": key or server.api_key or "", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "syncline.cli", *args], capture_output=True, text=True, env=env, timeout=180
    )


def test_the_cli_lists_and_runs_a_bulk_sync(
    sdk: Polytomic, server: ServerProcess, connections: tuple[str, str, str]
) -> None:
    source, warehouse, _ = connections
    name = unique("cli")
    sync = sdk.bulk_sync.create(
        name=name,
        source_connection_id=source,
        destination_connection_id=warehouse,
        destination_configuration={},
        default_schedule=MANUAL,
        schemas=["Account", "Opportunity"],
    ).data
    listed = syncline("bulk", "list", server=server)
    assert listed.returncode == 0, listed.stderr
    assert sync.id in listed.stdout
    assert name in listed.stdout
    ran = syncline("bulk", "run", sync.id, "--follow", server=server)
    assert ran.returncode == 0, ran.stderr
    assert "Account" in ran.stdout
    assert "Opportunity" in ran.stdout
    assert ran.stdout.strip().splitlines()[-1].startswith("completed: ")
    refused = syncline("bulk", "list", server=server, key="sl_not_a_real_key_0000000000")
    assert refused.returncode == 1
    assert refused.stderr.strip().startswith("error: HTTP 401")
    assert len(refused.stderr.strip().splitlines()) == 1


def test_canceling_a_running_sync_stops_it_and_keeps_the_last_commit(
    sdk: Polytomic, org: EmulatorServer, connections: tuple[str, str, str]
) -> None:
    source, warehouse, _ = connections
    sync = sdk.bulk_sync.create(
        name=unique("cancel"),
        source_connection_id=source,
        destination_connection_id=warehouse,
        destination_configuration={},
        default_schedule=MANUAL,
        schemas=["Account"],
    ).data
    httpx.put(f"{org.base_url}/__sfemu/config", json={"bulk_processing_seconds": 30}).raise_for_status()
    try:
        running = sdk.bulk_sync.start(id=sync.id).data  # its Bulk job now takes 30 s to complete
        message = sdk.bulk_sync.cancel(id=sync.id).data.message
        assert "1 running execution" in message
        ended = finished(sdk, sync.id, running.id)
    finally:
        httpx.put(f"{org.base_url}/__sfemu/config", json={"bulk_processing_seconds": 0}).raise_for_status()
    assert ended.status == "canceled"
    assert {s.schema_: s.status for s in ended.schemas} in ({"Account": "canceled"}, {"Account": "created"})
    again = sdk.bulk_sync.start(id=sync.id).data  # nothing is left running: a new run starts and completes
    assert finished(sdk, sync.id, again.id).status == "completed"


def test_an_execution_whose_job_died_does_not_block_the_next_start(
    tmp_path: Path, org: EmulatorServer
) -> None:
    """No executor runs here, so the job stays queued; then its job ends without it (as when a crashed
    server's job is reconciled): the execution is settled and a new start is accepted."""
    with in_process_app(tmp_path) as (client, services):
        salesforce = {"domain": org.base_url, "connect_mode": "clientcredentials", **APP}
        source = client.post(
            "/api/connections", json={"name": "sf", "type": "salesforce", "configuration": salesforce}
        )
        warehouse = client.post(
            "/api/connections", json={"name": "wh", "type": "duckdb", "configuration": {"path": "w.duckdb"}}
        )
        body = {
            "name": "stuck",
            "source_connection_id": source.json()["data"]["id"],
            "destination_connection_id": warehouse.json()["data"]["id"],
            "destination_configuration": {},
            "default_schedule": {"frequency": "manual"},
            "schemas": ["Account"],
        }
        sync_id = client.post("/api/bulk/syncs", json=body).json()["data"]["id"]
        first = client.post(f"/api/bulk/syncs/{sync_id}/executions", json={})
        assert first.status_code == 200, first.text
        assert client.post(f"/api/bulk/syncs/{sync_id}/executions", json={}).status_code == 409
        with services.store.session() as session:
            job_id = session.get(BulkSyncExecution, first.json()["data"]["id"]).job_id
        JobStore(services.store).request_cancel(job_id)  # the job ends; the execution row was not told
        second = client.post(f"/api/bulk/syncs/{sync_id}/executions", json={})
        assert second.status_code == 200, second.text
        settled = client.get(f"/api/bulk/syncs/{sync_id}/executions/{first.json()['data']['id']}").json()[
            "data"
        ]
        assert settled["status"] == "canceled"


def test_another_organization_neither_sees_nor_uses_a_bulk_sync_or_its_connections(
    sdk: Polytomic, other_org_sdk: Polytomic, connections: tuple[str, str, str]
) -> None:
    source, warehouse, _ = connections
    sync = sdk.bulk_sync.create(
        name=unique("mine"),
        source_connection_id=source,
        destination_connection_id=warehouse,
        destination_configuration={},
        default_schedule=MANUAL,
        schemas=["Account"],
    ).data
    for call in (
        lambda: other_org_sdk.bulk_sync.get(id=sync.id),
        lambda: other_org_sdk.bulk_sync.start(id=sync.id),
        lambda: other_org_sdk.bulk_sync.schemas.list(id=sync.id),
    ):
        with pytest.raises(ApiError) as hidden:
            call()
        assert hidden.value.status_code == 404
    with pytest.raises(ApiError) as refused:  # this organization's connections do not exist for the other
        other_org_sdk.bulk_sync.create(
            name=unique("theirs"),
            source_connection_id=source,
            destination_connection_id=warehouse,
            destination_configuration={},
            default_schedule=MANUAL,
        )
    assert refused.value.status_code == 422
    assert sync.id not in [s.id for s in other_org_sdk.bulk_sync.list().data or []]
