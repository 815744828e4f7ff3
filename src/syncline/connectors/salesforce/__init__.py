"""The Salesforce connection type: reverse-ETL target, model source and bulk-sync source."""

from syncline.connectors.base import (
    BULKSYNC_SOURCE,
    MODELSYNC_SOURCE,
    MODELSYNC_TARGET,
    Capabilities,
    ConnectionType,
)
from syncline.connectors.capabilities import ApiMetering
from syncline.connectors.salesforce.bulk_source import SalesforceBulkSource
from syncline.connectors.salesforce.check import check_salesforce
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.connectors.salesforce.discovery import DISCOVERY
from syncline.connectors.salesforce.oauth import SalesforceOAuth
from syncline.connectors.salesforce.proxy import SalesforceProxy
from syncline.connectors.salesforce.source import SalesforceModelSource

__all__ = ["SALESFORCE", "SalesforceConfig"]


def _daily_cap(config: SalesforceConfig) -> int | None:
    """`daily_api_calls` when `enforce_api_limits` is on; None: the automatic rule (docs/connectors.md)."""
    return config.daily_api_calls if config.enforce_api_limits else None


SALESFORCE = ConnectionType(
    id="salesforce",
    name="Salesforce",
    config_model=SalesforceConfig,
    capabilities=Capabilities(source=True, destination=True),
    # Not a bulk-sync destination: Salesforce is written to by model syncs only.
    operations=[MODELSYNC_SOURCE, MODELSYNC_TARGET, BULKSYNC_SOURCE],
    checker=check_salesforce,
    use_oauth=True,
    # Tokens belong to one org and host: pointing elsewhere drops them.
    upstream_fields=("domain", "instance_url_override", "connect_mode"),
    model_source=SalesforceModelSource,
    bulk_source=SalesforceBulkSource,
    discovery=DISCOVERY,
    oauth=SalesforceOAuth(),
    metering=ApiMetering(daily_cap=_daily_cap),
    proxy=SalesforceProxy(),
)
