"""Bulk API 1.0 against sfemu: Serial jobs with our batch size, queries, PK chunking."""

from __future__ import annotations

import pyarrow as pa

from tests.connectors.salesforce.helpers import DEMO_ACCOUNTS, Org


def contacts(count: int) -> pa.Table:
    return pa.table(
        {
            "FirstName": [f"First{n}" for n in range(count)],
            "LastName": [f"Last{n}" if n != 4 else None for n in range(count)],  # row 4 lacks LastName
        }
    )


def test_a_serial_job_loads_in_batches_of_the_chosen_size(org: Org) -> None:
    with org.client() as sf:
        load = sf.bulk1.load("Contact", "insert", contacts(7), batch_size=3, concurrency="Serial")
    assert load.job["concurrencyMode"] == "Serial"
    assert [batch["numberRecordsProcessed"] for batch in load.batches] == [3, 3, 1]
    assert all(batch["state"] == "Completed" for batch in load.batches)
    assert load.results.column_names == ["Id", "Success", "Created", "Error"]
    assert (
        load.results.column("Success").to_pylist() == ["true"] * 4 + ["false"] + ["true"] * 2
    )  # upload order
    assert load.results.column("Error")[4].as_py().startswith("REQUIRED_FIELD_MISSING")


def test_a_parallel_upsert_reports_created_and_updated(org: Org) -> None:
    accounts = pa.table({"External_Id__c": ["ACC-0002", "B1-NEW"], "Name": ["Globex 2", "Bulk One"]})
    with org.client() as sf:
        load = sf.bulk1.load("Account", "upsert", accounts, external_id_field="External_Id__c")
    assert load.job["concurrencyMode"] == "Parallel"
    assert load.results.column("Created").to_pylist() == ["false", "true"]


def test_a_query_job_yields_arrow_batches(org: Org) -> None:
    with org.client() as sf:
        table = pa.Table.from_batches(list(sf.bulk1.query("Account", "SELECT Id, Name FROM Account")))
    assert table.num_rows == DEMO_ACCOUNTS
    assert table.column_names == ["Id", "Name"]


def test_a_pk_chunked_query_reads_every_chunk(org: Org) -> None:
    with org.client() as sf:
        table = pa.Table.from_batches(
            list(sf.bulk1.query("Account", "SELECT Id FROM Account", pk_chunk_size=4))
        )
    assert table.num_rows == DEMO_ACCOUNTS
    assert len(set(table.column("Id").to_pylist())) == DEMO_ACCOUNTS
