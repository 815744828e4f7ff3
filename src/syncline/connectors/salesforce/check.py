"""Upstream check of a Salesforce connection."""

from __future__ import annotations

from syncline.connectors.base import ConnectorContext
from syncline.connectors.errors import CheckNotAvailable
from syncline.connectors.salesforce.config import SalesforceConfig

NOT_AVAILABLE = (
    "The Salesforce upstream check (OAuth and API access) is not available in this version of syncline "
    "yet; the configuration was validated but Salesforce was not contacted."
)


def check_salesforce(config: SalesforceConfig, ctx: ConnectorContext) -> None:  # noqa: ARG001
    """Check a Salesforce connection; not possible until the OAuth flows exist.

    Raises:
        CheckNotAvailable: Always, in this version.
    """
    raise CheckNotAvailable(NOT_AVAILABLE)
