"""Bulk 2.0 ingest over HTTP: job lifecycle, every operation, CSV conventions and the three result files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sfemu.bulk.helpers import (
    INGEST,
    BulkOrg,
    attach,
    create_ingest,
    error_code,
    ingest,
    query_rows,
    result_rows,
    result_text,
)
from tests.support.sfemu import running_emulator


def test_create_answers_an_open_job_with_relative_content_url(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        response = client.post(
            INGEST, json={"object": "Account", "operation": "insert"}, headers={"Accept": "text/csv"}
        )
    job = response.json()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert job["state"] == "Open"
    assert job["contentUrl"] == f"services/data/v62.0/jobs/ingest/{job['id']}/batches"
    assert job["id"].startswith("750")
    assert len(job["id"]) == 18
    assert job["apiVersion"] == 62.0
    assert (job["lineEnding"], job["columnDelimiter"], job["contentType"]) == ("LF", "COMMA", "CSV")


def test_insert_is_complete_at_the_first_poll(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = ingest(client, "Account", "insert", "Name,External_Id__c\nAcme,K1\nGlobex,K2\n")
        rows = result_rows(client, job["id"], "successfulResults")
    assert job["state"] == "JobComplete"
    assert (job["numberRecordsProcessed"], job["numberRecordsFailed"]) == (2, 0)
    assert job["jobType"] == "V2Ingest"
    assert [(r["sf__Created"], r["Name"], r["External_Id__c"]) for r in rows] == [
        ("true", "Acme", "K1"),
        ("true", "Globex", "K2"),
    ]
    assert all(r["sf__Id"].startswith("001") for r in rows)


def test_successful_results_quote_sf_columns_and_keep_upload_column_order(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = ingest(client, "Account", "insert", 'External_Id__c,Name\nK1,"Acme, Inc."\n')
        text = result_text(client, job["id"], "successfulResults")
    header, row = text.splitlines()
    assert header == '"sf__Id","sf__Created",External_Id__c,Name'
    assert row.endswith('"true",K1,"Acme, Inc."')


def test_failed_rows_count_as_processed_and_carry_their_error(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = ingest(client, "Account", "insert", "Name,Tier__c\nAcme,Gold\n,Gold\nGlobex,Platinum\n")
        failed = result_rows(client, job["id"], "failedResults")
        unprocessed = result_text(client, job["id"], "unprocessedrecords")
    assert job["state"] == "JobComplete"
    assert (job["numberRecordsProcessed"], job["numberRecordsFailed"]) == (3, 2)
    assert [r["sf__Error"] for r in failed] == [
        "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Tier: bad value for restricted picklist field: Platinum:"
        "Tier__c --",
    ]
    assert [r["sf__Id"] for r in failed] == ["", ""]
    assert unprocessed == "Name,Tier__c\n"


def test_update_skips_empty_cells_and_nulls_na_cells(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        created = ingest(client, "Account", "insert", "Name,Phone,Website\nAcme,555,acme.example\n")
        account_id = result_rows(client, created["id"], "successfulResults")[0]["sf__Id"]
        job = ingest(client, "Account", "update", f"Id,Name,Phone,Website\n{account_id},Acme 2,,#N/A\n")
        rows = query_rows(client, "SELECT Name, Phone, Website FROM Account")
        updated = result_rows(client, job["id"], "successfulResults")
    assert rows == [{"Name": "Acme 2", "Phone": "555", "Website": ""}]
    assert [(r["sf__Id"], r["sf__Created"]) for r in updated] == [(account_id, "false")]


def test_update_of_an_unknown_id_fails_the_row_with_its_id(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = ingest(client, "Account", "update", "Id,Name\n0015g0000009999AAA,Ghost\n")
        failed = result_rows(client, job["id"], "failedResults")
    assert job["numberRecordsFailed"] == 1
    assert failed[0]["sf__Id"] == "0015g0000009999AAA"
    assert failed[0]["sf__Error"].startswith("NOT_FOUND:")


def test_upsert_creates_new_keys_and_updates_known_ones(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        ingest(client, "Account", "insert", "Name,External_Id__c\nAcme,K1\n")
        job = ingest(
            client,
            "Account",
            "upsert",
            "External_Id__c,Name\nK1,Acme 2\nK2,Globex\n",
            externalIdFieldName="External_Id__c",
        )
        rows = result_rows(client, job["id"], "successfulResults")
        names = query_rows(client, "SELECT External_Id__c, Name FROM Account ORDER BY External_Id__c")
    assert [(r["External_Id__c"], r["sf__Created"]) for r in rows] == [("K1", "false"), ("K2", "true")]
    assert names == [{"External_Id__c": "K1", "Name": "Acme 2"}, {"External_Id__c": "K2", "Name": "Globex"}]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "External ID was blank for Account"),
        ({"externalIdFieldName": "Name"}, "Name is not an External ID"),
    ],
    ids=["missing", "not-an-external-id"],
)
def test_upsert_needs_an_external_id_field(bulk_org: BulkOrg, fields: dict[str, str], message: str) -> None:
    with bulk_org.client() as client:
        response = client.post(INGEST, json={"object": "Account", "operation": "upsert", **fields})
    assert response.status_code == 400
    assert error_code(response) == "INVALIDJOB"
    assert message in response.json()[0]["message"]


def test_delete_moves_records_to_the_recycle_bin_and_hard_delete_removes_them(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        created = ingest(client, "Account", "insert", "Name\nAcme\nGlobex\n")
        first, second = (r["sf__Id"] for r in result_rows(client, created["id"], "successfulResults"))
        deleted = ingest(client, "Account", "delete", f"Id\n{first}\n")
        hard = ingest(client, "Account", "hardDelete", f"Id\n{second}\n")
        live = query_rows(client, "SELECT Id FROM Account")
        every = query_rows(client, "SELECT Id, IsDeleted FROM Account", operation="queryAll")
    assert (deleted["numberRecordsProcessed"], hard["numberRecordsProcessed"]) == (1, 1)
    assert live == []
    assert every == [{"Id": first, "IsDeleted": "true"}]


@pytest.mark.parametrize("operation", ["delete", "hardDelete"])
def test_delete_jobs_with_more_than_an_id_column_fail(bulk_org: BulkOrg, operation: str) -> None:
    with bulk_org.client() as client:
        job = ingest(client, "Account", operation, "Id,Name\n0015g0000000001AAA,Acme\n")
    assert job["state"] == "Failed"
    assert "must contain only the 'Id' field" in job["errorMessage"]


def test_relationship_column_sets_the_lookup_by_the_parents_external_id(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        ingest(client, "Account", "insert", "Name,External_Id__c\nAcme,K1\n")
        data = "LastName,Account.External_Id__c\nLovelace,K1\nHopper,K404\n"
        job = ingest(client, "Contact", "insert", data)
        failed = result_rows(client, job["id"], "failedResults")
        contacts = query_rows(client, "SELECT LastName, Account.Name FROM Contact")
    assert contacts == [{"LastName": "Lovelace", "Account.Name": "Acme"}]
    assert failed[0]["sf__Error"].startswith("INVALID_FIELD:Foreign key external ID: K404 not found")


def test_polymorphic_relationship_columns_name_the_parent_type(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        ingest(client, "Account", "insert", "Name,External_Id__c\nAcme,K1\n")
        job = ingest(
            client,
            "Task",
            "insert",
            "Subject,What:Account.External_Id__c,Owner:User.Username\nCall,K1,admin@sfemu.local\n",
        )
        tasks = query_rows(client, "SELECT Subject, What.Name, Owner.Username FROM Task")
    assert job["numberRecordsFailed"] == 0
    assert tasks == [{"Subject": "Call", "What.Name": "Acme", "Owner.Username": "admin@sfemu.local"}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Name,Foo__c\nAcme,1\n", "InvalidBatch : Field name not found : Foo__c"),
        ("Name,Nope.External_Id__c\nAcme,1\n", "InvalidBatch : Field name not found : Nope.External_Id__c"),
        ('Name\n"Acme\n', "ClientInputError"),
        ("Name,Phone\nAcme\n", "ClientInputError : Row 2 has 1 columns but the header has 2"),
    ],
    ids=["unknown-field", "unknown-relationship", "unterminated-quote", "short-row"],
)
def test_bad_csv_fails_the_job_and_leaves_every_row_unprocessed(
    bulk_org: BulkOrg, data: str, message: str
) -> None:
    with bulk_org.client() as client:
        job = ingest(client, "Account", "insert", data)
        unprocessed = result_text(client, job["id"], "unprocessedRecords")
        successful = result_text(client, job["id"], "successfulResults")
    assert job["state"] == "Failed"
    assert message in job["errorMessage"]
    assert unprocessed == data
    assert successful.startswith('"sf__Id","sf__Created"')
    assert query_rows_count(bulk_org) == 0


def query_rows_count(bulk_org: BulkOrg) -> int:
    with bulk_org.client() as client:
        return len(query_rows(client, "SELECT Id FROM Account"))


def test_the_jobs_delimiter_and_line_ending_apply_to_upload_and_results(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = ingest(
            client,
            "Account",
            "insert",
            "Name|Description\r\nAcme|a,b\r\n",
            columnDelimiter="PIPE",
            lineEnding="CRLF",
        )
        text = result_text(client, job["id"], "successfulResults")
    assert job["numberRecordsProcessed"] == 1
    assert text.startswith('"sf__Id"|"sf__Created"|Name|Description\r\n')
    assert text.endswith('|"true"|Acme|a,b\r\n')


def test_only_one_upload_per_job_and_none_after_close(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = create_ingest(client, "Account", "insert")
        url = f"{INGEST}/{job['id']}/batches"
        first = client.put(url, content=b"Name\nAcme\n", headers={"Content-Type": "text/csv"})
        second = client.put(url, content=b"Name\nGlobex\n", headers={"Content-Type": "text/csv"})
        client.patch(f"{INGEST}/{job['id']}", json={"state": "UploadComplete"})
        third = client.put(url, content=b"Name\nInitech\n", headers={"Content-Type": "text/csv"})
    assert (first.status_code, first.content) == (201, b"")
    assert (second.status_code, error_code(second)) == (400, "INVALIDJOB")
    assert "Found multiple contents" in second.json()[0]["message"]
    assert (third.status_code, error_code(third)) == (400, "INVALIDJOB")


def test_abort_then_delete_a_job(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = create_ingest(client, "Account", "insert")
        url = f"{INGEST}/{job['id']}"
        aborted = client.patch(url, json={"state": "Aborted"})
        reclosed = client.patch(url, json={"state": "UploadComplete"})
        deleted = client.delete(url)
        gone = client.get(url)
    assert (aborted.status_code, aborted.json()["state"]) == (200, "Aborted")
    assert reclosed.status_code == 400
    assert reclosed.json()[0]["message"] == "Aborted : Job state transition is not allowed"
    assert deleted.status_code == 204
    assert (gone.status_code, error_code(gone)) == (404, "NOT_FOUND")


def test_an_open_job_cannot_be_deleted(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = create_ingest(client, "Account", "insert")
        response = client.delete(f"{INGEST}/{job['id']}")
    assert (response.status_code, error_code(response)) == (400, "INVALIDJOB")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"object": "Nope__c", "operation": "insert"}, 404, "NOT_FOUND"),
        ({"object": "CurrencyType", "operation": "insert"}, 400, "INVALIDENTITY"),
        ({"object": "Account", "operation": "merge"}, 400, "INVALIDJOB"),
        ({"object": "Account", "operation": "insert", "columnDelimiter": "COLON"}, 400, "INVALIDJOB"),
    ],
    ids=["unknown-object", "not-bulk", "bad-operation", "bad-delimiter"],
)
def test_create_refuses_bad_jobs(bulk_org: BulkOrg, body: dict[str, str], status: int, code: str) -> None:
    with bulk_org.client() as client:
        response = client.post(INGEST, json=body)
    assert (response.status_code, error_code(response)) == (status, code)
    if code == "INVALIDENTITY":
        assert response.json()[0]["message"] == "Entity 'CurrencyType' is not supported by the Bulk API."


def test_list_shows_ingest_jobs(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = create_ingest(client, "Account", "insert")
        listing = client.get(INGEST).json()
    assert listing["done"] is True
    assert listing["nextRecordsUrl"] is None
    assert [(j["id"], j["jobType"]) for j in listing["records"]] == [(job["id"], "V2Ingest")]


def test_unknown_job_and_result_kind_are_not_found(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = create_ingest(client, "Account", "insert")
        missing = client.get(f"{INGEST}/7505g00000000ZZAAA")
        wrong_kind = client.get(f"{INGEST}/{job['id']}/someResults")
    assert (missing.status_code, wrong_kind.status_code) == (404, 404)


def test_jobs_and_results_survive_a_restart(tmp_path: Path) -> None:
    with running_emulator(tmp_path) as server, attach(server).client() as client:
        job = ingest(client, "Account", "insert", "Name\nAcme\n")
    with running_emulator(tmp_path) as server, attach(server).client() as client:
        info = client.get(f"{INGEST}/{job['id']}").json()
        rows = result_rows(client, job["id"], "successfulResults")
    assert info["state"] == "JobComplete"
    assert [r["Name"] for r in rows] == ["Acme"]
