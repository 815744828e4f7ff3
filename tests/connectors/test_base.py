from __future__ import annotations

from typing import ClassVar

import pytest

from syncline.connectors import (
    Capabilities,
    ConnectionCheckFailed,
    ConnectionConfig,
    ConnectionType,
    ConnectorContext,
    When,
    all_connection_types,
    get_connection_type,
    secret,
    setting,
)

FIVE_FLAGS = ["source", "destination", "enrichment", "logging", "orchestration"]


class EchoConfig(ConnectionConfig):
    token: str = secret(title="Token")
    mode: bool = setting(False, title="Mode")

    rules: ClassVar[tuple[When, ...]] = ()


def echo_secret(config: EchoConfig, ctx: ConnectorContext) -> None:  # noqa: ARG001
    msg = f"upstream said: bad token {config.token}"
    raise ConnectionCheckFailed(msg)


ECHO = ConnectionType(
    id="echo",
    name="Echo",
    config_model=EchoConfig,
    capabilities=Capabilities(source=True),
    operations=["modelsync_source"],
    checker=echo_secret,
)


def test_capabilities_have_exactly_the_five_polytomic_flags() -> None:
    caps = Capabilities(destination=True)
    assert list(caps.model_dump()) == FIVE_FLAGS
    assert caps.as_dict() == {**dict.fromkeys(FIVE_FLAGS, False), "destination": True}


@pytest.mark.parametrize("connection_type", all_connection_types(), ids=lambda t: t.id)
def test_describe_gives_the_connection_type_api_object(connection_type: ConnectionType) -> None:
    described = connection_type.describe()
    assert list(described) == [
        "id",
        "name",
        "logo_url",
        "logo_dark_url",
        "use_oauth",
        "configurationForm",
        "initialConfiguration",
        "envConfig",
        "capabilities",
    ]
    assert described["configurationForm"] == {"jsonschema": connection_type.json_schema(), "uischema": {}}
    assert described["initialConfiguration"] == connection_type.defaults()
    assert list(described["capabilities"]) == FIVE_FLAGS


@pytest.mark.parametrize(
    ("type_id", "capabilities", "use_oauth"),
    [
        pytest.param("salesforce", {"source": True, "destination": True}, True, id="salesforce"),
        pytest.param("postgresql", {"source": True, "destination": True}, False, id="postgresql"),
        pytest.param("duckdb", {"source": True, "destination": True}, False, id="duckdb"),
    ],
)
def test_type_identity(type_id: str, capabilities: dict[str, bool], use_oauth: bool) -> None:
    connection_type = get_connection_type(type_id)
    assert connection_type.capabilities.as_dict() == {**dict.fromkeys(FIVE_FLAGS, False), **capabilities}
    assert connection_type.use_oauth is use_oauth


def test_initial_configuration_holds_the_defaults() -> None:
    assert get_connection_type("salesforce").defaults() == {
        "connect_mode": "browser",
        "enforce_api_limits": False,
        "enable_tooling": False,
        "enable_multicurrency_lookup": False,
    }


def test_check_scrubs_secrets_the_upstream_echoed(ctx: ConnectorContext) -> None:
    config = ECHO.validate_config({"token": "s3cr3t-token"})
    with pytest.raises(ConnectionCheckFailed) as info:
        ECHO.check(config, ctx)
    assert str(info.value) == "upstream said: bad token ***"


def test_check_refuses_a_config_of_another_type(ctx: ConnectorContext) -> None:
    with pytest.raises(TypeError, match="EchoConfig"):
        ECHO.check(get_connection_type("duckdb").validate_config({"path": "x.duckdb"}), ctx)


def test_sensitive_and_read_only_fields_come_from_the_declaration() -> None:
    assert ECHO.sensitive_fields() == {"token"}
    assert ECHO.read_only_fields() == frozenset()
