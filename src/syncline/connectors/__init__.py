"""Connection types: their settings, upstream checks, and the protocols and capabilities they implement.

Use `get_connection_type(type_id)` or `all_connection_types()`; each returns a `ConnectionType` whose
methods (`json_schema`, `validate_config`, `check`, `describe`, `open_model_source`, ...) and capability
attributes (`model_source`, `discovery`, `oauth`, `metering`, `proxy`, ...) are the whole API. The four
protocols are in `protocols.py`, the optional capabilities in `capabilities.py`, the error categories in
`errors.py`.
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
