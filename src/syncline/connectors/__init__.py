"""Connection types: their settings, JSON Schemas, validation and upstream checks.

Use `get_connection_type(type_id)` or `all_connection_types()`; each returns `ConnectionType`
values whose methods (`json_schema`, `validate_config`, `check`, `describe`, ...) are the whole API.
"""

from syncline.connectors.base import (
    BULKSYNC_DESTINATION,
    BULKSYNC_SOURCE,
    MODELSYNC_SOURCE,
    MODELSYNC_TARGET,
    Capabilities,
    ConnectionType,
    ConnectorContext,
)
from syncline.connectors.config import ConnectionConfig, When, secret, setting
from syncline.connectors.errors import (
    CheckNotAvailable,
    ConfigurationInvalid,
    ConnectionCheckFailed,
    ConnectorError,
    FieldError,
    UnknownConnectionType,
)
from syncline.connectors.registry import all_connection_types, get_connection_type

__all__ = [
    "BULKSYNC_DESTINATION",
    "BULKSYNC_SOURCE",
    "MODELSYNC_SOURCE",
    "MODELSYNC_TARGET",
    "Capabilities",
    "CheckNotAvailable",
    "ConfigurationInvalid",
    "ConnectionCheckFailed",
    "ConnectionConfig",
    "ConnectionType",
    "ConnectorContext",
    "ConnectorError",
    "FieldError",
    "UnknownConnectionType",
    "When",
    "all_connection_types",
    "get_connection_type",
    "secret",
    "setting",
]
