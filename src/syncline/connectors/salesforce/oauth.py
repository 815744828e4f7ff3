"""Salesforce's OAuth capability: the four connect modes as the API and the callback use them.

- `api`, `clientcredentials`: `connect` logs in without a person (and reads the username).
- `browser`: `begin` gives the authorize URL (PKCE S256); the callback's code goes to `complete`.
- `code`: as `browser`, but the person first enters a short code on syncline's own page.
"""

from __future__ import annotations

import dataclasses

from syncline.connectors.capabilities import Connected, OAuthApp, PendingAuthorization
from syncline.connectors.salesforce.check import (
    CHECK_OPTIONS,
    INTERACTIVE_MODES,
    connect_directly,
    needs_authorization,
)
from syncline.connectors.salesforce.client import (
    AuthorizationRequest,
    begin_authorization,
    complete_authorization,
)
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.connectors.upstreams import UpstreamPolicy

__all__ = ["SalesforceOAuth"]


class SalesforceOAuth:
    """`OAuthConnect` for Salesforce connections."""

    app_setting = "salesforce"

    def needs_authorization(self, config: SalesforceConfig) -> bool:
        return needs_authorization(config)

    def is_interactive(self, config: SalesforceConfig) -> bool:
        return config.connect_mode in INTERACTIVE_MODES

    def uses_user_code(self, config: SalesforceConfig) -> bool:
        return config.connect_mode == "code"

    def connect(self, config: SalesforceConfig, *, upstreams: UpstreamPolicy) -> Connected:
        done = connect_directly(config, dataclasses.replace(CHECK_OPTIONS, upstreams=upstreams))
        return Connected(tokens=done.tokens, settings={"username": done.username})

    def begin(
        self, config: SalesforceConfig, redirect_uri: str, app: OAuthApp | None
    ) -> PendingAuthorization:
        pending = begin_authorization(config, redirect_uri, app=app)
        return PendingAuthorization(pending.url, pending.state, pending.code_verifier, pending.redirect_uri)

    def complete(
        self,
        config: SalesforceConfig,
        pending: PendingAuthorization,
        code: str,
        app: OAuthApp | None,
        *,
        upstreams: UpstreamPolicy,
    ) -> Connected:
        request = AuthorizationRequest(
            pending.url, pending.state, pending.code_verifier, pending.redirect_uri
        )
        options = dataclasses.replace(CHECK_OPTIONS, upstreams=upstreams)
        done = complete_authorization(config, request, code=code, app=app, options=options)
        settings = {"username": done.username, "oauth_refresh_token": done.tokens.refresh_token}
        return Connected(tokens=done.tokens, settings=settings)
