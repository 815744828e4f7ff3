"""Bulk API 2.0 query: the CSV a client downloads, and the SOQL Bulk refuses (§4.2, §4.4)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from sfemu.errors import SalesforceError
from sfemu.schema import Schema
from sfemu.soql import COMPOUND_MESSAGE, bulk, compile_bulk_query, write_csv
from sfemu.store.db import Database, create_tables
from tests.sfemu.soql.conftest import NOW, Org


def test_csv_quotes_every_value_and_leaves_nulls_empty(org: Org) -> None:
    acme = org.insert(
        "Account",
        Name='Acme "Best", Inc.',
        NumberOfEmployees=42,
        AnnualRevenue=1234.5,
        SystemModstamp="2024-01-15T10:30:00.000Z",
        Description="line 1\nline 2",
    )
    text = org.csv(
        "SELECT Id, Name, Phone, NumberOfEmployees, AnnualRevenue, IsDeleted, SystemModstamp, "
        "Description FROM Account"
    )
    assert text == (
        '"Id","Name","Phone","NumberOfEmployees","AnnualRevenue","IsDeleted","SystemModstamp","Description"\n'
        f'"{acme}","Acme ""Best"", Inc.",,"42","1234.5","false","2024-01-15T10:30:00.000Z","line 1\nline 2"\n'
    )


def test_relationship_headers_keep_the_query_spelling(org: Org) -> None:
    acme = org.insert("Account", Name="Acme")
    org.insert("Contact", LastName="Smith", AccountId=acme)
    org.insert("Contact", LastName="Orphan")
    text = org.csv("SELECT LastName, Account.Name, Account_Name__c FROM Contact")
    assert text.splitlines() == [
        '"LastName","Account.Name","Account_Name__c"',
        '"Smith","Acme","Acme"',
        '"Orphan",,',
    ]


def test_empty_result_is_the_header_alone(org: Org) -> None:
    assert org.csv("SELECT Id, Name FROM Account") == '"Id","Name"\n'


def test_query_all_includes_deleted_rows(org: Org) -> None:
    org.insert("Account", Name="Gone", IsDeleted=1)
    assert org.csv("SELECT Name, IsDeleted FROM Account", query_all=True).splitlines()[1] == '"Gone","true"'
    assert org.csv("SELECT Name FROM Account").splitlines() == ['"Name"']


def test_delimiter_and_line_ending_follow_the_job(org: Org) -> None:
    org.insert("Account", Name="Acme", Phone="555")
    text = org.csv("SELECT Name, Phone FROM Account", column_delimiter="PIPE", line_ending="CRLF")
    assert text == '"Name"|"Phone"\r\n"Acme"|"555"\r\n'


def test_order_and_limit_are_honoured(org: Org) -> None:
    for name in ["b", "c", "a"]:
        org.insert("Account", Name=name)
    assert org.csv("SELECT Name FROM Account ORDER BY Name DESC LIMIT 2").splitlines()[1:] == ['"c"', '"b"']


def test_compound_field_gets_the_message_airbyte_matches(org: Org) -> None:
    with pytest.raises(SalesforceError) as caught:
        compile_bulk_query("SELECT Id, BillingAddress FROM Account", org.schema, now=NOW)
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        400,
        "INVALID_FIELD",
        COMPOUND_MESSAGE,
    )
    assert COMPOUND_MESSAGE == "Selecting compound data not supported in Bulk Query"


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT FIELDS(STANDARD) FROM Account",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
        "SELECT COUNT() FROM Account",
        "SELECT COUNT(Id) FROM Account",
        "SELECT Industry FROM Account GROUP BY Industry",
        "SELECT Id FROM Account LIMIT 10 OFFSET 5",
    ],
)
def test_soql_bulk_does_not_run_is_malformed(org: Org, soql: str) -> None:
    with pytest.raises(SalesforceError) as caught:
        compile_bulk_query(soql, org.schema, now=NOW)
    assert (caught.value.status, caught.value.code) == (400, "MALFORMED_QUERY")


def test_object_without_bulk_support_is_an_invalid_entity(org: Org) -> None:
    with pytest.raises(SalesforceError) as caught:
        compile_bulk_query("SELECT Id FROM CurrencyType", org.schema, now=NOW)
    assert caught.value.code == "INVALIDENTITY"
    assert "is not supported by the Bulk API" in caught.value.message


def test_unknown_field_is_invalid_field_in_bulk_too(org: Org) -> None:
    with pytest.raises(SalesforceError) as caught:
        compile_bulk_query("SELECT Id, Nope__c FROM Account", org.schema, now=NOW)
    assert caught.value.code == "INVALID_FIELD"
    assert "No such column 'Nope__c' on entity 'Account'" in caught.value.message


def test_wide_selects_past_one_printf_call_stay_aligned(org: Org) -> None:
    account = org.schema.get("Account")
    assert account is not None
    names = [f.name for f in account.stored_fields()]
    paths = names + [f"Parent.{name}" for name in names] + [f"Parent.Parent.{name}" for name in names]
    assert len(paths) > 100
    top = org.insert("Account", Name="Top", Phone="1")
    middle = org.insert("Account", Name="Middle", ParentId=top)
    org.insert("Account", Name='Leaf "3"', ParentId=middle, NumberOfEmployees=3)
    lines = org.csv(f"SELECT {', '.join(paths)} FROM Account WHERE Name LIKE 'Leaf%'").splitlines()
    row = dict(zip(lines[0].split(","), lines[1].split(","), strict=True))
    assert (row['"Name"'], row['"NumberOfEmployees"'], row['"Phone"']) == ('"Leaf ""3"""', '"3"', "")
    assert (row['"Parent.Name"'], row['"Parent.Parent.Name"'], row['"Parent.Parent.Phone"']) == (
        '"Middle"',
        '"Top"',
        '"1"',
    )


def test_parallel_export_writes_the_same_file_as_one_cursor(
    tmp_path: Path, schema: Schema, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 4)
    monkeypatch.setattr(bulk, "PARALLEL_MIN_COLUMNS", 1)
    path = tmp_path / "org.db"
    db = Database(path)
    create_tables(db.conn, schema)
    org = Org(db, schema)
    for i in range(41):
        org.insert("Account", Name=f'A "{i}"', IsDeleted=int(i % 7 == 0), Phone=None if i % 3 else str(i))
    compiled = compile_bulk_query("SELECT Id, Name, Phone FROM Account WHERE Name LIKE 'A%'", schema, now=NOW)
    serial, parallel = io.StringIO(), io.StringIO()
    opened: list[sqlite3.Connection] = []

    def connect() -> sqlite3.Connection:
        opened.append(sqlite3.connect(path, check_same_thread=False))
        return opened[-1]

    assert write_csv(db.conn, compiled, serial) == 35
    assert write_csv(db.conn, compiled, parallel, connect=connect, workers=2) == 35
    assert parallel.getvalue() == serial.getvalue()
    assert len(opened) > 2
    db.close()
