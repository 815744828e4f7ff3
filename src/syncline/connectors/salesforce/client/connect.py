"""From a `SalesforceConfig` to a client's pieces: options, httpx client, OAuth client, grant."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from syncline.connectors.capabilities import OAuthApp
from syncline.connectors.guarded_http import guarded_transport
from syncline.connectors.salesforce.client.auth import (
    DEFAULT_REFRESH_MARGIN,
    DEFAULT_SESSION_LIFETIME,
    ClientCredentialsGrant,
    RefreshTokenGrant,
    TokenSource,
)
from syncline.connectors.salesforce.client.domain import login_endpoints
from syncline.connectors.salesforce.client.http import DEFAULT_API_VERSION
from syncline.connectors.salesforce.client.oauth import OAuthClient
from syncline.connectors.salesforce.client.polling import PollPolicy
from syncline.connectors.salesforce.client.retry import RetryPolicy
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.connectors.salesforce.errors import MissingCredentials
from syncline.connectors.upstreams import ALLOW_ALL, UpstreamPolicy

__all__ = [
    "ClientOptions",
    "OAuthApp",
    "build_http_client",
    "connected_app",
    "oauth_client",
    "token_source",
]

Verify = ssl.SSLContext | str | Path | bool


@dataclass(frozen=True)
class ClientOptions:
    """How a client talks to Salesforce; every field has a production default.

    Attributes:
        api_version: REST/Bulk API version.
        timeout: httpx timeout (seconds, or an `httpx.Timeout`).
        verify: TLS verification: True, False, a CA bundle path or an `ssl.SSLContext`.
        transport: An httpx transport to send through (tests pass `httpx.MockTransport`).
        retry: Retries of transient failures.
        poll: Polling of Bulk jobs.
        session_lifetime: The org's session timeout, seconds (Salesforce does not report it).
        refresh_margin: Renew the access token this many seconds before that.
        sleep: How to wait (tests make it instant).
        upstreams: Which addresses the client may connect to (ignored when `transport` is given).
    """

    api_version: str = DEFAULT_API_VERSION
    timeout: httpx.Timeout | float = field(default_factory=lambda: httpx.Timeout(60.0, connect=10.0))
    verify: Verify = True
    transport: httpx.BaseTransport | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll: PollPolicy = field(default_factory=PollPolicy)
    session_lifetime: float = DEFAULT_SESSION_LIFETIME
    refresh_margin: float = DEFAULT_REFRESH_MARGIN
    sleep: Callable[[float], None] = time.sleep
    upstreams: UpstreamPolicy = ALLOW_ALL


def build_http_client(options: ClientOptions) -> httpx.Client:
    """The httpx client for both the login host and the instance (absolute URLs, no redirects)."""
    verify = options.verify
    if isinstance(verify, str | Path):
        verify = ssl.create_default_context(cafile=str(verify))
    transport = options.transport
    if transport is None and options.upstreams.restricts:
        transport = guarded_transport(options.upstreams, verify=verify)
    return httpx.Client(
        timeout=options.timeout,
        verify=verify,
        transport=transport,
        follow_redirects=False,
        headers={"User-Agent": "syncline"},
    )


def connected_app(config: SalesforceConfig, app: OAuthApp | None) -> OAuthApp:
    """The app to authenticate as: the connection's own when it names one, else `app` (syncline's own).

    Raises:
        MissingCredentials: The mode needs a client id or secret that is missing.
    """
    use_app = app is not None and not config.client_id
    client_id = app.client_id if use_app and app else config.client_id
    client_secret = app.client_secret if use_app and app else config.client_secret
    if not client_id:
        raise MissingCredentials("client_id", config.connect_mode)
    if config.connect_mode in ("api", "clientcredentials") and not client_secret:
        raise MissingCredentials("client_secret", config.connect_mode)
    return OAuthApp(client_id, client_secret)


def oauth_client(
    config: SalesforceConfig,
    *,
    http: httpx.Client,
    app: OAuthApp | None = None,
    retry: RetryPolicy | None = None,
) -> OAuthClient:
    """The OAuth client for the connection's login host and connected app.

    Raises:
        InvalidDomain: The domain setting is unusable.
        MissingCredentials: A client id or secret the mode needs is missing.
    """
    chosen = connected_app(config, app)
    return OAuthClient(
        login_endpoints(config.domain),
        client_id=chosen.client_id,
        client_secret=chosen.client_secret,
        http=http,
        retry=retry,
    )


def token_source(config: SalesforceConfig, oauth: OAuthClient) -> TokenSource:
    """The run-time grant of the connect mode: client credentials, or the refresh token for the rest."""
    if config.connect_mode == "clientcredentials":
        return ClientCredentialsGrant(oauth)
    return RefreshTokenGrant(oauth, connect_mode=config.connect_mode)
