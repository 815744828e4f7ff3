"""The grant types of `POST /services/oauth2/token`: each checks its parameters and returns the JSON body.

Client authentication: `client_id`/`client_secret` in the form, or HTTP Basic. The secret is required
except for an authorization code issued with PKCE (a public client) and for the refresh-token grant,
where it is checked only when sent.

The JWT bearer grant checks the assertion's header (`alg` RS256) and claims (`iss` = client id,
`sub` = an active username, `aud` = a salesforce.com login host or the emulator's base URL, `exp`
in the future) but **not its signature**: the default connected app has no certificate to check it with.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from sfemu.auth.identity import identity_url
from sfemu.auth.tokens import AccessToken, Grant, tokens_of
from sfemu.auth.users import check_password, find_user
from sfemu.errors import OAuthError
from sfemu.org import Org

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_SCOPE = "api refresh_token"
LOGIN_HOSTS = ("login.salesforce.com", "test.salesforce.com")
AUTHENTICATION_FAILURE = "authentication failure"

Params = Mapping[str, str]
Credentials = tuple[str, str] | None  # (client_id, client_secret) from HTTP Basic


def token_body(org: Org, params: Params, basic: Credentials, host: str) -> dict[str, Any]:
    """The success body for a token request.

    Args:
        params: the form fields (and query parameters, which Salesforce also accepts).
        basic: client credentials from an `Authorization: Basic` header.
        host: the host the request was sent to (client credentials are refused on login hosts).

    Raises:
        OAuthError: with Salesforce's `error` and `error_description`.
    """
    grant_type = params.get("grant_type", "")
    handler = _GRANTS.get(grant_type)
    if handler is None:
        raise OAuthError(400, "unsupported_grant_type", "grant type not supported")
    return handler(org, params, basic, host)


def _password(org: Org, params: Params, basic: Credentials, _host: str) -> dict[str, Any]:
    client_id = _client(org, params, basic, secret_required=True)
    username, password = _required(params, "username"), _required(params, "password")
    user = find_user(org, username=username)
    if user is None or not check_password(org.config, username, password):
        raise OAuthError(400, "invalid_grant", AUTHENTICATION_FAILURE)
    access = tokens_of(org).issue_access_token(Grant(user.id, client_id, DEFAULT_SCOPE))
    return _body(org, access)


def _client_credentials(org: Org, params: Params, basic: Credentials, host: str) -> dict[str, Any]:
    client_id = _client(org, params, basic, secret_required=True)
    if host in LOGIN_HOSTS:
        raise OAuthError(400, "invalid_grant", "request not supported on this domain")
    access = tokens_of(org).issue_access_token(Grant(org.user_id, client_id, "api"))
    return _body(org, access, scope="api")


def _refresh_token(org: Org, params: Params, basic: Credentials, _host: str) -> dict[str, Any]:
    client_id = _client(org, params, basic, secret_required=False)
    presented = _required(params, "refresh_token")
    store = tokens_of(org)
    grant, rotated = store.refresh(presented, client_id)
    access = store.issue_access_token(grant, refresh_token=rotated or presented)
    return _body(org, access, refresh_token=rotated, scope=grant.scope)


def _authorization_code(org: Org, params: Params, basic: Credentials, _host: str) -> dict[str, Any]:
    client_id = _client(org, params, basic, secret_required=False)
    has_secret = bool(params.get("client_secret") or basic)
    store = tokens_of(org)
    grant = store.redeem_code(
        _required(params, "code"),
        client_id=client_id,
        redirect_uri=params.get("redirect_uri"),
        code_verifier=params.get("code_verifier"),
        public_client=not has_secret,
    )
    refresh = store.issue_refresh_token(grant) if _offline(grant.scope) else None
    access = store.issue_access_token(grant, refresh_token=refresh)
    return _body(org, access, refresh_token=refresh, scope=grant.scope)


def _jwt_bearer(org: Org, params: Params, _basic: Credentials, _host: str) -> dict[str, Any]:
    header, claims = _decode_jwt(_required(params, "assertion"))
    if header.get("alg") != "RS256":
        raise OAuthError(400, "invalid_grant", "invalid assertion")
    if claims.get("iss") != org.config.client_id:
        raise OAuthError(400, "invalid_client_id", "client identifier invalid")
    if not _valid_audience(org, claims.get("aud")):
        raise OAuthError(400, "invalid_grant", "audience is invalid")
    try:
        expires = float(claims["exp"])  # simple-salesforce sends it as a string
    except (KeyError, TypeError, ValueError):
        raise OAuthError(400, "invalid_grant", "invalid assertion") from None
    if expires <= time.time():
        raise OAuthError(400, "invalid_grant", "expired authorization code")
    user = find_user(org, username=str(claims.get("sub", "")))
    if user is None:
        raise OAuthError(400, "invalid_grant", "invalid assertion")
    access = tokens_of(org).issue_access_token(Grant(user.id, org.config.client_id, DEFAULT_SCOPE))
    # Salesforce's JWT responses carry neither `signature` nor `issued_at`.
    return {
        "access_token": access.value,
        "scope": access.grant.scope,
        "instance_url": org.config.base_url,
        "id": identity_url(org, user.id),
        "token_type": "Bearer",
    }


_GRANTS: dict[str, Callable[[Org, Params, Credentials, str], dict[str, Any]]] = {
    "password": _password,
    "client_credentials": _client_credentials,
    "refresh_token": _refresh_token,
    "authorization_code": _authorization_code,
    JWT_BEARER: _jwt_bearer,
}


def check_client_id(org: Org, client_id: str | None) -> str:
    if not client_id or client_id != org.config.client_id:
        raise OAuthError(400, "invalid_client_id", "client identifier invalid")
    return client_id


def _client(org: Org, params: Params, basic: Credentials, *, secret_required: bool) -> str:
    client_id, secret = basic if basic else (params.get("client_id"), params.get("client_secret"))
    check_client_id(org, client_id)
    if secret is None and not secret_required:
        return org.config.client_id
    if not secret or not hmac.compare_digest(secret.encode(), org.config.client_secret.encode()):
        raise OAuthError(400, "invalid_client", "invalid client credentials")
    return org.config.client_id


def _required(params: Params, name: str) -> str:
    value = params.get(name)
    if not value:
        raise OAuthError(400, "invalid_request", f"missing required parameter: {name}")
    return value


def _offline(scope: str) -> bool:
    return bool({"refresh_token", "offline_access", "full"} & set(scope.split()))


def _body(
    org: Org, access: AccessToken, *, refresh_token: str | None = None, scope: str | None = None
) -> dict[str, Any]:
    """The success body, in Salesforce's key order."""
    ident = identity_url(org, access.grant.user_id)
    issued_at = str(access.issued_at_ms)
    body: dict[str, Any] = {"access_token": access.value}
    if refresh_token:
        body["refresh_token"] = refresh_token
    body["signature"] = signature(org.config.client_secret, ident, issued_at)
    if scope:
        body["scope"] = scope
    body.update(instance_url=org.config.base_url, id=ident, token_type="Bearer", issued_at=issued_at)
    return body


def signature(client_secret: str, ident: str, issued_at: str) -> str:
    """base64(HMAC-SHA256(id + issued_at, client_secret)), with which clients may check a response."""
    mac = hmac.new(client_secret.encode(), (ident + issued_at).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def _decode_jwt(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    parts = assertion.split(".")
    if len(parts) != 3:
        raise OAuthError(400, "invalid_grant", "invalid assertion")
    try:
        header, claims = (
            json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))) for part in parts[:2]
        )
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise OAuthError(400, "invalid_grant", "invalid assertion") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise OAuthError(400, "invalid_grant", "invalid assertion")
    return header, claims


def _valid_audience(org: Org, audience: object) -> bool:
    audiences = audience if isinstance(audience, list) else [audience]
    for value in audiences:
        if not isinstance(value, str):
            continue
        if value.rstrip("/") == org.config.base_url:
            return True
        parts = urlsplit(value)
        if parts.scheme == "https" and (parts.hostname or "").endswith(".salesforce.com"):
            return True
    return False
