"""The authentication endpoints, as routes for the emulator's app.

- `POST /services/oauth2/token`: the grants of `sfemu.auth.grants`
- `GET /services/oauth2/authorize`: web-server flow; auto-approves the default user and redirects with a code
  (`emulator_deny=1` makes it deny instead)
- `POST|GET /services/oauth2/revoke`: revoke an access or refresh token
- `GET|POST /services/oauth2/userinfo` and `GET /id/{orgId}/{userId}`: identity (`sfemu.auth.identity`)
- `POST /services/Soap/u/{version}`: SOAP login (`sfemu.auth.soap`)
"""

from __future__ import annotations

import base64
import binascii
import html
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from sfemu.auth.grants import DEFAULT_SCOPE, check_client_id, token_body
from sfemu.auth.identity import identity, userinfo
from sfemu.auth.soap import soap_login
from sfemu.auth.tokens import PKCE_METHODS, Grant, tokens_of
from sfemu.errors import OAuthError
from sfemu.org import Org
from sfemu.routing import body_of, route

ERROR_PAGE = "/setup/secur/RemoteAccessErrorPage.apexp"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def routes() -> list[BaseRoute]:
    return [
        route("/services/oauth2/token", token, methods=["POST"]),
        route("/services/oauth2/authorize", authorize, methods=["GET", "POST"]),
        route("/services/oauth2/revoke", revoke, methods=["GET", "POST"]),
        route("/services/oauth2/userinfo", userinfo, methods=["GET", "POST"]),
        route("/id/{org_id}/{user_id}", identity, methods=["GET", "POST"]),
        route("/services/Soap/u/{version}", soap_login, methods=["POST"]),
        route(ERROR_PAGE, error_page, methods=["GET"]),
    ]


def token(request: Request) -> Response:
    params = _params(request)
    body = token_body(request.app.state.org, params, _basic_credentials(request), request.url.hostname or "")
    return JSONResponse(body, headers=_NO_STORE)


def authorize(request: Request) -> Response:
    """Auto-approve: 302 to `redirect_uri?code=...&state=...`, or to an error as Salesforce sends it."""
    org: Org = request.app.state.org
    params = _params(request)
    try:
        client_id = check_client_id(org, params.get("client_id"))
    except OAuthError as exc:
        return _error_page_redirect(org, exc.error, exc.description)
    redirect_uri = params.get("redirect_uri", "")
    if urlsplit(redirect_uri).scheme not in ("http", "https") or not urlsplit(redirect_uri).netloc:
        return _error_page_redirect(org, "redirect_uri_mismatch", "redirect_uri must match configuration")
    state = params.get("state")
    if params.get("response_type") != "code":
        return _redirect(
            redirect_uri,
            error="unsupported_response_type",
            error_description="response type not supported",
            state=state,
        )
    method = params.get("code_challenge_method")
    if method is not None and method not in PKCE_METHODS:
        return _redirect(
            redirect_uri,
            error="invalid_request",
            error_description="invalid code_challenge_method",
            state=state,
        )
    if params.get("emulator_deny") in ("1", "true"):
        return _redirect(
            redirect_uri,
            error="access_denied",
            error_description="end-user denied authorization",
            state=state,
        )
    grant = Grant(org.user_id, client_id, params.get("scope") or DEFAULT_SCOPE)
    code = tokens_of(org).issue_code(
        grant,
        redirect_uri=redirect_uri,
        code_challenge_method=method,
        code_challenge=params.get("code_challenge"),
    )
    return _redirect(redirect_uri, code=code, state=state)


def revoke(request: Request) -> Response:
    """200 with an empty body, or 400 `invalid_token` for a token that is unknown or already revoked."""
    params = _params(request)
    value = params.get("token")
    if not value:
        raise OAuthError(400, "invalid_request", "missing required parameter: token")
    if not tokens_of(request.app.state.org).revoke(value):
        raise OAuthError(400, "invalid_token", "invalid token")
    return Response(status_code=200, headers=_NO_STORE)


def error_page(request: Request) -> Response:
    error = html.escape(request.query_params.get("error", "unknown_error"))
    description = html.escape(request.query_params.get("error_description", ""))
    return HTMLResponse(
        "<html><head><title>Remote Access Error</title></head><body>"
        f"<h1>Remote Access Error</h1><p>error={error}</p>"
        f"<p>error_description={description}</p></body></html>",
        status_code=400,
    )


def _params(request: Request) -> dict[str, str]:
    """Query parameters, overridden by an urlencoded body (Salesforce accepts either)."""
    params = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "application/x-www-form-urlencoded")
        if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            body = body_of(request).decode("utf-8", "replace")
            params.update(parse_qsl(body, keep_blank_values=True))
    return params


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(400, "invalid_client", "invalid client credentials") from None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def _redirect(uri: str, **params: str | None) -> Response:
    parts = urlsplit(uri)
    extra = urlencode({key: value for key, value in params.items() if value is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=302)


def _error_page_redirect(org: Org, error: str, description: str) -> Response:
    return _redirect(f"{org.config.base_url}{ERROR_PAGE}", error=error, error_description=description)
