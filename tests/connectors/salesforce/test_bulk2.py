"""Bulk API 2.0 against sfemu: query jobs into Arrow, ingest jobs with per-record failures."""

from __future__ import annotations

import pyarrow as pa
import pytest

from syncline.connectors.salesforce.errors import BulkJobFailed, BulkNotSupported, NotFound
from tests.connectors.salesforce.helpers import DEMO_ACCOUNTS, Org

RESULTS = "GET /services/data/vXX.X/jobs/query/{id}/results"


def test_a_bulk_query_arrives_as_arrow_record_batches(org: Org) -> None:
    with org.client() as sf:
        batches = list(sf.bulk2.query("SELECT Id, LastName, Account.Name FROM Contact LIMIT 5"))
    assert all(isinstance(batch, pa.RecordBatch) for batch in batches)
    table = pa.Table.from_batches(batches)
    assert table.num_rows == 5
    assert table.column_names == ["Id", "LastName", "Account.Name"]  # relationship paths keep their dots


def test_bulk_query_columns_are_strings_and_nulls_stay_null(org: Org) -> None:
    with org.client() as sf:
        table = pa.Table.from_batches(
            list(sf.bulk2.query("SELECT Id, Name, Industry, AnnualRevenue FROM Account"))
        )
    assert table.num_rows == DEMO_ACCOUNTS
    assert table.schema == pa.schema(
        [(name, pa.string()) for name in ("Id", "Name", "Industry", "AnnualRevenue")]
    )
    assert table.column("Industry").null_count > 0  # the accounts converted from leads have none
    assert "" not in table.column("Industry").to_pylist()


def test_result_pages_are_followed_by_locator(org: Org) -> None:
    with org.client() as sf:
        batches = list(sf.bulk2.query("SELECT Id FROM Account", max_records=4))
    assert sum(batch.num_rows for batch in batches) == DEMO_ACCOUNTS
    assert org.stats()["by_endpoint"][RESULTS] == 4


def test_a_schema_types_the_columns(org: Org) -> None:
    schema = pa.schema([("AnnualRevenue", pa.float64()), ("CreatedDate", pa.timestamp("ms", tz="UTC"))])
    with org.client() as sf:
        batches = sf.bulk2.query("SELECT Name, AnnualRevenue, CreatedDate FROM Account", schema=schema)
        table = pa.Table.from_batches(list(batches))
    assert table.schema.field("AnnualRevenue").type == pa.float64()
    assert table.schema.field("CreatedDate").type == pa.timestamp("ms", tz="UTC")
    assert table.schema.field("Name").type == pa.string()


def test_finished_query_jobs_are_deleted(org: Org) -> None:
    with org.client() as sf:
        job = sf.bulk2.create_query_job("SELECT Id FROM Account")
        sf.bulk2.wait_query_job(job["id"])
        assert sum(batch.num_rows for batch in sf.bulk2.query_results(job["id"])) == DEMO_ACCOUNTS
        sf.bulk2.delete_query_job(job["id"])
        with pytest.raises(NotFound):
            sf.bulk2.query_job(job["id"])


def test_compound_fields_are_not_bulk_compatible(org: Org) -> None:
    with org.client() as sf, pytest.raises(BulkNotSupported, match="REST"):
        list(sf.bulk2.query("SELECT Id, BillingAddress FROM Account"))


def test_an_ingest_reports_successes_and_failures_per_record(org: Org) -> None:
    contacts = pa.table(
        {
            "FirstName": ["Ada", "Grace", "Alan"],
            "LastName": ["Lovelace", None, "Turing"],
            "Email": ["ada@example.com", "grace@example.com", "alan@example.com"],
        }
    )
    with org.client() as sf:
        results = sf.bulk2.ingest("Contact", "insert", contacts)
    assert results.job["state"] == "JobComplete"
    assert results.job["numberRecordsFailed"] == 1
    assert results.successful.num_rows == 2
    assert results.successful.column_names[:2] == ["sf__Id", "sf__Created"]
    assert results.failed.column("Email").to_pylist() == ["grace@example.com"]
    assert results.failed.column("sf__Error")[0].as_py().startswith("REQUIRED_FIELD_MISSING")
    assert results.unprocessed.num_rows == 0


def test_an_upsert_from_csv_bytes_says_what_was_created(org: Org) -> None:
    body = b"External_Id__c,Name\nACC-0001,Acme Renamed\nACC-9999,Brand New\n"
    with org.client() as sf:
        results = sf.bulk2.ingest("Account", "upsert", body, external_id_field="External_Id__c")
    created = dict(
        zip(
            results.successful.column("External_Id__c").to_pylist(),
            results.successful.column("sf__Created").to_pylist(),
            strict=True,
        )
    )
    assert created == {"ACC-0001": "false", "ACC-9999": "true"}


def test_a_job_that_fails_as_a_whole_raises_and_keeps_its_rows(org: Org) -> None:
    with org.client() as sf:
        with pytest.raises(BulkJobFailed) as info:
            sf.bulk2.ingest("Account", "insert", b"Name,No_Such_Field__c\nA,1\n")
        assert info.value.state == "Failed"
        assert "No_Such_Field__c" in (info.value.error_message or "")
        unprocessed = sf.bulk2.ingest_results(info.value.job_id).unprocessed
    assert unprocessed.column("Name").to_pylist() == ["A"]
