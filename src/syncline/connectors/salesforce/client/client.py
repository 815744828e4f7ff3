"""`SalesforceClient`: one connection's API surface (REST, Bulk 2.0, Bulk 1.0, Tooling) over one session.

with SalesforceClient.from_config(config, credentials=store, budget=budget) as sf:
    sf.username()                                   # userinfo.preferred_username
    for batch in sf.bulk2.query("SELECT Id, Name FROM Account"):
        ...
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

from syncline.connectors.credentials import (
    CredentialStore,
    InMemoryCredentialStore,
    StoredTokens,
)
from syncline.connectors.salesforce.client.auth import TokenManager
from syncline.connectors.salesforce.client.budget import CallBudget
from syncline.connectors.salesforce.client.bulk1 import Bulk1Api
from syncline.connectors.salesforce.client.bulk2 import Bulk2Api
from syncline.connectors.salesforce.client.connect import (
    ClientOptions,
    OAuthApp,
    build_http_client,
    oauth_client,
    token_source,
)
from syncline.connectors.salesforce.client.http import SalesforceHttp
from syncline.connectors.salesforce.client.oauth import OAuthClient
from syncline.connectors.salesforce.client.rest import RestApi
from syncline.connectors.salesforce.client.tooling import ToolingApi
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.connectors.salesforce.errors import ReauthorizationRequired

__all__ = ["SalesforceClient"]


class SalesforceClient:
    """The APIs of one Salesforce connection, sharing its tokens, budget, retries and HTTP pool.

    Attributes:
        rest: describeGlobal, describe, query, limits, sObject Collections.
        bulk2: Bulk API 2.0 query (Arrow) and ingest.
        bulk1: Bulk API 1.0 (Serial mode, chosen batch sizes, PK chunking).
        tooling: The Tooling API.
        tokens: The connection's `TokenManager`.
        http: The `SalesforceHttp` under all of them (its `sent` counts budgeted calls).
        oauth: The login-host client (token grants, userinfo, revoke).
    """

    def __init__(
        self, http: SalesforceHttp, oauth: OAuthClient, *, options: ClientOptions, owned: httpx.Client
    ):
        self.http = http
        self.oauth = oauth
        self.tokens = http.tokens
        self.rest = RestApi(http)
        self.bulk2 = Bulk2Api(http, poll=options.poll, sleep=options.sleep)
        self.bulk1 = Bulk1Api(http, poll=options.poll, sleep=options.sleep)
        self.tooling = ToolingApi(http)
        self._owned = owned

    @classmethod
    def from_config(
        cls,
        config: SalesforceConfig,
        *,
        credentials: CredentialStore | None = None,
        budget: CallBudget | None = None,
        options: ClientOptions | None = None,
        app: OAuthApp | None = None,
    ) -> SalesforceClient:
        """A client for a validated connection configuration. Nothing is sent until the first call.

        Args:
            credentials: The connection's token store; an in-memory one seeded with
                `config.oauth_refresh_token` when None. The store's refresh token wins over the config's.
            budget: The connection's API-call budget; unlimited when None.
            options: Transport, TLS, retries, polling, API version, session lifetime.
            app: The connected app to use instead of `config.client_id`/`client_secret` (syncline's own
                app for `browser`/`code` connections).

        Raises:
            InvalidDomain: The domain setting is unusable.
            MissingCredentials: The connect mode needs a client id or secret that is missing.
        """
        options = options or ClientOptions()
        owned = build_http_client(options)
        try:
            oauth = oauth_client(config, http=owned, app=app, retry=options.retry)
        except Exception:
            owned.close()
            raise
        store = credentials
        if store is None:
            store = InMemoryCredentialStore(StoredTokens(refresh_token=config.oauth_refresh_token))
        tokens = TokenManager(
            token_source(config, oauth),
            store,
            session_lifetime=options.session_lifetime,
            refresh_margin=options.refresh_margin,
            instance_url_override=config.instance_url_override,
            fallback_refresh_token=config.oauth_refresh_token,
        )
        http = SalesforceHttp(
            tokens,
            client=owned,
            api_version=options.api_version,
            budget=budget,
            retry=options.retry,
            sleep=options.sleep,
        )
        return cls(http, oauth, options=options, owned=owned)

    def userinfo(self) -> dict[str, Any]:
        """OIDC userinfo of the connected user (an OAuth call: not counted against the budget)."""
        session = self.tokens.session()
        try:
            return self.oauth.userinfo(session.access_token)
        except ReauthorizationRequired:
            return self.oauth.userinfo(self.tokens.invalidate(session.access_token).access_token)

    def username(self) -> str:
        """The connected user's username (`preferred_username`): the connection's `username` setting."""
        return str(self.userinfo()["preferred_username"])

    def close(self) -> None:
        self._owned.close()

    def __enter__(self) -> SalesforceClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
