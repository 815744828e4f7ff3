"""The one way the connector's parts open a client for a connection: from its `ConnectorContext`, so the
shared token store, the API budget, syncline's own connected app and the upstream policy always come along.
"""

from __future__ import annotations

import dataclasses

from syncline.connectors.base import ConnectorContext
from syncline.connectors.salesforce.client import ClientOptions, SalesforceClient
from syncline.connectors.salesforce.config import SalesforceConfig

__all__ = ["client_for"]


def client_for(
    config: SalesforceConfig, ctx: ConnectorContext, options: ClientOptions | None = None
) -> SalesforceClient:
    """A client for the connection; nothing is sent until its first call.

    Raises:
        InvalidDomain, MissingCredentials: The connection cannot log in as configured.
    """
    options = dataclasses.replace(options or ClientOptions(), upstreams=ctx.upstreams)
    return SalesforceClient.from_config(
        config, credentials=ctx.credentials, budget=ctx.budget, options=options, app=ctx.oauth_app
    )
