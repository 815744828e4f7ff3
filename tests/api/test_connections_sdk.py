"""The official `polytomic` SDK drives connections end to end: the compatibility proof."""

from __future__ import annotations

import uuid

import pytest
from polytomic import Polytomic
from polytomic.errors import BadRequestError, NotFoundError, UnprocessableEntityError

from tests.support.server import ServerProcess, organization_files

REDACTED = "********"


def pg_config(**overrides: object) -> dict[str, object]:
    config: dict[str, object] = {
        "hostname": "127.0.0.1",
        "port": 5432,
        "username": "postgres",
        "password": "pg-password-Secret1",
        "database": "test",
        "ssl": False,
    }
    config.update(overrides)
    return config


def sf_config(**overrides: object) -> dict[str, object]:
    config: dict[str, object] = {
        "domain": "http://127.0.0.1:8443",
        "connect_mode": "clientcredentials",
        "client_id": "3MVG9-client-id-Secret2",
        "client_secret": "sf-client-Secret3",
    }
    config.update(overrides)
    return config


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_connection_types_list_has_salesforce_postgresql_duckdb(sdk: Polytomic) -> None:
    types = {t.id: t for t in sdk.connections.get_types().data}
    assert {"salesforce", "postgresql", "duckdb"} <= set(types)
    salesforce = types["salesforce"]
    assert salesforce.use_oauth is True
    assert salesforce.capabilities.source
    assert salesforce.capabilities.destination
    schema = salesforce.configuration_form.jsonschema
    assert schema["properties"]["connect_mode"]["enum"] == ["browser", "clientcredentials", "code", "api"]
    assert schema["properties"]["connect_mode"]["default"] == "browser"
    assert schema["required"] == ["domain"]


def test_connection_type_schema_is_bare_json_schema(sdk: Polytomic) -> None:
    schema = sdk.connections.get_connection_type_schema(id="salesforce")
    props = schema.properties or {}
    for secret in ("client_id", "client_secret", "oauth_refresh_token"):
        assert props[secret]["sensitive"] is True
    assert props["username"]["readOnly"] is True
    assert props["daily_api_calls"]["type"] == "integer"
    assert schema.type == "object"


def test_unknown_connection_type_schema_is_404(sdk: Polytomic) -> None:
    with pytest.raises(NotFoundError) as err:
        sdk.connections.get_connection_type_schema(id="nosuchtype")
    assert "salesforce" in err.value.body.message


def test_postgresql_connection_lifecycle(sdk: Polytomic) -> None:
    created = sdk.connections.create(
        name=unique("pg"), type="postgresql", configuration=pg_config(), validate=True
    ).data
    assert created.status == "healthy"
    assert created.configuration["password"] == REDACTED
    assert created.type.id == "postgresql"

    fetched = sdk.connections.get(id=created.id).data
    assert fetched.name == created.name
    assert fetched.configuration["hostname"] == "127.0.0.1"
    assert created.id in [c.id for c in sdk.connections.list().data]

    # PUT back what was read: the redacted password keeps the stored one, so validation still connects.
    updated = sdk.connections.update(
        id=created.id, name="renamed", configuration=fetched.configuration, validate=True
    ).data
    assert updated.name == "renamed"
    assert updated.status == "healthy"

    sdk.connections.test_connection(type="postgresql", configuration={}, connection_id=created.id)
    sdk.connections.delete(id=created.id)
    with pytest.raises(NotFoundError):
        sdk.connections.get(id=created.id)


def test_postgresql_validate_fails_with_upstream_message_and_stores_nothing(sdk: Polytomic) -> None:
    before = len(sdk.connections.list().data)
    with pytest.raises(UnprocessableEntityError) as err:
        sdk.connections.create(
            name=unique("pg"),
            type="postgresql",
            configuration=pg_config(database="no_such_database_xyz"),
            validate=True,
        )
    assert "no_such_database_xyz" in err.value.body.message
    assert "does not exist" in err.value.body.message
    assert len(sdk.connections.list().data) == before


def test_test_connection_reports_failure_and_records_status(sdk: Polytomic) -> None:
    created = sdk.connections.create(
        name=unique("pg"), type="postgresql", configuration=pg_config(database="missing_db_for_status")
    ).data
    assert created.status == "unknown"
    with pytest.raises(BadRequestError) as err:
        sdk.connections.test_connection(type="postgresql", configuration={}, connection_id=created.id)
    assert "missing_db_for_status" in err.value.body.message
    stored = sdk.connections.get(id=created.id).data
    assert stored.status == "unhealthy"
    assert "missing_db_for_status" in (stored.status_error or "")
    sdk.connections.delete(id=created.id)


def test_test_connection_without_saving(sdk: Polytomic) -> None:
    sdk.connections.test_connection(type="postgresql", configuration=pg_config())
    with pytest.raises(BadRequestError) as err:
        sdk.connections.test_connection(type="postgresql", configuration=pg_config(port=1))
    assert "127.0.0.1:1" in err.value.body.message


def test_duckdb_connection_lifecycle(sdk: Polytomic, server: ServerProcess) -> None:
    name = unique("warehouse")
    created = sdk.connections.create(
        name=name, type="duckdb", configuration={"path": f"{name}.duckdb"}, validate=True
    ).data
    assert created.status == "healthy"
    assert (organization_files(server.data_dir, created.organization_id) / f"{name}.duckdb").exists()
    assert not (server.data_dir / f"{name}.duckdb").exists()  # not in the data dir shared by everyone
    updated = sdk.connections.update(
        id=created.id, name=name, configuration={"path": f"{name}-2.duckdb"}
    ).data
    assert updated.configuration["path"] == f"{name}-2.duckdb"
    assert updated.status == "unknown"  # changed configuration, not checked yet
    sdk.connections.delete(id=created.id)


