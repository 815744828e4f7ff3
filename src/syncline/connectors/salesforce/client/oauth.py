"""Salesforce's OAuth 2.0 endpoints on the login host: the grants, PKCE, userinfo, revoke.

Every connect mode ends in one of two grants at run time: `refresh_token` (`api`, and `browser`/`code`
once their authorization code was exchanged) or `client_credentials`. The interactive modes are built
from `authorize.py` (a PKCE S256 authorize URL with a fresh state, `parse_callback`) and
`exchange_code`; how the user gets to the URL and back is the API layer's business.

Token refusals become the `OAuthError` subclasses of `errors.py`, with Salesforce's `error` and
`error_description` kept and the fix spelled out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from syncline.connectors.salesforce.client.authorize import (
    DEFAULT_SCOPE,
    AuthorizationRequest,
    authorization_request,
)
from syncline.connectors.salesforce.client.domain import LoginEndpoints, is_legacy_login_host
from syncline.connectors.salesforce.client.oauth_errors import (
    RECONNECT,
    describe_transport_error,
    oauth_error,
)
from syncline.connectors.salesforce.client.retry import RetryPolicy
from syncline.connectors.salesforce.errors import (
    DomainUnreachable,
    InvalidDomain,
    ReauthorizationRequired,
    SalesforceUnavailable,
)
from syncline.connectors.upstreams import UpstreamNotAllowed

__all__ = ["OAuthClient", "TokenResponse"]


@dataclass(frozen=True)
class TokenResponse:
    """A successful token answer.

    Attributes:
        access_token: The session id for API calls.
        instance_url: The org's instance, where data calls go.
        issued_at: Seconds since the epoch (Salesforce sends milliseconds as a string; None if absent).
        refresh_token: A new refresh token (code exchange, or a refresh with rotation on), else None.
        id_url: The identity URL.
        scope: The granted scopes.
    """

    access_token: str
    instance_url: str
    issued_at: float | None = None
    refresh_token: str | None = None
    id_url: str | None = None
    scope: str | None = None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> TokenResponse:
        issued = body.get("issued_at")
        try:
            issued_at = int(issued) / 1000 if issued is not None else None
        except (TypeError, ValueError):
            issued_at = None
        return cls(
            access_token=str(body["access_token"]),
            instance_url=str(body["instance_url"]).rstrip("/"),
            issued_at=issued_at,
            refresh_token=body.get("refresh_token") or None,
            id_url=body.get("id"),
            scope=body.get("scope"),
        )


class OAuthClient:
    """Calls to one login host on behalf of one connected app.

    Args:
        endpoints: The login host (`login_endpoints(config.domain)`).
        client_id: The connected app's consumer key.
        client_secret: Its consumer secret (None for a public PKCE client).
        http: The httpx client to send with (its transport, TLS and timeouts are used as they are).
        retry: Retries for connection failures and 5xx/429 answers.
    """

    def __init__(
        self,
        endpoints: LoginEndpoints,
        *,
        client_id: str,
        client_secret: str | None,
        http: httpx.Client,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.client_id = client_id
        self.client_secret = client_secret
        self._http = http
        self._retry = retry or RetryPolicy()

    # --- grants ----------------------------------------------------------------------------------

    def refresh(self, refresh_token: str) -> TokenResponse:
        """The `refresh_token` grant. With rotation on, the answer carries the replacement token."""
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token, **self._client()})

    def client_credentials(self) -> TokenResponse:
        """The `client_credentials` grant; only My Domain hosts allow it."""
        if is_legacy_login_host(self.endpoints.base_url):
            raise InvalidDomain(
                self.endpoints.base_url,
                "the client-credentials flow only works on your org's My Domain, not on "
                "login.salesforce.com or test.salesforce.com",
            )
        return self._token({"grant_type": "client_credentials", **self._client()})

    def authorization_request(
        self, redirect_uri: str, *, scope: str = DEFAULT_SCOPE, prompt: str | None = None
    ) -> AuthorizationRequest:
        """An authorize URL with a fresh PKCE verifier (S256) and state; nothing is sent."""
        return authorization_request(self.endpoints, self.client_id, redirect_uri, scope=scope, prompt=prompt)

    def exchange_code(self, code: str, *, redirect_uri: str, code_verifier: str) -> TokenResponse:
        """The `authorization_code` grant with the PKCE verifier: access and refresh token."""
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
                **self._client(),
            }
        )

    # --- identity --------------------------------------------------------------------------------

    def userinfo(self, access_token: str) -> dict[str, Any]:
        """`GET /services/oauth2/userinfo`; `preferred_username` is the connection's `username`.

        Raises:
            ReauthorizationRequired: The access token is not valid (refresh it and call again).
        """
        response = self._send("GET", self.endpoints.userinfo_url, headers=_bearer(access_token))
        if response.status_code == httpx.codes.UNAUTHORIZED:
            raise ReauthorizationRequired(
                "INVALID_SESSION_ID", "session expired or invalid", RECONNECT, status=401
            )
        if response.is_error:
            raise oauth_error(response, self.endpoints.base_url)
        body: dict[str, Any] = response.json()
        return body

    def revoke(self, token: str) -> None:
        """Revoke a refresh token (and its access tokens) or an access token; unknown tokens are ignored."""
        self._send("POST", self.endpoints.revoke_url, data={"token": token})

    # --- plumbing --------------------------------------------------------------------------------

    def _client(self) -> dict[str, str]:
        fields = {"client_id": self.client_id}
        if self.client_secret:
            fields["client_secret"] = self.client_secret
        return fields

    def _token(self, form: dict[str, str]) -> TokenResponse:
        response = self._send("POST", self.endpoints.token_url, data=form)
        if response.is_error:
            raise oauth_error(response, self.endpoints.base_url)
        try:
            return TokenResponse.from_json(response.json())
        except (ValueError, KeyError, TypeError):
            raise DomainUnreachable(
                self.endpoints.base_url, "the token endpoint's answer is not Salesforce's"
            ) from None

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with retries on connection failures and 5xx/429; OAuth calls cost no API budget."""
        policy, started = self._retry, time.monotonic()
        for attempt in range(1, policy.max_attempts + 1):
            last = attempt == policy.max_attempts or time.monotonic() - started > policy.deadline
            try:
                response = self._http.request(method, url, **kwargs)
            except UpstreamNotAllowed as exc:
                exc.field = exc.field or "domain"
                raise
            except httpx.TransportError as exc:
                # A refresh whose answer was lost may have rotated the token: resend only unsent requests.
                if not last and policy.should_retry_exception(exc, idempotent=False):
                    time.sleep(policy.delay(attempt))
                    continue
                if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
                    raise SalesforceUnavailable(
                        f"OAuth call to {url} failed: {describe_transport_error(exc)}", attempts=attempt
                    ) from exc
                # Refused, reset or not HTTP: one answer, so a domain cannot probe which ports are open.
                raise DomainUnreachable(self.endpoints.base_url, describe_transport_error(exc)) from exc
            if response.status_code >= 500 or response.status_code in (420, 429):
                if not last:
                    time.sleep(policy.delay(attempt))
                    continue
                raise SalesforceUnavailable(
                    f"OAuth call to {url} answered HTTP {response.status_code}",
                    attempts=attempt,
                    status=response.status_code,
                )
            return response
        raise AssertionError("unreachable")  # pragma: no cover


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
