"""Schema discovery through the official SDK: bulk-sync source listing, refresh, status, one schema and
its sample records, against sfemu (Salesforce), the local PostgreSQL and DuckDB."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import duckdb
import httpx
import psycopg
import pytest
from polytomic import Polytomic
from polytomic.core.api_error import ApiError
from polytomic.errors import BadRequestError, NotFoundError

from sfemu.schema.model import FieldDef, ObjectDef
from sfemu.seed import seed
from tests.conftest import PG_ADMIN_URL
from tests.support.server import ServerProcess, organization_files
from tests.support.sfemu import EmulatorServer, running_emulator

APP = {"client_id": "sfemu", "client_secret": "sfemu-secret"}


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    with running_emulator(tmp_path_factory.mktemp("sfemu")) as emulator:
        seed(emulator.org, "demo")
        # Objects discovery must leave out: a change-event object, one that rejects an unfiltered
        # query, and one that is not queryable at all.
        emulator.org.schema.add(ObjectDef("AccountChangeEvent", "1CE").add(FieldDef("Id", "id")))
        emulator.org.schema.add(ObjectDef("FieldDefinition", "4ie").add(FieldDef("Id", "id")))
        emulator.org.schema.add(ObjectDef("Hidden__c", "a0Z", queryable=False).add(FieldDef("Id", "id")))
        yield emulator


def salesforce(sdk: Polytomic, org: EmulatorServer, *, validate: bool = True, **settings: Any) -> str:
    return sdk.connections.create(
        name=unique("sf-schemas"),
        type="salesforce",
        validate=validate,
        configuration={"domain": org.base_url, "connect_mode": "clientcredentials", **APP, **settings},
    ).data.id


@pytest.fixture
def sf_connection(sdk: Polytomic, org: EmulatorServer) -> str:
    return salesforce(sdk, org)


def wait_until_refreshed(sdk: Polytomic, connection_id: str) -> Any:
    for _ in range(400):
        status = sdk.schemas.get_status(id=connection_id).data
        if status.cache_status != "refreshing":
            return status
        time.sleep(0.05)
    raise AssertionError("the schema refresh did not finish")


def fields_of(schema: Any) -> dict[str, Any]:
    return {field.id: field for field in schema.fields}


# --- Salesforce -------------------------------------------------------------------------------------


def test_salesforce_source_lists_queryable_objects_with_typed_fields(
    sdk: Polytomic, sf_connection: str
) -> None:
    source = sdk.bulk_sync.get_source(id=sf_connection, include_fields=True).data
    assert source.capabilities.supports_tracking_fields is True
    schemas = {schema.id: schema for schema in source.schemas}
    assert {"Account", "Contact", "Opportunity", "Invoice__c"} <= set(schemas)
    assert not {"AccountChangeEvent", "FieldDefinition", "Hidden__c"} & set(schemas)
    assert not [schema_id for schema_id in schemas if schema_id.startswith("tooling.")]

    account = fields_of(schemas["Account"])
    expected = {
        "Id": ("string", "id"),
        "Name": ("string", "string"),
        "ParentId": ("string", "reference"),
        "Type": ("string", "picklist"),
        "Website": ("string", "url"),
        "AnnualRevenue": ("number", "currency"),
        "NumberOfEmployees": ("number", "int"),
        "Health_Score__c": ("number", "double"),
        "IsDeleted": ("boolean", "boolean"),
        "CreatedDate": ("datetime", "datetime"),
        "BillingAddress": ("object", "address"),
    }
    assert {name: (account[name].type, account[name].remote_type) for name in expected} == expected
    assert [name for name, field in account.items() if field.is_primary_key] == ["Id"]
    assert [v.value for v in account["Type"].values] == [
        "Prospect",
        "Customer - Direct",
        "Customer - Channel",
        "Partner",
        "Other",
    ]
    assert account["Tier__c"].values[0].label == "Gold"

    contact = fields_of(schemas["Contact"])
    assert (contact["Birthdate"].type, contact["Birthdate"].remote_type) == ("datetime", "date")
    association = contact["AccountId"].association
    assert (association.id, association.reference_to, association.referenced_field) == (
        "Account",
        ["Account"],
        "Id",
    )
    assert contact["Email"].association is None


def test_source_without_fields_lists_only_the_schemas(sdk: Polytomic, sf_connection: str) -> None:
    source = sdk.bulk_sync.get_source(id=sf_connection).data
    account = next(schema for schema in source.schemas if schema.id == "Account")
    assert (account.name, account.fields) == ("Account", None)


def test_tooling_objects_are_listed_only_with_enable_tooling_and_namespaced(
    sdk: Polytomic, org: EmulatorServer
) -> None:
    connection = salesforce(sdk, org, enable_tooling=True)
    ids = {schema.id for schema in sdk.bulk_sync.get_source(id=connection).data.schemas}
    assert {"tooling.ApexClass", "tooling.ApexTrigger", "tooling.ValidationRule"} <= ids
    assert {"Account", "Contact"} <= ids
    assert "ApexClass" not in ids
    apex = sdk.schemas.get(id=connection, schema_id="tooling.ApexClass").data
    assert apex.id == "tooling.ApexClass"
    assert fields_of(apex)["Id"].is_primary_key
    assert [v.value for v in fields_of(apex)["Status"].values] == ["Active", "Deleted"]
    assert sdk.schemas.get_records(id=connection, schema_id="tooling.ApexClass").data == []


def test_refresh_runs_in_the_background_and_the_status_turns_fresh(
    sdk: Polytomic, http: httpx.Client, sf_connection: str
) -> None:
    assert sdk.schemas.get_status(id=sf_connection).data.cache_status == "none"
    answer = http.post(f"/api/connections/{sf_connection}/schemas/refresh")
    assert answer.status_code == 202
    assert answer.headers["location"] == f"/api/connections/{sf_connection}/schemas/status"
    status = wait_until_refreshed(sdk, sf_connection)
    assert status.cache_status == "fresh"
    assert status.last_refresh_finished >= status.last_refresh_started
    sdk.schemas.refresh(id=sf_connection)  # and again, through the SDK
    again = wait_until_refreshed(sdk, sf_connection)
    assert (again.cache_status, again.last_refresh_started > status.last_refresh_started) == ("fresh", True)


def test_one_schema_and_a_sample_of_its_records(sdk: Polytomic, sf_connection: str) -> None:
    contact = sdk.schemas.get(id=sf_connection, schema_id="Contact").data
    assert contact.id == "Contact"
    assert fields_of(contact)["AccountId"].association.reference_to == ["Account"]
    records = sdk.schemas.get_records(id=sf_connection, schema_id="Account").data
    assert 0 < len(records) <= 10
    assert {"Id", "Name", "AnnualRevenue"} <= set(records[0])
    assert "attributes" not in records[0]
    assert "BillingAddress" not in records[0]  # compound fields come as their components
    assert all(record["Id"].startswith("001") for record in records)


def test_unknown_schema_is_not_found(sdk: Polytomic, sf_connection: str) -> None:
    with pytest.raises(NotFoundError) as err:
        sdk.schemas.get(id=sf_connection, schema_id="NoSuchObject__c")
    assert "NoSuchObject__c" in err.value.body.message
    with pytest.raises(NotFoundError):
        sdk.schemas.get_records(id=sf_connection, schema_id="ApexClass")  # only as tooling.ApexClass


def test_another_organizations_connection_is_not_found(other_org_sdk: Polytomic, sf_connection: str) -> None:
    with pytest.raises(NotFoundError):
        other_org_sdk.bulk_sync.get_source(id=sf_connection)
    with pytest.raises(NotFoundError):
        other_org_sdk.schemas.refresh(id=sf_connection)
    with pytest.raises(NotFoundError):
        other_org_sdk.schemas.get_status(id=sf_connection)
    with pytest.raises(NotFoundError):
        other_org_sdk.schemas.get(id=sf_connection, schema_id="Account")
    with pytest.raises(NotFoundError):
        other_org_sdk.schemas.get_records(id=sf_connection, schema_id="Account")


def test_refresh_is_refused_while_the_connection_is_not_healthy(sdk: Polytomic, org: EmulatorServer) -> None:
    connection = salesforce(sdk, org, validate=False)  # never tested: status unknown
    with pytest.raises(ApiError) as err:
        sdk.schemas.refresh(id=connection)
    assert err.value.status_code == 409
    assert "healthy" in err.value.body["message"]
    assert sdk.schemas.get_status(id=connection).data.cache_status == "none"


def test_used_up_api_budget_is_a_429_with_the_budget_message(sdk: Polytomic, org: EmulatorServer) -> None:
    connection = salesforce(sdk, org, validate=False, enforce_api_limits=True, daily_api_calls=2)
    with pytest.raises(ApiError) as err:
        sdk.bulk_sync.get_source(id=connection, include_fields=True)
    assert err.value.status_code == 429
    assert "budget of 2 calls/24h" in err.value.body["message"]
    status = sdk.schemas.get_status(id=connection).data
    assert status.cache_status == "failed"
    assert "budget of 2 calls/24h" in status.model_extra["error"]


def test_revoked_authorization_is_a_bad_request_with_salesforces_reason(
    sdk: Polytomic, org: EmulatorServer
) -> None:
    connection = salesforce(
        sdk, org, validate=False, connect_mode="api", oauth_refresh_token="revoked-refresh-token"
    )
    with pytest.raises(BadRequestError) as err:
        sdk.bulk_sync.get_source(id=connection)
    assert "invalid_grant" in err.value.body.message


# --- PostgreSQL ---------------------------------------------------------------------------------------


@pytest.fixture
def pg_scratch_schema() -> Iterator[str]:
    """A schema of its own in database `test`, with two related tables and a view."""
    name = f"scratch_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"""
            CREATE SCHEMA {name};
            CREATE TABLE {name}.accounts (
                id integer PRIMARY KEY, name text NOT NULL, revenue numeric(12, 2), active boolean,
                tags text[], profile jsonb, since timestamptz, logo bytea
            );
            CREATE TABLE {name}.contacts (
                id bigserial PRIMARY KEY, account_id integer REFERENCES {name}.accounts (id), email text
            );
            CREATE VIEW {name}.active_accounts AS SELECT id, name FROM {name}.accounts WHERE active;
            INSERT INTO {name}.accounts VALUES
                (1, 'Acme', 1000.50, true, '{{a,b}}', '{{"tier": "gold"}}', '2024-01-15T10:00:00Z', '\\x01'),
                (2, 'Globex', NULL, false, NULL, NULL, NULL, NULL);
        """)  # type: ignore[arg-type]
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")  # type: ignore[arg-type]


def test_postgres_tables_are_discovered_with_their_primary_keys_and_sampled(
    sdk: Polytomic, pg_scratch_schema: str
) -> None:
    connection = sdk.connections.create(
        name=unique("pg-schemas"),
        type="postgresql",
        validate=True,
        configuration={
            "hostname": "127.0.0.1",
            "username": "postgres",
            "password": "x",
            "database": "test",
            "ssl": False,
        },
    ).data.id
    sdk.schemas.refresh(id=connection)
    assert wait_until_refreshed(sdk, connection).cache_status == "fresh"

    source = sdk.bulk_sync.get_source(id=connection, include_fields=True).data
    assert source.capabilities.supports_namespaces is True
    schemas = {s.id: s for s in source.schemas if s.id.startswith(f"{pg_scratch_schema}.")}
    assert set(schemas) == {f"{pg_scratch_schema}.{t}" for t in ("accounts", "contacts", "active_accounts")}
    accounts = fields_of(schemas[f"{pg_scratch_schema}.accounts"])
    assert list(accounts) == ["id", "name", "revenue", "active", "tags", "profile", "since", "logo"]
    assert {name: field.type for name, field in accounts.items()} == {
        "id": "number",
        "name": "string",
        "revenue": "number",
        "active": "boolean",
        "tags": "array",
        "profile": "object",
        "since": "datetime",
        "logo": "binary",
    }
    assert (accounts["since"].remote_type, accounts["tags"].remote_type) == (
        "timestamp with time zone",
        "text[]",
    )
    assert [name for name, field in accounts.items() if field.is_primary_key] == ["id"]
    assert not any(f.is_primary_key for f in schemas[f"{pg_scratch_schema}.active_accounts"].fields)

    contacts = sdk.schemas.get(id=connection, schema_id=f"{pg_scratch_schema}.contacts").data
    account_id = fields_of(contacts)["account_id"]
    assert account_id.association.reference_to == [f"{pg_scratch_schema}.accounts"]
    assert account_id.association.referenced_field == "id"

    records = sdk.schemas.get_records(id=connection, schema_id=f"{pg_scratch_schema}.accounts").data
    assert sorted(records, key=lambda r: r["id"]) == [
        {
            "id": 1,
            "name": "Acme",
            "revenue": "1000.50",
            "active": True,
            "tags": ["a", "b"],
            "profile": {"tier": "gold"},
            "since": "2024-01-15T10:00:00+00:00",
            "logo": "01",
        },
        {
            "id": 2,
            "name": "Globex",
            "revenue": None,
            "active": False,
            "tags": None,
            "profile": None,
            "since": None,
            "logo": None,
        },
    ]


# --- DuckDB -------------------------------------------------------------------------------------------


def test_duckdb_is_inspected_on_first_read_and_picks_up_new_tables_on_refresh(
    sdk: Polytomic, server: ServerProcess
) -> None:
    name = unique("duck-schemas")
    path = organization_files(server.data_dir, sdk.identity.get().data.organization_id) / f"{name}.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR, revenue DOUBLE, since DATE);"
            "INSERT INTO accounts VALUES (1, 'Acme', 10.5, DATE '2024-01-15'), (2, 'Globex', NULL, NULL);"
        )
    connection = sdk.connections.create(
        name=name, type="duckdb", validate=True, configuration={"path": f"{name}.duckdb"}
    ).data.id
    assert sdk.schemas.get_status(id=connection).data.cache_status == "none"

    source = sdk.bulk_sync.get_source(id=connection, include_fields=True).data
    assert [schema.id for schema in source.schemas] == ["main.accounts"]
    accounts = fields_of(source.schemas[0])
    assert {n: (f.type, f.remote_type, f.is_primary_key) for n, f in accounts.items()} == {
        "id": ("number", "INTEGER", True),
        "name": ("string", "VARCHAR", False),
        "revenue": ("number", "DOUBLE", False),
        "since": ("datetime", "DATE", False),
    }
    assert sdk.schemas.get_status(id=connection).data.cache_status == "fresh"
    records = sdk.schemas.get_records(id=connection, schema_id="main.accounts").data
    assert records == [
        {"id": 1, "name": "Acme", "revenue": 10.5, "since": "2024-01-15"},
        {"id": 2, "name": "Globex", "revenue": None, "since": None},
    ]

    with duckdb.connect(str(path)) as conn:
        conn.execute(
            "CREATE TABLE invoices (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts (id))"
        )
    cached = sdk.bulk_sync.get_source(id=connection).data.schemas
    assert [schema.id for schema in cached] == ["main.accounts"]  # served from the cache
    sdk.schemas.refresh(id=connection)
    assert wait_until_refreshed(sdk, connection).cache_status == "fresh"
    invoices = sdk.schemas.get(id=connection, schema_id="main.invoices").data
    assert fields_of(invoices)["account_id"].association.reference_to == ["main.accounts"]
    assert sdk.schemas.get_records(id=connection, schema_id="main.invoices").data == []
