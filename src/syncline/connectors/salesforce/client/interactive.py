"""The `browser` and `code` connect modes: authorize once interactively, then run on the refresh token.

    pending = begin_authorization(config, redirect_uri, app=syncline_app)   # no network
    # ... the user opens pending.url, approves, lands on redirect_uri?code=...&state=...
    done = complete_authorization(config, pending, callback_url=landed_url, app=syncline_app)
    store.save(done.tokens); config.username = done.username

In `code` mode the user pastes the code instead: `complete_authorization(config, pending, code=...)`.
Keep `pending` (state, PKCE verifier, redirect URI) server-side between the two calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from syncline.connectors.credentials import StoredTokens
from syncline.connectors.salesforce.client.authorize import (
    DEFAULT_SCOPE,
    AuthorizationRequest,
    authorization_request,
    parse_callback,
)
from syncline.connectors.salesforce.client.connect import (
    ClientOptions,
    OAuthApp,
    build_http_client,
    connected_app,
    oauth_client,
)
from syncline.connectors.salesforce.client.domain import login_endpoints
from syncline.connectors.salesforce.config import SalesforceConfig

__all__ = ["Authorization", "begin_authorization", "complete_authorization"]


@dataclass(frozen=True)
class Authorization:
    """A completed authorization.

    Attributes:
        tokens: Persist these (the refresh token above all) in the connection's credential store.
        username: The authorizing user's username, for the connection's read-only `username`.
    """

    tokens: StoredTokens
    username: str


def begin_authorization(
    config: SalesforceConfig,
    redirect_uri: str,
    *,
    app: OAuthApp | None = None,
    scope: str = DEFAULT_SCOPE,
    prompt: str | None = None,
) -> AuthorizationRequest:
    """The authorize URL to send the user to, with fresh PKCE (S256) and state; sends nothing.

    Raises:
        InvalidDomain, MissingCredentials: The connection cannot be authorized as configured.
    """
    chosen = connected_app(config, app)
    return authorization_request(
        login_endpoints(config.domain), chosen.client_id, redirect_uri, scope=scope, prompt=prompt
    )


def complete_authorization(
    config: SalesforceConfig,
    pending: AuthorizationRequest,
    *,
    callback_url: str | None = None,
    code: str | None = None,
    app: OAuthApp | None = None,
    options: ClientOptions | None = None,
) -> Authorization:
    """Exchange the code (from `callback_url`, state checked, or `code`) for tokens; read the user.

    Raises:
        AuthorizationFailed: Denied, state mismatch, or an invalid/expired code.
        SalesforceError: Any other refusal (see `errors.py`).
    """
    if code is None:
        if callback_url is None:
            msg = "complete_authorization needs callback_url or code"
            raise ValueError(msg)
        code = parse_callback(callback_url, pending.state)
    options = options or ClientOptions()
    with build_http_client(options) as http:
        oauth = oauth_client(config, http=http, app=app, retry=options.retry)
        answer = oauth.exchange_code(
            code, redirect_uri=pending.redirect_uri, code_verifier=pending.code_verifier
        )
        info = oauth.userinfo(answer.access_token)
    tokens = StoredTokens(
        refresh_token=answer.refresh_token,
        access_token=answer.access_token,
        instance_url=answer.instance_url,
        issued_at=answer.issued_at,
        id_url=answer.id_url,
    )
    return Authorization(tokens=tokens, username=str(info.get("preferred_username") or ""))
