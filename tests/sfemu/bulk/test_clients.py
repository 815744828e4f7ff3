"""simple-salesforce, unchanged, against the emulator: `sf.bulk2` (Bulk 2.0) and `sf.bulk` (Bulk 1.0)."""

from __future__ import annotations

import csv
import io

from tests.sfemu.bulk.helpers import BulkOrg


def test_simple_salesforce_bulk2_inserts_upserts_and_queries(bulk_tls_org: BulkOrg) -> None:
    sf = bulk_tls_org.salesforce()
    inserted = sf.bulk2.Account.insert(
        records=[{"Name": "Acme", "External_Id__c": "A1"}, {"Name": "Globex", "External_Id__c": "A2"}], wait=0
    )
    upserted = sf.bulk2.Account.upsert(
        records=[{"External_Id__c": "A2", "Name": "Globex 2"}, {"External_Id__c": "A3", "Name": "Initech"}],
        external_id_field="External_Id__c",
        wait=0,
    )
    pages = list(
        sf.bulk2.Account.query(
            "SELECT Name, External_Id__c FROM Account ORDER BY External_Id__c", max_records=2, wait=0
        )
    )

    assert [(r["numberRecordsProcessed"], r["numberRecordsFailed"]) for r in inserted] == [(2, 0)]
    assert [(r["numberRecordsProcessed"], r["numberRecordsFailed"]) for r in upserted] == [(2, 0)]
    rows = [row for page in pages for row in csv.DictReader(io.StringIO(page))]
    assert len(pages) == 2
    assert [(r["Name"], r["External_Id__c"]) for r in rows] == [
        ("Acme", "A1"),
        ("Globex 2", "A2"),
        ("Initech", "A3"),
    ]


def test_simple_salesforce_bulk_inserts_and_queries(bulk_tls_org: BulkOrg) -> None:
    sf = bulk_tls_org.salesforce()
    results = sf.bulk.Account.insert([{"Name": "Acme"}, {"Name": "Globex"}, {}], batch_size=2)
    records = sf.bulk.Account.query("SELECT Id, Name, CreatedDate FROM Account ORDER BY Name")

    assert [(r["success"], r["created"]) for r in results] == [(True, True), (True, True), (False, False)]
    assert results[2]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert [r["Name"] for r in records] == ["Acme", "Globex"]
    assert records[0]["attributes"]["type"] == "Account"
    assert isinstance(records[0]["CreatedDate"], int)  # Bulk 1.0 JSON: epoch milliseconds
