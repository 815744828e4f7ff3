from __future__ import annotations

import pytest

import syncline.connectors
from syncline.connectors import (
    BULKSYNC_DESTINATION,
    BULKSYNC_SOURCE,
    MODELSYNC_SOURCE,
    MODELSYNC_TARGET,
    UnknownConnectionType,
    all_connection_types,
    get_connection_type,
)

OPERATIONS = {MODELSYNC_SOURCE, MODELSYNC_TARGET, BULKSYNC_SOURCE, BULKSYNC_DESTINATION}


def test_types_are_listed_in_a_stable_order() -> None:
    assert [t.id for t in all_connection_types()] == ["salesforce", "postgresql", "duckdb"]


@pytest.mark.parametrize("type_id", ["salesforce", "postgresql", "duckdb"])
def test_get_connection_type_returns_the_type_with_that_id(type_id: str) -> None:
    assert get_connection_type(type_id).id == type_id


def test_unknown_type_error_names_the_type_and_lists_the_supported_ones() -> None:
    with pytest.raises(UnknownConnectionType) as info:
        get_connection_type("postgres")
    assert info.value.type_id == "postgres"
    assert info.value.known == ["salesforce", "postgresql", "duckdb"]
    assert "supported types: salesforce, postgresql, duckdb" in str(info.value)


def test_all_connection_types_returns_a_list_the_caller_may_change() -> None:
    all_connection_types().clear()
    assert len(all_connection_types()) == 3


@pytest.mark.parametrize("connection_type", all_connection_types(), ids=lambda t: t.id)
def test_every_type_declares_known_operations(connection_type) -> None:
    assert connection_type.operations
    assert set(connection_type.operations) <= OPERATIONS


@pytest.mark.parametrize("name", syncline.connectors.__all__)
def test_exported_names_exist(name: str) -> None:
    assert hasattr(syncline.connectors, name)
