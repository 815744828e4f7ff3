"""The Salesforce connection type: reverse-ETL target, model source and bulk-sync source."""

from syncline.connectors.base import (
    BULKSYNC_SOURCE,
    MODELSYNC_SOURCE,
    MODELSYNC_TARGET,
    Capabilities,
    ConnectionType,
)
from syncline.connectors.salesforce.check import check_salesforce, run_soql
from syncline.connectors.salesforce.config import SalesforceConfig

__all__ = ["SALESFORCE", "SalesforceConfig"]

SALESFORCE = ConnectionType(
    id="salesforce",
    name="Salesforce",
    config_model=SalesforceConfig,
    capabilities=Capabilities(source=True, destination=True),
    # Not a bulk-sync destination: Salesforce is written to by model syncs only.
    operations=[MODELSYNC_SOURCE, MODELSYNC_TARGET, BULKSYNC_SOURCE],
    checker=check_salesforce,
    use_oauth=True,
    query_runner=run_soql,
)
