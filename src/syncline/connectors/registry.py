"""The connection types syncline knows, by id.

Adding a type is one package under `connectors/` and one entry in `_TYPES`.
"""

from __future__ import annotations

from typing import Any

from syncline.connectors.base import ConnectionType
from syncline.connectors.duckdb import DUCKDB
from syncline.connectors.errors import UnknownConnectionType
from syncline.connectors.postgres import POSTGRESQL
from syncline.connectors.salesforce import SALESFORCE

# Order is the order of `GET /api/connection_types`.
_TYPES: tuple[ConnectionType[Any], ...] = (SALESFORCE, POSTGRESQL, DUCKDB)
_BY_ID = {connection_type.id: connection_type for connection_type in _TYPES}


def all_connection_types() -> list[ConnectionType[Any]]:
    """Every registered connection type, in a stable order (salesforce, postgresql, duckdb)."""
    return list(_TYPES)


def get_connection_type(type_id: str) -> ConnectionType[Any]:
    """The connection type with id `type_id`.

    Raises:
        UnknownConnectionType: No such type; the error lists the supported ids.
    """
    try:
        return _BY_ID[type_id]
    except KeyError:
        raise UnknownConnectionType(type_id, list(_BY_ID)) from None
