"""Upstream check of a Salesforce connection: get a token, read the user, read `/limits`."""

from __future__ import annotations

import dataclasses

from syncline.connectors.base import ConnectorContext
from syncline.connectors.credentials import CredentialStore
from syncline.connectors.errors import ConnectionCheckFailed
from syncline.connectors.salesforce.client import (
    Authorization,
    ClientOptions,
    InMemoryCredentialStore,
    OAuthApp,
    RetryPolicy,
    SalesforceClient,
    StoredTokens,
)
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.connectors.salesforce.errors import SalesforceError

INTERACTIVE_MODES = ("browser", "code")
# A check answers a person waiting on a button: fail in seconds, not after two minutes of retries.
CHECK_OPTIONS = ClientOptions(retry=RetryPolicy(max_attempts=2, base_delay=0.2, max_delay=1, deadline=10))


def needs_authorization(config: SalesforceConfig) -> bool:
    """Interactive modes have nothing to log in with until the user has authorized syncline."""
    return config.connect_mode in INTERACTIVE_MODES and not config.oauth_refresh_token


def connect_directly(
    config: SalesforceConfig,
    options: ClientOptions | None = None,
    *,
    credentials: CredentialStore | None = None,
    app: OAuthApp | None = None,
) -> Authorization:
    """Log in without a person (api and clientcredentials modes, or a stored refresh token) and read the user.

    With `credentials` (a saved connection's shared store) a refresh rotates the stored token in place;
    without, the tokens live in memory and the caller saves `Authorization.tokens`.

    Raises:
        SalesforceError: with Salesforce's reason and the fix (see `errors.py`).
    """
    store = credentials or InMemoryCredentialStore(StoredTokens(refresh_token=config.oauth_refresh_token))
    with SalesforceClient.from_config(config, credentials=store, options=options, app=app) as client:
        username = client.username()
        client.rest.limits()
    return Authorization(tokens=store.load(), username=username)


def check_salesforce(config: SalesforceConfig, ctx: ConnectorContext) -> None:
    """Log in and call the API once, through the saved connection's token store when there is one.

    Raises:
        ConnectionCheckFailed: Not authorized yet (browser/code), or Salesforce refused; the message says
            why and what to do.
    """
    if needs_authorization(config):
        raise ConnectionCheckFailed(
            f"the connection is not authorized yet: open its auth_url (connect_mode {config.connect_mode}) "
            "and approve access in Salesforce"
        )
    try:
        options = dataclasses.replace(CHECK_OPTIONS, upstreams=ctx.upstreams)
        connect_directly(config, options, credentials=ctx.credentials, app=ctx.oauth_app)
    except SalesforceError as exc:
        raise ConnectionCheckFailed(str(exc)) from exc
