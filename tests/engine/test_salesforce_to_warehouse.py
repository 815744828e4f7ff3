"""Salesforce (sfemu over HTTP) → the bulk pipeline → DuckDB and PostgreSQL: a full copy, then an
incremental one after inserts, updates, a soft delete, a hard delete and an undelete — after each, the
destination equals the org's `queryAll` data, compared by Id and every value."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from sfemu.seed import seed
from syncline.connectors import ConnectorContext, get_connection_type
from syncline.connectors.discovery import Schema
from syncline.connectors.protocols import BulkMode
from syncline.connectors.salesforce.client import SalesforceClient
from syncline.engine.bulk_sync.pipeline import SchemaCopy, copy_schema
from tests.connectors.test_bulk_destination_conformance import Warehouse, duckdb_warehouse, postgres_warehouse
from tests.support.sfemu import EmulatorServer, running_emulator

SALESFORCE = get_connection_type("salesforce")
APP = {"client_id": "sfemu", "client_secret": "sfemu-secret"}
FIELDS = ("Id", "Name", "AnnualRevenue", "NumberOfEmployees", "BillingCity", "IsDeleted", "SystemModstamp")


@pytest.fixture
def org(tmp_path: Path) -> Iterator[EmulatorServer]:
    with running_emulator(tmp_path / "sfemu") as emulator:
        seed(emulator.org, "demo")
        yield emulator


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    if request.param == "duckdb":
        return duckdb_warehouse(tmp_path)
    return postgres_warehouse(tmp_path, request.getfixturevalue("scratch_pg_database"))


def config(org: EmulatorServer) -> Any:
    return SALESFORCE.validate_config({"domain": org.base_url, "connect_mode": "clientcredentials", **APP})


def client(org: EmulatorServer) -> SalesforceClient:
    return SalesforceClient.from_config(config(org))


def org_accounts(org: EmulatorServer) -> dict[str, dict[str, Any]]:
    """The org's Accounts as `queryAll` answers, by Id, datetimes parsed."""
    with client(org) as sf:
        records = list(sf.rest.query(f"SELECT {', '.join(FIELDS)} FROM Account", include_deleted=True))
    return {r["Id"]: {f: _value(f, r[f]) for f in FIELDS} for r in records}


def _value(name: str, value: Any) -> Any:
    if name == "SystemModstamp" and isinstance(value, str):
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
    return value


def sync(org: EmulatorServer, warehouse: Warehouse, *, reconcile: bool = False) -> dict[str, Any]:
    """One bulk run of Account into the warehouse, resuming from its committed cursor."""
    assert SALESFORCE.bulk_source is not None
    source = SALESFORCE.bulk_source(config(org), ConnectorContext(data_dir=Path()))
    destination = warehouse.open(schema="salesforce") if warehouse.type_id == "duckdb" else warehouse.open()
    try:
        fields = next(f for f in source.discover(include_fields=True) if f.id == "Account").fields or ()
        schema = Schema("Account", "Account", tuple(f for f in fields if f.id in FIELDS))
        cursor = destination.cursor("Account")
        read = source.read(schema, cursor)
        plan = SchemaCopy("Account", read.arrow_schema, ("Id",), BulkMode.REPLICATE)
        outcome = copy_schema(
            plan,
            read,
            destination,
            next_cursor=lambda: read.cursor,
            deletes=(lambda: source.deletes(schema, cursor)) if cursor else None,
            existing_keys=(lambda: source.keys(schema)) if reconcile else None,
        )
        return {"records": outcome.records, "deleted": outcome.deleted, "columns": read.arrow_schema.names}
    finally:
        destination.close()


def destination_accounts(warehouse: Warehouse, columns: list[str]) -> dict[str, dict[str, Any]]:
    namespace = "salesforce" if warehouse.type_id == "duckdb" else None
    rows = [dict(zip(columns, row, strict=True)) for row in warehouse.rows("Account", namespace)]
    return {row["Id"]: row for row in rows}


@pytest.mark.postgres
def test_full_then_incremental_copy_matches_the_org(org: EmulatorServer, warehouse: Warehouse) -> None:
    first = sync(org, warehouse)
    assert sorted(first["columns"]) == sorted(FIELDS)
    assert first["records"] == len(org_accounts(org)) > 10
    assert destination_accounts(warehouse, first["columns"]) == org_accounts(org)

    with client(org) as sf:
        ids = [r["Id"] for r in sf.rest.query("SELECT Id FROM Account ORDER BY Name LIMIT 4")]
        renamed = "Renamed " + uuid.uuid4().hex[:6]
        sf.rest.update("Account", [{"Id": ids[0], "Name": renamed, "BillingCity": None}])
        created = sf.rest.create("Account", [{"Name": "Brand new", "NumberOfEmployees": 7}])
        sf.rest.delete([ids[1]])  # soft: into the recycle bin, IsDeleted = true
        hard = sf.bulk2.ingest("Account", "hardDelete", pa.table({"Id": [ids[2]]}))
        assert hard.failed.num_rows == 0

    # getDeleted covers whole minutes only, so a deletion in this minute shows up there on a later run;
    # the reconciliation (every Id, one Bulk query) catches it now.
    second = sync(org, warehouse, reconcile=True)
    expected = org_accounts(org)
    assert destination_accounts(warehouse, second["columns"]) == expected
    assert expected[ids[0]]["Name"] == renamed
    assert expected[ids[1]]["IsDeleted"] is True  # the soft-deleted row is kept, marked deleted
    assert ids[2] not in expected  # the hard-deleted row is gone
    assert created[0].id in expected
