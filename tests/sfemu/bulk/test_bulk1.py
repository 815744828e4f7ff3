"""Bulk 1.0 over HTTP: the singer tap's call sequence, DML batches in three formats, PK chunking,
errors in Bulk 1.0's shape, and Serial vs Parallel under lock contention."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from tests.sfemu.bulk.helpers import ASYNC, BulkOrg, ingest, query_rows, result_rows

NS = {"sf": "http://www.force.com/2009/06/asyncapi/dataload"}


def _xml(response: httpx.Response) -> dict[str, str]:
    root = ET.fromstring(response.content)
    return {child.tag.split("}")[1]: child.text or "" for child in root}


def _accounts(bulk_org: BulkOrg, count: int) -> list[str]:
    rows = "".join(f"Acme {i},K{i}\n" for i in range(count))
    with bulk_org.client() as client:
        job = ingest(client, "Account", "insert", "Name,External_Id__c\n" + rows)
        return [r["sf__Id"] for r in result_rows(client, job["id"], "successfulResults")]


def _job(client: httpx.Client, headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
    response = client.post(ASYNC, json=body, headers=headers or {})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_singer_tap_bulk_query_sequence(bulk_org: BulkOrg) -> None:
    _accounts(bulk_org, 3)
    with bulk_org.bulk1_client() as client:
        job = _job(
            client,
            {"Sforce-Disable-Batch-Retry": "true"},
            operation="queryAll",
            object="Account",
            contentType="CSV",
        )
        soql = (
            "SELECT Id, Name FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00Z  "
            "ORDER BY SystemModstamp ASC"
        )
        added = client.post(f"{ASYNC}/{job['id']}/batch", headers={"Content-Type": "text/csv"}, content=soql)
        batch_id = _xml(added)["id"]
        closed = client.post(f"{ASYNC}/{job['id']}", json={"state": "Closed"})
        polled = _xml(
            client.get(f"{ASYNC}/{job['id']}/batch/{batch_id}", headers={"Content-Type": "application/json"})
        )
        listing = ET.fromstring(client.get(f"{ASYNC}/{job['id']}/batch/{batch_id}/result").content)
        result_ids = [r.text for r in listing.findall("sf:result", NS)]
        data = client.get(
            f"{ASYNC}/{job['id']}/batch/{batch_id}/result/{result_ids[0]}",
            headers={"Content-Type": "text/csv"},
        )
    assert (job["state"], job["contentType"], job["concurrencyMode"]) == ("Open", "CSV", "Parallel")
    assert added.headers["content-type"].startswith("application/xml")
    assert closed.json()["state"] == "Closed"
    assert (polled["state"], polled["numberRecordsProcessed"]) == ("Completed", "3")
    assert listing.tag == "{http://www.force.com/2009/06/asyncapi/dataload}result-list"
    rows = list(csv.reader(io.StringIO(data.text)))
    assert rows[0] == ["Id", "Name"]
    assert [r[1] for r in rows[1:]] == ["Acme 0", "Acme 1", "Acme 2"]


def test_a_missing_job_is_invalid_job_in_plain_application_json(bulk_org: BulkOrg) -> None:
    with bulk_org.bulk1_client() as client:
        response = client.get(f"{ASYNC}/7505g00000000ZZAAA", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "exceptionCode": "InvalidJob",
        "exceptionMessage": "Invalid job id: 7505g00000000ZZAAA",
    }


def test_xml_requests_get_xml_answers_and_xml_errors(bulk_org: BulkOrg) -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload">'
        "<operation>insert</operation><object>{}</object><contentType>CSV</contentType></jobInfo>"
    )
    with bulk_org.bulk1_client(headers={"Content-Type": "application/xml"}) as client:
        created = client.post(ASYNC, content=body.format("Account"))
        refused = client.post(ASYNC, content=body.format("CurrencyType"))
    assert created.status_code == 201
    assert _xml(created)["state"] == "Open"
    assert refused.status_code == 400
    assert _xml(refused) == {
        "exceptionCode": "InvalidEntity",
        "exceptionMessage": "Entity 'CurrencyType' is not supported by the Bulk API.",
    }


def test_a_bad_session_is_invalid_session_id(bulk_org: BulkOrg) -> None:
    with httpx.Client(base_url=bulk_org.server.base_url) as client:
        response = client.post(
            ASYNC, json={"operation": "insert", "object": "Account"}, headers={"X-SFDC-Session": "nope"}
        )
    assert response.status_code == 401
    assert response.json()["exceptionCode"] == "InvalidSessionId"


def test_csv_insert_batch_reports_each_record(bulk_org: BulkOrg) -> None:
    with bulk_org.bulk1_client() as client:
        job = _job(client, operation="insert", object="Account", contentType="CSV")
        batch_id = _xml(
            client.post(
                f"{ASYNC}/{job['id']}/batch",
                content="Name,Phone\nAcme,555\n,#N/A\n",
                headers={"Content-Type": "text/csv"},
            )
        )["id"]
        results = client.get(f"{ASYNC}/{job['id']}/batch/{batch_id}/result")
        info = client.get(f"{ASYNC}/{job['id']}", headers={"Content-Type": "application/json"}).json()
    rows = list(csv.reader(io.StringIO(results.text)))
    assert results.text.startswith('"Id","Success","Created","Error"\n')
    assert [r[1:3] for r in rows[1:]] == [["true", "true"], ["false", "false"]]
    assert rows[2][3] == "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
    counts = (info["numberBatchesCompleted"], info["numberRecordsProcessed"], info["numberRecordsFailed"])
    assert counts == (1, 2, 1)


def test_json_upsert_batch_answers_json(bulk_org: BulkOrg) -> None:
    _accounts(bulk_org, 1)
    with bulk_org.bulk1_client() as client:
        job = _job(
            client,
            operation="upsert",
            object="Account",
            contentType="JSON",
            concurrencyMode=1,
            externalIdFieldName="External_Id__c",
        )
        records = [
            {"External_Id__c": "K0", "Name": "Acme 2"},
            {"External_Id__c": "K9", "Name": "New"},
            {"External_Id__c": "K8", "Name": "Bad", "Tier__c": "Platinum"},
        ]
        batch = client.post(f"{ASYNC}/{job['id']}/batch", json=records).json()
        info = client.get(f"{ASYNC}/{job['id']}/batch/{batch['id']}").json()
        results = client.get(f"{ASYNC}/{job['id']}/batch/{batch['id']}/result").json()
    assert job["concurrencyMode"] == "Serial"
    assert (batch["state"], info["state"]) == ("Queued", "Completed")
    assert [(r["success"], r["created"]) for r in results] == [(True, False), (True, True), (False, False)]
    assert results[2]["errors"] == [
        {
            "statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "fields": ["Tier__c"],
            "message": "Tier: bad value for restricted picklist field: Platinum",
        }
    ]


def test_xml_update_batch_nils_fields(bulk_org: BulkOrg) -> None:
    (account_id,) = _accounts(bulk_org, 1)
    records = (
        '<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<sObject><Id>{account_id}</Id><Name>Renamed</Name><External_Id__c xsi:nil="true"/></sObject>'
        "</sObjects>"
    )
    with bulk_org.bulk1_client() as client:
        job = _job(client, operation="update", object="Account", contentType="XML")
        batch_id = _xml(
            client.post(
                f"{ASYNC}/{job['id']}/batch", content=records, headers={"Content-Type": "application/xml"}
            )
        )["id"]
        results = ET.fromstring(client.get(f"{ASYNC}/{job['id']}/batch/{batch_id}/result").content)
    with bulk_org.client() as client:
        rows = query_rows(client, "SELECT Name, External_Id__c FROM Account")
    assert [e.text for e in results.iter(f"{{{NS['sf']}}}success")] == ["true"]
    assert rows == [{"Name": "Renamed", "External_Id__c": ""}]


def test_a_batch_with_an_unknown_field_fails_with_its_state_message(bulk_org: BulkOrg) -> None:
    with bulk_org.bulk1_client() as client:
        job = _job(client, operation="insert", object="Account", contentType="JSON")
        batch = client.post(f"{ASYNC}/{job['id']}/batch", json=[{"Name": "Acme", "Foo__c": 1}]).json()
        info = client.get(f"{ASYNC}/{job['id']}/batch/{batch['id']}").json()
        results = client.get(f"{ASYNC}/{job['id']}/batch/{batch['id']}/result")
    assert (info["state"], info["stateMessage"]) == ("Failed", "InvalidBatch : Field name not found : Foo__c")
    assert (results.status_code, results.json()["exceptionCode"]) == (400, "InvalidBatch")


@pytest.mark.parametrize(
    ("soql", "message"),
    [
        ("SELECT Nope__c FROM Account", "InvalidBatch : Failed to process query: INVALID_FIELD: "),
        (
            "SELECT BillingAddress FROM Account",
            "InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: Selecting compound data not "
            "supported in Bulk Query",
        ),
    ],
    ids=["unknown-field", "compound"],
)
def test_a_query_batch_bulk_cannot_run_fails(bulk_org: BulkOrg, soql: str, message: str) -> None:
    with bulk_org.bulk1_client() as client:
        job = _job(client, operation="query", object="Account", contentType="JSON")
        batch = client.post(f"{ASYNC}/{job['id']}/batch", content=soql).json()
        info = client.get(f"{ASYNC}/{job['id']}/batch/{batch['id']}").json()
    assert info["state"] == "Failed"
    assert info["stateMessage"].startswith(message)


def test_no_batches_after_close(bulk_org: BulkOrg) -> None:
    with bulk_org.bulk1_client() as client:
        job = _job(client, operation="insert", object="Account", contentType="JSON")
        client.post(f"{ASYNC}/{job['id']}", json={"state": "Closed"})
        response = client.post(f"{ASYNC}/{job['id']}/batch", json=[{"Name": "Late"}])
    assert (response.status_code, response.json()["exceptionCode"]) == (400, "InvalidJobState")


def test_pk_chunking_replaces_the_batch_with_id_range_chunks(bulk_org: BulkOrg) -> None:
    ids = _accounts(bulk_org, 5)
    with bulk_org.bulk1_client() as client:
        job = _job(
            client,
            {"Sforce-Enable-PKChunking": "true; chunkSize=2"},
            operation="queryAll",
            object="Account",
            contentType="CSV",
        )
        original = _xml(
            client.post(
                f"{ASYNC}/{job['id']}/batch",
                content="SELECT Id FROM Account",
                headers={"Content-Type": "text/csv"},
            )
        )
        listing = ET.fromstring(client.get(f"{ASYNC}/{job['id']}/batch").content)
        batches = [{c.tag.split("}")[1]: c.text for c in b} for b in listing.findall("sf:batchInfo", NS)]
        chunks = []
        for batch in batches[1:]:
            (result_id,) = [
                r.text
                for r in ET.fromstring(
                    client.get(f"{ASYNC}/{job['id']}/batch/{batch['id']}/result").content
                ).findall("sf:result", NS)
            ]
            text = client.get(f"{ASYNC}/{job['id']}/batch/{batch['id']}/result/{result_id}").text
            chunks.append([row[0] for row in csv.reader(io.StringIO(text))][1:])
    assert original["state"] == "NotProcessed"
    assert [(b["id"], b["state"]) for b in batches[:1]] == [(original["id"], "NotProcessed")]
    assert [b["state"] for b in batches[1:]] == ["Completed"] * 3
    assert chunks == [ids[0:2], ids[2:4], ids[4:5]]


def _contacts_by_batch(client: httpx.Client, mode: str, account_ids: list[str]) -> list[list[dict[str, Any]]]:
    """Four batches of Contacts, each with children of every Account; the results of each batch."""
    job = _job(client, operation="insert", object="Contact", contentType="JSON", concurrencyMode=mode)
    batches = [
        client.post(
            f"{ASYNC}/{job['id']}/batch",
            json=[
                {"LastName": f"{mode} {n}-{i}", "AccountId": account_id}
                for i, account_id in enumerate(account_ids)
            ],
        ).json()
        for n in range(4)
    ]
    results = [client.get(f"{ASYNC}/{job['id']}/batch/{b['id']}/result").json() for b in batches]
    client.post(f"{ASYNC}/{job['id']}", json={"state": "Closed"})
    return results


def _lock_failures(results: list[list[dict[str, Any]]]) -> list[tuple[int, int]]:
    return [
        (batch, index)
        for batch, rows in enumerate(results)
        for index, row in enumerate(rows)
        if row["errors"] and row["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    ]


def test_parallel_batches_contend_for_parents_and_serial_ones_never_do(bulk_org_factory: Any) -> None:
    bulk_org = bulk_org_factory(lock_contention=True, fault_seed=7)
    account_ids = _accounts(bulk_org, 6)
    with bulk_org.bulk1_client() as client:
        parallel = _contacts_by_batch(client, "Parallel", account_ids)
        serial = _contacts_by_batch(client, "Serial", account_ids)
    failures = _lock_failures(parallel)
    assert failures
    assert all(batch > 0 for batch, _ in failures)  # the first batch takes the locks
    assert _lock_failures(serial) == []
    assert all(row["success"] for rows in serial for row in rows)
    batch, index = failures[0]
    assert "unable to obtain exclusive access" in json.dumps(parallel[batch][index]["errors"])


def test_lock_failures_repeat_for_the_same_fault_seed(bulk_org_factory: Any) -> None:
    runs = []
    for _ in range(2):
        bulk_org = bulk_org_factory(lock_contention=True, fault_seed=11)
        account_ids = _accounts(bulk_org, 6)
        with bulk_org.bulk1_client() as client:
            runs.append(_lock_failures(_contacts_by_batch(client, "Parallel", account_ids)))
    assert runs[0]
    assert runs[0] == runs[1]


def test_without_contention_parallel_batches_all_succeed(bulk_org: BulkOrg) -> None:
    account_ids = _accounts(bulk_org, 3)
    with bulk_org.bulk1_client() as client:
        results = _contacts_by_batch(client, "Parallel", account_ids)
    assert all(row["success"] for rows in results for row in rows)


@pytest.mark.parametrize(("operation", "remaining"), [("delete", ["true"]), ("hardDelete", [])])
def test_csv_delete_batches_remove_records(bulk_org: BulkOrg, operation: str, remaining: list[str]) -> None:
    (account_id,) = _accounts(bulk_org, 1)
    with bulk_org.bulk1_client() as client:
        job = _job(client, operation=operation, object="Account", contentType="CSV")
        batch_id = _xml(
            client.post(
                f"{ASYNC}/{job['id']}/batch",
                content=f"Id\n{account_id}\n",
                headers={"Content-Type": "text/csv"},
            )
        )["id"]
        results = client.get(f"{ASYNC}/{job['id']}/batch/{batch_id}/result").text
        uploaded = client.get(f"{ASYNC}/{job['id']}/batch/{batch_id}/request").text
    with bulk_org.client() as client:
        rows = query_rows(client, "SELECT Id, IsDeleted FROM Account", operation="queryAll")
    assert results.splitlines()[1] == f'"{account_id}","true","false",""'
    assert uploaded == f"Id\n{account_id}\n"
    assert [r["IsDeleted"] for r in rows] == remaining
