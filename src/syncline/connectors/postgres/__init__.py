"""The PostgreSQL connection type: model source, model-sync target, bulk-sync source and destination."""

from syncline.connectors.base import (
    BULKSYNC_DESTINATION,
    BULKSYNC_SOURCE,
    MODELSYNC_SOURCE,
    MODELSYNC_TARGET,
    Capabilities,
    ConnectionType,
)
from syncline.connectors.postgres.check import check_postgres
from syncline.connectors.postgres.config import PostgresConfig
from syncline.connectors.postgres.destination import PostgresDestination, check_options
from syncline.connectors.postgres.discovery import DISCOVERY
from syncline.connectors.postgres.source import PostgresModelSource

__all__ = ["POSTGRESQL", "PostgresConfig"]

POSTGRESQL = ConnectionType(
    id="postgresql",
    name="PostgreSQL",
    config_model=PostgresConfig,
    capabilities=Capabilities(source=True, destination=True),
    operations=[MODELSYNC_SOURCE, MODELSYNC_TARGET, BULKSYNC_SOURCE, BULKSYNC_DESTINATION],
    checker=check_postgres,
    # Where it points: stored secrets are sent only there (a change must bring them again).
    upstream_fields=("hostname", "port", "database", "ssh", "ssh_host", "ssh_port"),
    model_source=PostgresModelSource,
    bulk_destination=PostgresDestination,
    destination_options=check_options,
    discovery=DISCOVERY,
)
