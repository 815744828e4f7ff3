"""Rules every connection type's validation follows; examples use PostgreSQL and Salesforce."""

from __future__ import annotations

import pytest

from syncline.connectors import ConfigurationInvalid, get_connection_type

from .helpers import errors_of

PG = {"hostname": "db.example", "username": "u", "password": "", "database": "d"}


def test_lax_coercion_of_numeric_strings_is_accepted() -> None:
    assert get_connection_type("postgresql").validate_config({**PG, "port": "5433"}).port == 5433


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("abc", 'must be an integer (got "abc")', id="word"),
        pytest.param(5.5, "must be an integer (got 5.5)", id="fraction"),
        pytest.param(True, "must be an integer (got true)", id="boolean"),
        pytest.param({"n": 1}, "must be an integer (got an object)", id="object"),
        pytest.param(0, "must be at least 1 (got 0)", id="zero"),
        pytest.param(70000, "must be at most 65535 (got 70000)", id="too-big"),
    ],
)
def test_wrong_integer_says_what_was_given(value: object, message: str) -> None:
    assert errors_of("postgresql", {**PG, "port": value}) == {"port": message}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param({"a": 1}, "must be a string (got an object)", id="object"),
        pytest.param(42, "must be a string (got 42)", id="number"),
        pytest.param("", "must not be empty", id="empty"),
    ],
)
def test_wrong_string_says_what_was_given(value: object, message: str) -> None:
    assert errors_of("postgresql", {**PG, "hostname": value}) == {"hostname": message}


def test_wrong_boolean_says_what_was_given() -> None:
    assert errors_of("postgresql", {**PG, "ssl": "maybe"}) == {"ssl": 'must be true or false (got "maybe")'}


def test_missing_required_settings_are_each_reported() -> None:
    assert errors_of("postgresql", {}) == dict.fromkeys(
        ["hostname", "username", "password", "database"], "is required"
    )


def test_null_for_a_required_setting_is_missing() -> None:
    assert errors_of("postgresql", {**PG, "hostname": None}) == {"hostname": "is required"}


def test_unknown_setting_lists_the_allowed_ones_and_suggests_the_closest() -> None:
    message = errors_of("postgresql", {**PG, "hostnme": "x"})["hostnme"]
    assert message.startswith(
        "unknown field; did you mean hostname? allowed fields: hostname, username, password"
    )
    assert message.endswith("change_detection, publication")


def test_unknown_setting_without_a_close_match_only_lists_the_allowed_ones() -> None:
    assert errors_of("duckdb", {"path": "a.duckdb", "zzz": 1}) == {
        "zzz": "unknown field; allowed fields: path"
    }


@pytest.mark.parametrize(
    ("flag", "value", "missing"),
    [
        pytest.param("ssh", True, ["ssh_host", "ssh_private_key"], id="ssh"),
        pytest.param("ssh", "yes", ["ssh_host", "ssh_private_key"], id="ssh-lax"),
        pytest.param("client_certs", True, ["client_certificate", "client_key"], id="client-certs"),
    ],
)
def test_flags_require_their_settings(flag: str, value: object, missing: list[str]) -> None:
    expected = dict.fromkeys(missing, f"is required when {flag} is true")
    assert errors_of("postgresql", {**PG, flag: value}) == expected


def test_every_problem_is_reported_at_once_in_declaration_order() -> None:
    raw = {"username": "u", "password": "p", "port": "abc", "ssh": True, "ssl": "x", "extra": 1}
    with pytest.raises(ConfigurationInvalid) as info:
        get_connection_type("postgresql").validate_config(raw)
    assert [error.field for error in info.value.errors] == [
        "hostname",
        "database",
        "port",
        "ssl",
        "ssh_host",
        "ssh_private_key",
        "extra",
    ]


def test_an_invalid_trigger_adds_no_conditional_errors() -> None:
    assert errors_of("salesforce", {"domain": "x.com", "connect_mode": "Api"}) == {
        "connect_mode": 'must be one of: browser, clientcredentials, code, api (got "Api")'
    }


def test_a_non_object_configuration_is_rejected() -> None:
    assert errors_of("duckdb", ["path"]) == {"": "configuration must be a JSON object"}


@pytest.mark.parametrize(
    "secret_field", ["password", "ssh_private_key", "client_certificate", "client_key", "ca_cert"]
)
def test_postgres_secrets_never_appear_in_messages(secret_field: str) -> None:
    with pytest.raises(ConfigurationInvalid) as info:
        get_connection_type("postgresql").validate_config({**PG, secret_field: 98765432})
    assert "98765432" not in str(info.value)
    assert info.value.errors[0].message == "must be a string (got a number)"