def test_duckdb_validate_fails_for_a_directory(sdk: Polytomic, server: ServerProcess) -> None:
    organization = sdk.identity.get().data.organization_id
    folder = unique("dir")
    (organization_files(server.data_dir, organization) / folder).mkdir()
    with pytest.raises(UnprocessableEntityError):
        sdk.connections.create(name="bad", type="duckdb", configuration={"path": folder}, validate=True)


def test_salesforce_connection_lifecycle(sdk: Polytomic) -> None:
    created = sdk.connections.create(name=unique("sf"), type="salesforce", configuration=sf_config()).data
    assert created.configuration["client_id"] == REDACTED
    assert created.configuration["client_secret"] == REDACTED
    assert created.configuration["domain"] == "http://127.0.0.1:8443"
    assert created.status == "unknown"  # not validated: nobody has logged in yet

    changed = dict(sdk.connections.get(id=created.id).data.configuration)
    changed.update(enforce_api_limits=True, daily_api_calls=5000)
    updated = sdk.connections.update(id=created.id, name=created.name, configuration=changed).data
    assert updated.configuration["daily_api_calls"] == 5000
    assert updated.configuration["client_secret"] == REDACTED

    sdk.connections.delete(id=created.id)
    with pytest.raises(NotFoundError):
        sdk.connections.get(id=created.id)


def test_salesforce_validate_reports_an_unreachable_domain(sdk: Polytomic, closed_port: int) -> None:
    before = len(sdk.connections.list().data)
    domain = f"http://127.0.0.1:{closed_port}"
    with pytest.raises(UnprocessableEntityError) as err:
        sdk.connections.create(
            name=unique("sf"), type="salesforce", configuration=sf_config(domain=domain), validate=True
        )
    assert f"Could not reach Salesforce at {domain}" in err.value.body.message
    assert "domain" in err.value.body.message
    assert len(sdk.connections.list().data) == before


@pytest.mark.parametrize(
    ("config", "field", "words"),
    [
        pytest.param(
            {"connect_mode": "clientcredentials"},
            "configuration.client_id",
            "required",
            id="clientcredentials-needs-client-id",
        ),
        pytest.param(
            {"connect_mode": "api", "client_id": "a", "client_secret": "b"},
            "configuration.oauth_refresh_token",
            "required",
            id="api-needs-refresh-token",
        ),
        pytest.param(
            {"connect_mode": "magic"},
            "configuration.connect_mode",
            "browser",
            id="unknown-connect-mode-lists-allowed",
        ),
        pytest.param(
            {"enforce_api_limits": True},
            "configuration.daily_api_calls",
            "required",
            id="enforced-limits-need-a-cap",
        ),
        pytest.param(
            {"enforce_api_limits": True, "daily_api_calls": 0},
            "configuration.daily_api_calls",
            "1",
            id="cap-must-be-positive",
        ),
        pytest.param(
            {"daily_api_calls": "lots"},
            "configuration.daily_api_calls",
            "integer",
            id="cap-must-be-an-integer",
        ),
        pytest.param({"bogus_field": 1}, "configuration.bogus_field", "domain", id="unknown-field"),
        pytest.param(
            {"username": "someone@example.com"},
            "configuration.username",
            "read-only",
            id="username-is-read-only",
        ),
    ],
)
def test_salesforce_bad_configuration_names_the_field(
    sdk: Polytomic, config: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(UnprocessableEntityError) as err:
        sdk.connections.create(name="bad", type="salesforce", configuration={"domain": "acme", **config})
    errors = {e["field"]: e["message"] for e in err.value.body.metadata["errors"]}
    assert field in errors
    assert words in errors[field]


def test_missing_domain_is_reported(sdk: Polytomic) -> None:
    with pytest.raises(UnprocessableEntityError) as err:
        sdk.connections.create(name="bad", type="salesforce", configuration={})
    assert "configuration.domain" in [e["field"] for e in err.value.body.metadata["errors"]]


def test_unknown_type_is_rejected_naming_supported_types(sdk: Polytomic) -> None:
    with pytest.raises(UnprocessableEntityError) as err:
        sdk.connections.create(name="bad", type="oracle", configuration={})
    assert "postgresql" in err.value.body.message
    assert err.value.body.metadata["errors"][0]["field"] == "type"


def test_update_cannot_change_type(sdk: Polytomic) -> None:
    created = sdk.connections.create(name=unique("sf"), type="salesforce", configuration=sf_config()).data
    with pytest.raises(UnprocessableEntityError):
        sdk.connections.update(id=created.id, name="x", type="postgresql", configuration=pg_config())
    sdk.connections.delete(id=created.id)


def test_update_with_validate_fixes_an_unchecked_connection(sdk: Polytomic) -> None:
    created = sdk.connections.create(
        name=unique("pg"), type="postgresql", configuration=pg_config(database="x_missing")
    ).data
    sdk.connections.update(
        id=created.id, name=created.name, configuration=pg_config(database="test"), validate=True
    )
    assert sdk.connections.get(id=created.id).data.status == "healthy"
    sdk.connections.delete(id=created.id)


def test_delete_unknown_connection_is_404(sdk: Polytomic) -> None:
    with pytest.raises(NotFoundError):
        sdk.connections.delete(id=str(uuid.uuid4()), force=True)
