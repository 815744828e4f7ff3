"""Schema discovery of a bulk-sync source: the cached schemas, a refresh in the background, samples.

Reads are served from the schema cache (`runtime/schema_cache.py`); a connection never inspected is
inspected on its first read. A refresh is a `schemarefresh` job, one at a time per connection, and only
while the connection is healthy. A connector's refusal propagates as its `ConnectorError` (an
authorization failure marks the connection first).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from syncline.connectors.base import ConnectionConfig, ConnectorContext
from syncline.connectors.discovery import Schema, SourceDiscovery
from syncline.connectors.errors import CapabilityMissing, ConnectorError, SchemaNotFound
from syncline.connectors.registry import get_connection_type
from syncline.runtime import schema_cache
from syncline.runtime.context import lock_dir
from syncline.runtime.jobs import add_job
from syncline.runtime.schema_cache import SCHEMA_REFRESH_KIND, CacheState
from syncline.services import connections as rules
from syncline.services.container import Services
from syncline.services.errors import Conflict
from syncline.services.status import ConnectionStatus, record_upstream_failure
from syncline.store.tables import Connection


class Source:
    """A connection ready for discovery: its type's discovery, validated configuration and context.

    Raises (on creation):
        CapabilityMissing: The connection's type cannot be a bulk-sync source.
    """

    def __init__(self, services: Services, connection: Connection) -> None:
        ctype = get_connection_type(connection.type)
        if ctype.discovery is None:
            raise CapabilityMissing(ctype.name, "being a bulk sync source")
        self.services = services
        self.connection_id = connection.id
        self.type_id = connection.type
        self.discovery: SourceDiscovery = ctype.discovery
        self.config: ConnectionConfig = rules.saved_config(services, connection)
        self.ctx: ConnectorContext = rules.saved_context(services, connection, self.config)

    def schemas(self) -> list[dict[str, Any]]:
        """The cached schemas, inspecting the connection first if it never was.

        Raises:
            RefreshInProgress: A first refresh started elsewhere is still running.
            ConnectorError: The upstream refused.
        """
        settings = self.services.settings
        return self._marking(
            lambda: schema_cache.cached_schemas(
                self.services.store, lock_dir(settings), self.connection_id, self._discover
            )
        )

    def _discover(self) -> list[Schema]:
        return self.discovery.discover(self.config, self.ctx, include_fields=True)

    def schema(self, schema_id: str) -> dict[str, Any]:
        """One cached schema, with its fields.

        Raises:
            SchemaNotFound: The connection has no such schema.
        """
        for schema in self.schemas():
            if schema["id"] == schema_id:
                return schema
        raise SchemaNotFound(schema_id)

    def sample(self, schema_id: str, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` records of one schema, read from the upstream now."""
        cached = Schema.from_dict(self.schema(schema_id))
        return self._marking(
            lambda: self.discovery.sample(self.config, self.ctx, schema_id, limit, schema=cached)
        )

    def _marking(self, work: Any) -> Any:
        try:
            return work()
        except ConnectorError as exc:
            record_upstream_failure(self.services, self.connection_id, exc)
            raise


def start_refresh(services: Services, session: Session, connection: Connection) -> None:
    """Queue a background refresh unless one is running.

    Raises:
        Conflict: The connection is not healthy.
        CapabilityMissing: Its type cannot be a bulk-sync source.
    """
    if connection.status != ConnectionStatus.HEALTHY:
        why = f" ({connection.status_error})" if connection.status_error else ""
        raise Conflict(
            f"connection {connection.id} is {connection.status}{why}: schemas can only be refreshed while "
            "the connection is healthy; test it with POST /api/connections/test (connection_id) or fix "
            "its configuration first",
            key="connection_not_healthy",
            metadata={"connection_id": connection.id, "status": connection.status},
        )
    Source(services, connection)  # a type that cannot be a bulk-sync source is refused here
    cid = connection.id
    if schema_cache.claim(services.store, lock_dir(services.settings), cid):
        payload = {"connection_id": cid}
        job_id = add_job(session, SCHEMA_REFRESH_KIND, connection.organization_id, payload, subject_id=cid)
        session.commit()
        services.submit(SCHEMA_REFRESH_KIND, job_id)


def cache_state(services: Services, connection: Connection) -> CacheState | None:
    """The connection's schema cache as it stands; None when it was never inspected."""
    return schema_cache.read(services.store, connection.id)
