"""The interactive part of OAuth: the authorize URL (web-server flow, PKCE S256, state) and its callback."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from syncline.connectors.salesforce.client.domain import LoginEndpoints
from syncline.connectors.salesforce.errors import AuthorizationFailed

__all__ = ["DEFAULT_SCOPE", "AuthorizationRequest", "authorization_request", "parse_callback"]

DEFAULT_SCOPE = "api refresh_token offline_access"


@dataclass(frozen=True)
class AuthorizationRequest:
    """One interactive authorization in flight: send the user to `url`, keep the rest for the callback.

    Attributes:
        url: The authorize URL (response_type=code, PKCE S256, state, redirect_uri, scope).
        state: The anti-forgery value the callback must echo.
        code_verifier: The PKCE secret `exchange_code` sends with the code.
        redirect_uri: Where Salesforce sends the user back; the exchange must repeat it.
    """

    url: str
    state: str
    code_verifier: str
    redirect_uri: str


def parse_callback(callback_url: str, expected_state: str) -> str:
    """The authorization code from the redirect Salesforce sent the user to.

    Raises:
        AuthorizationFailed: The user denied access, Salesforce reported an error, the state does not
            match (a forged or stale callback) or there is no code.
    """
    query = {key: values[0] for key, values in parse_qs(urlsplit(callback_url).query).items()}
    if "error" in query:
        raise AuthorizationFailed(
            query["error"],
            query.get("error_description", ""),
            "Start the authorization again and approve access.",
        )
    if not secrets.compare_digest(query.get("state", ""), expected_state):
        raise AuthorizationFailed(
            "state_mismatch", "the callback's state does not match", "Start the authorization again."
        )
    if not query.get("code"):
        raise AuthorizationFailed(
            "missing_code", "the callback has no code", "Start the authorization again."
        )
    return query["code"]


def authorization_request(
    endpoints: LoginEndpoints,
    client_id: str,
    redirect_uri: str,
    *,
    scope: str = DEFAULT_SCOPE,
    prompt: str | None = None,
) -> AuthorizationRequest:
    """An authorize URL (web-server flow, PKCE S256, fresh state) for `client_id`; nothing is sent."""
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(24)
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if prompt:
        params["prompt"] = prompt
    url = f"{endpoints.authorize_url}?{urlencode(params)}"
    return AuthorizationRequest(url=url, state=state, code_verifier=verifier, redirect_uri=redirect_uri)
