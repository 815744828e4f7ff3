"""Refused OAuth calls → the `OAuthError` family, keeping Salesforce's `error` and `error_description`."""

from __future__ import annotations

import socket

import httpx

from syncline.connectors.salesforce.errors import (
    AuthorizationFailed,
    DomainUnreachable,
    InvalidClientCredentials,
    OAuthError,
    ReauthorizationRequired,
    SalesforceError,
    SalesforceUnavailable,
)

__all__ = ["NO_HTTP_ANSWER", "RECONNECT", "describe_transport_error", "oauth_error"]

RECONNECT = "Reconnect the connection (authorize again) to get a new refresh token."


NO_HTTP_ANSWER = (
    "no HTTP answer: the connection was refused, reset or closed, or the server there does not speak HTTP(S)"
)


def describe_transport_error(exc: httpx.TransportError) -> str:
    """Why a request got no answer, in words that do not tell a closed port from an open one that does
    not speak HTTP (no port scanning through a connection's domain or instance URL). Timeouts, names that
    do not resolve and untrusted certificates say so: none of them shows a port to be open."""
    text = str(exc) or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return f"its TLS certificate is not trusted: {text}"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if _unresolved(exc):
        return "the host name does not resolve"
    return NO_HTTP_ANSWER


def _unresolved(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror) or "Name or service not known" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def oauth_error(response: httpx.Response, base_url: str) -> SalesforceError:
    """The error for a refused OAuth call, by Salesforce's `error` and `error_description`."""
    try:
        body = response.json()
        error, description = str(body["error"]), str(body.get("error_description") or "")
    except (ValueError, KeyError, TypeError):
        return DomainUnreachable(
            base_url,
            f"HTTP {response.status_code} and no Salesforce OAuth answer; is this a Salesforce login host?",
        )
    status = response.status_code
    if error == "invalid_client_id":
        return InvalidClientCredentials(
            error,
            description,
            "Check client_id: it must be the consumer key of a connected app in this org.",
            status=status,
        )
    if error == "invalid_client":
        return InvalidClientCredentials(
            error,
            description,
            "Check client_id and client_secret: they must be the connected app's consumer key and secret.",
            status=status,
        )
    if error == "invalid_grant":
        return _invalid_grant(description, status)
    if error == "unsupported_grant_type":
        return OAuthError(
            error,
            description,
            "Enable this OAuth flow (e.g. the client-credentials flow) on the connected app.",
            status=status,
        )
    if error in ("inactive_user", "inactive_org"):
        return OAuthError(
            error,
            description,
            "Reactivate the Salesforce user or org, or reconnect as another user.",
            status=status,
        )
    if error == "rate_limit_exceeded":
        return SalesforceUnavailable(
            f"Salesforce throttled logins ({description})", attempts=1, status=status
        )
    return OAuthError(error, description, "Check the connection's settings and reconnect.", status=status)


def _invalid_grant(description: str, status: int) -> OAuthError:
    text = description.lower()
    if "authorization code" in text or "code verifier" in text or "redirect_uri" in text:
        return AuthorizationFailed(
            "invalid_grant", description, "Start the authorization again.", status=status
        )
    if "not supported on this domain" in text:
        return OAuthError(
            "invalid_grant",
            description,
            "Set domain to the org's My Domain (e.g. acme.my.salesforce.com).",
            status=status,
        )
    if "hasn't approved" in text:
        return ReauthorizationRequired(
            "invalid_grant",
            description,
            "Approve the connected app for this user (or pre-authorize it), then reconnect.",
            status=status,
        )
    if "expired access/refresh token" in text:
        return ReauthorizationRequired(
            "invalid_grant",
            description,
            "The refresh token was revoked, expired or already rotated away. " + RECONNECT,
            status=status,
        )
    return ReauthorizationRequired("invalid_grant", description, RECONNECT, status=status)
