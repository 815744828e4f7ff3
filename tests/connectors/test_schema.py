from __future__ import annotations

import json

import pytest

from syncline.connectors import all_connection_types, get_connection_type

SALESFORCE_FIELDS = [
    "domain",
    "connect_mode",
    "client_id",
    "client_secret",
    "oauth_refresh_token",
    "enforce_api_limits",
    "daily_api_calls",
    "enable_tooling",
    "enable_multicurrency_lookup",
    "username",
    "instance_url_override",
]
POSTGRES_FIELDS = [
    "hostname",
    "username",
    "password",
    "database",
    "port",
    "ssl",
    "ssh",
    "ssh_user",
    "ssh_host",
    "ssh_port",
    "ssh_private_key",
    "client_certs",
    "client_certificate",
    "client_key",
    "ca_cert",
    "change_detection",
    "publication",
]


def props(type_id: str) -> dict:
    return get_connection_type(type_id).json_schema()["properties"]


@pytest.mark.parametrize(
    ("type_id", "keys"),
    [
        pytest.param(
            "salesforce", ["$schema", "$id", "properties", "type", "required", "allOf"], id="salesforce"
        ),
        pytest.param(
            "postgresql", ["$schema", "$id", "properties", "type", "required", "allOf"], id="postgresql"
        ),
        pytest.param("duckdb", ["$schema", "$id", "properties", "type", "required"], id="duckdb"),
    ],
)
def test_top_level_keys_follow_polytomic_order(type_id: str, keys: list[str]) -> None:
    schema = get_connection_type(type_id).json_schema()
    assert list(schema) == keys
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://syncline.dev/schemas/connections/{type_id}"
    assert schema["type"] == "object"


@pytest.mark.parametrize(
    ("type_id", "fields"),
    [
        pytest.param("salesforce", SALESFORCE_FIELDS, id="salesforce"),
        pytest.param("postgresql", POSTGRES_FIELDS, id="postgresql"),
        pytest.param("duckdb", ["path"], id="duckdb"),
    ],
)
def test_properties_keep_declaration_order(type_id: str, fields: list[str]) -> None:
    assert list(props(type_id)) == fields


@pytest.mark.parametrize("connection_type", all_connection_types(), ids=lambda t: t.id)
def test_optional_settings_have_no_null_union_noise(connection_type) -> None:
    text = json.dumps(connection_type.json_schema())
    assert "anyOf" not in text
    assert "null" not in text
    assert all("type" in prop for prop in connection_type.json_schema()["properties"].values())


def test_salesforce_connect_mode_is_a_plain_string_enum_defaulting_to_browser() -> None:
    assert props("salesforce")["connect_mode"] == {
        "type": "string",
        "title": "Connect mode",
        "description": props("salesforce")["connect_mode"]["description"],
        "default": "browser",
        "enum": ["browser", "clientcredentials", "code", "api"],
        "api_field": True,
    }


def test_salesforce_secret_flags() -> None:
    sf = props("salesforce")
    assert {name for name, prop in sf.items() if prop.get("sensitive")} == {
        "client_id",
        "client_secret",
        "oauth_refresh_token",
    }
    assert sf["client_secret"]["password"] is True
    assert sf["oauth_refresh_token"]["hidden"] is True
    assert sf["oauth_refresh_token"]["api_field"] is True
    assert get_connection_type("salesforce").sensitive_fields() == {
        "client_id",
        "client_secret",
        "oauth_refresh_token",
    }


def test_salesforce_read_only_settings() -> None:
    sf = props("salesforce")
    assert sf["username"]["readOnly"] is True
    assert sf["username"]["title"] == "Salesforce user"
    assert sf["instance_url_override"]["readOnly"] is True
    assert get_connection_type("salesforce").read_only_fields() == {"username", "instance_url_override"}


def test_salesforce_settings_types_and_defaults() -> None:
    sf = props("salesforce")
    assert sf["domain"]["examples"] == ["acmecorp.my.salesforce.com"]
    assert "http://127.0.0.1:8443" in sf["domain"]["description"]
    assert sf["daily_api_calls"]["type"] == "integer"
    for flag in ("enforce_api_limits", "enable_tooling", "enable_multicurrency_lookup"):
        assert (sf[flag]["type"], sf[flag]["default"]) == ("boolean", False)


def test_salesforce_requires_only_domain_unconditionally() -> None:
    assert get_connection_type("salesforce").json_schema()["required"] == ["domain"]


def test_salesforce_conditional_rules_are_if_then() -> None:
    assert get_connection_type("salesforce").json_schema()["allOf"] == [
        {
            "if": {
                "properties": {"connect_mode": {"enum": ["clientcredentials", "api"]}},
                "required": ["connect_mode"],
            },
            "then": {"required": ["client_id", "client_secret"]},
        },
        {
            "if": {"properties": {"connect_mode": {"const": "api"}}, "required": ["connect_mode"]},
            "then": {"required": ["oauth_refresh_token"]},
        },
        {
            "if": {"properties": {"enforce_api_limits": {"const": True}}, "required": ["enforce_api_limits"]},
            "then": {"required": ["daily_api_calls"], "properties": {"daily_api_calls": {"minimum": 1}}},
        },
    ]


def test_postgres_settings_types_defaults_and_widgets() -> None:
    pg = props("postgresql")
    assert get_connection_type("postgresql").json_schema()["required"] == [
        "hostname",
        "username",
        "password",
        "database",
    ]
    assert {name: pg[name]["default"] for name in pg if "default" in pg[name]} == {
        "port": 5432,
        "ssl": True,
        "ssh": False,
        "ssh_user": "root",
        "ssh_port": 22,
        "client_certs": False,
        "change_detection": False,
    }
    assert (pg["port"]["type"], pg["ssl"]["title"]) == ("integer", "Use SSL")
    assert pg["password"]["password"] is True
    assert pg["ssh_private_key"]["widget"] == "textarea"
    assert {name for name, prop in pg.items() if prop.get("widget") == "file"} == {
        "client_certificate",
        "client_key",
        "ca_cert",
    }
    assert get_connection_type("postgresql").sensitive_fields() == {
        "password",
        "ssh_private_key",
        "client_certificate",
        "client_key",
        "ca_cert",
    }


def test_postgres_conditional_rules_are_if_then() -> None:
    assert get_connection_type("postgresql").json_schema()["allOf"] == [
        {
            "if": {"properties": {"ssh": {"const": True}}, "required": ["ssh"]},
            "then": {"required": ["ssh_host", "ssh_private_key"]},
        },
        {
            "if": {"properties": {"client_certs": {"const": True}}, "required": ["client_certs"]},
            "then": {"required": ["client_certificate", "client_key"]},
        },
    ]


def test_duckdb_path_is_a_required_file_setting() -> None:
    path = props("duckdb")["path"]
    assert (path["type"], path["title"], path["examples"]) == (
        "string",
        "Database file",
        ["warehouse.duckdb"],
    )
    assert "data directory" in path["description"]


def test_json_schema_returns_a_copy() -> None:
    get_connection_type("salesforce").json_schema()["properties"].clear()
    assert props("salesforce")
