"""The session check every REST and Bulk handler makes: one header, one indexed lookup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request

from sfemu.auth.tokens import tokens_of
from sfemu.errors import InvalidSessionId

if TYPE_CHECKING:
    from sfemu.org import Org

_SCHEMES = ("bearer ", "oauth ")


@dataclass(frozen=True)
class Session:
    user_id: str
    client_id: str


def authenticate(request: Request) -> Session:
    """The session of `Authorization: Bearer|OAuth <token>` or `X-SFDC-Session: <token>` (Bulk 1.0).

    Raises:
        SalesforceError: 401 `INVALID_SESSION_ID` when the token is missing, unknown or expired.
    """
    return session_for(request.app.state.org, request_token(request))


def request_token(request: Request) -> str | None:
    """The access token a request carries in its headers, if any."""
    header = request.headers.get("authorization")
    if header:
        for scheme in _SCHEMES:
            if header[: len(scheme)].lower() == scheme:
                return header[len(scheme) :].strip() or None
        return None
    session = request.headers.get("x-sfdc-session")
    # Bulk 1.0 clients send the bare session id; some add a `Bearer ` prefix to it anyway.
    if session and session[:7].lower() == "bearer ":
        session = session[7:]
    return session.strip() if session else None


def session_for(org: Org, token: str | None) -> Session:
    """The session of a token, or 401 `INVALID_SESSION_ID`."""
    grant = tokens_of(org).validate(token) if token else None
    if grant is None:
        raise InvalidSessionId()
    return Session(user_id=grant.user_id, client_id=grant.client_id)
