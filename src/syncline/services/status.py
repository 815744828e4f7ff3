"""A connection's status: its values, and the one place that changes them."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from syncline.connectors.errors import ConnectorError, ErrorCategory
from syncline.store.tables import Connection

if TYPE_CHECKING:
    from syncline.services.container import Services


class ConnectionStatus(StrEnum):
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNKNOWN = "unknown"
    AWAITING_AUTHORIZATION = "awaiting_authorization"
    NEEDS_REAUTHORIZATION = "needs_reauthorization"


def set_status(connection: Connection, status: ConnectionStatus, error: str | None = None) -> None:
    """The one place a connection's status changes; a healthy or unknown connection carries no error."""
    connection.status = status.value
    connection.status_error = (
        None if status in (ConnectionStatus.HEALTHY, ConnectionStatus.UNKNOWN) else error
    )


def record_upstream_failure(services: Services, connection_id: str, error: ConnectorError) -> None:
    """What a connector's refusal says about the connection: an authorization failure marks it."""
    if error.category is not ErrorCategory.AUTHORIZATION:
        return
    with services.store.session() as session:
        connection = session.get(Connection, connection_id)
        if connection is not None:
            set_status(connection, ConnectionStatus.NEEDS_REAUTHORIZATION, str(error))
