"""The DuckDB connection type: a local database file, as model source and bulk-sync destination."""

from syncline.connectors.base import (
    BULKSYNC_DESTINATION,
    BULKSYNC_SOURCE,
    MODELSYNC_SOURCE,
    MODELSYNC_TARGET,
    Capabilities,
    ConnectionType,
)
from syncline.connectors.duckdb.check import check_duckdb
from syncline.connectors.duckdb.config import DuckDBConfig, database_path, placement
from syncline.connectors.duckdb.destination import DuckDBDestination, check_options
from syncline.connectors.duckdb.discovery import DISCOVERY
from syncline.connectors.duckdb.source import DuckDBModelSource

__all__ = ["DUCKDB", "DuckDBConfig", "database_path"]

DUCKDB = ConnectionType(
    id="duckdb",
    name="DuckDB",
    config_model=DuckDBConfig,
    capabilities=Capabilities(source=True, destination=True),
    operations=[MODELSYNC_SOURCE, MODELSYNC_TARGET, BULKSYNC_SOURCE, BULKSYNC_DESTINATION],
    checker=check_duckdb,
    model_source=DuckDBModelSource,
    bulk_destination=DuckDBDestination,
    destination_options=check_options,
    placement=placement,
    discovery=DISCOVERY,
)
